"""CKV_GF_6: Bedrock guardrails filter sensitive information (PII entities or custom regexes)."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import MISSING, UNRESOLVED, attr, blocks, dynamic_for_each, guideline, is_unresolved

FILTER_KEYS = ("pii_entities_config", "regexes_config")
ACTION_KEYS = ("action", "input_action", "output_action")


def _entry_state(entry: dict[str, Any]) -> str:
    """ "yes" when the entry blocks or anonymises, "no" when every action it sets is NONE (detect only),
    "unknown" when an action is not resolved."""
    actions = [attr(entry, key) for key in ACTION_KEYS]
    written = [a for a in actions if a not in (MISSING, None)]
    if not written:
        return "yes"  # action is required by the provider; let terraform validate report it
    if any(a is UNRESOLVED or not isinstance(a, str) or is_unresolved(a) for a in written):
        return "unknown"
    return "no" if all(a.strip().upper() == "NONE" for a in written) else "yes"


def _filters_state(policy: dict[str, Any]) -> str:
    states: set[str] = set()
    for key in FILTER_KEYS:
        # dynamic blocks: checkov copies `content` even when for_each is empty or unresolved
        iterations = dynamic_for_each(policy, key)
        if iterations is not None and (
            not iterations or any(isinstance(i, str) and is_unresolved(i) for i in iterations)
        ):
            states.add("unknown")
            continue
        for entry in blocks(policy, key):
            states.add(_entry_state(entry))
    if "yes" in states:
        return "yes"
    return "unknown" if "unknown" in states else "no"


class BedrockGuardrailSensitiveInformation(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure Bedrock guardrails have a sensitive information policy with PII entities or regexes",
            id="CKV_GF_6",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_bedrock_guardrail"],
            guideline=guideline(6),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["sensitive_information_policy_config"]
        policies = blocks(conf, "sensitive_information_policy_config")
        if not policies:
            if (
                attr(conf, "sensitive_information_policy_config") is UNRESOLVED
                or dynamic_for_each(conf, "sensitive_information_policy_config") is not None
            ):
                return CheckResult.UNKNOWN
            self.details.append("no sensitive_information_policy_config: the guardrail does not filter PII")
            return CheckResult.FAILED
        states = {_filters_state(p) for p in policies}
        if "yes" in states:
            return CheckResult.PASSED
        if "unknown" in states:
            return CheckResult.UNKNOWN
        self.details.append(
            "sensitive_information_policy_config has no pii_entities_config or regexes_config that blocks or anonymises"
        )
        return CheckResult.FAILED


check = BedrockGuardrailSensitiveInformation()
