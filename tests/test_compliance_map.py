"""The compliance mappings: every plan control has an entry, and every mapping names its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wizard.answers import Compliance, load_answers
from wizard.evidence import FRAMEWORKS, ReportError, load_compliance, parse_compliance
from wizard.plan import plan

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
TEXT = (ROOT / "wizard" / "data" / "compliance.yaml").read_text(encoding="utf-8")


def plan_control_ids() -> set[str]:
    ids: set[str] = set()
    for path in EXAMPLES:
        ids |= {c.id for c in plan(load_answers(path).answers).controls}
    return ids


def test_every_control_the_plan_emits_has_an_entry_and_no_entry_is_stale() -> None:
    cmap = load_compliance()
    ids = plan_control_ids()
    assert len(ids) > 30
    assert sorted(ids - set(cmap.controls)) == [], "plan controls without a compliance entry"
    assert sorted(set(cmap.controls) - ids) == [], "compliance entries for controls the plan no longer emits"


def test_every_mapping_has_a_source_or_says_why_not() -> None:
    cmap = load_compliance()
    mapped = 0
    for cm in cmap.controls.values():
        assert set(cm.frameworks) == set(FRAMEWORKS), cm.control_id
        for fm in cm.frameworks.values():
            if fm.unmapped is None:
                assert fm.requirements and fm.source in cmap.sources, (cm.control_id, fm.framework)
                mapped += 1
            else:
                assert len(fm.unmapped) > 20, (cm.control_id, fm.framework)  # a reason, not a placeholder
    assert mapped > 50


def test_sources_are_public_and_pinned() -> None:
    for src in load_compliance().sources.values():
        assert src.url.startswith("https://"), src.key
        if "aws-guard-rules-registry" in src.url:
            assert re.search(r"/blob/[0-9a-f]{40}/mappings/rule_set_[a-z0-9_]+\.json$", src.url), src.key


def test_pci_ids_are_v4_and_come_from_the_v4_conformance_pack() -> None:
    """PCI DSS v3.2.1 was retired in 2024: the ids are v4.0's, from AWS's PCI DSS 4.0 conformance-pack table."""
    cmap = load_compliance()
    pci = cmap.sources["pci_dss"]
    assert pci.framework == "PCI DSS v4.0"
    assert pci.url.startswith("https://docs.aws.amazon.com/config/latest/developerguide/")
    assert "pci-dss-v4" in pci.url and "guard-rules-registry" not in pci.url
    mapped = {cid: cm.frameworks["pci_dss"] for cid, cm in cmap.controls.items()}
    # Rows of the v4.0 table: CloudTrail on in every region (10.2.x audit logs), log retention (10.5.1),
    # object lock and versioning (10.3.4), Macie (A3.2.5.x).
    assert {"10.2.1", "10.2.2", "10.3.1"} <= set(mapped["monitoring.cloudtrail"].requirements)
    assert mapped["monitoring.cloudtrail"].via == ("cloudtrail-enabled", "multi-region-cloudtrail-enabled")
    assert "10.5.1" in mapped["monitoring.log_retention"].requirements
    assert mapped["s3.audit_object_lock"].requirements == ("10.3.4",)
    assert mapped["macie.discovery"].requirements == ("A3.2.5.1", "A3.2.5.2")
    for fm in mapped.values():
        for req in fm.requirements:
            assert re.fullmatch(r"A?\d+(\.\d+)+", req), req
    # A control whose rules the v4.0 table does not map says so, and names no v3.2.1 id as a requirement.
    tls = mapped["s3.tls_only"]
    assert tls.requirements == () and tls.unmapped is not None
    assert "PCI DSS 4.0 conformance pack maps none of s3-bucket-ssl-requests-only" in tls.unmapped


def test_every_compliance_answer_selects_frameworks_and_names_customer_obligations() -> None:
    cmap = load_compliance()
    for regime in Compliance:
        assert cmap.regimes.get(regime.value), regime
        assert cmap.obligations.get(regime.value), regime
    assert any("Business Associate" in o for o in cmap.obligations["hipaa"])


def test_config_rules_are_aws_config_rule_names() -> None:
    for cm in load_compliance().controls.values():
        for rule in cm.config_rules:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule), (cm.control_id, rule)


def _broken(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      source: hipaa\n      via: [s3-bucket-ssl-requests-only]\n",
            "      via: [s3-bucket-ssl-requests-only]\n",
            r"controls\.s3\.tls_only\.hipaa has requirements but no source",
        ),
        (
            "      source: hipaa\n      via: [s3-bucket-ssl-requests-only]\n",
            "      source: a_blog\n      via: [s3-bucket-ssl-requests-only]\n",
            r"source 'a_blog' is not one of the sources",
        ),
        (
            "      source: hipaa\n      via: [s3-bucket-ssl-requests-only]\n",
            "      source: hipaa\n      via: [some-other-rule]\n",
            r"via names rules not in config_rules: some-other-rule",
        ),
        (
            '    hipaa: {unmapped: "no AWS Config managed rule checks that data classes use separate keys, '
            'so no conformance-pack mapping covers it"}',
            '    hipaa: {unmapped: ""}',
            r"controls\.kms\.key_per_purpose\.hipaa\.unmapped gives no reason",
        ),
    ],
)
def test_a_mapping_without_a_source_is_refused(old: str, new: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_compliance(_broken(old, new))


def test_a_control_missing_a_framework_is_refused() -> None:
    start = TEXT.index("  kms.rotation:\n")
    block_end = TEXT.index("  kms.least_privilege_key_policy:\n")
    block = TEXT[start:block_end]
    soc2_line = next(line for line in block.splitlines(keepends=True) if line.startswith("    soc2:"))
    broken = TEXT[:start] + block.replace(soc2_line, "") + TEXT[block_end:]
    with pytest.raises(ReportError, match=r"controls\.kms\.rotation\.soc2 is missing"):
        parse_compliance(broken)
