"""The committed modules_out/ is exactly what the examples render to (regenerate: scripts/update_golden.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.pipeline import Build, Pipeline

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "modules_out"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def build(example: Path) -> Build:
    pipe = Pipeline()
    return pipe.build_loaded(pipe.load(example), out_dir=GOLDEN)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_committed_output_matches_the_example(example: Path) -> None:
    built = build(example)
    report = Pipeline().check(built)
    assert report.up_to_date, (
        f"modules_out/{built.plan.name} is stale; run `.venv/bin/python scripts/update_golden.py` and review the "
        f"diff.\n{report.format()}"
    )


def test_every_golden_stack_has_an_example() -> None:
    names = {build(e).plan.name for e in EXAMPLES}
    assert {p.name for p in GOLDEN.iterdir() if p.is_dir()} == names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_a_golden_stack_holds_only_what_guardform_writes(example: Path) -> None:
    # A regeneration that found a stale manifest keeps the old copies as FILE.orig; those never belong in git.
    built = build(example)
    on_disk = {p.relative_to(built.target).as_posix() for p in built.target.rglob("*") if p.is_file()}
    assert on_disk == set(built.files) | {".guardform.manifest.json"}
