"""How long the wizard takes to show its first screen, measured like a user would see it.

Runs ``guardform wizard`` (``python -m wizard wizard``) in a pseudo-terminal of 100x30, starts the clock
just before the process is started, and stops it when the first screen's text has been written to the
terminal. Then it quits the wizard with Ctrl+Q. Repeats a few times and prints the figures.

Usage: .venv/bin/python scripts/bench_wizard_startup.py [--runs N] [--answers FILE]
(POSIX only: it needs a pseudo-terminal.) Not a test: it prints the figure, it does not judge it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>PX^_]|\x1b[()][0-9A-Za-z]")


def first_screen_seconds(cmd: list[str], marker: bytes, timeout: float = 20.0) -> float:
    """Seconds from starting ``cmd`` in a 100x30 pseudo-terminal until ``marker`` appears on it."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: the wizard, with the pty as its terminal
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("NO_COLOR", None)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = b""
    elapsed: float | None = None
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in ANSI.sub(b"", seen):
                elapsed = time.perf_counter() - start
                break
        if elapsed is None:
            raise RuntimeError(f"the first screen did not appear within {timeout} s; output ends with "
                               f"{ANSI.sub(b'', seen)[-300:]!r}")
        os.write(fd, b"\x11")  # Ctrl+Q: nothing was changed, so the wizard quits without asking
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--answers", type=Path, default=None,
                        help="open this answers file (the first screen is then the prefilled Project screen)")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="guardform-bench-"))
    cmd = [sys.executable, "-m", "wizard", "wizard", "--out", str(out)]
    marker = b"Start with new answers"
    if args.answers is not None:
        cmd += ["--answers", str(args.answers.resolve())]
        marker = b"What the stack is called"
    os.chdir(REPO)
    first_screen_seconds(cmd, marker)  # warm the OS file cache and Python's bytecode cache
    figures = [first_screen_seconds(cmd, marker) for _ in range(args.runs)]
    print(f"guardform wizard{' --answers ' + str(args.answers) if args.answers else ''}: first screen after "
          f"median {statistics.median(figures):.3f} s (min {min(figures):.3f}, max {max(figures):.3f}, "
          f"{args.runs} runs, 100x30 pseudo-terminal, Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
