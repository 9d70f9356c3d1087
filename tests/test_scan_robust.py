"""The scan layer against what goes wrong: no Terraform, a hung or fail-open checkov, hostile checkov
output and file names, SIGTERM mid-scan; and what integrations read: SARIF paths from the repository
root, guideline links, documents that carry errors instead of a report.  Fake checkov scripts only."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.test_scan import BUCKET_NO_CONTROLS, assert_valid_sarif, fake_program, sample_output, write
from wizard import scan as S
from wizard.checks import guardform_common
from wizard.scan import Finding, ScanCancelled, ScanError, ScanReport

ROOT = Path(__file__).resolve().parent.parent
EMPTY_SUMMARY = '{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}'


def wait_for(path: Path, seconds: float = 30.0) -> None:
    """Wait until a fake checkov has started (it touches ``path``); not a timing assertion."""
    end = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone(pid_file: Path, seconds: float = 10.0) -> bool:
    """The process whose pid is in ``pid_file`` has exited (a killed process takes a moment to go)."""
    pid = int(pid_file.read_text())
    end = time.monotonic() + seconds
    while pid_alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def slow_checkov(tmp_path: Path) -> Path:
    """A checkov that starts a grandchild (as checkov's workers do), records both pids, and hangs."""
    return fake_program(
        tmp_path / "bin" / "checkov",
        f"""\
        sleep 300 &
        echo $! > '{tmp_path / "grandchild.pid"}'
        echo $$ > '{tmp_path / "checkov.pid"}'
        touch '{tmp_path / "started"}'
        wait
        """,
    )


def tf_folder(tmp_path: Path) -> Path:
    root = tmp_path / "tf"
    write(root / "main.tf", BUCKET_NO_CONTROLS)
    return root


# --------------------------------------------------------------------------------------------
# No Terraform is an error, not "Result: OK"
# --------------------------------------------------------------------------------------------


def test_empty_folder_is_an_error_not_ok(tmp_path: Path) -> None:
    fake = fake_program(tmp_path / "bin" / "checkov", f"echo '{EMPTY_SUMMARY}'\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    write(empty / "README.md", "no terraform here\n")
    write(empty / ".terraform" / "modules" / "x" / "main.tf", BUCKET_NO_CONTROLS)  # checkov skips it too
    with pytest.raises(ScanError, match=r"no \.tf files in .*empty"):
        S.scan(empty, checkov=fake)


def test_folder_with_tf_but_no_resources_says_nothing_was_checked(tmp_path: Path) -> None:
    fake = fake_program(tmp_path / "bin" / "checkov", "echo '[]'\n")
    report = S.scan(tf_folder(tmp_path), checkov=fake)
    text = S.format_text(report)
    assert "Result: NOTHING CHECKED" in text and "Result: OK" not in text
    sarif = json.loads(S.format_sarif(report))
    assert_valid_sarif(sarif)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("no Terraform resources" in n["message"]["text"] for n in notes)


# --------------------------------------------------------------------------------------------
# Fail-open checkov on a stack guardform wrote
# --------------------------------------------------------------------------------------------

GENERATED = {
    "main.tf": 'module "kms" {\n  source = "./modules/kms"\n}\n',
    "modules/kms/main.tf": 'resource "aws_kms_key" "data" {\n  enable_key_rotation = true\n}\n',
}


@pytest.mark.parametrize("output", ["[]", EMPTY_SUMMARY, '{"results": {}, "summary": {"resource_count": 0}}'])
def test_scan_files_refuses_a_checkov_that_checked_nothing(tmp_path: Path, output: str) -> None:
    fake = fake_program(tmp_path / "bin" / "checkov", f"echo '{output}'\nexit 0\n")
    assert S.declared_resources(GENERATED) == 1
    with pytest.raises(ScanError, match=r"declares 1 resources: checkov did not really scan"):
        S.scan_files(GENERATED, checkov=fake)


# --------------------------------------------------------------------------------------------
# Timeouts and cancelling
# --------------------------------------------------------------------------------------------


def test_hung_checkov_times_out_and_its_process_group_is_killed(tmp_path: Path) -> None:
    fake = slow_checkov(tmp_path)
    with pytest.raises(ScanError, match=rf"did not finish within 1 s[\s\S]*{S.SCAN_TIMEOUT_ENV_VAR}"):
        S.scan(tf_folder(tmp_path), checkov=fake, timeout=1)
    for name in ("checkov.pid", "grandchild.pid"):
        assert gone(tmp_path / name), f"{name} survived the timeout"


def test_timeout_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(S.SCAN_TIMEOUT_ENV_VAR, raising=False)
    assert S.scan_timeout() == S.DEFAULT_SCAN_TIMEOUT_S
    monkeypatch.setenv(S.SCAN_TIMEOUT_ENV_VAR, "0")
    assert S.scan_timeout() is None
    assert S.scan_timeout(12) == 12  # the explicit value (a CLI option) wins
    monkeypatch.setenv(S.SCAN_TIMEOUT_ENV_VAR, "1")
    with pytest.raises(ScanError, match="within 1 s"):
        S.scan(tf_folder(tmp_path), checkov=slow_checkov(tmp_path))
    for bad in ("ten", "-5", "nan"):
        monkeypatch.setenv(S.SCAN_TIMEOUT_ENV_VAR, bad)
        with pytest.raises(ScanError, match=S.SCAN_TIMEOUT_ENV_VAR):
            S.scan_timeout()


def test_scan_can_be_cancelled_from_another_thread(tmp_path: Path) -> None:
    fake = slow_checkov(tmp_path)
    cancel = threading.Event()
    outcome: list[BaseException | ScanReport] = []

    def worker() -> None:
        try:
            outcome.append(S.scan_files(GENERATED, checkov=fake, cancel=cancel, timeout=0))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    wait_for(tmp_path / "started")
    cancel.set()
    thread.join(60)
    assert not thread.is_alive()
    (result,) = outcome
    assert isinstance(result, ScanCancelled) and isinstance(result, ScanError)
    assert gone(tmp_path / "grandchild.pid")


# --------------------------------------------------------------------------------------------
# SIGTERM during a scan leaves nothing in the temporary folder
# --------------------------------------------------------------------------------------------

SCAN_IN_CHILD = """
import sys
from pathlib import Path
from wizard.scan import scan_files
files = {"main.tf": 'resource "aws_s3_bucket" "b" {}\\n', "modules/s3/main.tf": 'resource "aws_s3_bucket" "c" {}\\n'}
scan_files(files, checkov=Path(sys.argv[1]), timeout=0)
"""


def test_sigterm_during_a_scan_removes_the_temporary_copies(tmp_path: Path) -> None:
    fake = slow_checkov(tmp_path)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", SCAN_IN_CHILD, str(fake)], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(tmp_path / "started")
        assert any(tmpdir.iterdir()), "the scan tree should exist while checkov runs"
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 128 + signal.SIGTERM, stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == []
    assert gone(tmp_path / "grandchild.pid")


def test_a_callers_sigterm_handler_is_left_alone() -> None:
    def mine(signum: int, frame: object) -> None:  # pragma: no cover - never delivered
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with S.runner._sigterm_unwinds():
            assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


# --------------------------------------------------------------------------------------------
# Hostile checkov output
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("deep list", "[" * 200_000 + "]" * 200_000),
        ("deep object", '{"a":' * 200_000 + "1" + "}" * 200_000),
        ("huge integer", '{"passed": 0, "resource_count": ' + "9" * 5000 + "}"),
        ("deep finding", '{"results": {"failed_checks": [{"x": ' + "[" * 900 + "]" * 900 + "}]}}"),
    ],
)
def test_unreadable_checkov_json_is_a_clear_scan_error(tmp_path: Path, name: str, payload: str) -> None:
    out = tmp_path / "out.json"
    out.write_text(payload, encoding="utf-8")
    fake = fake_program(tmp_path / "bin" / "checkov", f"cat '{out}'\nexit 1\n")
    with pytest.raises(ScanError, match="checkov") as info:
        S.scan(tf_folder(tmp_path), checkov=fake)
    assert len(str(info.value)) < 3000  # the payload is not echoed back whole


