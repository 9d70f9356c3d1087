"""Bedrock: what each invoking role may call (the approved models and profiles, with the guardrail, in the
allowed regions), its Lambda network interfaces, and who may assume it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from wizard.access.facts import StackFacts, slug
from wizard.access.flow import Context, Flow, Principal, Resource, ResourceKind
from wizard.plan import BedrockPlan, RolePlan

_CONVERSE = (
    ("InvokeModel", "bedrock:InvokeModel"),
    ("InvokeModelWithResponseStream", "bedrock:InvokeModelWithResponseStream"),
    # Converse and ConverseStream are authorized as InvokeModel and InvokeModelWithResponseStream.
    ("Converse", "bedrock:InvokeModel"),
    ("ConverseStream", "bedrock:InvokeModelWithResponseStream"),
)

# What a Lambda function in the VPC does to its network interfaces with its execution role.
_LAMBDA_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


def is_inference_profile(model_id: str) -> bool:
    """A cross-region inference profile id starts with a geography (us., eu., apac., global.)."""
    return model_id.split(".", 1)[0] in ("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca")


def _kind(model_id: str) -> ResourceKind:
    return "inference_profile" if is_inference_profile(model_id) else "model"


@dataclass(frozen=True, kw_only=True)
class BedrockCaller:
    """A workload role that invokes Bedrock, and the guardrail its invocations carry."""

    role: RolePlan
    models: tuple[str, ...]  # the approved models and inference profiles, in the answers' order
    guardrail: Literal["this", "none"]
    guardrail_version: str  # "1" with the stack's guardrail, "" without

    @property
    def principal(self) -> Principal:
        return Principal(kind="workload_role", name=self.role.name)

    @property
    def id_prefix(self) -> str:
        return self.role.name.removeprefix("bedrock_")


def bedrock_flows(stack: StackFacts) -> Iterator[Flow]:
    """Every invoking role's flows, role by role."""
    bedrock = stack.plan.bedrock
    if bedrock is None:
        return
    for role in (r for r in stack.plan.iam.roles if r.bedrock_invoke):
        caller = _caller(role, bedrock)
        yield from model_invocation_flows(caller)
        yield from guardrail_denials(caller)
        yield from outside_region_invocation_denials(caller, stack.outside_region)
        yield from lambda_network_interface_flows(caller)
        yield from bedrock_role_trust_denials(caller)


def _caller(role: RolePlan, bedrock: BedrockPlan) -> BedrockCaller:
    return BedrockCaller(
        role=role,
        models=bedrock.models,
        guardrail="this" if bedrock.guardrail else "none",
        guardrail_version="1" if bedrock.guardrail else "",
    )


def model_invocation_flows(caller: BedrockCaller) -> Iterator[Flow]:
    """Each API (InvokeModel, its stream, Converse, ConverseStream) on each approved model or profile."""
    guarded = caller.guardrail == "this"
    for model in caller.models:
        kind = _kind(model)
        for api, action in _CONVERSE:
            yield Flow(
                id=f"{caller.id_prefix}-{slug(api)}-{slug(model)}",
                workload="bedrock",
                principal=caller.principal,
                action=action,
                resource=Resource(kind=kind, name=model),
                context=Context(guardrail=caller.guardrail, guardrail_version=caller.guardrail_version),
                expect="allow",
                why=f"{api} on an approved {'profile' if kind == 'inference_profile' else 'model'}"
                + (" with the guardrail" if guarded else ""),
            )


def guardrail_denials(caller: BedrockCaller) -> Iterator[Flow]:
    """With the stack's guardrail: no invocation without it, with its DRAFT version, or with another one."""
    if caller.guardrail != "this":
        return
    first = caller.models[0]
    for gid, ctx, why in (
        ("without-guardrail", Context(), "without the guardrail"),
        (
            "with-draft-guardrail",
            Context(guardrail="this", guardrail_version="DRAFT"),
            "with the mutable DRAFT version of the guardrail",
        ),
        ("with-other-guardrail", Context(guardrail="other", guardrail_version="1"), "with another guardrail"),
    ):
        yield Flow(
            id=f"{caller.id_prefix}-invoke-{gid}-denied",
            workload="bedrock",
            principal=caller.principal,
            action="bedrock:InvokeModel",
            resource=Resource(kind=_kind(first), name=first),
            context=ctx,
            expect="deny",
            why=f"no invocation {why}",
        )


def outside_region_invocation_denials(caller: BedrockCaller, outside_region: str) -> Iterator[Flow]:
    """No model call in a region outside allowed_regions (for a profile: the model it routes to)."""
    first = caller.models[0]
    yield Flow(
        id=f"{caller.id_prefix}-invoke-outside-regions-denied",
        workload="bedrock",
        principal=caller.principal,
        action="bedrock:InvokeModel",
        resource=Resource(kind="model", name=first.split(".", 1)[1] if _kind(first) != "model" else first),
        context=Context(
            region=outside_region,
            via_vpce=False,
            guardrail=caller.guardrail,
            guardrail_version=caller.guardrail_version,
        ),
        expect="deny",
        why=f"no invocation in {outside_region}, outside allowed_regions",
    )


def lambda_network_interface_flows(caller: BedrockCaller) -> Iterator[Flow]:
    """A Lambda function in the VPC manages its network interfaces with its execution role."""
    if caller.role.service != "lambda.amazonaws.com":
        return
    for action in _LAMBDA_ENI_ACTIONS:
        yield Flow(
            id=f"{caller.id_prefix}-{slug(action.split(':')[1])}",
            workload="bedrock",
            principal=caller.principal,
            action=action,
            resource=Resource(kind="network_interface", name="eni"),
            expect="allow",
            why="a Lambda function in the VPC manages its network interfaces with its execution role",
        )


def bedrock_role_trust_denials(caller: BedrockCaller) -> Iterator[Flow]:
    """Only the trusted service of this account assumes the role."""
    yield Flow(
        id=f"{caller.id_prefix}-role-assumed-by-other-account-denied",
        workload="bedrock",
        principal=Principal(kind="other_account", name="intruder"),
        action="sts:AssumeRole",
        resource=Resource(kind="role", name=caller.role.name),
        expect="deny",
        why="only the trusted service of this account assumes the role",
    )
