"""CKV_GF_7: Bedrock model invocation logging delivers to CloudWatch Logs and/or S3."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import MISSING, UNRESOLVED, attr, blocks, guideline, is_unresolved

DESTINATIONS = (("cloudwatch_config", "log_group_name"), ("s3_config", "bucket_name"))


def _destination_state(logging_config: dict[str, Any]) -> str:
    states: set[str] = set()
    for block_name, key in DESTINATIONS:
        for block in blocks(logging_config, block_name):
            value = attr(block, key)
            if value is UNRESOLVED or (isinstance(value, str) and value.strip().startswith(("var.", "local."))):
                states.add("unknown")  # a variable may be null
            elif isinstance(value, str) and value.strip():
                states.add("yes")
            elif value not in (MISSING, None, "") and not isinstance(value, str):
                states.add("unknown")
        if attr(logging_config, block_name) is UNRESOLVED:
            states.add("unknown")
    if "yes" in states:
        return "yes"
    return "unknown" if "unknown" in states else "no"


class BedrockInvocationLoggingDestination(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure Bedrock model invocation logging delivers to a CloudWatch log group and/or an S3 bucket",
            id="CKV_GF_7",
            categories=[CheckCategories.LOGGING],
            supported_resources=["aws_bedrock_model_invocation_logging_configuration"],
            guideline=guideline(7),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["logging_config"]
        configs = blocks(conf, "logging_config")
        if not configs:
            if attr(conf, "logging_config") is UNRESOLVED or is_unresolved(attr(conf, "logging_config")):
                return CheckResult.UNKNOWN
            self.details.append("no logging_config: invocations are not logged")
            return CheckResult.FAILED
        self.evaluated_keys = ["logging_config/[0]/cloudwatch_config", "logging_config/[0]/s3_config"]
        states = {_destination_state(c) for c in configs}
        if "yes" in states:
            return CheckResult.PASSED
        if "unknown" in states:
            return CheckResult.UNKNOWN
        self.details.append("logging_config has neither cloudwatch_config.log_group_name nor s3_config.bucket_name")
        return CheckResult.FAILED


check = BedrockInvocationLoggingDestination()
