"""Snapshots of every wizard screen at 100x30, the review, the results and messages at 80x24 too, and
one screen without colour.

Update after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look
at the report. The review and generate snapshots show the plan's controls, so a change to plan.py
changes them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.conftest import EXAMPLES, FakePipeline, choose, fill_new, generate, next_screen, settle, to_step, type_into
from wizard.tui.app import WizardApp

WIDE = (100, 30)
SMALL = (80, 24)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a fresh folder so every path on screen is relative and the same on every machine."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    # a text box's cursor blinks every 0.5 s: under load the picture would depend on when it is taken
    monkeypatch.setattr(Input, "_toggle_cursor", _cursor_stays_on)
    shutil.copy(EXAMPLES / "restricted-phi-bedrock.yaml", tmp_path / "clinic.yaml")
    return tmp_path


def _cursor_stays_on(self: Input) -> None:
    self._cursor_visible = True


def new_app(answers: str | None = None, pipeline: Any = None) -> WizardApp:
    return WizardApp(answers, Path("modules_out"), prewarm=False, pipeline=pipeline or FakePipeline())


def test_start(snap_compare: Any, workdir: Path) -> None:
    assert snap_compare(new_app(), terminal_size=WIDE)


def test_project_new(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(new_app(), terminal_size=WIDE, run_before=run_before)


def test_project_with_problems(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_into(pilot, "project.name", "Fraud_Scoring")
        await next_screen(pilot)

    assert snap_compare(new_app(), terminal_size=WIDE, run_before=run_before)


def test_project_no_color(snap_compare: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await type_into(pilot, "project.name", "Clinic_Notes")
        await next_screen(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize(("steps", "name"), [(1, "workload"), (2, "data"), (4, "keys"), (5, "monitoring")])
def test_question_screens(snap_compare: Any, workdir: Path, steps: int, name: str) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, steps)
        assert pilot.app.screen.id == f"step-{name}"

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_network_existing_vpc(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 3)
        await choose(pilot, "network.mode", "existing")
        await type_into(pilot, "network.vpc_id", "vpc-0123456789abcdef0")
        await next_screen(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["100x30", "80x24"])
def test_review(snap_compare: Any, workdir: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        assert pilot.app.screen.id == "step-review"

    assert snap_compare(new_app("clinic.yaml"), terminal_size=size, run_before=run_before)


def test_workload_notebook_type_with_prices(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 1)
        await choose(pilot, "workload.notebook_instance_type", "ml.m5.xlarge")
        await settle(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_review_prices_a_larger_notebook(snap_compare: Any, workdir: Path) -> None:
    """The estimate on the review after the notebook type changed (compare test_review[100x30])."""

    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 1)
        await choose(pilot, "workload.notebook_instance_type", "ml.g4dn.xlarge")
        for _ in range(5):
            await next_screen(pilot)
        assert pilot.app.screen.id == "step-review"

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["100x30", "80x24"])
def test_review_scrolled_to_the_last_control(snap_compare: Any, workdir: Path, size: tuple[int, int]) -> None:
    """The control list scrolls (↑↓ in the footer): End shows the last controls, titles in full."""

    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["100x30", "80x24"])
def test_a_message_leaves_the_help_text_readable(snap_compare: Any, workdir: Path, size: tuple[int, int]) -> None:
    """A message after Next with a problem sits beside the buttons, not over the name's help text."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await type_into(pilot, "project.name", "Clinic_Notes")
        await next_screen(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=size, run_before=run_before)


def test_review_new_answers_small(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await fill_new(
            pilot,
            name="fraud-scoring",
            sensitivity="confidential",
            kinds=["sagemaker_training"],
            categories=["financial"],
        )

    assert snap_compare(new_app(), terminal_size=SMALL, run_before=run_before)


def test_generate_results(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_generate_results_passed_table_wide(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_generate_results_small_shows_the_passed_table(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)
        await pilot.press("p")  # six passed checks: the table shows them all at 80x24
        await settle(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=SMALL, run_before=run_before)


def test_hand_edit_refusal_small(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)
        (workdir / "modules_out" / "clinic-notes" / "main.tf").write_text("# my edit\n")
        await pilot.press("escape")
        await settle(pilot)
        await generate(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=SMALL, run_before=run_before)


def test_hand_edit_refusal_wide(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)
        (workdir / "modules_out" / "clinic-notes" / "main.tf").write_text("# my edit\n")
        await pilot.press("escape")
        await settle(pilot)
        await generate(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_refused_choices_small(snap_compare: Any, workdir: Path) -> None:
    """The retention choices below restricted data's minimum are greyed out, the reason said, at 80x24."""

    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 5)
        assert pilot.app.screen.id == "step-monitoring"

    assert snap_compare(new_app("clinic.yaml"), terminal_size=SMALL, run_before=run_before)


def test_generate_render_error(snap_compare: Any, workdir: Path) -> None:
    from wizard.render import RenderError

    pipeline = FakePipeline(render_error=RenderError("bedrock/main.tf.j2: TemplateNotFound: bedrock/main.tf.j2"))

    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)

    assert snap_compare(new_app("clinic.yaml", pipeline), terminal_size=WIDE, run_before=run_before)


def test_done(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_step(pilot, 6)
        await generate(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert pilot.app.screen.id == "step-done"

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_quit_dialog(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await type_into(pilot, "project.owner", "Someone else")
        await pilot.press("ctrl+q")
        await settle(pilot)

    assert snap_compare(new_app("clinic.yaml"), terminal_size=WIDE, run_before=run_before)


def test_save_as_dialog(snap_compare: Any, workdir: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await fill_new(pilot, name="fraud-scoring", sensitivity="internal", kinds=["sagemaker_training"])
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(new_app(), terminal_size=WIDE, run_before=run_before)
