"""The Plan's data: keyword-only frozen dataclasses, one per decided thing. No decisions here.

Each decision module of :mod:`wizard.plan` returns its part of a :class:`Plan`; templates only read
these values. Policy documents are :class:`~wizard.plan.policy.PolicyDocument` values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.plan.policy import Local, PolicyDocument, Ref

# Module order is the order of the stack's main.tf and of the README tables.
MODULE_ORDER = ("kms", "s3", "network", "iam", "monitoring", "macie", "bedrock", "sagemaker")

MODULE_TITLES = {
    "kms": "Customer managed KMS keys",
    "s3": "Encrypted S3 buckets",
    "network": "Private network and VPC endpoints",
    "iam": "Least-privilege IAM roles",
    "monitoring": "CloudTrail, log groups and alerts",
    "macie": "Amazon Macie sensitive-data discovery",
    "bedrock": "Bedrock guardrail and invocation logging",
    "sagemaker": "Hardened SageMaker notebook",
}


@dataclass(frozen=True, kw_only=True)
class Control:
    """One security control: on or off, why, where it is implemented and how it is verified."""

    id: str
    title: str
    enabled: bool
    reason: str
    module: str
    checks: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Skip:
    """A checkov check that does not apply to one resource, written inline as #checkov:skip."""

    check_id: str
    module: str
    resource: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class KeyPlan:
    """A customer managed KMS key and who may use it (its key-policy statements)."""

    name: str  # Terraform resource name: data, artifacts, logs, or main for the single-key strategy
    purposes: tuple[str, ...]  # data, artifacts, logs
    alias: str  # without the alias/ prefix
    description: str
    rotation_days: int
    deletion_window_days: int
    consumers: tuple[str, ...]  # key-policy statements: s3, logs, cloudtrail, sns, macie_export, ...
    policy: PolicyDocument  # the key policy
    region: str  # where the key lives
    grants: tuple[str, ...]  # what each consumer's statements allow, in words (README)
    provider: str = "aws"  # "aws", or "aws.replica" for the key of the replica buckets
    # Terraform refuses to destroy the key: it encrypts audit evidence that object lock keeps.
    # The key encrypts evidence that outlives a destroy (the object-locked audit files, the kept log groups): the
    # README tells the user to take it out of the state before destroying. Not `prevent_destroy`, which would
    # also stop the stack's own `terraform test` from cleaning up its mock apply.
    keep_after_destroy: bool = False
    # The key policy names who may use the key; the account root administers it only (confidential data on).
    names_users: bool = False

    @property
    def on_replica(self) -> bool:
        return self.provider == "aws.replica"


@dataclass(frozen=True, kw_only=True)
class ObjectLock:
    mode: str  # GOVERNANCE | COMPLIANCE
    days: int

    @property
    def who_can_delete(self) -> str:
        """What the lock means for deleting locked objects, for the stack README."""
        if self.mode == "COMPLIANCE":
            return "nobody can delete them, or the bucket, before the lock expires."
        return "only a principal allowed `s3:BypassGovernanceRetention` can delete them before the lock expires."

    @property
    def compliance(self) -> bool:
        """COMPLIANCE: no one, the root user included, can delete a locked version or shorten its retention."""
        return self.mode == "COMPLIANCE"


@dataclass(frozen=True, kw_only=True)
class BucketPlan:
    """A bucket with every S3 control the plan turns on for it."""

    name: str  # Terraform resource name (training_data, model_artifacts, access_logs, audit, ...)
    purpose: str  # human description
    bucket_prefix: str  # AWS appends a unique suffix; at most 37 characters
    key: str | None  # KeyPlan.name for SSE-KMS; None means SSE-S3 (server access log targets only)
    log_to: str | None  # BucketPlan.name of the server access log target; None for the target itself
    log_prefix: str
    eventbridge: bool
    noncurrent_days: int  # noncurrent object versions expire after this many days
    object_lock: ObjectLock | None
    replicate: bool  # cross-region replication to the replica region
    perimeter: bool  # deny object-data access that does not come through the VPC endpoint
    deny_wrong_key: bool  # deny uploads that name another encryption type or key (header present)
    writers: tuple[str, ...]  # AWS service principals that deliver into this bucket
    kms_key_arn: Ref | None  # the key's ARN as the s3 module receives it; None for SSE-S3
    policy: PolicyDocument  # the bucket policy
    replica_of: str | None = None  # for a replica bucket: the source bucket name
    provider: str = "aws"  # "aws" or "aws.replica"

    @property
    def on_replica(self) -> bool:
        return self.provider == "aws.replica"

    @property
    def sse_kms(self) -> bool:
        return self.key is not None


