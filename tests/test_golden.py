"""The committed modules_out/ is exactly what the examples render to (regenerate: scripts/update_golden.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard import __version__
from wizard.answers import answers_digest
from wizard.cli import build, load
from wizard.output import check_stack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_committed_output_matches_the_example(example: Path) -> None:
    loaded = load(example)
    stack_plan, files = build(loaded)
    report = check_stack(files, ROOT / "modules_out" / stack_plan.name, __version__, answers_digest(loaded.answers))
    assert report.up_to_date, (
        f"modules_out/{stack_plan.name} is stale; run `.venv/bin/python scripts/update_golden.py` and review the "
        f"diff.\n{report.format()}"
    )


def test_every_golden_stack_has_an_example() -> None:
    names = {build(load(e))[0].name for e in EXAMPLES}
    assert {p.name for p in (ROOT / "modules_out").iterdir() if p.is_dir()} == names
