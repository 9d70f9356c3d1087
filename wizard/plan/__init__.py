"""From answers to a plan: every security decision guardform makes lives in this package.

``plan(answers)`` is a pure function that only composes the decision modules, one per concern, each a
pure function from the answers and the shared :class:`~wizard.plan.facts.Facts` (the effective tier
and what it switches on) to its :class:`~wizard.plan.section.Section` of the plan: the sub-plan, its
controls and its checkov skips.

- ``facts``   the tier and the booleans every module shares
- ``keys``    customer managed KMS keys and their key policies
- ``buckets`` S3 buckets, replication, bucket policies
- ``network`` VPC, subnets, endpoints and endpoint policies
- ``iam``     workload roles, their policies, the permission boundary, job guardrails, region SCP
- ``monitoring``, ``macie``, ``bedrock``, ``notebook``; the answers' ``usage:`` section is carried as a
  ``UsagePlan`` for the cost estimate (it decides no resource)
- ``model``   the Plan's dataclasses; ``policy`` policy documents as data (statements, Refs) and
  the AWS size limits checked at plan time

Templates and READMEs only read the Plan; they do not decide. Facts (service names, actions, check
ids) come from the controls catalog; the tier table is the catalog's §9 proposal.
"""

from __future__ import annotations

from wizard import __version__
from wizard.answers import Answers, Compliance, DataCategory
from wizard.plan.apply import decide_apply, declared_types
from wizard.plan.bedrock import decide_bedrock
from wizard.plan.buckets import decide_buckets
from wizard.plan.facts import Facts, facts
from wizard.plan.iam import GLOBAL_SERVICE_EXEMPTIONS, decide_iam
from wizard.plan.keys import decide_keys
from wizard.plan.macie import decide_macie
from wizard.plan.model import (
    MODULE_ORDER,
    MODULE_TITLES,
    BedrockPlan,
    BucketPlan,
    ContentFilter,
    Control,
    CustomIdentifier,
    EndpointPlan,
    GuardrailEntity,
    IamPlan,
    KeyPlan,
    MaciePlan,
    MonitoringPlan,
    NetworkPlan,
    NotebookPlan,
    ObjectLock,
    Plan,
    ReplicationPlan,
    RolePlan,
    Skip,
    UsagePlan,
)
from wizard.plan.monitoring import decide_monitoring
from wizard.plan.network import decide_network
from wizard.plan.notebook import decide_notebook
from wizard.plan.policy import PlanError, PolicyDocument, Ref, Statement

__all__ = [
    "GLOBAL_SERVICE_EXEMPTIONS",
    "MODULE_ORDER",
    "MODULE_TITLES",
    "BedrockPlan",
    "BucketPlan",
    "ContentFilter",
    "Control",
    "CustomIdentifier",
    "EndpointPlan",
    "Facts",
    "GuardrailEntity",
    "IamPlan",
    "KeyPlan",
    "MaciePlan",
    "MonitoringPlan",
    "NetworkPlan",
    "NotebookPlan",
    "ObjectLock",
    "Plan",
    "PlanError",
    "PolicyDocument",
    "Ref",
    "ReplicationPlan",
    "RolePlan",
    "Skip",
    "Statement",
    "UsagePlan",
    "plan",
]


def plan(answers: Answers) -> Plan:
    """Decide every control for these answers. Pure: same answers, same Plan."""
    f = facts(answers)
    iam = decide_iam(answers, f)
    keys = decide_keys(answers, f, iam.value.roles)
    storage = decide_buckets(answers, f)
    network = decide_network(answers, f)
    monitoring = decide_monitoring(answers, f)
    macie = decide_macie(answers, f)
    bedrock = decide_bedrock(answers, f)
    notebook = decide_notebook(answers, f)
    optional = {"macie": macie.value, "bedrock": bedrock.value, "sagemaker": notebook.value}
    project, data = answers.project, answers.data
    tags = {
        "Project": project.name,
        "Environment": project.environment.value,
        "ManagedBy": "guardform",
        "DataClassification": f.tier.value,
    }
    if project.owner:
        tags["Owner"] = project.owner
    sections = (keys, storage, network, iam, monitoring, macie, bedrock, notebook)
    types = declared_types(
        keys=keys.value,
        storage=storage.value,
        network=network.value,
        iam=iam.value,
        monitoring=monitoring.value,
        macie=macie.value,
        bedrock=bedrock.value,
        notebook=notebook.value,
    )
    baa = DataCategory.phi in data.categories or Compliance.hipaa in data.compliance
    return Plan(
        tool_version=__version__,
        name=project.name,
        environment=project.environment.value,
        region=project.region,
        allowed_regions=tuple(project.allowed_regions),
        owner=project.owner,
        declared_sensitivity=data.sensitivity.value,
        sensitivity=f.tier.value,
        tier_reason=f.tier_reason,
        categories=tuple(c.value for c in data.categories),
        compliance=tuple(c.value for c in data.compliance),
        workloads=f.kinds,
        tags=tags,
        log_retention_days=f.retention,
        modules=tuple(m for m in MODULE_ORDER if optional.get(m, True) is not None),
        keys=keys.value,
        buckets=storage.value.buckets,
        replication=storage.value.replication,
        storage=storage.value,
        network=network.value,
        iam=iam.value,
        monitoring=monitoring.value,
        macie=macie.value,
        bedrock=bedrock.value,
        notebook=notebook.value,
        admin_role_arns=tuple(answers.access.admin_role_arns),
        key_deletion_window_days=answers.keys.deletion_window_days,
        apply=decide_apply(types, baa=baa),
        data_uploader_role_arns=tuple(answers.access.data_uploader_role_arns),
        controls=tuple(c for s in sections for c in s.controls),
        # In the order the stack README lists them: buckets, then what checkov cannot follow across modules.
        skips=tuple(s for sec in (storage, notebook, network) for s in sec.skips),
        usage=UsagePlan(given=tuple(answers.usage.given.items())),
    )
