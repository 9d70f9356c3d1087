"""Exit codes a shell and a CI runner see when guardform is stopped, with real processes and real signals:
Ctrl+C (SIGINT) is 130 with one line and SIGTERM is 143, never click's "Aborted!" and 1 (the scan-findings
code); either way the scan's temporary copies are gone, checkov is stopped, and the stack folder holds the
old tree or the complete new one. A second run waits for the first's lock and says so."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli_integrations import checkov_script
from tests.test_scan_robust import gone, wait_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "internal-training.yaml"


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """`guardform ARGS` in its own process, its temporary files under tmp_path/tmp, stderr to a file."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp), "NO_COLOR": "1"}
    env.pop("GUARDFORM_CHECKOV", None)
    return subprocess.Popen(
        [sys.executable, "-m", "wizard", *args],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "stderr.txt").open("w"),
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def stderr(tmp_path: Path) -> str:
    return (tmp_path / "stderr.txt").read_text()


def wait_for_text(tmp_path: Path, text: str, seconds: float = 60.0) -> None:
    """Until guardform has said ``text`` on standard error (not a timing assertion)."""
    end = time.monotonic() + seconds
    while text not in stderr(tmp_path):
        assert time.monotonic() < end, f"never said {text!r}: {stderr(tmp_path)!r}"
        time.sleep(0.05)


def hanging_checkov(tmp_path: Path) -> Path:
    return checkov_script(
        tmp_path / "bin" / "checkov",
        f"""echo $$ > '{tmp_path / "checkov.pid"}'
        touch '{tmp_path / "started"}'
        exec sleep 300
        """,
    )


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir())


def complete_stack(stack: Path) -> bool:
    manifest = json.loads((stack / ".guardform.manifest.json").read_text())
    return all((stack / rel).is_file() for rel in manifest["files"])


@pytest.mark.parametrize(
    ("sig", "code", "said"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_a_signal_during_the_scan_stops_checkov_and_removes_the_temporary_copy(
    tmp_path: Path, sig: signal.Signals, code: int, said: str
) -> None:
    fake = hanging_checkov(tmp_path)
    proc = start(tmp_path, "generate", "--answers", str(EXAMPLE), "--out", "out", "--checkov", str(fake))
    wait_for(tmp_path / "started")
    assert leftovers(tmp_path)  # the scan's copy of the stack is there while checkov runs
    proc.send_signal(sig)
    returncode, _ = finish(proc)
    err = stderr(tmp_path)
    assert returncode == code, err
    assert "Aborted!" not in err and "Traceback" not in err
    (line,) = [x for x in err.splitlines() if said in x]
    how = "terminated (SIGTERM)" if sig == signal.SIGTERM else "interrupted"
    assert line == f"guardform: {how}; out/churn-model was written in full, but the scan did not finish."
    assert leftovers(tmp_path) == []
    assert gone(tmp_path / "checkov.pid")
    assert complete_stack(tmp_path / "out" / "churn-model")


@contextlib.contextmanager
def holding_the_lock(folder: Path) -> Iterator[None]:
    """What a first guardform run writing in ``folder`` holds (output.py locks the parent folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def test_a_second_run_says_it_is_waiting_and_goes_on_when_the_first_is_done(tmp_path: Path) -> None:
    with holding_the_lock(tmp_path / "out"):
        proc = start(tmp_path, "generate", "--answers", str(EXAMPLE), "--out", "out", "--no-scan", "--quiet")
        wait_for_text(tmp_path, f"another guardform is writing in {tmp_path / 'out'}; waiting for it to finish")
        assert not (tmp_path / "out" / "churn-model").exists()
    returncode, _ = finish(proc)
    assert returncode == 0, stderr(tmp_path)
    assert complete_stack(tmp_path / "out" / "churn-model")


def test_ctrl_c_while_waiting_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    with holding_the_lock(tmp_path / "out"):
        proc = start(tmp_path, "generate", "--answers", str(EXAMPLE), "--out", "out", "--no-scan")
        wait_for_text(tmp_path, "waiting for it to finish")
        proc.send_signal(signal.SIGINT)
        returncode, out = finish(proc)
    assert returncode == 130, stderr(tmp_path)
    assert "guardform: interrupted; out/churn-model holds its previous contents or the complete new stack" in stderr(
        tmp_path
    )
    assert sorted(os.listdir(tmp_path / "out")) == []  # no stack, no staging folder
    assert "Aborted!" not in stderr(tmp_path) and out == ""


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9, 1.2])
def test_ctrl_c_at_any_moment_of_a_regeneration_is_never_exit_1_or_2_and_leaves_a_whole_tree(
    tmp_path: Path, delay: float
) -> None:
    """A regeneration (changed answers over an existing stack) interrupted wherever it happens to be."""
    first = start(tmp_path, "generate", "--answers", str(EXAMPLE), "--out", "out", "--no-scan")
    assert finish(first)[0] == 0, stderr(tmp_path)
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace("availability_zones: 3", "availability_zones: 2"))
    proc = start(tmp_path, "generate", "--answers", str(changed), "--out", "out", "--no-scan")
    time.sleep(delay)  # somewhere in startup, load, plan, render or write; not an assertion about time
    proc.send_signal(signal.SIGINT)
    returncode, _ = finish(proc)
    assert returncode in (0, 130, -signal.SIGINT), stderr(tmp_path)  # -SIGINT: still in Python's start-up
    assert "Aborted!" not in stderr(tmp_path)
    stack = tmp_path / "out" / "churn-model"
    assert complete_stack(stack)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["churn-model"]  # no staging folder left
