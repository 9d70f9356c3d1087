"""What CI pipelines read from the command line: exit 4 when the scanner cannot run, a valid JSON or SARIF
document on standard output whatever happens (bad answers, no scanner), SARIF paths from the repository root
(--sarif-base), the scan timeout, and `guardform setup`.  Fake checkov scripts and a fixed report only."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_scan import BUCKET_NO_CONTROLS, assert_valid_sarif, fake_program, sample_output, write
from tests.test_scan_setup import failing_pip_installer, pip_like_installer
from wizard import scan as S
from wizard.cli import cli
from wizard.pipeline import Pipeline, Progress
from wizard.scan import Finding, ScanReport
from wizard.scan import provision as P

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "internal-training.yaml"
BAD = ROOT / "tests" / "fixtures" / "bad_answers" / "bad-region.yaml"


def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    """Exit code, standard output, standard error."""
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)
    return path


def checkov_script(path: Path, body: str) -> Path:
    """A fake checkov that answers --version like the pinned one, and otherwise runs ``body``."""
    return fake_program(path, f'if [ "$1" = "--version" ]; then echo {S.PINNED_CHECKOV_VERSION}; exit 0; fi\n{body}')


FINDING = Finding(
    "CKV_AWS_18",
    "Ensure the S3 bucket has access logging enabled",
    "failed",
    "module.s3.aws_s3_bucket.this",
    "modules/s3/main.tf",
    (1, 4),
)


@pytest.fixture
def fixed_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """generate's scan returns one failed check, without checkov."""

    def resolve(self: Pipeline, explicit: str | None, progress: Progress | None) -> Path:
        return Path("/opt/checkov/bin/checkov")

    def scan(self: Pipeline, files: Mapping[str, str], checkov: Path, progress: Progress | None) -> ScanReport:
        return ScanReport("3.3.30", failed=(FINDING,), resource_count=1)

    monkeypatch.setattr(Pipeline, "resolve_checkov", resolve)
    monkeypatch.setattr(Pipeline, "scan", scan)


# -- exit 4: the scanner could not run ----------------------------------------------------------


