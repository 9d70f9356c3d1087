"""How fast the feedback is: `guardform generate --no-scan`, its stages, and the test suites, timed.

Usage: .venv/bin/python scripts/bench.py [--runs N] [--answers FILE] [--suite fast|all-but-checkov|none]
                                         [--workers N]

- ``generate``: ``python -m wizard generate --answers FILE --out <fresh folder> --no-scan`` as a new
  process each run (what a user or a pre-commit hook waits for), median of ``--runs``, with the compiled
  templates cached from the run before (wizard/templatecache.py); and once with an empty cache.
- ``stages``: the same pipeline in this process, stage by stage, twice: the first build pays for
  imports and template compilation, the second shows what a long-lived process (the wizard) pays.
- ``suite``: one run of pytest with ``-n auto`` (``--workers``). ``fast`` is
  ``-m "not checkov and not terraform and not slow"`` (the everyday loop); ``all-but-checkov`` is
  ``-m "not checkov and not terraform"`` (adds the slow tests).

Not a test: it prints figures, it does not judge them. Each figure is wall time and the CPU time (user +
system) of the processes it started; on a busy shared machine the wall time grows with the load average
(printed too), and the CPU time is what the same run takes on an idle one.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ANSWERS = REPO / "examples" / "restricted-phi-bedrock.yaml"
SUITES = {
    "fast": "not checkov and not terraform and not slow",
    "all-but-checkov": "not checkov and not terraform",
}


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _generate_once(answers: Path, out: Path, env: dict[str, str]) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "wizard", "generate", "--answers", str(answers), "--out", str(out), "--no-scan"]
    cpu_before, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed, used = time.perf_counter() - start, _children_cpu() - cpu_before
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    shutil.rmtree(out, ignore_errors=True)
    return elapsed, used


def generate_seconds(answers: Path, runs: int) -> tuple[list[float], list[float], tuple[float, float]]:
    """Wall and CPU time of `guardform generate --no-scan` as a fresh process, each into a fresh folder.

    The processes get a cache folder of their own (XDG_CACHE_HOME) and write Python's bytecode to a
    temporary PYTHONPYCACHEPREFIX even where PYTHONDONTWRITEBYTECODE is set: an installed guardform has
    its bytecode (pip compiles it), and a user's second run finds the compiled templates. The first run
    fills both and is not counted; the last figure is one more run with an empty template cache (the first
    run after an install or upgrade).
    """
    figures, cpu = [], []
    with tempfile.TemporaryDirectory(prefix="guardform-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        for n in range(runs + 1):
            elapsed, used = _generate_once(answers, Path(tmp) / f"out{n}", env)
            if n:
                figures.append(elapsed)
                cpu.append(used)
        cold = _generate_once(answers, Path(tmp) / "cold", {**env, "XDG_CACHE_HOME": str(Path(tmp) / "empty")})
    return figures, cpu, cold


def stage_seconds(answers: Path) -> list[dict[str, float]]:
    """Each stage's time in this process, for a first and a second build of the same answers."""
    from wizard.pipeline import Pipeline, stack_answers

    pipe = Pipeline()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="guardform-bench-") as tmp:
        for n in range(2):
            times: dict[str, float] = {}
            start = time.perf_counter()
            loaded = pipe.load(answers)
            times["load"] = time.perf_counter() - start
            start = time.perf_counter()
            stack_plan = pipe.plan(loaded.answers)
            times["plan"] = time.perf_counter() - start
            start = time.perf_counter()
            pipe.render(stack_plan, stack_answers(loaded.answers, loaded.document, loaded.format))
            times["render"] = time.perf_counter() - start
            start = time.perf_counter()
            build = pipe.build_loaded(loaded, out_dir=Path(tmp) / f"out{n}")
            pipe.write(build)
            times["build+write"] = time.perf_counter() - start
            rounds.append(times)
    return rounds


def suite_seconds(marker: str, workers: str) -> tuple[float, float, str]:
    """Wall and CPU time of one pytest run with ``-n workers -m marker``, and pytest's last line."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers, "-m", marker]
    cpu_before, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed, used = time.perf_counter() - start, _children_cpu() - cpu_before
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return elapsed, used, (lines[-1] if lines else f"exit {proc.returncode}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answers", type=Path, default=DEFAULT_ANSWERS)
    parser.add_argument("--suite", choices=[*SUITES, "none"], default="fast")
    parser.add_argument("--workers", default="auto", help="pytest-xdist's -n (auto, as the README runs it; 0: serial)")
    args = parser.parse_args()
    answers = args.answers.resolve()
    print(f"Python {sys.version.split()[0]}; {_load()}")

    figures, cpu, cold = generate_seconds(answers, args.runs)
    print(
        f"generate --no-scan ({answers.name}): median {statistics.median(figures):.3f} s wall "
        f"(min {min(figures):.3f}, max {max(figures):.3f}), median {statistics.median(cpu):.3f} s CPU; "
        f"{args.runs} runs, a fresh process and folder each; with an empty template cache "
        f"{cold[0]:.3f} s wall, {cold[1]:.3f} s CPU"
    )

    for label, times in zip(("first build", "second build"), stage_seconds(answers), strict=True):
        parts = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in times.items())
        print(f"stages in one process, {label}: {parts}")

    if args.suite != "none":
        marker = SUITES[args.suite]
        elapsed, used, last = suite_seconds(marker, args.workers)
        print(f'pytest -n {args.workers} -m "{marker}": {elapsed:.1f} s wall, {used:.1f} s CPU ({last}); {_load()}')
    return 0


if __name__ == "__main__":
    sys.exit(main())
