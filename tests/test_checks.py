"""guardform's own checkov checks (wizard/checks), run through the real checkov program.

Fixtures: tests/fixtures/checks/ckv_gf_N/ — every resource CKV_GF_N evaluates is named for the result
it must get: ``pass_*``, ``fail_*`` or ``unknown_*`` (checkov reports nothing for an UNKNOWN result).
All fixtures are scanned in one checkov run, the rendered examples in another (checkov's start-up
dominates a small scan).  checkov runs as its own program, never imported: see wizard/scan.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CHECKS_DIR = REPO / "wizard" / "checks"
FIXTURES = REPO / "tests" / "fixtures" / "checks"
DOCS = REPO / "docs" / "checks.md"
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))

# Each check and the resource type it reports on.
CHECKS: dict[str, str] = {
    "CKV_GF_1": "aws_vpc_endpoint",
    "CKV_GF_2": "aws_vpc_endpoint",
    "CKV_GF_3": "aws_vpc_endpoint",
    "CKV_GF_4": "aws_macie2_classification_job",
    "CKV_GF_5": "aws_sns_topic",
    "CKV_GF_6": "aws_bedrock_guardrail",
    "CKV_GF_7": "aws_bedrock_model_invocation_logging_configuration",
    "CKV_GF_8": "aws_bedrock_model_invocation_logging_configuration",
}
# Checks that complete another one: when the plan names the first, the second must pass too.
COMPANIONS = {"CKV_GF_7": ("CKV_GF_8",)}

_RESOURCE_RE = re.compile(r'^resource\s+"([^"]+)"\s+"([^"]+)"', re.MULTILINE)
_STRIP = ("BC_", "CKV_", "CHECKOV_", "PRISMA_")


# --------------------------------------------------------------------------------------------
# Running checkov
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def checkov_bin() -> str:
    """The checkov program: wizard.scan.resolve_checkov() when that module provides it (it honours
    $GUARDFORM_CHECKOV and PATH, else provisions guardform's pinned checkov), else $GUARDFORM_CHECKOV
    or ``checkov`` on PATH."""
    try:
        from wizard.scan import ScanError, resolve_checkov
    except ImportError:
        resolve_checkov = None
    if resolve_checkov is not None:
        try:
            return str(resolve_checkov(None, print))
        except ScanError as exc:
            pytest.skip(f"checkov is not available: {exc}")
    found = os.environ.get("GUARDFORM_CHECKOV") or shutil.which("checkov")
    if not found:
        pytest.skip("checkov not found: set GUARDFORM_CHECKOV or put checkov on PATH")
    return found


def run_checkov(checkov: str, directory: Path, out_dir: Path) -> tuple[list[dict[str, Any]], str]:
    """Scan ``directory`` with guardform's checks only; return (results, checkov's log)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP) and k not in ("PYTHONPATH", "LOG_LEVEL")}
    env.update(CKV_SKIP_PACKAGE_UPDATE_CHECK="true", BC_SKIP_MAPPING="TRUE", LOG_LEVEL="WARNING")
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        checkov,
        "--directory", str(directory),
        "--framework", "terraform",
        "--external-checks-dir", str(CHECKS_DIR),
        "--check", ",".join(CHECKS),
        "--output", "json",
        "--output-file-path", str(out_dir),
        "--skip-download",
        "--download-external-modules", "false",
        "--compact",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=directory, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900, check=False
    )
    assert proc.returncode in (0, 1), f"checkov crashed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    data = json.loads((out_dir / "results_json.json").read_text(encoding="utf-8"))
    reports = data if isinstance(data, list) else [data]
    results = []
    for report in reports:
        for key, outcome in (("passed_checks", "PASSED"), ("failed_checks", "FAILED")):
            for item in report.get("results", {}).get(key, []):
                results.append(
                    {
                        "check_id": item["check_id"],
                        "result": outcome,
                        "file": item["file_path"].lstrip("/"),
                        "resource": item["resource"],
                        "details": item.get("details") or [],
                        "guideline": item.get("guideline"),
                    }
                )
    return results, proc.stderr


def _resource_name(address: str) -> str:
    """``module.x.aws_sns_topic.name["key"]`` -> ``name``."""
    return re.sub(r"\[.*?\]", "", address).split(".")[-1]


def _assert_checks_loaded(log: str) -> None:
    assert "Cannot load external check" not in log, log[-4000:]
    assert "Traceback" not in log, log[-4000:]


