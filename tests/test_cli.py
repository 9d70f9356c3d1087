"""The command line as a user meets it: exit codes, messages, nothing written on error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard import __version__
from wizard.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "internal-training.yaml"


def run(*args: str) -> tuple[int, str]:
    """Exit code and everything printed (standard output and standard error)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def run_stdout(*args: str) -> tuple[int, str]:
    """Exit code and standard output alone (progress goes to standard error)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout


def test_generate_without_scan_writes_the_stack(tmp_path: Path) -> None:
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")
    assert code == 0, out
    stack = tmp_path / "churn-model"
    for name in (
        "main.tf",
        "providers.tf",
        "versions.tf",
        "README.md",
        "guardform.answers.yaml",
        ".guardform.manifest.json",
        "modules/kms/main.tf",
        "modules/s3/variables.tf",
    ):
        assert (stack / name).is_file(), name
    assert "controls:" in out and "created" in out
    manifest = json.loads((stack / ".guardform.manifest.json").read_text())
    assert "main.tf" in manifest["files"]


def test_same_answers_twice_give_byte_identical_trees(tmp_path: Path) -> None:
    for out in ("a", "b"):
        assert run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path / out), "--no-scan")[0] == 0
    a, b = tmp_path / "a", tmp_path / "b"
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path / "a"), "--no-scan")
    assert code == 0 and "up to date; nothing written" in out


def test_hand_edit_is_refused_with_a_diff_then_forced(tmp_path: Path) -> None:
    assert run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")[0] == 0
    main = tmp_path / "churn-model" / "modules" / "s3" / "main.tf"
    main.write_text(main.read_text() + "# my tweak\n")
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")
    assert code == 3
    assert "modules/s3/main.tf" in out and "-# my tweak" in out
    assert main.read_text().endswith("# my tweak\n")
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan", "--force")
    assert code == 0, out
    assert not main.read_text().endswith("# my tweak\n")
    assert (main.parent / "main.tf.orig").read_text().endswith("# my tweak\n")


def test_check_mode_reports_stale_answers_and_writes_nothing(tmp_path: Path) -> None:
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--check")
    assert code == 3 and not (tmp_path / "churn-model").exists()
    assert run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")[0] == 0
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--check")
    assert code == 0, out
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace("availability_zones: 3", "availability_zones: 2"))
    before = sorted((p, p.stat().st_mtime_ns) for p in (tmp_path / "churn-model").rglob("*"))
    code, out = run("generate", "--answers", str(changed), "--out", str(tmp_path), "--check")
    assert code == 3 and "stale answers" in out
    assert sorted((p, p.stat().st_mtime_ns) for p in (tmp_path / "churn-model").rglob("*")) == before


def test_editing_the_answers_copy_and_regenerating_from_it_is_not_drift(tmp_path: Path) -> None:
    assert run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")[0] == 0
    copy = tmp_path / "churn-model" / "guardform.answers.yaml"
    copy.write_text(copy.read_text().replace("availability_zones: 3", "availability_zones: 2"))
    code, out = run("generate", "--answers", str(copy), "--out", str(tmp_path), "--no-scan")
    assert code == 0, out
    assert "availability_zones: 2" in copy.read_text()


def test_diff_shows_what_would_change(tmp_path: Path) -> None:
    assert run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")[0] == 0
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace("ml-security@example.com", "soc@example.com"))
    code, out = run("diff", "--answers", str(changed), "--out", str(tmp_path))
    assert code == 0
    assert "+" in out and "soc@example.com" in out


def test_explain_lists_every_control_with_reasons() -> None:
    code, out = run("explain", "--answers", str(ROOT / "examples" / "restricted-phi-bedrock.yaml"))
    assert code == 0
    assert "data is restricted" in out and "why:" in out
    code, out = run_stdout(
        "explain", "--answers", str(ROOT / "examples" / "restricted-phi-bedrock.yaml"), "--format", "json"
    )
    data = json.loads(out)
    assert {c["id"] for c in data["controls"] if c["enabled"]} >= {"bedrock.guardrail_required", "s3.replication"}


def test_schema_is_json() -> None:
    code, out = run_stdout("schema")
    assert code == 0 and json.loads(out)["title"] == "guardform answers"


def test_no_command_without_a_terminal_prints_help() -> None:
    code, out = run()
    assert code == 0 and "generate" in out and "wizard" in out


def test_force_and_check_together_is_usage_error(tmp_path: Path) -> None:
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--check", "--force")
    assert code == 2 and "cannot be used together" in out


def test_sarif_without_the_scan_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    code, out = run(
        "generate", "--answers", str(EXAMPLE), "--out", str(tmp_path / "o"), "--no-scan", "--format", "sarif"
    )
    assert code == 2 and "--format sarif needs the scan" in out
    assert not (tmp_path / "o").exists()


def test_a_stack_folder_that_is_a_file_is_refused_with_exit_3(tmp_path: Path) -> None:
    (tmp_path / "churn-model").write_text("mine\n")
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")
    assert code == 3
    assert f"refused to write {tmp_path / 'churn-model'}" in out and "not a folder" in out
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--check")
    assert code == 3 and f"cannot check {tmp_path / 'churn-model'}" in out
    code, out = run("diff", "--answers", str(EXAMPLE), "--out", str(tmp_path))
    assert code == 3 and f"cannot diff {tmp_path / 'churn-model'}" in out
    assert (tmp_path / "churn-model").read_text() == "mine\n"


def test_bad_answers_name_the_file_and_every_problem(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "fixtures" / "bad_answers" / "bad-region.yaml"
    code, out = run("explain", "--answers", str(bad))
    assert code == 2
    assert f"guardform: {bad} has 1 problem; nothing was written." in out
    assert f"{bad}:" in out and "project.region" in out


def test_a_checkov_that_is_not_there_is_exit_4_and_the_stack_stays_written(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "checkov"
    code, out = run("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--checkov", str(missing))
    assert code == 4 and "the scan could not run" in out and str(missing) in out
    assert (tmp_path / "churn-model" / ".guardform.manifest.json").is_file()


def test_missing_answers_file_is_exit_2(tmp_path: Path) -> None:
    code, out = run("generate", "--answers", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"))
    assert code == 2 and "no such file" in out and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_an_installed_wheel_finds_its_templates(tmp_path: Path) -> None:
    """Build the wheel, install it (not editable) in a fresh venv, and generate from outside the source tree."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)], check=True
    )
    wheel = next(wheel_dir.glob("guardform-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(EXAMPLE, work / "answers.yaml")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(env_dir / "bin" / "guardform"), "generate", "--answers", "answers.yaml", "--out", "out", "--no-scan"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert (work / "out" / "churn-model" / "modules" / "kms" / "main.tf").is_file()
    # The version is written once: the wheel's name, its metadata and `guardform --version` agree with it.
    version = subprocess.run(
        [str(env_dir / "bin" / "guardform"), "--version"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert version.strip() == f"guardform, version {__version__}"
    assert wheel.name.startswith(f"guardform-{__version__}-")
    origin = subprocess.run(
        [str(python), "-c", "import wizard.render as r; print(r.templates_dir())"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert "site-packages" in origin


@pytest.mark.checkov
@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_generate_scans_every_example_clean(example: Path, tmp_path: Path) -> None:
    code, out = run_stdout("generate", "--answers", str(example), "--out", str(tmp_path), "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    assert report["scan"]["ok"] is True
    summary = report["scan"]["summary"]
    assert summary["failed"] == 0 and summary["parse_errors"] == 0 and summary["passed"] > 100
    # Every inline skip checkov reports is one the plan lists (and so the README's table shows).
    readme = (tmp_path / json.loads(out)["stack"].split("/")[-1] / "README.md").read_text()
    for skipped in report["scan"]["skipped"]:
        assert skipped["check_id"] in readme and skipped["skip_reason"]


@pytest.mark.checkov
def test_scan_of_hand_written_terraform_reports_findings(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n'
        'resource "aws_vpc_endpoint" "e" {\n  vpc_id = "vpc-1"\n'
        '  service_name = "com.amazonaws.us-east-1.s3"\n}\n'
    )
    code, out = run("scan", str(tmp_path))
    assert code == 1
    assert "CKV_GF_5" in out and "CKV_GF_1" in out and "CKV_GF_2" in out
    code, out = run_stdout("scan", str(tmp_path), "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


@pytest.mark.checkov
def test_unparseable_terraform_fails_the_scan(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n')
    code, out = run("scan", str(tmp_path))
    assert code == 1 and "main.tf" in out


@pytest.mark.parametrize("command", ["generate", "explain", "cost"])
def test_a_policy_over_awss_limit_names_the_answers_file(tmp_path: Path, command: str) -> None:
    from tests.test_pipeline import _too_many_admins

    answers = _too_many_admins(tmp_path / "answers.yaml")
    extra = ["--out", str(tmp_path / "out"), "--no-scan"] if command == "generate" else []
    code, out = run(command, "--answers", str(answers), *extra)
    assert code == 2, out
    assert f"guardform: {answers}: the region-deny SCP would be " in out
    assert out.count(str(answers)) == 1
    assert not (tmp_path / "out").exists()


def test_a_policy_over_awss_limit_in_json_locates_the_answers_file(tmp_path: Path) -> None:
    from tests.test_pipeline import _too_many_admins

    answers = _too_many_admins(tmp_path / "answers.yaml")
    code, out = run_stdout("generate", "--answers", str(answers), "--out", str(tmp_path / "out"), "--format", "json")
    assert code == 2
    (problem,) = json.loads(out)["errors"]
    assert problem["file"] == str(answers) and problem["message"].startswith("the region-deny SCP would be ")
