"""CKV_GF_3: VPC endpoint policies grant no wildcard action and no unconditioned access to everyone."""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import (
    MISSING,
    UNRESOLVED,
    as_list,
    attr,
    guideline,
    is_unresolved,
    load_policy,
    policy_not_supported,
)

# An IAM action: service prefix, colon, action name (which may hold * and ? wildcards).
ACTION_RE = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")


# The one documented need for Principal "*" without a Condition: the S3 gateway endpoint must let
# image pulls read layers from ECR's AWS-owned bucket, and those requests carry URLs that ECR signs, so
# the caller is not a principal of the account and no principal condition can hold. Accepted only for
# s3:GetObject on objects of prod-<region>-starport-layer-bucket (region literal or an interpolation).
# checkov may leave the partition and region as (nested) interpolations, so those parts are matched
# loosely; the bucket name pattern and the object wildcard are not.
ECR_LAYER_OBJECTS = re.compile(r"^arn:[^:/]+:s3:::prod-[^/:]+-starport-layer-bucket/\*$")


def is_ecr_layer_read(statement: dict[str, Any]) -> bool:
    actions = as_list(statement.get("Action"))
    resources = as_list(statement.get("Resource"))
    return (
        "NotAction" not in statement
        and "NotResource" not in statement
        and bool(actions)
        and all(isinstance(a, str) and a.strip().lower() == "s3:getobject" for a in actions)
        and bool(resources)
        and all(isinstance(r, str) and ECR_LAYER_OBJECTS.match(r.strip()) for r in resources)
    )


def is_wildcard_action(action: str) -> bool:
    """ "*" or a whole-service wildcard such as "s3:*" (also "*:*", "s3:**")."""
    action = action.strip()
    if action == "*":
        return True
    _service, sep, name = action.partition(":")
    return bool(sep) and name != "" and set(name) == {"*"}


def principal_kind(principal: Any) -> str:
    """ "everyone" for "*" / {"AWS": "*"} (any principal key holding "*"), "unknown" when part of it
    is unresolved, else "specific"."""
    if isinstance(principal, str):
        if principal.strip() == "*":
            return "everyone"
        return "unknown" if is_unresolved(principal) else "specific"
    if isinstance(principal, list):
        kinds = {principal_kind(p) for p in principal}
    elif isinstance(principal, dict):
        kinds = {principal_kind(v) for value in principal.values() for v in as_list(value)}
    else:
        return "unknown"
    for kind in ("everyone", "unknown"):
        if kind in kinds:
            return kind
    return "specific"


def has_condition(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition")
    return condition not in (None, "", [], {})


def statement_problems(index: int, statement: Any) -> tuple[list[str], bool]:
    """(violations, unknown) for one statement."""
    if not isinstance(statement, dict):
        return [], True
    effect = statement.get("Effect")
    if not isinstance(effect, str) or is_unresolved(effect):
        return [], True
    if effect.strip().lower() == "deny":
        return [], False
    if effect.strip().lower() != "allow":
        return [], True
    problems: list[str] = []
    unknown = False
    where = f"Statement {statement.get('Sid') or index}"

    if "NotAction" in statement:
        problems.append(f"{where}: Allow with NotAction allows every action but the listed ones")
    if "Action" in statement:
        actions = [a for a in as_list(statement["Action"]) if a is not None]
        if not actions:
            unknown = True  # an empty Action is what checkov makes of an unresolved list variable
        for action in actions:
            if not isinstance(action, str):
                unknown = True
            elif is_wildcard_action(action):
                problems.append(f"{where}: wildcard action {action!r}")
            elif not ACTION_RE.match(action.strip()):
                unknown = True  # an expression checkov did not resolve
    elif "NotAction" not in statement:
        unknown = True

    if "NotPrincipal" in statement:
        if not has_condition(statement):
            problems.append(f"{where}: Allow with NotPrincipal and no Condition allows everyone else")
    else:
        kind = principal_kind(statement.get("Principal", "*"))  # endpoint policies default to everyone
        if not has_condition(statement):
            if kind == "everyone" and not is_ecr_layer_read(statement):
                problems.append(f'{where}: Allow to Principal "*" without a Condition')
            elif kind == "unknown":
                unknown = True
    return problems, unknown


class VpcEndpointPolicyScope(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name='Ensure VPC endpoint policies allow no wildcard actions and no Principal "*" without a Condition',
            id="CKV_GF_3",
            categories=[CheckCategories.IAM],
            supported_resources=["aws_vpc_endpoint"],
            guideline=guideline(3),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["policy"]
        raw = attr(conf, "policy")
        if raw is MISSING or raw is UNRESOLVED or raw is None or raw == "" or policy_not_supported(conf):
            return CheckResult.UNKNOWN  # no policy to read: CKV_GF_2 reports a missing one
        policy = load_policy(raw)
        if policy is None:
            self.details.append(
                "the policy is an expression checkov cannot evaluate (for example "
                "data.aws_iam_policy_document...json or file()); write it with jsonencode()"
            )
            return CheckResult.UNKNOWN
        statements = policy.get("Statement")
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list) or not statements:
            return CheckResult.UNKNOWN
        self.evaluated_keys = ["policy/[0]/Statement"]
        problems: list[str] = []
        unknown = False
        for index, statement in enumerate(statements):
            found, not_known = statement_problems(index, statement)
            problems.extend(found)
            unknown = unknown or not_known
        if problems:
            self.details.extend(problems)
            return CheckResult.FAILED
        return CheckResult.UNKNOWN if unknown else CheckResult.PASSED


check = VpcEndpointPolicyScope()
