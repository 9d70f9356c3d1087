"""`guardform cost`, `guardform report`, the cost line of `explain`, and the evidence file `generate` writes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard.answers import answers_digest, load_answers
from wizard.cli import cli
from wizard.cost import estimate, format_json, format_summary, format_text
from wizard.evidence import EVIDENCE_FILE, evidence_markdown
from wizard.pipeline import Pipeline, Progress
from wizard.plan import plan
from wizard.scan import Finding, ScanReport

ROOT = Path(__file__).resolve().parent.parent
RESTRICTED = ROOT / "examples" / "restricted-phi-bedrock.yaml"
INTERNAL = ROOT / "examples" / "internal-training.yaml"
BAD = (
    "version: 1\n"
    "project:\n  name: Bad_Name\n  region: us-east-1\n"
    "workload:\n  kinds: [sagemaker_training]\n"
    "data:\n  sensitivity: internal\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def bad_answers(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


# -- cost ------------------------------------------------------------------------------------------


def test_cost_prints_the_estimate_of_the_answers_stack() -> None:
    code, out, _ = run("cost", "--answers", str(RESTRICTED))
    assert code == 0
    expected = estimate(plan(load_answers(RESTRICTED).answers))
    assert out == format_text(expected)
    total = next(line for line in out.splitlines() if line.startswith("Total a month:"))
    assert total.split() == ["Total", "a", "month:", f"${expected.monthly:,.2f}"]
    assert "Interface VPC endpoints" in out and "x 2 AZs" in out
    assert "Every usage input is at its stated default" in out  # the example's answers set no usage


def test_cost_json_is_the_estimate_as_data() -> None:
    code, out, _ = run("cost", "--answers", str(RESTRICTED), "--format", "json")
    assert code == 0
    data = json.loads(out)
    expected = estimate(plan(load_answers(RESTRICTED).answers))
    assert out == format_json(expected)
    assert data["totals"]["monthly"] == float(expected.monthly)
    assert {i["price"] for i in data["items"]} >= {"privatelink.interface_endpoint_az_hour", "kms.key_month"}


def test_cost_prices_the_answers_usage_section_and_notebook_type(tmp_path: Path) -> None:
    code, out, _ = run("cost", "--answers", str(INTERNAL))
    assert code == 0
    assert "Notebook instance ml.t3.large" in out  # the example's workload.notebook_instance_type
    assert "notebook_hours_per_month = 120 (given)" in out
    assert "training_data_gb = 40 (given)" in out and "log_gb_per_month = 5 (default)" in out
    data = json.loads(run("cost", "--answers", str(INTERNAL), "--format", "json")[1])
    assert data["usage_inputs"]["notebook_hours_per_month"] == {"value": 120.0, "given": True}
    assert data["usage_inputs"]["kms_requests_per_month"] == {"value": 100_000, "given": False}
    # the answers file is the one source: more notebook hours in it, a dearer month
    more = tmp_path / "more.yaml"
    more.write_text(INTERNAL.read_text().replace("notebook_hours_per_month: 120", "notebook_hours_per_month: 240"))
    again = json.loads(run("cost", "--answers", str(more), "--format", "json")[1])
    notebook = [i for i in again["items"] if i["name"] == "Notebook instance ml.t3.large"]
    before = [i for i in data["items"] if i["name"] == "Notebook instance ml.t3.large"]
    assert notebook[0]["cost_usd"] == pytest.approx(2 * before[0]["cost_usd"])
    assert again["totals"]["monthly"] > data["totals"]["monthly"]


def test_a_bad_usage_answer_stops_cost_naming_the_field_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(INTERNAL.read_text().replace("notebook_hours_per_month: 120", "notebook_hours_per_month: -3"))
    code, out, err = run("cost", "--answers", str(bad))
    line = INTERNAL.read_text().splitlines().index("  notebook_hours_per_month: 120   # 6 hours x 20 working days") + 1
    assert code == 2 and out == ""
    assert f"{bad}:{line}: usage.notebook_hours_per_month: must be zero or more, not -3" in err


@pytest.mark.parametrize("command", ["cost", "report", "explain"])
def test_bad_answers_exit_2_naming_the_field_and_print_nothing(tmp_path: Path, command: str) -> None:
    path = bad_answers(tmp_path)
    code, out, err = run(command, "--answers", str(path))
    assert code == 2
    assert out == ""
    assert str(path) in err and "project.name" in err


def test_a_missing_answers_file_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run("cost", "--answers", str(tmp_path / "nowhere.yaml"))
    assert code == 2 and out == ""
    assert "nowhere.yaml" in err


# -- explain ---------------------------------------------------------------------------------------


def test_explain_ends_with_the_cost_summary() -> None:
    code, out, _ = run("explain", "--answers", str(RESTRICTED))
    assert code == 0
    summary = format_summary(estimate(plan(load_answers(RESTRICTED).answers)))
    assert f"cost: {summary}" in out
    last = out.rstrip().splitlines()[-1].strip()
    assert last.startswith("every usage input at the stated defaults; guardform cost --answers"), last


def test_explain_says_how_many_usage_inputs_the_answers_gave() -> None:
    code, out, _ = run("explain", "--answers", str(ROOT / "examples" / "internal-training.yaml"))
    assert code == 0
    last = out.rstrip().splitlines()[-1].strip()
    assert last.startswith("3 usage inputs from the answers' usage: section, the rest at the stated defaults"), last


# -- report ----------------------------------------------------------------------------------------


def test_report_markdown_is_the_evidence_file_generate_writes(tmp_path: Path) -> None:
    code, out, _ = run("report", "--answers", str(RESTRICTED))
    assert code == 0
    answers = load_answers(RESTRICTED).answers
    p = plan(answers)
    written = ROOT / "modules_out" / p.name / "EVIDENCE.md"  # the golden copy generate wrote
    assert out == written.read_text(encoding="utf-8")
    assert out != evidence_markdown(p, answers_digest=answers_digest(answers), estimate=estimate(p))  # + access
    assert "| Who | Can? | Action | On | When | Why |" in out
    assert out.startswith("# Compliance evidence: clinic-notes-prod")
    assert "## Compliance coverage" in out and "Business Associate Addendum" in out
    assert "Run `guardform report` after a scan for results" in out
    code, _, err = run("generate", "--answers", str(RESTRICTED), "--out", str(tmp_path), "--no-scan")
    assert code == 0, err
    assert (tmp_path / "clinic-notes" / EVIDENCE_FILE).read_text(encoding="utf-8") == out


def test_report_json_names_version_digest_coverage_and_cost() -> None:
    code, out, _ = run("report", "--answers", str(RESTRICTED), "--format", "json")
    assert code == 0
    data = json.loads(out)
    answers = load_answers(RESTRICTED).answers
    assert data["answers_sha256"] == answers_digest(answers)
    assert [c["regime"] for c in data["coverage"]] == ["hipaa"]
    assert data["cost"]["totals"]["monthly"] == float(estimate(plan(answers)).monthly)
    assert data["scan"] is None


def _fake_scan(seen: list[str]) -> ScanReport:
    """What a checkov run reports here: one check passed, one failed."""
    bad = Finding(
        check_id="CKV_AWS_18",
        check_name="access logging",
        result="failed",
        resource="aws_s3_bucket.audit",
        file="modules/s3/main.tf",
        lines=(1, 2),
    )
    good = Finding(
        check_id="CKV_AWS_7",
        check_name="rotation",
        result="passed",
        resource="aws_kms_key.data",
        file="modules/kms/main.tf",
        lines=(1, 2),
    )
    return ScanReport(checkov_version="3.3.30", passed=(good,), failed=(bad,))


def test_report_with_scan_puts_each_checks_result_in_and_exits_1_on_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[str] = []

    def resolve(self: Pipeline, explicit: str | None, progress: Progress | None) -> Path:
        return Path("/opt/checkov/bin/checkov")

    def scan(self: Pipeline, files: Mapping[str, str], checkov: Path, progress: Progress | None) -> ScanReport:
        scanned[:] = sorted(files)
        return _fake_scan(scanned)

    monkeypatch.setattr(Pipeline, "resolve_checkov", resolve)
    monkeypatch.setattr(Pipeline, "scan", scan)
    code, out, _ = run("report", "--answers", str(RESTRICTED), "--scan")
    assert code == 1
    assert "modules/s3/main.tf" in scanned and "main.tf" in scanned  # the stack these answers produce
    assert "CKV_AWS_7 (1 passed)" in out and "CKV_AWS_18 (1 failed)" in out
    assert "checkov 3.3.30: 1 passed, 1 failed, 0 skipped (NOT clean)." in out
    code, out, _ = run("report", "--answers", str(RESTRICTED), "--scan", "--format", "json")
    assert code == 1 and json.loads(out)["scan"]["failed_checks"] == ["CKV_AWS_18"]


# -- the evidence file beside the stack --------------------------------------------------------------


def test_generate_writes_the_evidence_file_into_the_manifest_and_the_readme_links_it(tmp_path: Path) -> None:
    code, _, err = run("generate", "--answers", str(INTERNAL), "--out", str(tmp_path), "--no-scan")
    assert code == 0, err
    stack = tmp_path / "churn-model"
    manifest = json.loads((stack / ".guardform.manifest.json").read_text(encoding="utf-8"))
    assert EVIDENCE_FILE in manifest["files"]
    readme = (stack / "README.md").read_text(encoding="utf-8")
    assert f"[{EVIDENCE_FILE}]({EVIDENCE_FILE})" in readme
    total = estimate(plan(load_answers(INTERNAL).answers)).monthly
    cost = readme.split("## Cost\n", 1)[1].split("\n## ", 1)[0]
    assert f"total a month ${total:,.2f}" in cost
    assert "| Interface VPC endpoints |" in cost


def test_check_flags_an_edited_evidence_file_and_generate_refuses_to_overwrite_it(tmp_path: Path) -> None:
    out = str(tmp_path)
    assert run("generate", "--answers", str(INTERNAL), "--out", out, "--no-scan")[0] == 0
    evidence = tmp_path / "churn-model" / EVIDENCE_FILE
    assert run("generate", "--answers", str(INTERNAL), "--out", out, "--check")[0] == 0
    edited = evidence.read_text(encoding="utf-8").replace("- Tier: **internal**", "- Tier: **public**")
    evidence.write_text(edited, encoding="utf-8")
    code, stdout, _ = run("generate", "--answers", str(INTERNAL), "--out", out, "--check")
    assert code == 3
    assert EVIDENCE_FILE in stdout
    code, _, err = run("generate", "--answers", str(INTERNAL), "--out", out, "--no-scan")
    assert code == 3 and EVIDENCE_FILE in err
    assert evidence.read_text(encoding="utf-8") == edited  # the hand edit is not lost


def test_explain_access_prints_who_can_do_what() -> None:
    example = Path(__file__).resolve().parent.parent / "examples" / "restricted-phi-bedrock.yaml"
    result = CliRunner().invoke(cli, ["explain", "--answers", str(example), "--access"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "| Who | Can? | Action | On | When | Why |"
    rows = [line for line in lines[2:] if line.startswith("| ")]
    verdicts = {row.split(" | ")[1] for row in rows}
    assert verdicts == {"can", "cannot"}
    assert any("`s3:GetObject`" in row and "cannot" in row for row in rows)  # the perimeter, among others