def test_a_missing_checkov_after_writing_is_exit_4_and_says_the_stack_was_written(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "checkov"
    code, _out, err = invoke("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--checkov", str(missing))
    stack = tmp_path / "churn-model"
    assert code == 4, err
    assert f"{stack} was written, but the scan could not run" in err and str(missing) in err
    assert "nothing was written" not in err
    assert (stack / ".guardform.manifest.json").is_file()


def test_a_missing_checkov_still_gives_a_valid_sarif_document(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    missing = tmp_path / "no" / "checkov"
    code, out, err = invoke(
        "generate", "--answers", str(EXAMPLE), "--out", str(repo / "infra"), "--checkov", str(missing),
        "--format", "sarif",
    )  # fmt: skip
    assert code == 4, err
    doc = json.loads(out)
    assert_valid_sarif(doc)
    (invocation,) = doc["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert str(missing) in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_a_missing_checkov_in_json_names_the_written_stack_and_the_scan_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "checkov"
    code, out, err = invoke(
        "generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--checkov", str(missing), "--format", "json"
    )
    assert code == 4, err
    doc = json.loads(out)
    assert doc["stack"] == str(tmp_path / "churn-model")
    assert doc["scan"]["ok"] is False and doc["scan"]["stage"] == "scan" and str(missing) in out


def test_scanning_a_folder_without_terraform_is_exit_4_with_a_sarif_document(tmp_path: Path) -> None:
    fake = checkov_script(tmp_path / "bin" / "checkov", "echo '[]'\n")
    empty = git_repo(tmp_path / "repo") / "infra" / "typo"
    empty.mkdir(parents=True)
    code, out, err = invoke("scan", str(empty), "--checkov", str(fake), "--format", "sarif")
    assert code == 4, err
    assert "no .tf files" in err
    doc = json.loads(out)
    assert_valid_sarif(doc)
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is False
    code, out, err = invoke("scan", str(empty), "--checkov", str(fake), "--format", "json")
    assert code == 4 and json.loads(out)["ok"] is False and json.loads(out)["stage"] == "scan"
    code, out, err = invoke("scan", str(empty), "--checkov", str(fake))
    assert code == 4 and out == "" and "the scan could not run" in err


# -- bad answers: a document carrying every problem, exit 2, nothing written -------------------------


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_bad_answers_give_a_document_with_every_problem_and_write_nothing(tmp_path: Path, fmt: str) -> None:
    repo = git_repo(tmp_path / "repo")
    answers = repo / "infra" / "answers.yaml"
    write(answers, BAD.read_text(encoding="utf-8"))
    code, out, err = invoke("generate", "--answers", str(answers), "--out", str(repo / "out"), "--format", fmt)
    assert code == 2, err
    assert not (repo / "out").exists()
    assert "project.region" in err and "nothing was written" in err
    doc = json.loads(out)
    if fmt == "json":
        assert doc["ok"] is False and doc["stage"] == "answers"
        (problem,) = doc["errors"]
        assert problem["field"] == "project.region" and problem["file"] == str(answers) and problem["line"] >= 1
    else:
        assert_valid_sarif(doc)
        (note,) = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        assert note["message"]["text"].startswith("project.region: ")
        location = note["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "infra/answers.yaml"  # from the repository root
        assert location["region"]["startLine"] >= 1


# -- --sarif-base ------------------------------------------------------------------------------


def sarif_uris(doc: dict[str, object]) -> set[str]:
    run = doc["runs"][0]  # type: ignore[index]
    return {loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}


def test_generate_sarif_names_files_from_the_repository_root_or_sarif_base(tmp_path: Path, fixed_scan: None) -> None:
    repo = git_repo(tmp_path / "repo")
    args = ("generate", "--answers", str(EXAMPLE), "--out", str(repo / "infra" / "ai"), "--format", "sarif")
    code, out, err = invoke(*args)
    assert code == 1, err
    doc = json.loads(out)
    assert_valid_sarif(doc)
    assert sarif_uris(doc) == {"infra/ai/churn-model/modules/s3/main.tf"}
    assert (repo / "infra/ai/churn-model/modules/s3/main.tf").is_file()

    code, out, err = invoke(*args, "--sarif-base", str(repo / "infra"))
    assert code == 1, err
    assert sarif_uris(json.loads(out)) == {"ai/churn-model/modules/s3/main.tf"}


def test_a_sarif_base_that_does_not_hold_the_stack_is_refused_before_writing(tmp_path: Path, fixed_scan: None) -> None:
    (tmp_path / "elsewhere").mkdir()
    code, _out, err = invoke(
        "generate", "--answers", str(EXAMPLE), "--out", str(tmp_path / "out"), "--format", "sarif",
        "--sarif-base", str(tmp_path / "elsewhere"),
    )  # fmt: skip
    assert code == 2 and "does not contain" in err
    assert not (tmp_path / "out").exists()


def test_scan_sarif_base_moves_every_path(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    stack = repo / "infra" / "stack"
    write(stack / "main.tf", BUCKET_NO_CONTROLS)
    (tmp_path / "out.json").write_text(
        json.dumps(sample_output()).replace("/scan/root", str(stack.resolve())), encoding="utf-8"
    )
    fake = checkov_script(tmp_path / "bin" / "checkov", f"cat '{tmp_path / 'out.json'}'\nexit 1\n")
    code, out, _ = invoke("scan", str(stack), "--checkov", str(fake), "--format", "sarif")
    assert code == 1
    assert "infra/stack/main.tf" in sarif_uris(json.loads(out))
    code, out, _ = invoke(
        "scan", str(stack), "--checkov", str(fake), "--format", "sarif", "--sarif-base", str(repo / "infra")
    )
    assert code == 1
    doc = json.loads(out)
    assert_valid_sarif(doc)
    assert "stack/main.tf" in sarif_uris(doc) and "infra/stack/main.tf" not in sarif_uris(doc)
    code, out, err = invoke("scan", str(stack), "--checkov", str(fake), "--sarif-base", str(tmp_path / "repo" / ".git"))
    assert code == 2 and "does not contain" in err


# -- --scan-timeout ----------------------------------------------------------------------------


def test_a_hung_checkov_is_stopped_after_scan_timeout_with_exit_4(tmp_path: Path) -> None:
    hung = checkov_script(tmp_path / "bin" / "checkov", "exec sleep 300\n")
    write(tmp_path / "tf" / "main.tf", BUCKET_NO_CONTROLS)
    code, _, err = invoke("scan", str(tmp_path / "tf"), "--checkov", str(hung), "--scan-timeout", "0.5")
    assert code == 4, err
    assert "did not finish within 0.5 s" in err
    code, _out, err = invoke("scan", str(tmp_path / "tf"), "--checkov", str(hung), "--scan-timeout", "-1")
    assert code == 2 and "--scan-timeout" in err


def test_generate_passes_its_scan_timeout_to_the_scan(tmp_path: Path) -> None:
    hung = checkov_script(tmp_path / "bin" / "checkov", "exec sleep 300\n")
    code, _out, err = invoke(
        "generate", "--answers", str(EXAMPLE), "--out", str(tmp_path / "out"), "--checkov", str(hung),
        "--scan-timeout", "0.5",
    )  # fmt: skip
    assert code == 4, err
    assert "did not finish within 0.5 s" in err and (tmp_path / "out" / "churn-model" / "main.tf").is_file()


# -- guardform setup ---------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    xdg = tmp_path / "ci-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    monkeypatch.delenv(S.CHECKOV_ENV_VAR, raising=False)
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    return xdg


def test_setup_installs_checkov_and_prints_its_path(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(P, "_install_commands", pip_like_installer(tmp_path / "builds.txt"))
    code, out, err = invoke("setup")
    assert code == 0, err
    exe = cache / "guardform" / f"checkov-{S.PINNED_CHECKOV_VERSION}" / "bin" / "checkov"
    assert out == f"{exe}\n" and exe.is_file()
    assert "is ready" in err
    code, out, err = invoke("setup")
    assert code == 0 and out == f"{exe}\n" and "already installed" in err


def test_setup_that_cannot_install_is_exit_4(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "CHECKOV_REQUIREMENT", str(tmp_path / "missing" / "checkov-0.0.0-py3-none-any.whl"))
    monkeypatch.setattr(P, "_install_commands", failing_pip_installer)
    code, out, err = invoke("setup")
    assert code == 4 and out == "" and "could not install" in err


# -- bad usage: exit 2 and, in json or sarif, a document saying what was wrong -----------------------


USAGE_ERRORS = {
    "sarif without the scan": (["generate", "--answers", str(EXAMPLE), "--format", "{fmt}", "--no-scan"], "--no-scan"),
    "a misspelt folder": (["scan", "typo-dir", "--format", "{fmt}"], "typo-dir"),
    "a misspelt folder, --format=": (["scan", "--format={fmt}", "typo-dir"], "typo-dir"),
    "a missing --sarif-base": (
        ["generate", "--answers", str(EXAMPLE), "--format", "{fmt}", "--sarif-base", "nope"],
        "nope",
    ),
}


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_a_usage_error_in_json_or_sarif_still_prints_a_document_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, fmt: str
) -> None:
    monkeypatch.chdir(git_repo(tmp_path / "repo"))
    template, names = USAGE_ERRORS[case]
    args = [a.replace("{fmt}", fmt) for a in template]
    if case == "sarif without the scan" and fmt == "json":
        args = [*args, "--force", "--check"]  # json has no such conflict: use another one
    code, out, err = invoke(*args)
    assert code == 2, (out, err)
    assert names in err or "--force and --check" in err
    doc = json.loads(out)
    if fmt == "sarif":
        assert_valid_sarif(doc)
        (invocation,) = doc["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False
        text = invocation["toolExecutionNotifications"][0]["message"]["text"]
        assert names in text
    else:
        assert doc["ok"] is False and doc["stage"] == "usage" and doc["summary"]["failed"] == 0
        assert names in doc["errors"][0]["message"] or "--force and --check" in doc["errors"][0]["message"]
    assert not (tmp_path / "repo" / "modules_out").exists()


def test_a_usage_error_in_text_prints_nothing_on_standard_output(tmp_path: Path) -> None:
    code, out, err = invoke("scan", str(tmp_path / "typo-dir"))
    assert code == 2 and out == "" and "does not exist" in err
