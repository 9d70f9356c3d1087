"""The evidence report: what an auditor reads, built deterministically from plan, answers, cost, scan."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from wizard.access import access_flows, access_rows, format_access_table
from wizard.answers import answers_digest, load_answers
from wizard.cost import estimate
from wizard.evidence import (
    ReportError,
    build_evidence,
    evidence_json,
    evidence_markdown,
    load_compliance,
    render_markdown,
)
from wizard.pipeline import Pipeline
from wizard.plan import plan
from wizard.render import render
from wizard.scan import Finding, ScanReport

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def inputs(name: str) -> tuple[Any, str]:
    answers = load_answers(ROOT / "examples" / f"{name}.yaml").answers
    return plan(answers), answers_digest(answers)


def finding(check: str, result: Any, resource: str) -> Finding:
    return Finding(check_id=check, check_name=check, result=result, resource=resource, file="main.tf", lines=(1, 2))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_document_is_deterministic_and_names_version_digest_and_every_control(path: Path) -> None:
    answers = load_answers(path).answers
    p = plan(answers)
    digest = answers_digest(answers)
    md = evidence_markdown(p, answers_digest=digest, estimate=estimate(p))
    assert md == evidence_markdown(plan(answers), answers_digest=digest, estimate=estimate(plan(answers)))
    js = evidence_json(p, answers_digest=digest, estimate=estimate(p))
    assert js == evidence_json(p, answers_digest=digest, estimate=estimate(p))
    assert f"guardform {p.tool_version}" in md and digest in md
    for c in p.controls:
        assert f"| `{c.id}` " in md
        assert f"- {'On' if c.enabled else 'Off'}: {c.reason}" in md
    data = json.loads(js)
    assert data["answers_sha256"] == digest
    assert [c["id"] for c in data["controls"]] == [c.id for c in p.controls]
    assert data["cost"]["totals"]["monthly"] == float(estimate(p).monthly)


def test_the_regimes_the_answers_name_decide_which_frameworks_show() -> None:
    p, digest = inputs("restricted-phi-bedrock")  # compliance: [hipaa]
    doc = build_evidence(p, answers_digest=digest)
    assert [f["key"] for f in doc["frameworks"]] == ["hipaa", "owasp_llm"]
    tls = next(c for c in doc["controls"] if c["id"] == "s3.tls_only")
    assert "164.312(e)(1)" in tls["requirements"]["hipaa"]["requirements"]
    assert tls["requirements"]["hipaa"]["via"] == ["s3-bucket-ssl-requests-only"]
    assert "pci_dss" not in tls["requirements"]
    md = render_markdown(doc)
    assert "Business Associate Addendum" in md
    assert "PCI DSS" not in md


def test_without_a_named_regime_every_framework_shows() -> None:
    p, digest = inputs("public-inference")  # no compliance answer
    doc = build_evidence(p, answers_digest=digest)
    assert [f["key"] for f in doc["frameworks"]] == [
        "hipaa",
        "pci_dss",
        "gdpr",
        "soc2",
        "nist_800_53",
        "cis_aws",
        "owasp_llm",
    ]
    md = render_markdown(doc)
    assert "PCI DSS v4.0:" in md  # labelled with the version the ids come from
    assert "SOC 2 (Trust Services Criteria): not mapped (" in md
    assert set(doc["shared_responsibility"]["customer"]) == {"all", "gdpr", "hipaa", "pci_dss", "soc2"}


def test_gdpr_mappings_cite_the_regulation_and_obligations_follow_the_regime() -> None:
    p, digest = inputs("confidential-fraud")  # compliance: [gdpr]
    doc = build_evidence(p, answers_digest=digest)
    sse = next(c for c in doc["controls"] if c["id"] == "s3.sse_kms_cmk")
    assert sse["requirements"]["gdpr"] == {"requirements": ["Art. 32(1)(a)"], "source": "gdpr_text", "via": []}
    assert set(doc["shared_responsibility"]["customer"]) == {"all", "gdpr"}
    assert any(s["key"] == "gdpr_text" and "eur-lex.europa.eu" in s["url"] for s in doc["sources"])


def test_scan_results_show_against_the_checks_that_verify_each_control() -> None:
    p, digest = inputs("restricted-phi-bedrock")
    scan = ScanReport(
        checkov_version="3.2.0",
        passed=(finding("CKV_AWS_7", "passed", "aws_kms_key.data"), finding("CKV_AWS_7", "passed", "aws_kms_key.logs")),
        failed=(finding("CKV_AWS_18", "failed", "aws_s3_bucket.audit"),),
    )
    doc = build_evidence(p, answers_digest=digest, scan=scan)
    rotation = next(c for c in doc["controls"] if c["id"] == "kms.rotation")
    assert rotation["checks"] == [{"id": "CKV_AWS_7", "results": {"passed": 2, "failed": 0, "skipped": 0}}]
    md = render_markdown(doc)
    assert "CKV_AWS_7 (2 passed)" in md
    assert "CKV_AWS_18 (1 failed)" in md
    assert "CKV_AWS_21 (not in scan)" in md
    assert "checkov 3.2.0: 2 passed, 1 failed, 0 skipped (NOT clean)." in md
    assert "Failed checks: CKV_AWS_18." in md


def test_without_a_scan_the_document_says_so() -> None:
    p, digest = inputs("internal-training")
    md = evidence_markdown(p, answers_digest=digest)
    assert "No scan results in this copy" in md
    assert "Run `guardform report` after a scan for results" in md
    assert "not scanned" not in md  # the check ids are listed plainly
    assert "No access matrix was given." in md
    assert "No estimate was given." in md


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_stacks_evidence_shows_its_access_matrix_as_the_readme_does(path: Path) -> None:
    """Issue 11: the report carries the access matrix: the README's "Who can do what" rows, and how they are
    verified (guardform's tests, offline; not the user's account)."""
    answers = load_answers(path).answers
    p = plan(answers)
    md = Pipeline().evidence(p, answers_digest(answers))
    section = md.split("## Access matrix\n", 1)[1].split("\n## ", 1)[0]
    table = format_access_table(access_flows(p))
    assert table.strip() in section  # the same rows, in the same order, as the stack README's table
    assert table.strip() in render(p)["README.md"]
    assert "No access matrix" not in md
    assert "guardform's own test suite" in section and "not in your AWS account" in section
    data = json.loads(Pipeline().evidence(p, answers_digest(answers), fmt="json"))
    rows = access_rows(access_flows(p))
    assert [(f["who"], f["can"], f["action"]) for f in data["access_matrix"]["flows"]] == [
        (r.who, r.verdict == "can", r.action) for r in rows
    ]
    assert any(not f["can"] for f in data["access_matrix"]["flows"])  # the denied flows are there too
    assert "principalmapper" in data["access_matrix"]["verified_by"]


def test_skipped_checks_are_listed_with_their_reasons() -> None:
    p, digest = inputs("restricted-phi-bedrock")
    md = evidence_markdown(p, answers_digest=digest)
    for skip in p.skips:
        assert f"| {skip.check_id} | {skip.module}: `{skip.resource}` |" in md


def test_the_data_tier_says_why() -> None:
    p, digest = inputs("confidential-fraud")  # declared internal, raised by its categories and GDPR
    data = build_evidence(p, answers_digest=digest)["data"]
    assert (data["tier"], data["declared"]) == ("confidential", "internal")
    assert data["why"] == "declared internal, raised by category financial, category pii, compliance gdpr"
    p, digest = inputs("public-inference")
    assert build_evidence(p, answers_digest=digest)["data"]["why"] == (
        "declared public; no data category or compliance answer raises it"
    )


def test_a_plan_control_without_a_mapping_entry_is_an_error_naming_it() -> None:
    p, digest = inputs("public-inference")
    cmap = load_compliance()
    trimmed = replace(cmap, controls={k: v for k, v in cmap.controls.items() if k != "kms.rotation"})
    with pytest.raises(ReportError, match=r"no entry for control\(s\): kms.rotation"):
        build_evidence(p, answers_digest=digest, compliance=trimmed)


def test_the_named_regime_shows_what_the_stack_covers_and_what_stays_with_the_customer() -> None:
    p, digest = inputs("restricted-phi-bedrock")  # compliance: [hipaa]
    doc = build_evidence(p, answers_digest=digest)
    assert [c["regime"] for c in doc["coverage"]] == ["hipaa"]
    hipaa = doc["coverage"][0]
    covered = {r["requirement"]: r["controls"] for r in hipaa["covered"]}
    assert "s3.tls_only" in covered["164.312(e)(1)"]  # transmission security, from the TLS-only bucket policy
    assert any("Business Associate Addendum" in item for item in hipaa["customer"])
    md = render_markdown(doc)
    section = md.split("## Compliance coverage", 1)[1].split("\n## ", 1)[0]
    assert "### HIPAA Security Rule (45 CFR Part 164, Subpart C)" in section
    assert "- 164.312(e)(1): " in section and "`s3.tls_only`" in section
    assert "Remains yours, whatever the stack does:" in section
    assert "Business Associate Addendum" in section
    # each regime's obligations are told once, in its coverage section, not again under Shared responsibility
    assert md.count("Business Associate Addendum") == 1


def test_a_requirement_only_an_off_control_meets_is_reported_as_not_covered() -> None:
    p, digest = inputs("confidential-fraud")  # gdpr; the existing network leaves network.flow_logs off
    assert not p.enabled("network.flow_logs")
    cmap = load_compliance()
    flow = cmap.controls["network.flow_logs"]
    gdpr = replace(flow.frameworks["gdpr"], requirements=("Art. 32(1)(d)",), source="gdpr_text", unmapped=None)
    mapped = replace(
        cmap,
        controls={**cmap.controls, "network.flow_logs": replace(flow, frameworks={**flow.frameworks, "gdpr": gdpr})},
    )
    doc = build_evidence(p, answers_digest=digest, compliance=mapped)
    coverage = doc["coverage"][0]
    assert coverage["regime"] == "gdpr" and coverage["named_in_answers"]
    assert coverage["not_covered"] == [{"requirement": "Art. 32(1)(d)", "controls_off": ["network.flow_logs"]}]
    assert "Art. 32(1)(d)" not in {r["requirement"] for r in coverage["covered"]}
    md = render_markdown(doc)
    assert "Mapped only to controls that are off for these answers (not covered):" in md
    assert "- Art. 32(1)(d): `network.flow_logs`" in md


def test_a_regime_no_control_is_mapped_to_claims_nothing() -> None:
    p, digest = inputs("internal-training")  # soc2: no sourced SOC 2 mapping exists
    doc = build_evidence(p, answers_digest=digest)
    assert doc["coverage"][0]["regime"] == "soc2" and doc["coverage"][0]["covered"] == []
    assert "so this document claims none" in render_markdown(doc)


def test_without_a_named_regime_every_regime_shows_its_coverage() -> None:
    p, digest = inputs("public-inference")
    doc = build_evidence(p, answers_digest=digest)
    assert [c["regime"] for c in doc["coverage"]] == ["hipaa", "pci_dss", "gdpr", "soc2"]
    assert not any(c["named_in_answers"] for c in doc["coverage"])
    md = render_markdown(doc)
    assert "No compliance regime is named in the answers (`data.compliance`)" in md
    assert "### PCI DSS v4.0" in md  # the version the requirement ids come from
