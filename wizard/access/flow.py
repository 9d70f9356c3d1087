"""The vocabulary of the access matrix: a flow is one request, its principal, resource and context named
symbolically, and whether the stack must allow it or deny it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal[
    "workload_role", "admin_role", "uploader_role", "account_principal", "other_account", "service", "stack_role"
]
ResourceKind = Literal[
    "object",  # an object of a stack bucket: name = BucketPlan.name, path = object key
    "bucket",  # a stack bucket itself (ListBucket, GetBucketAcl)
    "foreign_object",  # an object of a bucket in another account whose name matches a stack bucket's prefix
    "key",  # a stack KMS key: name = KeyPlan.name
    "model",  # a foundation model: name = model id, region = Context.region
    "inference_profile",  # a cross-region inference profile: name = profile id
    "log_stream",  # name = log group name, path = stream name
    "log_group",  # name = log group name
    "network_interface",  # an ENI in the stack's private subnets
    "training_job",  # name = job name
    "notebook_instance",  # name = notebook name
    "role",  # a stack role, for sts:AssumeRole: name = RolePlan.name or a stack_role name
    "foreign_role",  # a role of another account whose trust policy lets anyone in (an exfiltration target)
]
Expect = Literal["allow", "deny"]


@dataclass(frozen=True, kw_only=True)
class Principal:
    """Who makes the request.

    ``workload_role``: a role of ``plan.iam.roles`` (name = RolePlan.name). ``admin_role``: one of
    ``plan.admin_role_arns`` (name = the ARN); ``uploader_role``: one of ``plan.data_uploader_role_arns`` (name =
    the ARN), with its own policies allowing, like an admin's, but held to the perimeter. ``account_principal``: a
    principal of this account the plan does not name (name = a label); its own IAM policies live outside the stack
    and are assumed to allow the action, so the flow proves what the stack's resource-side policies decide.
    ``other_account``: a principal of another account, also with its own policies allowing. ``service``: an AWS
    service principal (name = e.g. cloudtrail.amazonaws.com). ``stack_role``: a role the stack creates for a service
    that is not a workload (name = replication, trail_logs, invocation_logging). ``stack_policies`` names managed
    policies of the stack the user attaches to the principal, as the iam module's README asks
    (``sagemaker_job_guardrails`` on every role that creates SageMaker jobs).
    """

    kind: PrincipalKind
    name: str
    stack_policies: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Resource:
    kind: ResourceKind
    name: str
    path: str = ""  # object key, log stream name: the prefix a flow is about


@dataclass(frozen=True, kw_only=True)
class JobSettings:
    """What a CreateTrainingJob or CreateNotebookInstance request carries (the SageMaker condition keys)."""

    in_vpc: bool = True  # the stack's private subnets and workload security group
    network_isolation: bool = True
    inter_container_encryption: bool = True
    volume_key: str | None = None  # KeyPlan.name, or None for no key
    output_key: str | None = None
    direct_internet_access: bool = False  # notebooks only
    root_access: bool = False  # notebooks only


@dataclass(frozen=True, kw_only=True)
class Context:
    """The request context the flow is made with."""

    via_vpce: bool = True  # the request comes through this VPC's endpoint for the service
    region: str = ""  # "" means the stack's home region
    tls: bool = True
    caller_account: Literal["this", "other"] = "this"
    kms_key: str | None = None  # the KMS key the request names (KeyPlan.name); None: the bucket default
    guardrail: Literal["this", "other", "none"] = "none"
    guardrail_version: str = ""  # "1" (published) or "DRAFT"
    job: JobSettings | None = None
    via_aws_service: bool = False  # an AWS service makes the request on the principal's behalf
    source: str = ""  # what a service acts for (aws:SourceArn): trail, macie_export, bedrock_logging, bucket:<name>
    source_account: bool = True  # the service sends aws:SourceAccount (and aws:SourceArn when source is set)


@dataclass(frozen=True, kw_only=True)
class Flow:
    id: str  # unique within a stack, stable across runs (the test ids and the known-broken table use it)
    workload: str  # the workload kind the flow belongs to, or "stack" for flows of every stack
    principal: Principal
    action: str
    resource: Resource
    context: Context = Context()
    expect: Expect
    why: str
