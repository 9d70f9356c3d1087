"""Regenerate the committed golden output: every examples/*.yaml into modules_out/<project name>/.

Usage: .venv/bin/python scripts/update_golden.py
Run it after changing templates or plan, review `git diff modules_out/`, and commit both.
tests/test_golden.py fails while modules_out/ differs from what the examples render to.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wizard.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    pipe = Pipeline()
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        build = pipe.build_loaded(pipe.load(example), out_dir=ROOT / "modules_out")
        result = pipe.write(build, force=True)
        print(
            f"{example.name} -> {build.target.relative_to(ROOT)}: {len(result.created)} created, "
            f"{len(result.updated)} updated, {len(result.removed)} removed, {len(result.unchanged)} unchanged"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
