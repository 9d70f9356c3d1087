"""The headless pipeline both faces call: the stages in order, what an observer hears, nothing half-done."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, fake_report
from wizard.errors import GuardformError
from wizard.output import MANIFEST_NAME
from wizard.pipeline import Build, Observer, Pipeline, Progress, Stage, planned_files, stack_answers
from wizard.render import ANSWERS_FILE, RenderError
from wizard.scan import ScanReport

EXAMPLE = EXAMPLES / "internal-training.yaml"


class Heard(Observer):
    def __init__(self) -> None:
        self.events: list[str] = []

    def stage(self, stage: Stage) -> None:
        self.events.append(stage.value)

    def progress(self, message: str) -> None:
        self.events.append(f"progress: {message}")

    def planned(self, plan: Any) -> None:
        self.events.append("planned")

    def rendered(self, files: Mapping[str, str]) -> None:
        self.events.append("rendered")

    def written(self, build: Build, result: Any) -> None:
        self.events.append("written")

    def checkov_found(self, checkov: Path) -> None:
        self.events.append(f"checkov {checkov}")

    def scanned(self, report: ScanReport) -> None:
        self.events.append("scanned")


class FakeScan(Pipeline):
    """The real stages, with checkov replaced by a fixed report."""

    def __init__(self) -> None:
        self.scanned: list[Mapping[str, str]] = []

    def resolve_checkov(self, explicit: str | None, progress: Progress | None) -> Path:
        return Path(explicit or "/usr/bin/checkov")

    def scan(self, files: Mapping[str, str], checkov: Path, progress: Progress | None) -> ScanReport:
        if progress is not None:
            progress("scanning")
        self.scanned.append(files)
        return fake_report()


def _generate(pipe: Pipeline, out: Path, observer: Observer | None = None, **kwargs: Any) -> Any:
    loaded = pipe.load(EXAMPLE)
    yaml = stack_answers(loaded.answers, loaded.document, loaded.format)
    return pipe.generate(loaded.answers, answers_yaml=yaml, out_dir=out, observer=observer, **kwargs)


def test_generate_runs_every_stage_in_order_and_scans_what_it_wrote(tmp_path: Path) -> None:
    pipe, heard = FakeScan(), Heard()
    done = _generate(pipe, tmp_path, heard, checkov="/opt/checkov")
    assert heard.events == [
        "plan",
        "planned",
        "render",
        "rendered",
        "write",
        "written",
        "checkov",
        "checkov /opt/checkov",
        "scan",
        "progress: scanning",
        "scanned",
    ]
    assert done.build.target == tmp_path / "churn-model"
    assert pipe.scanned == [done.build.files]
    on_disk = sorted(str(p.relative_to(done.build.target)) for p in done.build.target.rglob("*") if p.is_file())
    assert on_disk == planned_files(done.build.plan)
    assert done.report is not None and not done.report.ok


def test_without_the_scan_nothing_looks_for_checkov(tmp_path: Path) -> None:
    heard = Heard()
    done = _generate(FakeScan(), tmp_path, heard, scan=False)
    assert heard.events[-2:] == ["write", "written"] and done.report is None
    assert (done.build.target / MANIFEST_NAME).is_file()


def test_a_given_checkov_finder_replaces_the_lookup(tmp_path: Path) -> None:
    heard = Heard()
    _generate(FakeScan(), tmp_path, heard, find_checkov=lambda progress: Path("/warm/checkov"))
    assert "checkov /warm/checkov" in heard.events


def test_a_render_error_stops_before_anything_is_written(tmp_path: Path) -> None:
    class Broken(FakeScan):
        def render(self, plan: Any, answers_yaml: str) -> dict[str, str]:
            raise RenderError("s3/main.tf.j2: boom")

    heard = Heard()
    with pytest.raises(GuardformError, match="boom"):
        _generate(Broken(), tmp_path, heard)
    assert heard.events == ["plan", "planned", "render"]
    assert list(tmp_path.iterdir()) == []


def test_an_unsafe_generated_path_is_an_internal_error_and_writes_nothing(tmp_path: Path) -> None:
    class Escaping(FakeScan):
        def render(self, plan: Any, answers_yaml: str) -> dict[str, str]:
            return {"../outside.tf": "# no\n", ANSWERS_FILE: answers_yaml}

    with pytest.raises(GuardformError, match="unsafe"):
        _generate(Escaping(), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_build_then_check_and_diff_see_the_written_stack(tmp_path: Path) -> None:
    pipe = FakeScan()
    _generate(pipe, tmp_path, scan=False)
    build = pipe.build_loaded(pipe.load(EXAMPLE), out_dir=tmp_path)
    assert pipe.check(build).up_to_date
    assert pipe.diff(build) == ""
    (build.target / "main.tf").write_text("# edited\n")
    assert not pipe.check(build).up_to_date
    assert "-# edited" in pipe.diff(build)


def test_saving_a_symlinked_answers_file_keeps_the_link(tmp_path: Path) -> None:
    from wizard.pipeline import save_answers_file

    target = tmp_path / "shared" / "answers.yaml"
    target.parent.mkdir()
    target.write_text("version: 1\n")
    link = tmp_path / "answers.yaml"
    link.symlink_to(target)
    save_answers_file(link, "version: 1\nproject: {}\n")
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text() == "version: 1\nproject: {}\n"


def _too_many_admins(path: Path) -> Path:
    """An answers file whose admins make the region-deny SCP larger than AWS allows (a plan-time refusal)."""
    long = "platform-engineering/security-operations/break-glass-access/emergency"
    admins = "".join(f"    - arn:aws:iam::111122223333:role/{long}/administrator-{n:03d}\n" for n in range(50))
    text = (EXAMPLES / "internal-training.yaml").read_text(encoding="utf-8") + f"access:\n  admin_role_arns:\n{admins}"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plan_refusal_names_the_answers_file_it_came_from(tmp_path: Path) -> None:
    from wizard.plan import PlanError

    answers_file = _too_many_admins(tmp_path / "answers.yaml")
    pipe = Pipeline()
    loaded = pipe.load(answers_file)
    with pytest.raises(PlanError) as err:
        pipe.build_loaded(loaded, out_dir=tmp_path / "out")
    assert str(err.value).startswith(f"{answers_file}: the region-deny SCP would be ")
    assert "access.admin_role_arns (50)" in str(err.value)
    # answers that are no longer the file's (the wizard's edits) name no file
    edited = loaded.answers.model_copy(update={"project": loaded.answers.project.model_copy(update={"owner": "x"})})
    with pytest.raises(PlanError) as err:
        pipe.plan(edited)
    assert str(err.value).startswith("the region-deny SCP would be ")
    assert not (tmp_path / "out").exists()


def test_the_wizards_answers_from_an_opened_file_name_it_in_a_plan_refusal(tmp_path: Path) -> None:
    """The wizard opens a file with Pipeline.load and plans the answers its form validates to: unedited,
    they are the file's, and the refusal it shows names the file."""
    from wizard.plan import PlanError
    from wizard.tui import form as F

    answers_file = _too_many_admins(tmp_path / "answers.yaml")
    pipe = Pipeline()
    form, _ = F.form_from_document(pipe.load(answers_file).document)
    answers, issues = F.validate(form)
    assert issues == []
    with pytest.raises(PlanError, match=rf"^{re.escape(str(answers_file))}: the region-deny SCP would be "):
        pipe.plan(answers)
