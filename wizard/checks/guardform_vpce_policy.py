"""CKV_GF_2: every VPC endpoint has an endpoint policy (without one AWS attaches a full-access policy)."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import MISSING, UNRESOLVED, attr, guideline, policy_not_supported


class VpcEndpointHasPolicy(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure every VPC endpoint has an endpoint policy",
            id="CKV_GF_2",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_vpc_endpoint"],
            guideline=guideline(2),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["policy"]
        unsupported = policy_not_supported(conf)
        if unsupported:
            return CheckResult.UNKNOWN  # GatewayLoadBalancer/Resource/ServiceNetwork endpoints take no policy
        policy = attr(conf, "policy")
        if policy is UNRESOLVED:
            return CheckResult.UNKNOWN
        if policy is MISSING or policy is None or (isinstance(policy, str) and not policy.strip()) or policy == {}:
            if unsupported is None:
                return CheckResult.UNKNOWN
            self.details.append(
                "no policy: AWS attaches the default policy, which allows every action to "
                "every principal through the endpoint"
            )
            return CheckResult.FAILED
        if isinstance(policy, str) and policy.strip().startswith("var."):
            return CheckResult.UNKNOWN  # a variable may be null
        return CheckResult.PASSED


check = VpcEndpointHasPolicy()
