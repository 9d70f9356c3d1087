"""Tests for wizard/scan.py.

Tests marked ``checkov`` run the real checkov, provisioned the way users get it: resolve_checkov()
with no explicit path (on CI there is no checkov on PATH, so this builds guardform's managed
environment under the real cache folder once, about 30 s, and reuses it afterwards).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wizard import scan as S
from wizard.scan import Finding, ScanError, ScanReport
from wizard.scan import provision as P

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def fake_program(path: Path, body: str) -> Path:
    """A small shell script standing in for checkov."""
    write(path, "#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def check(
    check_id: str, file: str, lines: list[int], resource: str = "aws_s3_bucket.b", **extra: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "check_id": check_id,
        "check_name": f"name of {check_id}",
        "check_result": {"result": "X"},
        "file_path": "/" + file,
        "file_abs_path": "/scan/root/" + file,
        "file_line_range": lines,
        "resource": resource,
        "guideline": None,
    }
    item.update(extra)
    return item


def sample_output() -> dict[str, Any]:
    """The shape checkov 3.3.30 prints for one framework (trimmed to the fields we read)."""
    skipped = check("CKV_AWS_18", "main.tf", [5, 8], "aws_s3_bucket.c")
    skipped["check_result"] = {"result": "SKIPPED", "suppress_comment": "reason text"}
    return {
        "check_type": "terraform",
        "results": {
            "passed_checks": [check("CKV_AWS_93", "main.tf", [1, 3])],
            "failed_checks": [
                check("CKV_AWS_21", "modules/s3/main.tf", [5, 7], "module.s3.aws_s3_bucket.b"),
                check("CKV_AWS_145", "main.tf", [1, 3], guideline="https://docs.example/ckv_aws_145"),
                check("CKV2_AWS_6", "main.tf", [1, 3]),
            ],
            "skipped_checks": [skipped],
            "parsing_errors": ["/scan/root/bad.tf"],
        },
        "summary": {
            "passed": 1,
            "failed": 3,
            "skipped": 1,
            "parsing_errors": 1,
            "resource_count": 3,
            "checkov_version": "3.3.30",
        },
    }


def assert_valid_sarif(doc: dict[str, Any]) -> None:
    """The parts of the SARIF 2.1.0 schema our output uses, checked by hand."""
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].startswith("https://") and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "guardform/checkov"
    rules = driver["rules"]
    rule_ids = [r["id"] for r in rules]
    assert len(rule_ids) == len(set(rule_ids)), "rule ids must be unique"
    for rule in rules:
        assert isinstance(rule["id"], str) and rule["id"]
        assert isinstance(rule["shortDescription"]["text"], str)
        assert rule["defaultConfiguration"]["level"] in {"none", "note", "warning", "error"}
        if "helpUri" in rule:
            assert rule["helpUri"].startswith(("https://", "http://"))
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"none", "note", "warning", "error"}
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        for loc in result.get("locations", []):
            phys = loc["physicalLocation"]
            uri = phys["artifactLocation"]["uri"]
            assert isinstance(uri, str) and uri and not uri.startswith("/"), "uri must be relative"
            if "region" in phys:
                assert phys["region"]["startLine"] >= 1
                assert phys["region"]["endLine"] >= phys["region"]["startLine"]
        for sup in result.get("suppressions", []):
            assert sup["kind"] in {"inSource", "external"}
            assert isinstance(sup["justification"], str)


# --------------------------------------------------------------------------------------------
# Parsing checkov's JSON (no checkov needed)
# --------------------------------------------------------------------------------------------


def test_report_from_json_sorts_relativises_and_fails_on_parse_errors() -> None:
    report = S.report_from_checkov_json(sample_output(), "/scan/root")
    assert report.checkov_version == "3.3.30"
    assert [f.check_id for f in report.failed] == ["CKV2_AWS_6", "CKV_AWS_145", "CKV_AWS_21"]
    assert [f.file for f in report.failed] == ["main.tf", "main.tf", "modules/s3/main.tf"]
    assert report.failed[1].guideline == "https://docs.example/ckv_aws_145"
    assert report.failed[2].lines == (5, 7)
    (skip,) = report.skipped
    assert (skip.result, skip.check_id, skip.skip_reason) == ("skipped", "CKV_AWS_18", "reason text")
    assert report.parse_errors == ("bad.tf",)
    assert report.resource_count == 3
    assert not report.ok


def test_parse_error_alone_fails_the_report() -> None:
    data = sample_output()
    data["results"]["failed_checks"] = []
    report = S.report_from_checkov_json(data, "/scan/root")
    assert not report.failed
    assert report.parse_errors == ("bad.tf",)
    assert report.ok is False


def test_unnamed_parse_errors_are_counted() -> None:
    data = sample_output()
    data["results"]["parsing_errors"] = []
    data["summary"]["parsing_errors"] = 2
    report = S.report_from_checkov_json(data, "/scan/root")
    assert len(report.parse_errors) == 1 and "2 more parse error" in report.parse_errors[0]
    assert not report.ok


def test_empty_folder_summary_is_ok_with_a_note() -> None:
    empty = {
        "passed": 0,
        "failed": 0,
        "skipped": 0,
        "parsing_errors": 0,
        "resource_count": 0,
        "checkov_version": "3.3.30",
    }
    report = S.report_from_checkov_json(empty, "/x")
    assert report.ok
    assert report.findings == ()
    assert report.checkov_version == "3.3.30"
    assert any("no Terraform resources" in n for n in report.notes)


def test_list_of_framework_reports_is_merged() -> None:
    first = sample_output()
    second = sample_output()
    second["check_type"] = "terraform_json"
    second["results"]["failed_checks"] = [check("CKV_AWS_19", "other.tf.json", [1, 9])]
    second["results"]["parsing_errors"] = []
    second["summary"]["parsing_errors"] = 0
    report = S.report_from_checkov_json([first, second], "/scan/root")
    assert "CKV_AWS_19" in {f.check_id for f in report.failed}
    assert len(report.failed) == 4  # the identical findings of both copies are not doubled
    assert report.parse_errors == ("bad.tf",)


@pytest.mark.parametrize("bad", ["not json object", 3, [1, 2], {"results": []}])
def test_unexpected_json_shapes_raise(bad: object) -> None:
    with pytest.raises(ScanError):
        S.report_from_checkov_json(bad, "/x")


def test_check_errors_from_log_fail_the_report() -> None:
    log = (
        "2026-01-01 00:00:00,000 [MainThread  ] [ERROR]  Cannot load external check 'broken' "
        "from /ext/broken.py\nTraceback (most recent call last):\n"
        "2026-01-01 00:00:00,000 [MainThread  ] [ERROR]  Failed to run check CKV_GF_1 on "
        "/main.tf:aws_s3_bucket.b\n"
    )
    errors = S.check_errors_from_log(log)
    assert errors == [
        "check CKV_GF_1 crashed on main.tf:aws_s3_bucket.b",
        "could not load external check 'broken' from /ext/broken.py",
    ]
    data = sample_output()
    data["results"]["failed_checks"] = []
    data["results"]["parsing_errors"] = []
    data["summary"]["parsing_errors"] = 0
    report = S.report_from_checkov_json(data, "/scan/root", stderr=log)
    assert report.check_errors and not report.ok
    assert "Check errors" in S.format_text(report)


# --------------------------------------------------------------------------------------------
# Formatting (no checkov needed)
# --------------------------------------------------------------------------------------------


def test_format_text_lists_failures_before_skips() -> None:
    report = S.report_from_checkov_json(sample_output(), "/scan/root")
    text = S.format_text(report)
    assert text.splitlines()[0] == "checkov 3.3.30: 1 passed, 3 failed, 1 skipped, 1 parse errors"
    assert "bad.tf" in text
    assert "main.tf:1-3" in text and "https://docs.example/ckv_aws_145" in text
    assert "reason:   reason text" in text
    assert text.index("bad.tf") < text.index("CKV_AWS_145") < text.index("Skipped checks")
    assert text.rstrip().endswith("Result: FAILED (3 failed checks, 1 parse error)")


def test_format_text_ok() -> None:
    report = ScanReport(checkov_version="3.3.30", resource_count=1)
    assert S.format_text(report).rstrip().endswith("Result: OK (no failed checks, every file parsed)")


def test_format_json_is_deterministic() -> None:
    data = sample_output()
    a = S.format_json(S.report_from_checkov_json(data, "/scan/root"))
    data["results"]["failed_checks"].reverse()
    b = S.format_json(S.report_from_checkov_json(data, "/scan/root"))
    assert a == b
    doc = json.loads(a)
    assert doc["ok"] is False
    assert doc["summary"] == {
        "passed": 1,
        "failed": 3,
        "skipped": 1,
        "parse_errors": 1,
        "check_errors": 0,
        "resource_count": 3,
    }
    assert doc["skipped"][0]["skip_reason"] == "reason text"


def test_format_sarif_structure() -> None:
    report = S.report_from_checkov_json(sample_output(), "/scan/root")
    doc = json.loads(S.format_sarif(report))
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    # every check seen (passed too) has a rule; parse errors have their own
    assert {"CKV_AWS_93", "CKV_AWS_145", "CKV2_AWS_6", "CKV_AWS_21", "CKV_AWS_18"} <= set(rules)
    assert S.PARSE_ERROR_RULE_ID in rules
    assert rules["CKV_AWS_145"]["helpUri"] == "https://docs.example/ckv_aws_145"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert "CKV_AWS_93" not in by_rule  # passed checks are not results
    failed = by_rule["CKV_AWS_21"]["locations"][0]["physicalLocation"]
    assert failed == {"artifactLocation": {"uri": "modules/s3/main.tf"}, "region": {"startLine": 5, "endLine": 7}}
    assert by_rule["CKV_AWS_18"]["suppressions"] == [{"kind": "inSource", "justification": "reason text"}]
    assert "suppressions" not in by_rule["CKV_AWS_145"]
    parse = by_rule[S.PARSE_ERROR_RULE_ID]
    assert parse["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.tf"
    assert S.format_sarif(report) == S.format_sarif(report)


def test_sarif_uri_is_percent_encoded() -> None:
    finding = Finding("CKV_X", "x", "failed", "r", "dir with space/ä.tf", (0, 0))
    doc = json.loads(S.format_sarif(ScanReport(checkov_version="3.3.30", failed=(finding,))))
    assert_valid_sarif(doc)
    (result,) = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "dir%20with%20space/%C3%A4.tf"}}


# --------------------------------------------------------------------------------------------
# Running checkov: environment, crashes, unreadable output (fake checkov)
# --------------------------------------------------------------------------------------------


def test_checkov_env_strips_keys_and_settings() -> None:
    env = S.runner._checkov_env(
        {"PATH": "/bin", "BC_API_KEY": "secret", "CKV_SKIP_CHECK": "CKV_AWS_18", "PYTHONPATH": "/x", "HOME": "/h"}
    )
    assert "BC_API_KEY" not in env and "CKV_SKIP_CHECK" not in env and "PYTHONPATH" not in env
    assert env["PATH"] == "/bin" and env["HOME"] == "/h"
    assert env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] == "true"


def test_scan_reads_output_and_passes_offline_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_API_KEY", "must-not-leak")
    root = tmp_path / "tf"
    write(root / "main.tf", 'resource "aws_s3_bucket" "b" {}\n')
    out = json.dumps(sample_output()).replace("/scan/root", str(root.resolve()))
    args_file = tmp_path / "args.txt"
    fake = fake_program(
        tmp_path / "bin" / "checkov",
        f"""\
        printf '%s\\n' "$@" > '{args_file}'
        printf '%s' "${{BC_API_KEY:-unset}}" > '{tmp_path / "key.txt"}'
        cat <<'JSON'
        {out}
        JSON
        exit 1
        """,
    )
    report = S.scan(root, checkov=fake)
    assert [f.check_id for f in report.failed] == ["CKV2_AWS_6", "CKV_AWS_145", "CKV_AWS_21"]
    args = args_file.read_text().split("\n")
    for flag in ("--skip-download", "--compact", "--framework", "terraform", "--output", "json"):
        assert flag in args
    assert args[args.index("--download-external-modules") + 1] == "false"
    assert "--quiet" not in args and "--soft-fail" not in args
    assert (tmp_path / "key.txt").read_text() == "unset"


def test_scan_notes_checkov_config_files(tmp_path: Path) -> None:
    write(tmp_path / ".checkov.yaml", "skip-check: CKV_AWS_18\n")
    empty = '{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}'
    fake = fake_program(tmp_path / "bin" / "checkov", f"echo '{empty}'\n")
    report = S.scan(tmp_path, checkov=fake)
    assert any(".checkov.yaml" in n for n in report.notes)
    assert ".checkov.yaml" in S.format_text(report)


def test_scan_crash_raises(tmp_path: Path) -> None:
    fake = fake_program(tmp_path / "checkov", "echo 'Traceback: boom' >&2\nexit 2\n")
    with pytest.raises(ScanError, match=r"crashed \(exit code 2\)[\s\S]*boom"):
        S.scan(tmp_path, checkov=fake)


def test_scan_exit_1_without_json_raises(tmp_path: Path) -> None:
    fake = fake_program(tmp_path / "checkov", "echo 'not json'\nexit 1\n")
    with pytest.raises(ScanError, match="cannot be read"):
        S.scan(tmp_path, checkov=fake)


def test_scan_missing_folder_and_program(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="not a folder"):
        S.scan(tmp_path / "nope", checkov=tmp_path / "checkov")
    with pytest.raises(ScanError, match="not found"):
        S.scan(tmp_path, checkov=tmp_path / "no-such-checkov")


def test_external_checks_dir_without_init_py_is_refused(tmp_path: Path) -> None:
    ext = tmp_path / "ext"
    write(ext / "my_check.py", "x = 1\n")
    with pytest.raises(ScanError, match=r"__init__\.py"):
        S.scan(tmp_path, checkov=tmp_path / "checkov", external_checks_dirs=[ext])
    with pytest.raises(ScanError, match="does not exist"):
        S.scan(tmp_path, checkov=tmp_path / "checkov", external_checks_dirs=[tmp_path / "missing"])


# --------------------------------------------------------------------------------------------
# Resolving checkov (fake programs)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    on_path = fake_program(tmp_path / "pathbin" / "checkov", "echo 3.3.30\n")
    from_env = fake_program(tmp_path / "envbin" / "checkov", "echo 3.3.30\n")
    explicit = fake_program(tmp_path / "explicit" / "checkov", "echo 3.3.30\n")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv(S.CHECKOV_ENV_VAR, raising=False)
    return {"path": on_path, "env": from_env, "explicit": explicit}


def test_resolve_prefers_env_var_over_path(fakes: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert S.resolve_checkov(None) == fakes["path"]
    monkeypatch.setenv(S.CHECKOV_ENV_VAR, str(fakes["env"]))
    assert S.resolve_checkov(None) == fakes["env"]
    assert S.resolve_checkov(str(fakes["explicit"])) == fakes["explicit"]


def test_resolve_nonexistent_explicit_path_names_it(fakes: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "checkov"
    with pytest.raises(ScanError, match=re.escape(str(missing))):
        S.resolve_checkov(str(missing))


def test_resolve_nonexistent_env_var_names_it(fakes: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(S.CHECKOV_ENV_VAR, "/no/such/checkov")
    with pytest.raises(ScanError, match=rf"{S.CHECKOV_ENV_VAR}.*/no/such/checkov"):
        S.resolve_checkov(None)


def test_resolve_warns_about_other_versions(tmp_path: Path, fakes: dict[str, Path]) -> None:
    old = fake_program(tmp_path / "old" / "checkov", "echo 2.5.0\n")
    messages: list[str] = []
    assert S.resolve_checkov(str(old), messages.append) == old
    assert len(messages) == 1 and "2.5.0" in messages[0] and S.PINNED_CHECKOV_VERSION in messages[0]
    messages.clear()
    S.resolve_checkov(str(fakes["explicit"]), messages.append)
    assert messages == []


def test_resolve_broken_checkov_raises(tmp_path: Path, fakes: dict[str, Path]) -> None:
    broken = fake_program(tmp_path / "broken" / "checkov", "echo 'ImportError: hcl2' >&2\nexit 1\n")
    with pytest.raises(ScanError, match=r"does not work[\s\S]*hcl2"):
        S.resolve_checkov(str(broken))


def test_prewarm_stores_errors(tmp_path: Path, fakes: dict[str, Path]) -> None:
    thread = S.prewarm_checkov(str(tmp_path / "missing-checkov"))
    assert thread.daemon
    thread.join(30)
    assert thread.checkov is None and isinstance(thread.error, ScanError)
    ok = S.prewarm_checkov(str(fakes["explicit"]))
    ok.join(30)
    assert ok.error is None and ok.checkov == fakes["explicit"]


# --------------------------------------------------------------------------------------------
# The managed environment (tmp XDG_CACHE_HOME; no real checkov)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv(S.CHECKOV_ENV_VAR, raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no checkov (and no uv) on PATH
    return cache


def leftovers(cache: Path) -> list[str]:
    root = cache / "guardform"
    return sorted(p.name for p in root.iterdir() if ".tmp-" in p.name) if root.exists() else []


def test_failed_install_leaves_no_env_behind(
    isolated_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local wheel path that does not exist: pip fails at once, without asking any index.
    missing = tmp_path / "missing" / "checkov-0.0.0-py3-none-any.whl"
    monkeypatch.setattr(P, "CHECKOV_REQUIREMENT", str(missing))
    messages: list[str] = []
    with pytest.raises(ScanError) as info:
        S.resolve_checkov(None, messages.append)
    text = str(info.value)
    assert str(missing) in text and S.CHECKOV_ENV_VAR in text and "output" in text
    assert any("Installing checkov" in m for m in messages)
    assert S.managed_env_dir() == isolated_cache / "guardform" / f"checkov-{S.PINNED_CHECKOV_VERSION}"
    assert not S.managed_env_dir().exists()
    assert leftovers(isolated_cache) == []


def _fake_installer(counter: Path, delay: float = 0.0) -> Callable[[Path, str], list[list[str]]]:
    """Stands in for venv + pip: makes bin/python and a bin/checkov whose shebang names the
    build folder, the way pip writes console scripts."""

    def commands(env_dir: Path, requirement: str) -> list[list[str]]:
        code = textwrap.dedent(
            f"""
            import os, sys, time
            env = {str(env_dir)!r}
            os.makedirs(os.path.join(env, "bin"))
            os.symlink(sys.executable, os.path.join(env, "bin", "python"))
            script = os.path.join(env, "bin", "checkov")
            with open(script, "w") as fh:
                fh.write("#!/bin/sh\\n# env: " + env + "\\necho 3.3.30\\n")
            os.chmod(script, 0o755)
            with open({str(counter)!r}, "a") as fh:
                fh.write("built\\n")
            time.sleep({delay})
            """
        )
        return [[sys.executable, "-c", code]]

    return commands


def test_managed_env_is_built_once_relocated_and_reused(
    isolated_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "builds.txt"
    monkeypatch.setattr(P, "_install_commands", _fake_installer(counter))
    final = S.managed_env_dir()
    write(final / "junk.txt", "a half-made env from some older run\n")  # no marker: not complete

    messages: list[str] = []
    exe = S.resolve_checkov(None, messages.append)
    assert exe == final / "bin" / "checkov"
    assert not (final / "junk.txt").exists()
    assert (final / "guardform-env.json").is_file()
    script = exe.read_text()
    assert f"# env: {final}\n" in script and ".tmp-" not in script  # shebang/paths point at the final name
    assert leftovers(isolated_cache) == []
    assert any("first run only" in m for m in messages)

    assert S.resolve_checkov(None) == exe  # reused, not rebuilt
    assert counter.read_text().count("built") == 1


def test_concurrent_provisioning_builds_once(
    isolated_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "builds.txt"
    monkeypatch.setattr(P, "_install_commands", _fake_installer(counter, delay=1.0))
    results: list[Path | BaseException] = []

    def worker() -> None:
        try:
            results.append(S.resolve_checkov(None))
        except BaseException as exc:  # pragma: no cover - reported by the assert below
            results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [S.managed_env_dir() / "bin" / "checkov"] * 3
    assert counter.read_text().count("built") == 1


# --------------------------------------------------------------------------------------------
# Real checkov
# --------------------------------------------------------------------------------------------

BUCKET_NO_CONTROLS = """
resource "aws_s3_bucket" "plain" {
  bucket = "guardform-test-plain"
}
"""

BUCKET_WITH_SKIP = """
resource "aws_s3_bucket" "skipped" {
  #checkov:skip=CKV_AWS_18:reason text
  bucket = "guardform-test-skipped"
}
"""

BROKEN_TF = """
resource "aws_s3_bucket" "broken" {
  bucket = "unterminated
}
"""

MODULE_CALL = """
module "store" {
  source = "./modules/store"
  name   = "guardform-test-module"
}
"""

MODULE_BODY = """
variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}
"""

CUSTOM_CHECK = """
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class BucketNamePrefix(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure bucket names start with guardform-test-p",
            id="CKV_GF_999",
            categories=[CheckCategories.CONVENTION],
            supported_resources=["aws_s3_bucket"],
            guideline="https://example.com/guardform/CKV_GF_999",
        )

    def scan_resource_conf(self, conf):
        name = (conf.get("bucket") or [""])[0]
        return CheckResult.PASSED if str(name).startswith("guardform-test-p") else CheckResult.FAILED


