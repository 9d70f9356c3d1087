"""Running checkov over a folder, offline, and reading its output into a report."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType

from wizard.scan.repo import sarif_base
from wizard.scan.report import (
    Progress,
    ScanCancelled,
    ScanError,
    ScanReport,
    _display,
    _safe_repr,
    _tail,
    report_from_checkov_json,
)

# --------------------------------------------------------------------------------------------
# Running checkov
# --------------------------------------------------------------------------------------------

#: The checkov release guardform is tested with (and provisions when none is given).
PINNED_CHECKOV_VERSION = "3.3.30"

#: How long one checkov run may take before it is killed, in seconds.  A generated stack scans in
#: well under a minute on a 2-core machine; ten minutes leaves room for large hand-written folders.
DEFAULT_SCAN_TIMEOUT_S = 600.0
#: Overrides DEFAULT_SCAN_TIMEOUT_S: a number of seconds, or 0 for no limit.
SCAN_TIMEOUT_ENV_VAR = "GUARDFORM_SCAN_TIMEOUT"

# Folders checkov does not descend into (its default ignore list; it also skips hidden folders).
_NOT_SCANNED_DIRS = frozenset({"node_modules", ".terraform", ".serverless"})
# After SIGTERM, how long checkov gets to exit before SIGKILL.
_TERMINATE_GRACE_S = 2.0
# How often a running scan looks at its cancel event.
_POLL_S = 0.2


# Environment variables checkov (or its argument parser) reads that could change what it checks,
# send data somewhere, or make it download things.  Stripped before every run.
_STRIP_PREFIXES = ("BC_", "CKV_", "CHECKOV_", "PRISMA_")
_STRIP_NAMES = frozenset({"DOWNLOAD_EXTERNAL_MODULES", "EXTERNAL_MODULES_DIR", "LOG_LEVEL", "PYTHONPATH", "PYTHONHOME"})


def _checkov_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment checkov runs in: no API key or checkov settings from the caller, no
    PYTHONPATH (another ``hcl2`` package on it would break checkov's parser), no update check."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith(_STRIP_PREFIXES) and k not in _STRIP_NAMES}
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "true"  # no PyPI "new version" lookup
    env["BC_SKIP_MAPPING"] = "TRUE"  # no platform mapping download
    env["LOG_LEVEL"] = "WARNING"  # keep ERROR lines (check errors), drop the chatter
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _config_file_notes(root: Path) -> list[str]:
    """checkov reads .checkov.yaml/.yml from the scanned folder, the working folder (we run it in
    the scanned folder) and the home folder; such settings (skip-check, soft-fail…) change results."""
    notes = []
    candidates = [root]
    with contextlib.suppress(RuntimeError):
        candidates.append(Path.home())
    for folder in candidates:
        for name in (".checkov.yaml", ".checkov.yml"):
            cfg = folder / name
            if cfg.is_file():
                notes.append(f"checkov reads settings from {_display(cfg)}; they can change which checks run")
    return notes


def _check_external_dir(path: Path) -> Path:
    resolved = path.expanduser().resolve()
    if not resolved.is_dir():
        raise ScanError(f"external checks folder {path} does not exist or is not a folder")
    for folder, _dirs, files in os.walk(resolved):
        has_checks = any(f.endswith(".py") and f != "__init__.py" and not f.startswith(".") for f in files)
        if has_checks and "__init__.py" not in files:
            raise ScanError(
                f"external checks folder {folder} has Python checks but no __init__.py; "
                "checkov silently ignores Python checks in such folders, so add an empty __init__.py"
            )
    return resolved


def _load_json_output(out_dir: Path, stdout: str) -> object:
    """checkov writes results_json.json into --output-file-path (and the same to stdout)."""
    result_file = out_dir / "results_json.json"
    try:
        text = result_file.read_text(encoding="utf-8", errors="replace") if result_file.is_file() else stdout
    except OSError as exc:
        raise ScanError(f"checkov's JSON output cannot be read: {exc}") from exc
    if not text.strip():
        raise ScanError("checkov wrote no JSON output")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScanError(f"checkov's JSON output cannot be read ({exc}):\n{_tail(text[:4000], 10)}") from exc
    except RecursionError:
        raise ScanError(
            "checkov's JSON output cannot be read: it is nested too deeply to be a checkov report"
        ) from None
    except ValueError as exc:  # an integer too long to convert (int_max_str_digits), say
        raise ScanError(f"checkov's JSON output cannot be read: {exc}") from None


def tf_files(root: Path) -> list[Path]:
    """The .tf files checkov's terraform framework reads under ``root`` (hidden folders,
    ``.terraform`` and ``node_modules`` are not scanned)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_SCANNED_DIRS)
        found.extend(Path(folder) / f for f in sorted(files) if f.endswith(".tf"))
    return found


def scan_timeout(explicit: float | None = None) -> float | None:
    """The timeout for one checkov run in seconds (None: no limit): ``explicit`` when given (the
    CLI's option), else $GUARDFORM_SCAN_TIMEOUT, else DEFAULT_SCAN_TIMEOUT_S.  0 means no limit."""
    if explicit is not None:
        value, origin = float(explicit), "the scan timeout"
    else:
        raw = os.environ.get(SCAN_TIMEOUT_ENV_VAR, "").strip()
        if not raw:
            return DEFAULT_SCAN_TIMEOUT_S
        origin = f"{SCAN_TIMEOUT_ENV_VAR}={raw!r}"
        try:
            value = float(raw)
        except ValueError:
            raise ScanError(f"{origin} is not a number of seconds (use 0 for no limit)") from None
    if math.isnan(value) or value < 0:
        raise ScanError(f"{origin} must be a number of seconds, 0 or more (0: no limit)")
    return None if value == 0 or math.isinf(value) else value


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Stop checkov and everything it started (it runs in its own session, so its process group
    id is its pid): SIGTERM, then SIGKILL.  Also when checkov itself has exited but left children
    behind (they would hold its output pipes open)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break  # nothing left in the group
        try:
            proc.wait(_TERMINATE_GRACE_S if sig == signal.SIGTERM else 10.0)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            # checkov is gone; anything of its group that ignored SIGTERM goes now.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        break