@dataclass(frozen=True, kw_only=True)
class ReplicationPlan:
    region: str
    buckets: tuple[str, ...]  # source bucket names that replicate (each to "<name>_replica")
    trust_policy: PolicyDocument  # of the replication role
    policy: PolicyDocument  # the replication role's inline policy


@dataclass(frozen=True, kw_only=True)
class StoragePlan:
    """The buckets, their replication, and the locals their policies name (None: not written)."""

    buckets: tuple[BucketPlan, ...]
    replication: ReplicationPlan | None
    trail_arn_local: bool  # a bucket policy names the trail
    macie_source_arns: Local | None
    perimeter_actions: Local | None
    perimeter_exempt: Local | None
    perimeter_list_exempt: Local | None = None  # perimeter_exempt and the principal running Terraform

    @property
    def perimeter_buckets(self) -> tuple[BucketPlan, ...]:
        return tuple(b for b in self.buckets if b.perimeter)

    key_purposes: tuple[str, ...] = ()  # entries of var.kms_key_arns the s3 module uses


@dataclass(frozen=True, kw_only=True)
class EndpointPlan:
    """A VPC endpoint and the explicit actions its endpoint policy allows to this account."""

    name: str  # Terraform-safe name: s3, sts, logs, ecr_api, sagemaker_api, ...
    service: str  # service name with REGION placeholder resolved in the template
    type: str  # Interface | Gateway
    actions: tuple[str, ...]
    comment: str  # the "# ..." lines above the endpoint
    policy_comment: str  # the "# ..." lines above its policy ("" for none)
    policy: PolicyDocument
    existing_id: str | None = None  # network.existing_endpoints: the VPC's own endpoint, read, not created

    @property
    def interface(self) -> bool:
        return self.type == "Interface"

    @property
    def address(self) -> str:
        """The Terraform address the module reads the endpoint's attributes from."""
        kind = "data.aws_vpc_endpoint" if self.existing_id else "aws_vpc_endpoint"
        return f"{kind}.{self.name}"


@dataclass(frozen=True, kw_only=True)
class NetworkPlan:
    mode: str  # new | existing
    cidr: str | None
    availability_zones: int
    private_subnet_cidrs: tuple[str, ...]
    vpc_id: str | None
    private_subnet_ids: tuple[str, ...]
    route_table_ids: tuple[str, ...]
    endpoints: tuple[EndpointPlan, ...]
    data_buckets: tuple[str, ...]  # buckets the S3 endpoint reaches (people's and jobs' data)
    has_ecr: bool  # an ECR endpoint exists (its image layers come through the S3 endpoint)
    flow_logs_trust: PolicyDocument | None  # the flow-logs role, for a VPC created here
    flow_logs_policy: PolicyDocument | None

    @property
    def new(self) -> bool:
        return self.mode == "new"

    @property
    def s3_endpoint(self) -> EndpointPlan:
        return next(e for e in self.endpoints if e.name == "s3")

    @property
    def reused_endpoints(self) -> tuple[EndpointPlan, ...]:
        return tuple(e for e in self.endpoints if e.existing_id)

    @property
    def created_endpoints(self) -> tuple[EndpointPlan, ...]:
        return tuple(e for e in self.endpoints if not e.existing_id)


def bucket_of(path: str) -> str:
    """The bucket of a RolePlan read or write ("model_artifacts/code/" -> "model_artifacts")."""
    return path.split("/", 1)[0]


