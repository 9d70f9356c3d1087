"""Two contracts of the command line that no single feature owns: exit 2 ("nothing was written") is never
returned once the stack is written, and nothing that came from a file (a path, a value quoted in an error,
a hand edit in a diff, a skip reason) reaches the terminal as control or bidi characters."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_cli_output import PASSED, use_report
from wizard.cli import cli, safe_json, safe_text
from wizard.errors import GuardformError
from wizard.pipeline import Pipeline, Progress
from wizard.scan import Finding, ScanCancelled, ScanError, ScanReport

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "internal-training.yaml"

OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
BIDI = "\u202e"
HOSTILE = OSC_TITLE + CLEAR + BIDI + "\u2028" + "\x9b" + "\r"
# what may remain: the colour guardform itself adds (SGR sequences ending in "m")
OWN_STYLE = re.compile(r"\x1b\[[0-9;]*m")
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def invoke(*args: str, color: bool = True) -> tuple[int, str, str]:
    """As on a terminal (colour on): click strips nothing, so what reaches the screen is what is tested."""
    result = CliRunner().invoke(cli, list(args), color=color, env={"NO_COLOR": None, "TERM": "xterm"})
    return result.exit_code, result.stdout, result.stderr


def assert_terminal_safe(*texts: str) -> None:
    for text in texts:
        assert not UNSAFE.search(OWN_STYLE.sub("", text)), repr(text)


# -- exit 2 never follows a write ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "error"),
    [
        ("resolve_checkov", ScanError("checkov not found")),
        ("scan", ScanError("checkov crashed")),
        ("scan", ScanCancelled("the scan was cancelled")),
        ("scan", GuardformError("a failure no row of the table names")),
    ],
)
def test_no_failure_after_the_write_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, error: GuardformError
) -> None:
    def resolve(self: Pipeline, explicit: str | None, progress: Progress | None) -> Path:
        if stage == "resolve_checkov":
            raise error
        return Path("/opt/checkov/bin/checkov")

    def scan(self: Pipeline, files: Mapping[str, str], checkov: Path, progress: Progress | None) -> ScanReport:
        raise error

    monkeypatch.setattr(Pipeline, "resolve_checkov", resolve)
    monkeypatch.setattr(Pipeline, "scan", scan)
    for fmt in ("text", "json", "sarif"):
        out = tmp_path / fmt
        code, stdout, stderr = invoke("generate", "--answers", str(EXAMPLE), "--out", str(out), "--format", fmt)
        assert code == 4, stderr
        assert (out / "churn-model" / ".guardform.manifest.json").is_file()
        assert "nothing was written" not in stderr and f"{out / 'churn-model'} was written" in stderr
        if fmt != "text":
            assert str(error) in json.dumps(json.loads(stdout))  # a document carrying the error, not an empty file


# -- nothing from a file drives the terminal ------------------------------------------------------


def test_safe_text_keeps_lines_and_tabs_and_escapes_the_rest() -> None:
    assert safe_text(f"a\tb\nc{OSC_TITLE}d\n") == "a\tb\nc\\x1b]0;pwned\\x07d\n"
    assert safe_text(BIDI) == "\\u202e"
    doc = json.dumps({"path": HOSTILE + "\x7f"}, ensure_ascii=False)
    safe = safe_json(doc)
    assert json.loads(safe) == {"path": HOSTILE + "\x7f"} and not UNSAFE.search(safe)


def test_a_hand_edit_full_of_escapes_is_shown_escaped_in_the_refusal_and_the_diff(tmp_path: Path) -> None:
    assert invoke("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")[0] == 0
    main = tmp_path / "churn-model" / "main.tf"
    main.write_text(main.read_text() + f"# {HOSTILE}\n")
    code, out, err = invoke("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--no-scan")
    assert code == 3 and "\\x1b]0;pwned\\x07" in err
    assert_terminal_safe(out, err)
    code, out, err = invoke("diff", "--answers", str(EXAMPLE), "--out", str(tmp_path))
    assert code == 0 and "-# \\x1b]0;pwned" in out
    assert_terminal_safe(out, err)


def test_a_hostile_folder_name_is_printed_escaped_in_text_and_escaped_in_json(tmp_path: Path) -> None:
    out_dir = tmp_path / f"out{OSC_TITLE}{BIDI}"
    code, out, err = invoke("generate", "--answers", str(EXAMPLE), "--out", str(out_dir), "--no-scan")
    assert code == 0, err
    assert "out\\x1b]0;pwned\\x07\\u202e" in out
    assert_terminal_safe(out, err)
    code, out, err = invoke(
        "generate", "--answers", str(EXAMPLE), "--out", str(out_dir), "--no-scan", "--format", "json"
    )
    assert code == 0 and json.loads(out)["stack"] == str(out_dir / "churn-model")
    assert_terminal_safe(out, err)


def test_bad_answers_at_a_hostile_path_are_reported_escaped(tmp_path: Path) -> None:
    bad = tmp_path / f"answers{CLEAR}{BIDI}.yaml"
    bad.write_text((ROOT / "tests" / "fixtures" / "bad_answers" / "bad-region.yaml").read_text())
    for fmt in ("text", "json", "sarif"):
        code, out, err = invoke("generate", "--answers", str(bad), "--out", str(tmp_path / "o"), "--format", fmt)
        assert code == 2 and "project.region" in err
        assert_terminal_safe(out, err)
        if fmt == "json":
            assert json.loads(out)["errors"][0]["file"] == str(bad)


def test_a_hostile_skip_reason_from_the_scan_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    skip = Finding(
        "CKV_AWS_144", "replication", "skipped", "module.s3.aws_s3_bucket.b", "modules/s3/main.tf", (1, 4), None,
        f"not needed {HOSTILE}",
    )  # fmt: skip
    use_report(monkeypatch, ScanReport("3.3.30", passed=PASSED, skipped=(skip,), resource_count=3))
    code, out, err = invoke("generate", "--answers", str(EXAMPLE), "--out", str(tmp_path), "--verbose")
    assert code == 0 and "not needed \\x1b]0;pwned" in out
    assert_terminal_safe(out, err)
