"""CKV_GF_1: VPC endpoints state their type, and Interface endpoints have private DNS on."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import MISSING, UNRESOLVED, as_bool, attr, guideline, is_unresolved

# Types whose traffic does not resolve service hostnames through the endpoint: private DNS does not apply.
NON_INTERFACE_TYPES = {"gateway", "gatewayloadbalancer", "resource", "servicenetwork"}


class VpcEndpointPrivateDns(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure VPC endpoints set vpc_endpoint_type explicitly and Interface endpoints enable private DNS",
            id="CKV_GF_1",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_vpc_endpoint"],
            guideline=guideline(1),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["vpc_endpoint_type"]
        ep_type = attr(conf, "vpc_endpoint_type")
        if ep_type is MISSING or ep_type is None or ep_type == "":
            self.details.append(
                "vpc_endpoint_type is not set: the provider then creates a Gateway endpoint; write the type explicitly"
            )
            return CheckResult.FAILED
        if ep_type is UNRESOLVED or not isinstance(ep_type, str) or is_unresolved(ep_type):
            return CheckResult.UNKNOWN
        kind = ep_type.strip().lower()
        if kind in NON_INTERFACE_TYPES:
            return CheckResult.PASSED
        if kind != "interface":
            return CheckResult.UNKNOWN  # not a type the provider knows: leave it to terraform validate
        self.evaluated_keys = ["vpc_endpoint_type", "private_dns_enabled"]
        dns = attr(conf, "private_dns_enabled")
        if dns is MISSING or dns is None:
            self.details.append("private_dns_enabled is not set (the provider default is false)")
            return CheckResult.FAILED
        value = as_bool(dns)
        if value is None:
            return CheckResult.UNKNOWN
        if not value:
            self.details.append(
                "private_dns_enabled = false: SDK calls to the default service hostname bypass the endpoint"
            )
            return CheckResult.FAILED
        return CheckResult.PASSED


check = VpcEndpointPrivateDns()