@dataclass(frozen=True, kw_only=True)
class RolePlan:
    """A workload role: who assumes it, what it may do, and its policy documents."""

    name: str  # Terraform resource name
    role_name: str  # IAM role name
    purpose: str
    service: str  # trusted service principal
    source_arn: str | None  # aws:SourceArn pattern with ACCOUNT/REGION placeholders, when the service sets it
    reads: tuple[str, ...]  # objects read: a bucket name, or "<bucket>/<prefix>/" for one prefix of it
    writes: tuple[str, ...]  # objects written, likewise
    keys: tuple[str, ...]  # KeyPlan names used
    log_group_prefix: str | None
    ecr_pull: bool
    vpc_access: bool  # manage ENIs in the VPC (SageMaker jobs/endpoints, a Lambda function)
    bedrock_invoke: bool
    may_launch_jobs: bool  # the notebook role may create SageMaker jobs (held by the job guardrails)
    instance_profile: bool
    trust_policy: PolicyDocument
    data_policy: PolicyDocument | None  # the "data-access" inline policy; None when the role touches no data
    runtime_policy: PolicyDocument  # the "runtime" inline policy
    attach_job_guardrails: bool  # the job guardrails policy is attached to this role
    log_reads: tuple[str, ...] = ()  # log groups the role reads (the notebook follows its training jobs)

    @property
    def buckets(self) -> tuple[str, ...]:
        """The bucket names the role reads or writes."""
        return tuple(dict.fromkeys(bucket_of(p) for p in self.reads + self.writes))

    @property
    def sagemaker(self) -> bool:
        return self.service == "sagemaker.amazonaws.com"

    def also(self, guardrail: bool) -> tuple[str, ...]:
        """What the role may do besides its data, for the README's roles table."""
        items = [
            f"logs in `{self.log_group_prefix}*`" if self.log_group_prefix else "",
            *(f"reads the logs of `{g}`" for g in self.log_reads),
            "SageMaker metrics" if self.sagemaker else "",
            "ECR image pull" if self.ecr_pull else "",
            "network interfaces in the private subnets" if self.vpc_access else "",
            ("Bedrock models" + (" with the required guardrail" if guardrail else "")) if self.bedrock_invoke else "",
            "starts training jobs (pass the training role; held by the job guardrails)" if self.may_launch_jobs else "",
            f"instance profile `{self.role_name}`" if self.instance_profile else "",
        ]
        return tuple(i for i in items if i)


@dataclass(frozen=True, kw_only=True)
class IamPlan:
    roles: tuple[RolePlan, ...]
    region_deny: bool
    permission_boundary: bool
    job_guardrails: bool  # SageMaker job-creation conditions (VPC, isolation, encryption, KMS keys)
    network_inputs: bool  # the iam module takes the private subnets and the workload security group
    notebook_url_endpoints: tuple[str, ...]  # endpoints (network plan names) the notebook URL may come through
    global_service_exemptions: tuple[str, ...]
    guardrail: bool  # the roles must name the Bedrock guardrail
    boundary: PolicyDocument | None  # the permission boundary, when permission_boundary
    job_guardrails_policy: PolicyDocument | None
    region_deny_scp: PolicyDocument
    bucket_inputs: tuple[str, ...]  # buckets the policies name: local.bucket_arn_<name>
    key_inputs: tuple[str, ...]  # key purposes the policies name: local.key_arn_<purpose>
    job_volume_key_arns: Local | None
    job_output_key_arns: Local | None
    endpoint_volume_key_arn: Local | None
    required_key_purposes: tuple[str, ...]  # entries var.kms_key_arns must have
    required_buckets: tuple[str, ...]  # entries var.bucket_arns must have

    @property
    def data_roles(self) -> bool:
        """Some role touches data (has a data-access policy)."""
        return any(r.keys for r in self.roles)

    @property
    def kms_grant_roles(self) -> bool:
        """Some SageMaker role uses keys, and so may create grants for AWS resources."""
        return any(r.sagemaker and r.keys for r in self.roles)

    @property
    def launcher_roles(self) -> bool:
        return any(r.may_launch_jobs for r in self.roles)

    @property
    def profile_roles(self) -> tuple[RolePlan, ...]:
        """The roles with an EC2 instance profile."""
        return tuple(r for r in self.roles if r.instance_profile)


@dataclass(frozen=True, kw_only=True)
class CustomIdentifier:
    name: str
    description: str
    regex: str
    keywords: tuple[str, ...]
    maximum_match_distance: int