# --------------------------------------------------------------------------------------------
# Terminal escapes from scanned code
# --------------------------------------------------------------------------------------------

ESC = "\x1b"
HOSTILE = [
    f"{ESC}]0;owned{ESC}\\",  # OSC: set the window title
    f"{ESC}[2J{ESC}[H",  # clear the screen
    "\x9b31m",  # C1 CSI
    "abc\u202edcba",  # right-to-left override
    "line\rover",  # carriage return overprint
    "two\nlines\u2028here",
]


@pytest.mark.parametrize("evil", HOSTILE)
def test_format_text_prints_no_control_characters_from_files(evil: str) -> None:
    skipped = Finding(
        "CKV_AWS_18",
        f"name {evil}",
        "skipped",
        f"aws_s3_bucket.{evil}",
        f"dir/{evil}.tf",
        (1, 2),
        skip_reason=f"reason {evil}",
    )
    failed = Finding("CKV_AWS_19", "n", "failed", "r", f"{evil}.tf", (3, 4), guideline=f"https://x/{evil}")
    report = ScanReport(
        "3.3.30",
        failed=(failed,),
        skipped=(skipped,),
        parse_errors=(f"{evil}.tf",),
        check_errors=(f"check crashed on {evil}",),
        notes=(f"settings in {evil}",),
        resource_count=2,
    )
    text = S.format_text(report)
    controls = [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u202e\u2028")]
    assert controls == []
    assert "\\x1b" in S.terminal_safe(ESC) and S.terminal_safe("naïve ✓ ü") == "naïve ✓ ü"
    # JSON and SARIF keep the exact text, escaped by JSON itself.
    doc = json.loads(S.format_json(report))
    assert doc["skipped"][0]["skip_reason"] == f"reason {evil}"
    sarif = json.loads(S.format_sarif(report))
    assert_valid_sarif(sarif)


def test_scan_error_messages_do_not_replay_escapes_from_checkov_output(tmp_path: Path) -> None:
    fake = fake_program(
        tmp_path / "bin" / "checkov", "printf 'parse failed near \\033]0;owned\\007 here\\n' >&2\nexit 2\n"
    )
    with pytest.raises(ScanError) as info:
        S.scan(tf_folder(tmp_path), checkov=fake)
    message = str(info.value)
    assert "parse failed near" in message and ESC not in message and "\x07" not in message
    assert "\\x1b]0;owned" in message


# --------------------------------------------------------------------------------------------
# SARIF locations from the repository root
# --------------------------------------------------------------------------------------------


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )


