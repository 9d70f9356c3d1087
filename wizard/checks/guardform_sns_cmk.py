"""CKV_GF_5: SNS topics are encrypted with a customer managed KMS key, not the AWS managed alias/aws/sns."""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import MISSING, UNRESOLVED, attr, guideline

# References to KMS resources declared in Terraform: these are always customer managed keys
# (AWS reserves the alias/aws/ prefix, so an aws_kms_alias cannot name an AWS managed key).
KMS_RESOURCE_REF = re.compile(
    r"^(aws_kms_key|aws_kms_alias|aws_kms_replica_key|aws_kms_external_key|"
    r"aws_kms_replica_external_key)\."
)
# Values written as a key id, key ARN or alias.
KMS_LITERAL = re.compile(r"^(arn:[^:]+:kms:|alias/|mrk-|[0-9a-f]{8}-[0-9a-f]{4}-)", re.IGNORECASE)


class SnsTopicCustomerManagedKey(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure SNS topics are encrypted with a customer managed KMS key (not alias/aws/sns)",
            id="CKV_GF_5",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_sns_topic"],
            guideline=guideline(5),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["kms_master_key_id"]
        key = attr(conf, "kms_master_key_id")
        if key is UNRESOLVED:
            return CheckResult.UNKNOWN
        if key is MISSING or key is None or (isinstance(key, str) and not key.strip()):
            self.details.append("kms_master_key_id is not set: the topic is not encrypted with KMS")
            return CheckResult.FAILED
        if not isinstance(key, str):
            return CheckResult.UNKNOWN
        key = key.strip()
        if "alias/aws/" in key.lower():
            self.details.append(
                f"{key} is an AWS managed key: its key policy cannot be changed, so services "
                "such as EventBridge cannot publish to the topic"
            )
            return CheckResult.FAILED
        if KMS_RESOURCE_REF.match(key) or KMS_LITERAL.match(key):
            return CheckResult.PASSED
        return CheckResult.UNKNOWN  # var., local., data., module. or another expression


check = SnsTopicCustomerManagedKey()