@dataclass(frozen=True, kw_only=True)
class MaciePlan:
    job_type: str  # ONE_TIME | SCHEDULED
    schedule: str | None  # daily | weekly (SCHEDULED only)
    weekly_day: str | None
    sampling_percentage: int
    custom_identifiers: tuple[CustomIdentifier, ...]
    export_results: bool
    alerts: bool
    finding_publishing_frequency: str

    @property
    def scheduled(self) -> bool:
        return self.job_type == "SCHEDULED"

    @property
    def daily(self) -> bool:
        return self.schedule == "daily"


@dataclass(frozen=True, kw_only=True)
class ServiceLogGroup:
    """A log group an AWS service would otherwise create on demand, unencrypted and never expiring."""

    name: str  # Terraform resource name
    log_group: str  # the CloudWatch Logs group name, with ${var.name_prefix} where it carries the stack name
    shown: str  # the name as it will be created (READMEs)
    purpose: str


@dataclass(frozen=True, kw_only=True)
class MonitoringPlan:
    data_events: str  # none | write | all
    data_event_buckets: tuple[str, ...]
    alert_email: str | None
    alerts_topic_policy: PolicyDocument
    trail_topic_policy: PolicyDocument
    trail_logs_trust: PolicyDocument  # the role CloudTrail delivers to CloudWatch Logs with
    trail_logs_policy: PolicyDocument
    service_log_groups: tuple[ServiceLogGroup, ...] = ()

    @property
    def import_example(self) -> ServiceLogGroup | None:
        """The service log group the README's `terraform import` example names (the first one planned)."""
        return self.service_log_groups[0] if self.service_log_groups else None

    @property
    def lambda_log_group(self) -> ServiceLogGroup | None:
        return next((g for g in self.service_log_groups if g.name == "lambda_functions"), None)

    @property
    def data_events_on(self) -> bool:
        return self.data_events != "none"

    @property
    def write_events_only(self) -> bool:
        return self.data_events == "write"

    @property
    def data_events_text(self) -> str:
        return {"all": "reads and writes", "write": "writes", "none": "none"}[self.data_events]


@dataclass(frozen=True, kw_only=True)
class GuardrailEntity:
    type: str
    action: str  # ANONYMIZE | BLOCK


@dataclass(frozen=True, kw_only=True)
class ContentFilter:
    type: str  # PROMPT_ATTACK, HATE, INSULTS, MISCONDUCT, SEXUAL, VIOLENCE
    input_strength: str  # NONE | LOW | MEDIUM | HIGH
    output_strength: str  # PROMPT_ATTACK takes NONE on output (Bedrock filters prompts only)


@dataclass(frozen=True, kw_only=True)
class BedrockModel:
    id: str  # as answered
    profile: bool  # a cross-region inference profile (geographic prefix)
    foundation_model: str  # the model id behind it (the id itself for a foundation model)


@dataclass(frozen=True, kw_only=True)
class BedrockPlan:
    models: tuple[str, ...]
    guardrail: bool
    guardrail_entities: tuple[GuardrailEntity, ...]
    content_filters: tuple[ContentFilter, ...]
    invocation_logging: bool
    log_text: bool
    log_images: bool
    log_embeddings: bool
    log_video: bool
    logging_trust: PolicyDocument | None  # the role Bedrock delivers invocation logs with
    logging_policy: PolicyDocument | None
    model_entries: tuple[BedrockModel, ...]

    @property
    def logged_kinds(self) -> tuple[str, ...]:
        """The payloads invocation logging delivers, besides metadata."""
        kinds = (("text", self.log_text), ("images", self.log_images), ("embeddings", self.log_embeddings))
        return tuple(name for name, on in kinds if on)


@dataclass(frozen=True, kw_only=True)
class NotebookPlan:
    instance_type: str
    volume_size_gb: int
    platform_identifier: str


@dataclass(frozen=True, kw_only=True)
class UsagePlan:
    """The cost estimate's usage inputs that the answers' ``usage:`` section gave, by name, in the order of
    ``USAGE_INPUTS``; every other input takes its stated default. It decides no resource: the estimate (the
    stack README's cost section, EVIDENCE.md, ``guardform cost``, the wizard's review) prices with it."""

    given: tuple[tuple[str, int | float], ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.given)