class _Terminated(BaseException):
    """SIGTERM arrived during a scan while no handler of the caller's was installed."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While a scan runs, make SIGTERM unwind the stack (so temporary folders are removed and
    checkov is stopped) instead of killing the process on the spot, then exit 143 as SIGTERM would.
    Only when SIGTERM has its default action and we are on the main thread: a handler the caller
    installed (the CLI's) is left alone."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) not in (
        signal.SIG_DFL,
        None,
    ):
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, previous)
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(cmd: list[str], *, cwd: Path, timeout: float | None, cancel: threading.Event | None) -> tuple[int, str, str]:
    """Run checkov in its own process group; kill the whole group on timeout, cancel or any
    exception (SIGTERM/SIGINT included).  Returns (exit code, stdout, stderr)."""
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=_checkov_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise ScanError(f"checkov not found at {cmd[0]}: {exc}") from exc
    except (PermissionError, OSError) as exc:
        raise ScanError(f"checkov at {cmd[0]} cannot be run: {exc}") from exc
    deadline = None if timeout is None else time.monotonic() + timeout
    finished = False
    try:
        while True:
            wait = _POLL_S if cancel is not None else None
            if deadline is not None:
                left = max(0.0, deadline - time.monotonic())
                wait = left if wait is None else min(wait, left)
            try:
                stdout, stderr = proc.communicate(timeout=wait)
                finished = True
                return proc.returncode, stdout, stderr
            except subprocess.TimeoutExpired:
                pass
            if cancel is not None and cancel.is_set():
                raise ScanCancelled("the scan was cancelled; checkov was stopped")
            if deadline is not None and time.monotonic() >= deadline:
                raise ScanError(
                    f"checkov did not finish within {timeout:g} s and was stopped. A hung checkov, or a very "
                    f"large folder: set {SCAN_TIMEOUT_ENV_VAR} to more seconds (0 for no limit)."
                )
    finally:
        if not finished:
            _kill_group(proc)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def scan(
    directory: Path,
    *,
    checkov: Path,
    external_checks_dirs: Sequence[Path] = (),
    progress: Progress | None = None,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
) -> ScanReport:
    """Run checkov over ``directory`` (Terraform only, offline) and return its findings.

    ``timeout`` is in seconds (None: $GUARDFORM_SCAN_TIMEOUT, else DEFAULT_SCAN_TIMEOUT_S; 0: no
    limit).  Setting ``cancel`` from another thread stops checkov (its whole process group) within
    a fraction of a second and raises ScanCancelled.

    Raises ScanError when the folder has no .tf files, or checkov cannot be started, crashes,
    times out, or its output is not readable JSON.  Failed checks and parse errors are not
    exceptions: they are in the report.
    """
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise ScanError(f"cannot scan {directory}: it is not a folder")
    if not tf_files(root):
        raise ScanError(
            f"no .tf files in {directory}: there is no Terraform to scan (check the path; hidden folders, "
            ".terraform and node_modules are not scanned)"
        )
    limit = scan_timeout(timeout)
    ext_dirs = [_check_external_dir(Path(d)) for d in external_checks_dirs]
    if progress:
        progress(f"Scanning {_display(root)} with checkov…")

    with _sigterm_unwinds(), tempfile.TemporaryDirectory(prefix="guardform-scan-") as tmp:
        out_dir = Path(tmp)
        cmd = [
            str(checkov),
            "--directory", str(root),
            "--framework", "terraform",
            "--output", "json",
            "--output-file-path", str(out_dir),
            "--skip-download",
            "--download-external-modules", "false",
            "--compact",
        ]  # fmt: skip
        for ext in ext_dirs:
            cmd += ["--external-checks-dir", str(ext)]
        returncode, stdout, stderr = _run(cmd, cwd=root, timeout=limit, cancel=cancel)

        # checkov exits 0 when nothing failed and 1 when checks failed; anything else is a crash.
        if returncode not in (0, 1):
            raise ScanError(
                f"checkov crashed (exit code {returncode}) while scanning {root}:\n{_tail(stderr or stdout)}"
            )
        try:
            data = _load_json_output(out_dir, stdout)
        except ScanError as exc:
            raise ScanError(
                f"{exc}\ncheckov exited with code {returncode}; its log ends with:\n{_tail(stderr)}"
            ) from None

    notes = _config_file_notes(root)
    try:
        report = report_from_checkov_json(data, root, stderr=stderr, notes=notes)
    except RecursionError:
        raise ScanError(f"checkov's JSON output is nested too deeply to be a report: {_safe_repr(data)}") from None
    if report.checkov_version not in (PINNED_CHECKOV_VERSION, "unknown"):
        version_note = (
            f"checkov {report.checkov_version} is not the version guardform is tested with "
            f"({PINNED_CHECKOV_VERSION}); results may differ"
        )
        report = dataclasses.replace(report, notes=(version_note, *report.notes))
    return dataclasses.replace(report, base=sarif_base(root))