check = BucketNamePrefix()
"""

CRASHING_CHECK = """
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class Crashes(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Always crashes",
            id="CKV_GF_998",
            categories=[CheckCategories.CONVENTION],
            supported_resources=["aws_s3_bucket"],
        )

    def scan_resource_conf(self, conf):
        raise RuntimeError("boom")


check = Crashes()
"""


@pytest.fixture(scope="session")
def real_checkov() -> Path:
    messages: list[str] = []
    try:
        exe = S.resolve_checkov(None, messages.append)
    finally:
        for m in messages:  # shown with -s; the first run installs checkov (about 30 s)
            print(m)
    assert S.checkov_version(exe) == S.PINNED_CHECKOV_VERSION
    return exe


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stack")
    write(root / "plain.tf", BUCKET_NO_CONTROLS)
    write(root / "skip.tf", BUCKET_WITH_SKIP)
    write(root / "broken.tf", BROKEN_TF)
    write(root / "main.tf", MODULE_CALL)
    write(root / "modules" / "store" / "main.tf", MODULE_BODY)
    return root


@pytest.fixture(scope="module")
def ext_checks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ext = tmp_path_factory.mktemp("ext")
    write(ext / "__init__.py", "")
    write(ext / "gf_check.py", CUSTOM_CHECK)
    return ext


@pytest.fixture(scope="module")
def report(real_checkov: Path, stack: Path, ext_checks: Path) -> ScanReport:
    return S.scan(stack, checkov=real_checkov, external_checks_dirs=[ext_checks])


def by(report: ScanReport, check_id: str, resource: str) -> list[Finding]:
    return [f for f in report.findings if f.check_id == check_id and f.resource == resource]


@pytest.mark.checkov
def test_real_missing_controls_fail(report: ScanReport) -> None:
    assert report.checkov_version == S.PINNED_CHECKOV_VERSION
    failed = {(f.check_id, f.resource) for f in report.failed}
    for check_id in ("CKV_AWS_145", "CKV2_AWS_6", "CKV_AWS_18"):
        assert (check_id, "aws_s3_bucket.plain") in failed
    (f,) = by(report, "CKV_AWS_145", "aws_s3_bucket.plain")
    assert (f.file, f.lines) == ("plain.tf", (1, 3))
    assert report.ok is False
    assert report.passed  # passed checks are kept (no --quiet)


@pytest.mark.checkov
def test_real_parse_error_is_a_failure(report: ScanReport) -> None:
    assert report.parse_errors == ("broken.tf",)
    assert not [f for f in report.findings if f.file == "broken.tf"]
    text = S.format_text(report)
    assert "broken.tf" in text and "1 parse errors" in text.splitlines()[0]


@pytest.mark.checkov
def test_real_parse_error_alone_fails(real_checkov: Path, tmp_path: Path) -> None:
    write(tmp_path / "broken.tf", BROKEN_TF)
    only_broken = S.scan(tmp_path, checkov=real_checkov)
    assert only_broken.failed == () and only_broken.parse_errors == ("broken.tf",)
    assert only_broken.ok is False


@pytest.mark.checkov
def test_real_inline_skip(report: ScanReport) -> None:
    (f,) = by(report, "CKV_AWS_18", "aws_s3_bucket.skipped")
    assert (f.result, f.skip_reason, f.file) == ("skipped", "reason text", "skip.tf")


@pytest.mark.checkov
def test_real_module_paths_are_relative(report: ScanReport) -> None:
    (f,) = by(report, "CKV_AWS_145", "module.store.aws_s3_bucket.this")
    assert (f.result, f.file, f.lines) == ("failed", "modules/store/main.tf", (5, 7))


@pytest.mark.checkov
def test_real_external_check_runs(report: ScanReport) -> None:
    (passed,) = by(report, "CKV_GF_999", "aws_s3_bucket.plain")
    assert passed.result == "passed" and passed.guideline == "https://example.com/guardform/CKV_GF_999"
    (failed,) = by(report, "CKV_GF_999", "aws_s3_bucket.skipped")
    assert failed.result == "failed"
    assert "CKV_GF_999" in S.format_text(report)


@pytest.mark.checkov
def test_real_crashing_check_fails_the_report(real_checkov: Path, tmp_path: Path) -> None:
    ext = tmp_path / "ext"
    write(ext / "__init__.py", "")
    write(ext / "crash.py", CRASHING_CHECK)
    write(ext / "syntax_error.py", "this is not python\n")
    root = tmp_path / "tf"
    write(root / "main.tf", BUCKET_NO_CONTROLS)
    crashed = S.scan(root, checkov=real_checkov, external_checks_dirs=[ext])
    assert any("CKV_GF_998" in e for e in crashed.check_errors)
    assert any("syntax_error" in e for e in crashed.check_errors)
    assert not crashed.ok


@pytest.mark.checkov
def test_real_empty_folder(real_checkov: Path, tmp_path: Path) -> None:
    empty = S.scan(tmp_path, checkov=real_checkov)
    assert empty.ok and empty.findings == () and empty.parse_errors == ()


@pytest.mark.checkov
def test_real_outputs_are_deterministic_and_valid(
    report: ScanReport, real_checkov: Path, stack: Path, ext_checks: Path
) -> None:
    again = S.scan(stack, checkov=real_checkov, external_checks_dirs=[ext_checks])
    assert S.format_json(again) == S.format_json(report)
    assert S.format_sarif(again) == S.format_sarif(report)
    doc = json.loads(S.format_sarif(report))
    assert_valid_sarif(doc)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"CKV_AWS_145", "CKV_GF_999", S.PARSE_ERROR_RULE_ID}
    skip = [r for r in results if r["ruleId"] == "CKV_AWS_18" and "suppressions" in r]
    assert skip and skip[0]["suppressions"][0]["justification"] == "reason text"


@pytest.mark.checkov
def test_real_prewarm(real_checkov: Path) -> None:
    thread = S.prewarm_checkov()
    thread.join(300)
    assert thread.error is None
    assert thread.checkov is not None and os.access(thread.checkov, os.X_OK)


def test_standalone_module_findings_fold_into_the_stack_paths(tmp_path: Path) -> None:
    files = {"main.tf": "x", "modules/iam/main.tf": "y"}
    S.write_scan_tree(files, tmp_path)
    assert (tmp_path / "stack" / "modules" / "iam" / "main.tf").read_text() == "y"
    assert (tmp_path / "standalone" / "iam" / "main.tf").read_text() == "y"
    assert not (tmp_path / "standalone" / "main.tf").exists()

    def finding(check: str, result: str, resource: str, file: str) -> S.Finding:
        return S.Finding(check, "name", result, resource, file, (1, 2))  # type: ignore[arg-type]

    report = S.ScanReport(
        checkov_version="3.3.30",
        passed=(finding("CKV_AWS_1", "passed", "module.iam.aws_iam_role.r", "stack/modules/iam/main.tf"),
                finding("CKV_AWS_2", "passed", "aws_kms_key.k", "stack/main.tf")),
        failed=(finding("CKV_AWS_1", "failed", "aws_iam_role.r", "standalone/iam/main.tf"),),
        skipped=(finding("CKV_AWS_3", "skipped", "aws_iam_role.r", "standalone/iam/main.tf"),),
        parse_errors=("standalone/iam/bad.tf",),
    )
    folded = S.fold_scan_tree(report)
    assert [(f.check_id, f.resource, f.file) for f in folded.failed] == [
        ("CKV_AWS_1", "module.iam.aws_iam_role.r", "modules/iam/main.tf")]
    assert [(f.check_id, f.file) for f in folded.passed] == [("CKV_AWS_2", "main.tf")]
    assert [f.resource for f in folded.skipped] == ["module.iam.aws_iam_role.r"]
    assert folded.parse_errors == ("modules/iam/bad.tf",)
    assert not folded.ok