@dataclass(frozen=True, kw_only=True)
class ServicePermissions:
    """What the principal running `terraform apply` calls in one service: the types it creates, the actions."""

    service: str  # "AWS KMS"
    prefix: str  # the IAM service prefix ("kms")
    creates: tuple[str, ...]  # the resource types of this service the stack declares
    actions: tuple[str, ...]  # the IAM actions Terraform calls to create and read them (iam:PassRole included)


@dataclass(frozen=True, kw_only=True)
class ApplyPlan:
    """What the stack README says before applying: the apply's permissions and the points that apply."""

    resource_types: tuple[str, ...]  # every resource type, and data source type as data.<type>, declared
    permissions: tuple[ServicePermissions, ...]
    administrator_level: bool  # creates roles with policies and passes them: an administrator in effect
    baa: bool  # PHI or HIPAA: the AWS BAA and HIPAA-eligible services come first


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Everything the templates need, decided."""

    tool_version: str
    name: str
    environment: str
    region: str
    allowed_regions: tuple[str, ...]
    owner: str | None
    declared_sensitivity: str
    sensitivity: str  # effective tier after category and compliance overlays
    tier_reason: str
    categories: tuple[str, ...]
    compliance: tuple[str, ...]
    workloads: tuple[str, ...]
    tags: dict[str, str]
    log_retention_days: int
    modules: tuple[str, ...]
    keys: tuple[KeyPlan, ...]
    buckets: tuple[BucketPlan, ...]
    replication: ReplicationPlan | None
    storage: StoragePlan
    network: NetworkPlan
    iam: IamPlan
    monitoring: MonitoringPlan
    macie: MaciePlan | None
    bedrock: BedrockPlan | None
    notebook: NotebookPlan | None
    admin_role_arns: tuple[str, ...]
    controls: tuple[Control, ...]
    key_deletion_window_days: int  # every key's deletion window (keys.deletion_window_days)
    apply: ApplyPlan  # what the principal running `terraform apply` needs, and what to know first
    data_uploader_role_arns: tuple[str, ...] = ()  # who uploads training data through the VPC endpoint
    skips: tuple[Skip, ...] = field(default=())
    usage: UsagePlan = field(default_factory=UsagePlan)  # the cost estimate's assumptions the answers gave

    # -- lookups the templates use -----------------------------------------------------------------
    @property
    def name_prefix(self) -> str:
        return f"{self.name}-{self.environment}"

    @property
    def aws_services(self) -> tuple[str, ...]:
        """The AWS services the stack uses, for the README's compliance-eligibility reminder."""
        services = ["Amazon S3", "AWS KMS", "Amazon VPC (PrivateLink endpoints)", "AWS IAM", "AWS CloudTrail"]
        services += ["Amazon CloudWatch Logs", "Amazon SNS"]
        if self.macie:
            services += ["Amazon Macie", "Amazon EventBridge"]
        if any(w.startswith("sagemaker") for w in self.workloads):
            services.append("Amazon SageMaker AI")
        if self.bedrock:
            services.append("Amazon Bedrock")
        return tuple(services)

    @property
    def keys_name_their_users(self) -> bool:
        return all(k.names_users for k in self.keys)

    @property
    def audit_lock(self) -> ObjectLock | None:
        """The object lock of the audit bucket (the README warns about it before applying)."""
        return next((b.object_lock for b in self.buckets if b.name == "audit"), None)

    def key_for(self, purpose: str) -> KeyPlan:
        for key in self.keys:
            if purpose in key.purposes:
                return key
        raise KeyError(purpose)

    def bucket(self, name: str) -> BucketPlan:
        for bucket in self.buckets:
            if bucket.name == name:
                return bucket
        raise KeyError(name)

    def has_bucket(self, name: str) -> bool:
        return any(b.name == name for b in self.buckets)

    def has(self, workload: str) -> bool:
        return workload in self.workloads

    def control(self, control_id: str) -> Control:
        for control in self.controls:
            if control.id == control_id:
                return control
        raise KeyError(control_id)

    def enabled(self, control_id: str) -> bool:
        return self.control(control_id).enabled

    def skips_for(self, module: str, resource: str) -> tuple[Skip, ...]:
        return tuple(s for s in self.skips if s.module == module and s.resource == resource)

    def controls_for(self, module: str) -> tuple[Control, ...]:
        return tuple(c for c in self.controls if c.module == module)

    def module_skips(self, module: str) -> tuple[Skip, ...]:
        return tuple(s for s in self.skips if s.module == module)

    @property
    def key_purposes(self) -> tuple[str, ...]:
        """Every purpose a key serves, in key order (the keys of the kms outputs' maps)."""
        return tuple(p for k in self.keys for p in k.purposes)

    @property
    def kept_on_destroy(self) -> str:
        """The log groups `terraform destroy` leaves behind (`skip_destroy`), as one README list item."""
        kept = [f"`/aws/cloudtrail/{self.name_prefix}` (the CloudTrail log group)"]
        if self.bedrock and self.bedrock.invocation_logging:
            kept.append(f"`/aws/bedrock/modelinvocations/{self.name_prefix}` (the Bedrock invocation log group)")
        many = len(kept) > 1
        them, its = ("them", "their") if many else ("it", "its")
        return (
            f"the log group{'s' if many else ''} {' and '.join(kept)}; Terraform forgets {them} (`skip_destroy`) "
            f"and CloudWatch\n  deletes {its} events after {self.log_retention_days} days. Delete {them} by hand "
            "when the records no longer matter."
        )

    @property
    def keys_text(self) -> str:
        """'one customer managed KMS key' or 'N customer managed KMS keys'."""
        n = len(self.keys)
        return "one customer managed KMS key" if n == 1 else f"{n} customer managed KMS keys"

    def policy_documents(self) -> tuple[tuple[str, PolicyDocument], ...]:
        """Every policy document of the stack, each with where it is attached ("<module>.<resource>.<what>")."""
        docs: list[tuple[str, PolicyDocument | None]] = []
        docs += [(f"kms.{k.name}.key_policy", k.policy) for k in self.keys]
        docs += [(f"s3.{b.name}.bucket_policy", b.policy) for b in self.buckets]
        if self.replication:
            docs += [
                ("s3.replication.trust", self.replication.trust_policy),
                ("s3.replication.policy", self.replication.policy),
            ]
        net = self.network
        docs += [(f"network.{e.name}.endpoint_policy", e.policy) for e in net.endpoints]
        docs += [("network.flow_logs.trust", net.flow_logs_trust), ("network.flow_logs.policy", net.flow_logs_policy)]
        for r in self.iam.roles:
            docs += [
                (f"iam.{r.name}.trust", r.trust_policy),
                (f"iam.{r.name}.data_access", r.data_policy),
                (f"iam.{r.name}.runtime", r.runtime_policy),
            ]
        docs += [
            ("iam.workload_boundary.policy", self.iam.boundary),
            ("iam.sagemaker_job_guardrails.policy", self.iam.job_guardrails_policy),
            ("iam.region_deny_scp", self.iam.region_deny_scp),
        ]
        mon = self.monitoring
        docs += [
            ("monitoring.alerts.topic_policy", mon.alerts_topic_policy),
            ("monitoring.trail_notifications.topic_policy", mon.trail_topic_policy),
            ("monitoring.trail_logs.trust", mon.trail_logs_trust),
            ("monitoring.trail_logs.policy", mon.trail_logs_policy),
        ]
        if self.bedrock:
            docs += [
                ("bedrock.invocation_logging.trust", self.bedrock.logging_trust),
                ("bedrock.invocation_logging.policy", self.bedrock.logging_policy),
            ]
        return tuple((where, doc) for where, doc in docs if doc is not None)

    def has_module(self, module: str) -> bool:
        return module in self.modules

    @property
    def single_key(self) -> bool:
        return any(k.name == "main" for k in self.keys)

    @property
    def purpose_keys(self) -> tuple[PurposeKey, ...]:
        """One entry per purpose a key serves, in the order data, artifacts, logs, replica."""
        return tuple(
            PurposeKey(purpose=p, key=k, title=title)
            for p, title in PURPOSE_TITLES.items()
            for k in self.keys
            if p in k.purposes
        )


PURPOSE_TITLES = {
    "data": "training data",
    "artifacts": "model artifacts and checkpoints",
    "logs": "logs, the audit trail and alerts",
    "replica": "the replica buckets",
}


@dataclass(frozen=True, kw_only=True)
class PurposeKey:
    purpose: str
    key: KeyPlan
    title: str