@pytest.fixture(scope="session")
def fixture_results(checkov_bin: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    results, log = run_checkov(checkov_bin, FIXTURES, tmp_path_factory.mktemp("checkov-fixtures"))
    _assert_checks_loaded(log)
    return results


# --------------------------------------------------------------------------------------------
# The checks on their fixtures
# --------------------------------------------------------------------------------------------


def expected_results(check_id: str) -> dict[tuple[str, str], str]:
    """{(fixture file, resource name): PASSED | FAILED | UNKNOWN} from the fixture names."""
    folder = FIXTURES / check_id.lower()
    expected = {}
    for tf in sorted(folder.rglob("*.tf")):
        rel = tf.relative_to(FIXTURES).as_posix()
        for rtype, name in _RESOURCE_RE.findall(tf.read_text(encoding="utf-8")):
            if rtype != CHECKS[check_id]:
                continue
            prefix = name.split("_", 1)[0]
            assert prefix in ("pass", "fail", "unknown"), f"{rel}: {rtype}.{name} must start with pass_/fail_/unknown_"
            expected[(rel, name)] = {"pass": "PASSED", "fail": "FAILED", "unknown": "UNKNOWN"}[prefix]
    return expected


@pytest.mark.parametrize("check_id", list(CHECKS))
def test_fixtures_cover_pass_and_fail(check_id: str) -> None:
    folder = FIXTURES / check_id.lower()
    expected = expected_results(check_id)
    good = {r for (f, _), r in expected.items() if f.startswith(f"{folder.name}/good")}
    bad = {r for (f, _), r in expected.items() if f.startswith(f"{folder.name}/bad")}
    assert good == {"PASSED"}, f"{folder}/good.tf must hold passing cases only"
    assert bad == {"FAILED"}, f"{folder}/bad.tf must hold failing cases only"


@pytest.mark.checkov
@pytest.mark.parametrize("check_id", list(CHECKS))
def test_check_on_fixtures(check_id: str, fixture_results: list[dict[str, Any]]) -> None:
    folder = check_id.lower() + "/"
    actual: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in fixture_results:
        if r["check_id"] == check_id and r["file"].startswith(folder):
            actual[(r["file"], _resource_name(r["resource"]))].add(r["result"])
    expected = expected_results(check_id)
    problems = []
    for key, want in sorted(expected.items()):
        got = actual.get(key, set())
        if (want == "UNKNOWN" and got) or (want != "UNKNOWN" and got != {want}):
            problems.append(f"{key[0]}: {key[1]}: expected {want}, got {sorted(got) or 'nothing (UNKNOWN)'}")
    problems += [
        f"{f}: {name}: unexpected {sorted(got)}" for (f, name), got in actual.items() if (f, name) not in expected
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.checkov
def test_failures_explain_themselves(fixture_results: list[dict[str, Any]]) -> None:
    """Every result carries the guideline; Python checks' failures say what is wrong (details)."""
    for r in fixture_results:
        if not r["check_id"].startswith("CKV_GF_"):
            continue
        assert r["guideline"] and r["guideline"].endswith(f"#{r['check_id'].lower()}"), r
        if r["result"] == "FAILED" and r["check_id"] != "CKV_GF_8":  # graph checks have no details
            assert r["details"], r


# --------------------------------------------------------------------------------------------
# The checks on guardform's own output
# --------------------------------------------------------------------------------------------


@pytest.mark.checkov
def test_checks_pass_on_rendered_examples(checkov_bin: str, tmp_path: Path) -> None:
    """Every example renders to Terraform on which guardform's checks find nothing, and each CKV_GF
    check the plan names for an enabled control (plus its companions) passes at least once."""
    from wizard.answers import load_answers
    from wizard.plan import plan
    from wizard.render import render

    assert EXAMPLES, "no examples/*.yaml"
    stacks = tmp_path / "stacks"
    wanted: dict[str, set[str]] = {}
    for example in EXAMPLES:
        the_plan = plan(load_answers(example).answers)
        for rel, text in render(the_plan).items():
            target = stacks / example.stem / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        ids = {c for control in the_plan.controls if control.enabled for c in control.checks if c in CHECKS}
        wanted[example.stem] = ids | {c for i in ids for c in COMPANIONS.get(i, ())}

    results, log = run_checkov(checkov_bin, stacks, tmp_path / "out")
    _assert_checks_loaded(log)
    failed = [
        f"{r['check_id']} {r['file']} {r['resource']}: {'; '.join(r['details'])}"
        for r in results
        if r["result"] == "FAILED"
    ]
    assert not failed, "\n".join(failed)
    passed: dict[str, set[str]] = defaultdict(set)
    for r in results:
        passed[r["file"].split("/", 1)[0]].add(r["check_id"])
    missing = {stem: sorted(ids - passed[stem]) for stem, ids in wanted.items() if ids - passed[stem]}
    assert not missing, f"checks the plan relies on that never passed (UNKNOWN: value not resolved): {missing}"


# --------------------------------------------------------------------------------------------
# Static consistency: ids, docs, packaging
# --------------------------------------------------------------------------------------------


def _defined_ids() -> set[str]:
    ids = set()
    for path in CHECKS_DIR.iterdir():
        if path.suffix in (".py", ".yaml"):
            ids |= set(re.findall(r"""\bid(?:=|:\s*)["']?(CKV_GF_\d+)""", path.read_text(encoding="utf-8")))
    return ids


def test_every_check_is_defined_once_and_tested() -> None:
    assert _defined_ids() == set(CHECKS)
    for check_id in CHECKS:
        assert (FIXTURES / check_id.lower()).is_dir(), f"no fixtures for {check_id}"


def test_plan_refers_only_to_defined_checks() -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "wizard" / "plan").glob("*.py")))
    referenced = set(re.findall(r"CKV_GF_\d+", sources))
    assert referenced, "the plan names no guardform check"
    assert referenced <= _defined_ids(), referenced - _defined_ids()


def test_docs_have_a_section_per_check() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for check_id in CHECKS:
        assert re.search(rf"^## .*{check_id}\b", text, re.MULTILINE), f"docs/checks.md: no heading for {check_id}"
        assert f'id="{check_id.lower()}"' in text or f"{{#{check_id.lower()}}}" in text, f"no anchor {check_id}"


def test_check_modules_have_unique_prefixed_names() -> None:
    """checkov imports each file as a top-level module named after it: keep the names guardform's own."""
    for path in CHECKS_DIR.glob("*.py"):
        assert path.name == "__init__.py" or path.name.startswith("guardform_"), path.name
    assert (CHECKS_DIR / "__init__.py").is_file(), "checkov loads Python checks only from a folder with __init__.py"
