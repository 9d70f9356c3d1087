"""What `generate`, `scan`, `diff` and `help` print: a summary by default (details with --verbose), --quiet,
colour only where it belongs (NO_COLOR honoured), the next step, whole command summaries in the help,
`guardform help [COMMAND]`, diff --exit-code, and shell completion as the README documents it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard.cli import cli
from wizard.pipeline import Pipeline, Progress
from wizard.scan import Finding, ScanReport

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "internal-training.yaml"
SKIP_REASON = "replication is planned for confidential and restricted data; data is internal"


def skipped(n: int) -> Finding:
    return Finding(
        "CKV_AWS_144",
        "Ensure that S3 bucket has cross-region replication enabled",
        "skipped",
        f"module.s3.aws_s3_bucket.b{n}",
        "modules/s3/main.tf",
        (n, n + 3),
        None,
        SKIP_REASON,
    )


PASSED = tuple(
    Finding(f"CKV_AWS_{n}", f"check {n}", "passed", "module.s3.aws_s3_bucket.b", "modules/s3/main.tf", (1, 4))
    for n in (19, 21, 53)
)
FAILED = Finding(
    "CKV_AWS_18", "Ensure the S3 bucket has access logging enabled", "failed", "module.s3.aws_s3_bucket.b",
    "modules/s3/main.tf", (1, 4),
)  # fmt: skip


def use_report(monkeypatch: pytest.MonkeyPatch, report: ScanReport) -> None:
    def resolve(self: Pipeline, explicit: str | None, progress: Progress | None) -> Path:
        if progress is not None:
            progress("checkov found")
        return Path("/opt/checkov/bin/checkov")

    def scan(self: Pipeline, files: Mapping[str, str], checkov: Path, progress: Progress | None) -> ScanReport:
        if progress is not None:
            progress("Scanning the generated stack…")
        return report

    monkeypatch.setattr(Pipeline, "resolve_checkov", resolve)
    monkeypatch.setattr(Pipeline, "scan", scan)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> ScanReport:
    report = ScanReport("3.3.30", passed=PASSED, skipped=tuple(skipped(n) for n in range(8)), resource_count=3)
    use_report(monkeypatch, report)
    return report


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> ScanReport:
    report = ScanReport("3.3.30", passed=PASSED, failed=(FAILED,), skipped=(skipped(1),), resource_count=3)
    use_report(monkeypatch, report)
    return report


def invoke(*args: str, color: bool = False, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), color=color, env=env, prog_name="guardform")
    return result.exit_code, result.stdout, result.stderr


def generate(
    out: Path, *extra: str, color: bool = False, env: Mapping[str, str | None] | None = None
) -> tuple[int, str, str]:
    return invoke("generate", "--answers", str(EXAMPLE), "--out", str(out), *extra, color=color, env=env)


# -- a summary by default, details on demand ---------------------------------------------------------


def test_generate_prints_a_summary_and_the_next_step(tmp_path: Path, clean: ScanReport) -> None:
    code, out, err = generate(tmp_path)
    assert code == 0, err
    assert SKIP_REASON not in out  # eight identical paragraphs are one line
    assert "8 checks skipped inline where they do not apply (--verbose lists each with its reason)" in out
    assert "checkov 3.3.30: 3 passed, 0 failed, 8 skipped, 0 parse errors" in out
    assert "Result: OK" in out
    assert out.rstrip().splitlines()[-1] == f"Next: cd {tmp_path / 'churn-model'} && terraform init"
    assert len(out.splitlines()) <= 10
    assert "Scanning the generated stack" in err


def test_verbose_lists_every_skip_with_its_reason(tmp_path: Path, clean: ScanReport) -> None:
    code, out, _ = generate(tmp_path, "--verbose")
    assert code == 0
    assert out.count(SKIP_REASON) == 8 and "Skipped checks:" in out


def test_failed_checks_are_shown_in_full_and_no_next_step(tmp_path: Path, failing: ScanReport) -> None:
    code, out, _ = generate(tmp_path)
    assert code == 1
    assert "CKV_AWS_18  Ensure the S3 bucket has access logging enabled" in out and "modules/s3/main.tf:1-4" in out
    assert "Result: FAILED (1 failed check)" in out
    assert "Next:" not in out and SKIP_REASON not in out


def test_quiet_prints_nothing_when_all_is_well_and_the_failures_when_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: ScanReport
) -> None:
    code, out, err = generate(tmp_path, "--quiet")
    assert (code, out, err) == (0, "", "")
    assert (tmp_path / "churn-model" / "main.tf").is_file()
    use_report(monkeypatch, ScanReport("3.3.30", passed=PASSED, failed=(FAILED,), resource_count=3))
    code, out, err = generate(tmp_path / "again", "-q")
    assert code == 1 and "CKV_AWS_18" in out and "Result: FAILED" in out and err == ""
    code, _, err = generate(tmp_path, "-q", "-v")
    assert code == 2 and "cannot be used together" in err


def test_scan_prints_the_same_summary(tmp_path: Path, clean: ScanReport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Pipeline, "scan_folder", lambda self, directory, checkov, progress: clean)
    code, out, _ = invoke("scan", str(tmp_path))
    assert code == 0 and SKIP_REASON not in out and "8 checks skipped inline" in out
    code, out, _ = invoke("scan", str(tmp_path), "--verbose")
    assert code == 0 and out.count(SKIP_REASON) == 8


# -- colour ------------------------------------------------------------------------------------


def test_colour_on_a_terminal_and_never_with_no_color(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: ScanReport
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    _, out, _ = generate(tmp_path / "a", color=True)  # as on a terminal
    assert "\x1b[31m\x1b[1mResult: FAILED" in out
    _, out, _ = generate(tmp_path / "b", color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in out and "Result: FAILED" in out
    _, out, _ = generate(tmp_path / "c")  # piped: no colour either
    assert "\x1b[" not in out


# -- diff --exit-code ---------------------------------------------------------------------------


def test_diff_exit_code_says_whether_something_would_change(tmp_path: Path) -> None:
    assert generate(tmp_path, "--no-scan")[0] == 0
    assert invoke("diff", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--exit-code")[0] == 0
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace("ml-security@example.com", "soc@example.com"))
    code, out, _ = invoke("diff", "--answers", str(changed), "--out", str(tmp_path), "--exit-code")
    assert code == 1 and "soc@example.com" in out
    assert invoke("diff", "--answers", str(changed), "--out", str(tmp_path))[0] == 0  # as before without the flag


# -- help ----------------------------------------------------------------------------------------


def test_help_command_prints_the_same_help_as_dash_dash_help() -> None:
    assert invoke("help")[:2] == invoke("--help")[:2]
    for name in ("generate", "scan", "diff", "setup"):
        code, out, _ = invoke("help", name)
        assert code == 0 and out == invoke(name, "--help")[1]
        assert out.startswith(f"Usage: guardform {name} ")
    code, out, err = invoke("help", "genrate")
    assert code == 2 and "no command named 'genrate'" in err and "generate" in err


def test_top_level_help_shows_every_summary_whole() -> None:
    _, out, _ = invoke("--help")
    assert "..." not in out.split("Commands:")[1]
    listing = " ".join(out.split("Commands:")[1].split())
    for name, cmd in cli.commands.items():
        summary = " ".join(cmd.get_short_help_str(limit=1_000).split())
        assert f"{name} {summary}" in listing, name
        assert summary.endswith("."), name


# -- shell completion --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "marker"), [("bash", "complete -o nosort -F"), ("zsh", "compdef"), ("fish", "complete")]
)
def test_shell_completion_works_as_the_readme_says(shell: str, marker: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"_GUARDFORM_COMPLETE={shell}_source guardform" in readme
    env = {**os.environ, "_GUARDFORM_COMPLETE": f"{shell}_source"}
    result = subprocess.run(
        [sys.executable, "-m", "wizard"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout and "_GUARDFORM_COMPLETE" in result.stdout
    # and it completes commands
    env = {**os.environ, "_GUARDFORM_COMPLETE": "bash_complete", "COMP_WORDS": "guardform gen", "COMP_CWORD": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "wizard"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert re.search(r"^plain,generate$", result.stdout, re.M), result.stdout


# -- a stack's own answers file names its folder -----------------------------------------------


def test_a_stacks_own_answers_file_checks_that_stack_wherever_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert generate(tmp_path / "infra" / "ai", "--no-scan")[0] == 0
    monkeypatch.chdir(tmp_path)
    copy = "infra/ai/churn-model/guardform.answers.yaml"
    code, out, err = invoke("generate", "--check", "--answers", copy)
    assert code == 0, out + err
    assert "up to date" in out and "answers copy of the stack in" in err
    assert invoke("diff", "--answers", copy, "--exit-code")[0] == 0
    code, out, _ = invoke("generate", "--answers", copy, "--no-scan")
    assert code == 0 and "up to date; nothing written" in out
    assert not (tmp_path / "modules_out").exists()
    # --out given: used as given
    code, out, err = invoke("generate", "--check", "--answers", copy, "--out", "elsewhere")
    assert code == 3 and "answers copy" not in err


def test_a_missing_stack_says_which_folder_was_expected_and_how_to_pass_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("generate", "--check", "--answers", str(EXAMPLE))
    assert code == 3 and "missing" in out
    assert "looked for the stack in modules_out/churn-model (--out modules_out, project name churn-model)" in err
    assert "pass --out" in err and "guardform.answers.yaml as --answers" in err
    code, out, err = invoke("diff", "--answers", str(EXAMPLE), "--exit-code")
    assert code == 1 and "there is no stack in modules_out/churn-model yet" in err and "pass --out" in err
    assert not (tmp_path / "modules_out").exists()


def test_check_on_a_missing_stack_summarises_it_instead_of_a_diff_of_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("generate", "--check", "--answers", str(EXAMPLE))
    assert code == 3
    assert "missing: " in out and "modules_out/churn-model does not exist" in out
    assert "+++ " not in out and "@@" not in out  # no diff of a folder that is not there
    assert re.search(r"generate would create \d+ files there: .*main\.tf.*, and \d+ more", out)
    assert len(out.splitlines()) < 10
    assert "pass --out" in err
    # the same for a machine: the files it would create, no diff of each from nothing
    code, out, _ = invoke("generate", "--check", "--format", "json", "--answers", str(EXAMPLE))
    document = json.loads(out)
    assert code == 3 and document["up_to_date"] is False and document["diffs"] == {}
    assert "main.tf" in document["would_create"] and len(document["would_create"]) > 8
    assert [r["category"] for r in document["reasons"]] == ["missing"]
    # a stack that exists but differs still gets its diff
    assert invoke("generate", "--answers", str(EXAMPLE), "--no-scan")[0] == 0
    main_tf = tmp_path / "modules_out" / "churn-model" / "main.tf"
    main_tf.write_text(main_tf.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    code, out, _ = invoke("generate", "--check", "--answers", str(EXAMPLE))
    assert code == 3 and "-# edited" in out and "would create" not in out


def test_the_diff_hint_for_a_missing_stack_is_written_in_sentences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _, _, err = invoke("diff", "--answers", str(EXAMPLE))
    assert "creates every file. If it lives elsewhere, pass --out" in err
    assert not re.search(r"[.!?] [a-z]", err.split("\n", 1)[0].replace("guardform: ", "", 1))