def test_sarif_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "infra-repo"
    stack = repo / "infra" / "ai" / "fraud-scoring"
    write(stack / "main.tf", BUCKET_NO_CONTROLS)
    git("init", "-q", cwd=repo)
    base = S.sarif_base(stack)
    assert base.prefix == "infra/ai/fraud-scoring/"
    assert base.root_uri == repo.resolve().as_uri() + "/"

    report = S.report_from_checkov_json(sample_output(), "/scan/root")
    doc = json.loads(S.format_sarif(report, base=base))
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == base.root_uri
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r.get("locations", [])
    }
    assert uris == {
        "infra/ai/fraud-scoring/main.tf",
        "infra/ai/fraud-scoring/modules/s3/main.tf",
        "infra/ai/fraud-scoring/bad.tf",
    }
    # Every URI names a file under the repository root, resolved the way code scanning does.
    for uri in uris - {"infra/ai/fraud-scoring/bad.tf", "infra/ai/fraud-scoring/modules/s3/main.tf"}:
        assert (repo / uri).is_file()


def test_scan_in_a_repository_writes_sarif_from_its_root_without_being_told(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    stack = repo / "infra" / "stack"
    write(stack / "main.tf", BUCKET_NO_CONTROLS)
    git("init", "-q", cwd=repo)
    out = json.dumps(sample_output()).replace("/scan/root", str(stack.resolve()))
    (tmp_path / "out.json").write_text(out, encoding="utf-8")
    fake = fake_program(tmp_path / "bin" / "checkov", f"cat '{tmp_path / 'out.json'}'\nexit 1\n")
    doc = json.loads(S.format_sarif(S.scan(stack, checkov=fake)))
    assert_valid_sarif(doc)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert "infra/stack/main.tf" in uris and "main.tf" not in uris

    # generate's scan of the files it wrote: paths from the repository holding the stack folder
    fake_gen = fake_program(tmp_path / "bin2" / "checkov", f"cat '{tmp_path / 'gen.json'}'\nexit 1\n")
    gen = sample_output()
    (tmp_path / "gen.json").write_text(json.dumps(gen).replace("/scan/root/", "/x/stack/"), encoding="utf-8")
    folded = S.scan_files(GENERATED, checkov=fake_gen, stack_dir=stack)
    doc = json.loads(S.format_sarif(folded))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert "infra/stack/main.tf" in uris


def test_sarif_base_explicit_and_outside_a_repository(tmp_path: Path) -> None:
    stack = tmp_path / "work" / "stack"
    stack.mkdir(parents=True)
    assert S.sarif_base(stack, tmp_path / "work").prefix == "stack/"
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(ScanError, match="does not contain the scanned folder"):
        S.sarif_base(stack, tmp_path / "elsewhere")
    with pytest.raises(ScanError, match="is not a folder"):
        S.sarif_base(stack, tmp_path / "missing")
    alone = S.sarif_base(stack)  # tmp_path is in no repository
    assert alone.prefix == "" and alone.root_uri == stack.resolve().as_uri() + "/"


def test_every_rule_links_its_documentation() -> None:
    findings = (
        Finding(
            "CKV_GF_3",
            "vpce",
            "failed",
            "aws_vpc_endpoint.e",
            "main.tf",
            (1, 2),
            guideline=guardform_common.guideline(3),
        ),
        Finding("CKV2_AWS_6", "bpa", "failed", "aws_s3_bucket.b", "main.tf", (1, 2)),
        Finding("CKV_AWS_18", "logging", "passed", "aws_s3_bucket.b", "main.tf", (1, 2)),
    )
    report = ScanReport("3.3.30", failed=findings[:2], passed=findings[2:], parse_errors=("bad.tf",), resource_count=1)
    doc = json.loads(S.format_sarif(report))
    assert_valid_sarif(doc)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CKV_GF_3"]["helpUri"] == guardform_common.DOCS + "#ckv_gf_3"
    assert rules["CKV2_AWS_6"]["helpUri"] == S.CHECKOV_POLICY_INDEX_URL + "#:~:text=CKV2_AWS_6"
    assert rules[S.PARSE_ERROR_RULE_ID]["helpUri"].endswith("checks.md#scan-errors")
    assert all("security" in r["properties"]["tags"] for r in rules.values())


def test_checkov_severity_is_carried_when_checkov_gives_one() -> None:
    data = sample_output()
    data["results"]["failed_checks"][0]["severity"] = "CRITICAL"
    report = S.report_from_checkov_json(data, "/scan/root")
    doc = json.loads(S.format_sarif(report))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CKV_AWS_21"]["properties"]["security-severity"] == "9.5"
    assert rules["CKV_AWS_145"]["properties"]["security-severity"] == "7.5"


# --------------------------------------------------------------------------------------------
# Guidelines a user can open
# --------------------------------------------------------------------------------------------


def test_every_finding_has_a_web_guideline() -> None:
    report = S.report_from_checkov_json(sample_output(), "/scan/root")
    for f in report.findings:
        assert f.guideline and f.guideline.startswith("https://"), f
    (given,) = [f for f in report.findings if f.check_id == "CKV_AWS_145"]
    assert given.guideline == "https://docs.example/ckv_aws_145"  # checkov's own link is kept
    old = S.report_from_checkov_json(
        {
            "results": {
                "failed_checks": [
                    dict(
                        sample_output()["results"]["failed_checks"][0],
                        check_id="CKV_GF_8",
                        guideline="guardform docs/checks.md#ckv_gf_8",
                    )
                ]
            },
            "summary": {},
        },
        "/scan/root",
    )
    assert old.failed[0].guideline == guardform_common.DOCS + "#ckv_gf_8"


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _anchors(markdown: str) -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', markdown))


def test_every_guardform_guideline_points_at_an_anchor_of_docs_checks_md() -> None:
    anchors = _anchors((ROOT / "docs" / "checks.md").read_text(encoding="utf-8"))
    ids = set()
    for path in S.guardform_checks_dir().iterdir():
        if path.suffix == ".py":
            ids |= {f"CKV_GF_{n}" for n in re.findall(r"guideline\((\d+)\)", path.read_text(encoding="utf-8"))}
        elif path.suffix == ".yaml":
            meta = load_yaml(path)["metadata"]
            assert meta["guideline"] == guardform_common.guideline(int(meta["id"].rsplit("_", 1)[1])), path
            ids.add(meta["id"])
    assert ids == {f"CKV_GF_{n}" for n in range(1, 9)}
    for check_id in ids:
        url = S.guideline_url(check_id)
        assert url is not None and url.startswith(guardform_common.DOCS_BASE_URL + "checks.md#")
        assert url.rsplit("#", 1)[1] in anchors, check_id
    assert S.SCAN_ERRORS_DOCS_URL.rsplit("#", 1)[1] in anchors


# --------------------------------------------------------------------------------------------
# A valid document when there is no report
# --------------------------------------------------------------------------------------------

PROBLEMS = [
    S.Problem("must be 3-32 characters", file="infra/answers.yaml", line=3, field="project.name"),
    S.Problem("unknown key 'regoin' (did you mean 'region'?)", file="infra/answers.yaml", line=5),
    S.Problem("YAML syntax error", file="/abs/elsewhere/answers.yaml"),
    S.Problem("no answers file given"),
]


def test_sarif_for_bad_answers_is_valid_and_carries_every_error(tmp_path: Path) -> None:
    doc = json.loads(S.format_sarif_errors(PROBLEMS, stage="answers", tool_version="0.1.0"))
    assert_valid_sarif(doc)
    (run,) = doc["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error"] * 4
    assert notes[0]["message"]["text"] == "project.name: must be 3-32 characters"
    assert notes[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/answers.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3},
    }
    assert "locations" not in notes[2] and "locations" not in notes[3]  # not in the repository / no file
    empty = json.loads(S.format_sarif_errors([], stage="scan"))
    assert_valid_sarif(empty)
    assert empty["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["level"] == "error"


def test_json_for_bad_answers_is_a_failed_report() -> None:
    doc = json.loads(S.format_json_errors(PROBLEMS, stage="answers"))
    assert doc["ok"] is False and doc["stage"] == "answers"
    assert doc["errors"][0] == {
        "message": "must be 3-32 characters",
        "file": "infra/answers.yaml",
        "line": 3,
        "field": "project.name",
    }
    assert doc["summary"]["errors"] == 4 and doc["failed"] == []


def test_error_sarif_locates_absolute_paths_inside_the_repository(tmp_path: Path) -> None:
    base = S.SarifBase(prefix="", root_uri=tmp_path.as_uri() + "/")
    doc = json.loads(
        S.format_sarif_errors([S.Problem("bad", file=str(tmp_path / "a b" / "x.yaml"), line=2)], base=base)
    )
    assert_valid_sarif(doc)
    loc = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "a%20b/x.yaml"
