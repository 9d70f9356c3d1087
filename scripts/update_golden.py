"""Regenerate the committed golden output: every examples/*.yaml into modules_out/<project name>/.

Usage: .venv/bin/python scripts/update_golden.py
Run it after changing templates or plan.py, review `git diff modules_out/`, and commit both.
tests/test_golden.py fails while modules_out/ differs from what the examples render to.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wizard import __version__
from wizard.answers import answers_digest
from wizard.cli import build, load
from wizard.output import write_stack

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        loaded = load(example)
        stack_plan, files = build(loaded)
        target = ROOT / "modules_out" / stack_plan.name
        result = write_stack(files, target, __version__, answers_digest(loaded.answers), force=True)
        print(f"{example.name} -> {target.relative_to(ROOT)}: {len(result.created)} created, "
              f"{len(result.updated)} updated, {len(result.removed)} removed, {len(result.unchanged)} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
