"""What several flow builders read off the plan: the tier, the keys of each data class, a region the stack
does not allow, and the principals most flows are made by."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.access.flow import Principal, Resource
from wizard.plan import Plan

# Regions a denial can pick "a region outside allowed_regions" from.
_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")

# The object most data flows are about: a file of the training data.
TRAINING_DATA_FILE = Resource(kind="object", name="training_data", path="datasets/notes.jsonl")


def slug(text: str) -> str:
    """``text`` as a flow-id fragment: lower case, every other character a dash."""
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


@dataclass(frozen=True, kw_only=True)
class StackFacts:
    """The plan, and the facts of it the builders share."""

    plan: Plan
    confidential: bool  # confidential or restricted data: the perimeter holds, the key policies name their users
    data_key: str  # KeyPlan.name of each data class's key (the same name for all on a single-key stack)
    artifacts_key: str
    logs_key: str
    outside_region: str  # a region outside allowed_regions
    engineer: Principal  # who puts the training data in (see data_engineer)
    unnamed: Principal  # a principal of the account that the plan does not name

    # A perimeter flow is made by a workload role whose own policies allow the request where there is one,
    # so that only the bucket policy can refuse it (the key policies refuse an unnamed principal anyway).
    def reader(self, bucket: str) -> Principal:
        """The first workload role that reads ``bucket``, or the unnamed principal."""
        role = next((r for r in self.plan.iam.roles if bucket in r.reads), None)
        return Principal(kind="workload_role", name=role.name) if role else self.unnamed

    def writer(self, bucket: str) -> Principal:
        """The first workload role that writes ``bucket``, or the unnamed principal."""
        role = next((r for r in self.plan.iam.roles if bucket in r.writes), None)
        return Principal(kind="workload_role", name=role.name) if role else self.unnamed


def data_engineer(plan: Plan, confidential: bool) -> Principal:
    """The principal that uploads the training data.

    The data engineer is the first role of access.data_uploader_role_arns when the answers name one (the key
    policies name it as a user of the data key). Without one, on confidential and restricted data, where the key
    policies name who may use the keys (issue 13 finding 7), it is one of the admin roles ("data
    administrators"); on public and internal data any principal of the account whose IAM policies allow it.
    """
    if plan.data_uploader_role_arns:
        return Principal(kind="uploader_role", name=plan.data_uploader_role_arns[0])
    if confidential and plan.admin_role_arns:
        return Principal(kind="admin_role", name=plan.admin_role_arns[0])
    return Principal(kind="account_principal", name="data-engineer")


def stack_facts(plan: Plan) -> StackFacts:
    """The facts of ``plan`` the flow builders share."""
    confidential = plan.sensitivity in ("confidential", "restricted")
    return StackFacts(
        plan=plan,
        confidential=confidential,
        data_key=plan.key_for("data").name,
        artifacts_key=plan.key_for("artifacts").name,
        logs_key=plan.key_for("logs").name,
        outside_region=next(r for r in _REGIONS if r not in plan.allowed_regions),
        engineer=data_engineer(plan, confidential),
        unnamed=Principal(kind="account_principal", name="unnamed-principal"),
    )
