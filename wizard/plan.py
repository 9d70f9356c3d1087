"""From answers to a plan: every security decision guardform makes lives here and nowhere else.

``plan(answers)`` is a pure function. It decides which modules, keys, buckets, roles, endpoints, Macie
jobs and trails a stack gets, with their values, and records each control with whether it is on, why
(which answer turned it on or off), the module that implements it and the checkov checks that verify
it. Templates and READMEs only read the Plan; they do not decide.

Facts (service names, actions, check ids) come from the controls catalog; the tier table is the
catalog's §9 proposal with the resolutions of its "opt" cells fixed by the spine issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network

from wizard import __version__
from wizard.answers import (
    Answers,
    BedrockCaller,
    Compliance,
    DataCategory,
    KeyStrategy,
    NetworkMode,
    Sensitivity,
    WorkloadKind,
)

PUBLIC, INTERNAL, CONFIDENTIAL, RESTRICTED = (
    Sensitivity.public,
    Sensitivity.internal,
    Sensitivity.confidential,
    Sensitivity.restricted,
)

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


# --------------------------------------------------------------------------------------------------
# Plan data
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """One security control: on or off, why, where it is implemented and how it is verified."""

    id: str
    title: str
    enabled: bool
    reason: str
    module: str
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    """A checkov check that does not apply to one resource, written inline as #checkov:skip."""

    check_id: str
    module: str
    resource: str
    reason: str


@dataclass(frozen=True)
class KeyPlan:
    """A customer managed KMS key and who may use it (its key-policy statements)."""

    name: str  # Terraform resource name: data, artifacts, logs, or main for the single-key strategy
    purposes: tuple[str, ...]  # data, artifacts, logs
    alias: str  # without the alias/ prefix
    description: str
    rotation_days: int
    deletion_window_days: int
    consumers: tuple[str, ...]  # key-policy statements: s3, logs, cloudtrail, sns, macie_export, ...
    provider: str = "aws"  # "aws", or "aws.replica" for the key of the replica buckets


@dataclass(frozen=True)
class ObjectLock:
    mode: str  # GOVERNANCE | COMPLIANCE
    days: int


@dataclass(frozen=True)
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
    replica_of: str | None = None  # for a replica bucket: the source bucket name
    provider: str = "aws"  # "aws" or "aws.replica"

    @property
    def sse_kms(self) -> bool:
        return self.key is not None


@dataclass(frozen=True)
class ReplicationPlan:
    region: str
    buckets: tuple[str, ...]  # source bucket names that replicate


@dataclass(frozen=True)
class EndpointPlan:
    """A VPC endpoint and the explicit actions its endpoint policy allows to this account."""

    name: str  # Terraform-safe name: s3, sts, logs, ecr_api, sagemaker_api, ...
    service: str  # service name with REGION placeholder resolved in the template
    type: str  # Interface | Gateway
    actions: tuple[str, ...]


@dataclass(frozen=True)
class NetworkPlan:
    mode: str  # new | existing
    cidr: str | None
    availability_zones: int
    private_subnet_cidrs: tuple[str, ...]
    vpc_id: str | None
    private_subnet_ids: tuple[str, ...]
    route_table_ids: tuple[str, ...]
    endpoints: tuple[EndpointPlan, ...]


@dataclass(frozen=True)
class RolePlan:
    """A workload role: who assumes it and what it may do."""

    name: str  # Terraform resource name
    role_name: str  # IAM role name
    purpose: str
    service: str  # trusted service principal
    source_arn: str | None  # aws:SourceArn pattern with ACCOUNT/REGION placeholders, when the service sets it
    reads: tuple[str, ...]  # bucket names read
    writes: tuple[str, ...]  # bucket names written
    keys: tuple[str, ...]  # KeyPlan names used
    log_group_prefix: str | None
    ecr_pull: bool
    vpc_access: bool  # manage ENIs for jobs/endpoints in the VPC
    bedrock_invoke: bool
    may_launch_jobs: bool  # the notebook role may create SageMaker jobs (held by the job guardrails)
    instance_profile: bool


@dataclass(frozen=True)
class IamPlan:
    roles: tuple[RolePlan, ...]
    region_deny: bool
    permission_boundary: bool
    job_guardrails: bool  # SageMaker job-creation conditions (VPC, isolation, encryption, KMS keys)
    global_service_exemptions: tuple[str, ...]


@dataclass(frozen=True)
class CustomIdentifier:
    name: str
    description: str
    regex: str
    keywords: tuple[str, ...]
    maximum_match_distance: int


@dataclass(frozen=True)
class MaciePlan:
    job_type: str  # ONE_TIME | SCHEDULED
    schedule: str | None  # daily | weekly (SCHEDULED only)
    weekly_day: str | None
    sampling_percentage: int
    custom_identifiers: tuple[CustomIdentifier, ...]
    export_results: bool
    alerts: bool
    finding_publishing_frequency: str


@dataclass(frozen=True)
class MonitoringPlan:
    data_events: str  # none | write | all
    data_event_buckets: tuple[str, ...]
    alert_email: str | None


@dataclass(frozen=True)
class GuardrailEntity:
    type: str
    action: str  # ANONYMIZE | BLOCK


@dataclass(frozen=True)
class ContentFilter:
    type: str  # PROMPT_ATTACK, HATE, INSULTS, MISCONDUCT, SEXUAL, VIOLENCE
    input_strength: str  # NONE | LOW | MEDIUM | HIGH
    output_strength: str  # PROMPT_ATTACK takes NONE on output (Bedrock filters prompts only)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class NotebookPlan:
    instance_type: str
    volume_size_gb: int
    platform_identifier: str


@dataclass(frozen=True)
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
    network: NetworkPlan
    iam: IamPlan
    monitoring: MonitoringPlan
    macie: MaciePlan | None
    bedrock: BedrockPlan | None
    notebook: NotebookPlan | None
    admin_role_arns: tuple[str, ...]
    controls: tuple[Control, ...]
    skips: tuple[Skip, ...] = field(default=())

    # -- lookups the templates use -----------------------------------------------------------------
    @property
    def name_prefix(self) -> str:
        return f"{self.name}-{self.environment}"

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


# --------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------

# Services that are global or reached through us-east-1: exempt from the region deny (AWS's SCP
# example list, trimmed to services an AI workload account uses; catalog §2.4).
GLOBAL_SERVICE_EXEMPTIONS = (
    "cloudfront:*",
    "health:*",
    "iam:*",
    "kms:*",
    "organizations:*",
    "route53:*",
    "s3:GetAccountPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
)

_ENDPOINT_ACTIONS: dict[str, tuple[str, ...]] = {
    "sts": ("sts:AssumeRole", "sts:GetCallerIdentity", "sts:TagSession"),
    "logs": (
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:FilterLogEvents",
        "logs:GetLogEvents",
        "logs:PutLogEvents",
    ),
    "monitoring": ("cloudwatch:PutMetricData",),
    "ecr_api": (
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetAuthorizationToken",
        "ecr:GetDownloadUrlForLayer",
    ),
    "ecr_dkr": (
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetAuthorizationToken",
        "ecr:GetDownloadUrlForLayer",
    ),
    "sagemaker_runtime": (
        "sagemaker:InvokeEndpoint",
        "sagemaker:InvokeEndpointAsync",
        "sagemaker:InvokeEndpointWithResponseStream",
    ),
    "sagemaker_notebook": ("sagemaker:CreatePresignedNotebookInstanceUrl",),
    "bedrock_runtime": (
        "bedrock:ApplyGuardrail",
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    ),
    "bedrock": (
        "bedrock:GetFoundationModel",
        "bedrock:GetGuardrail",
        "bedrock:GetInferenceProfile",
        "bedrock:ListFoundationModels",
        "bedrock:ListGuardrails",
        "bedrock:ListInferenceProfiles",
    ),
    "s3": (
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
    ),
}

_SAGEMAKER_API_ACTIONS: dict[str, tuple[str, ...]] = {
    "sagemaker_training": (
        "sagemaker:AddTags",
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:ListTrainingJobs",
        "sagemaker:StopTrainingJob",
    ),
    "sagemaker_inference": (
        "sagemaker:AddTags",
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateModel",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModel",
        "sagemaker:UpdateEndpoint",
    ),
    "sagemaker_notebook": (
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:DescribeNotebookInstance",
        "sagemaker:ListTags",
    ),
}

_SERVICE_NAMES = {
    "s3": ("com.amazonaws.REGION.s3", "Gateway"),
    "sts": ("com.amazonaws.REGION.sts", "Interface"),
    "logs": ("com.amazonaws.REGION.logs", "Interface"),
    "monitoring": ("com.amazonaws.REGION.monitoring", "Interface"),
    "ecr_api": ("com.amazonaws.REGION.ecr.api", "Interface"),
    "ecr_dkr": ("com.amazonaws.REGION.ecr.dkr", "Interface"),
    "sagemaker_api": ("com.amazonaws.REGION.sagemaker.api", "Interface"),
    "sagemaker_runtime": ("com.amazonaws.REGION.sagemaker.runtime", "Interface"),
    "sagemaker_notebook": ("aws.sagemaker.REGION.notebook", "Interface"),
    "bedrock": ("com.amazonaws.REGION.bedrock", "Interface"),
    "bedrock_runtime": ("com.amazonaws.REGION.bedrock-runtime", "Interface"),
}

# Which endpoints each workload needs (catalog §1.1).
_WORKLOAD_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "sagemaker_training": ("s3", "sagemaker_api", "sts", "logs", "monitoring", "ecr_api", "ecr_dkr"),
    "sagemaker_inference": (
        "s3", "sagemaker_api", "sagemaker_runtime", "sts", "logs", "monitoring", "ecr_api", "ecr_dkr",
    ),
    "sagemaker_notebook": (
        "s3", "sagemaker_api", "sagemaker_runtime", "sagemaker_notebook", "sts", "logs", "ecr_api", "ecr_dkr",
    ),
    "bedrock": ("s3", "bedrock_runtime", "bedrock", "sts", "logs"),
}

_ENDPOINT_ORDER = tuple(_SERVICE_NAMES)

# Bedrock guardrail sensitive-information entities per data category (PII filter types).
_GUARDRAIL_ENTITIES: dict[DataCategory, tuple[tuple[str, str], ...]] = {
    DataCategory.pii: (
        ("ADDRESS", "ANONYMIZE"),
        ("EMAIL", "ANONYMIZE"),
        ("NAME", "ANONYMIZE"),
        ("PHONE", "ANONYMIZE"),
        ("US_SOCIAL_SECURITY_NUMBER", "BLOCK"),
        ("DRIVER_ID", "ANONYMIZE"),
        ("US_PASSPORT_NUMBER", "BLOCK"),
        ("IP_ADDRESS", "ANONYMIZE"),
    ),
    DataCategory.phi: (
        ("NAME", "ANONYMIZE"),
        ("ADDRESS", "ANONYMIZE"),
        ("AGE", "ANONYMIZE"),
        ("PHONE", "ANONYMIZE"),
        ("EMAIL", "ANONYMIZE"),
        ("US_SOCIAL_SECURITY_NUMBER", "BLOCK"),
        ("CA_HEALTH_NUMBER", "BLOCK"),
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "BLOCK"),
    ),
    DataCategory.financial: (
        ("CREDIT_DEBIT_CARD_NUMBER", "BLOCK"),
        ("CREDIT_DEBIT_CARD_CVV", "BLOCK"),
        ("CREDIT_DEBIT_CARD_EXPIRY", "BLOCK"),
        ("US_BANK_ACCOUNT_NUMBER", "BLOCK"),
        ("US_BANK_ROUTING_NUMBER", "BLOCK"),
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "BLOCK"),
        ("SWIFT_CODE", "ANONYMIZE"),
        ("PIN", "BLOCK"),
    ),
    DataCategory.credentials: (
        ("AWS_ACCESS_KEY", "BLOCK"),
        ("AWS_SECRET_KEY", "BLOCK"),
        ("PASSWORD", "BLOCK"),
        ("USERNAME", "ANONYMIZE"),
    ),
}
# Used when a guardrail is required (confidential and up) but no category was named.
_GUARDRAIL_DEFAULT_ENTITIES = (("EMAIL", "ANONYMIZE"), ("PHONE", "ANONYMIZE"), ("AWS_SECRET_KEY", "BLOCK"))

# Macie custom data identifiers: internal identifiers the managed ones do not cover (catalog §9).
_CUSTOM_IDENTIFIERS: dict[DataCategory, CustomIdentifier] = {
    DataCategory.phi: CustomIdentifier(
        name="medical-record-number",
        description="Medical record numbers written as MRN followed by 6 to 10 digits",
        regex=r"MRN[-: ]?[0-9]{6,10}",
        keywords=("MRN", "medical record"),
        maximum_match_distance=50,
    ),
    DataCategory.financial: CustomIdentifier(
        name="internal-account-number",
        description="Internal customer account numbers written as ACCT- followed by 8 to 12 digits",
        regex=r"ACCT-[0-9]{8,12}",
        keywords=("account", "acct"),
        maximum_match_distance=50,
    ),
    DataCategory.credentials: CustomIdentifier(
        name="bearer-token",
        description="HTTP bearer tokens and API keys pasted into data",
        regex=r"[Bb]earer [A-Za-z0-9._~+/=-]{20,}",
        keywords=("authorization", "bearer", "api_key", "token"),
        maximum_match_distance=50,
    ),
    DataCategory.pii: CustomIdentifier(
        name="employee-id",
        description="Internal employee identifiers written as EMP followed by 6 digits",
        regex=r"EMP[0-9]{6}",
        keywords=("employee", "emp id"),
        maximum_match_distance=50,
    ),
}


def plan(answers: Answers) -> Plan:
    """Decide every control for these answers. Pure: same answers, same Plan."""
    project, workload, data = answers.project, answers.workload, answers.data
    tier = data.effective_sensitivity
    tier_reason = _tier_reason(answers)
    kinds = tuple(k.value for k in workload.kinds)
    has_sm = any(k.startswith("sagemaker") for k in kinds)
    has_bedrock = WorkloadKind.bedrock in workload.kinds
    cats = set(data.categories)
    name_prefix = f"{project.name}-{project.environment.value}"
    retention = answers.monitoring.log_retention_days or data.minimum_log_retention
    retention_reason = (
        f"monitoring.log_retention_days = {retention}"
        if answers.monitoring.log_retention_days
        else f"derived: {tier.value} data{_compliance_note(answers)} keeps logs {retention} days"
    )
    controls: list[Control] = []
    skips: list[Skip] = []

    def add(cid: str, title: str, on: bool, reason: str, module: str, checks: tuple[str, ...] = ()) -> None:
        controls.append(Control(cid, title, on, reason, module, checks))

    at_least = tier.rank
    conf = at_least >= CONFIDENTIAL.rank
    restricted = tier is RESTRICTED
    tier_says = f"data is {tier.value}{tier_reason}"

    # ---- keys ------------------------------------------------------------------------------------
    per_purpose = answers.keys.strategy is KeyStrategy.per_purpose
    rotation = answers.keys.rotation_days
    deletion = answers.keys.deletion_window_days
    macie_on = has_sm and (at_least >= INTERNAL.rank or bool(cats))
    macie_export = macie_on and conf
    guardrail_on = has_bedrock and (conf or bool(cats))
    bedrock_logging = has_bedrock
    logs_consumers = ["s3", "logs", "cloudtrail", "sns"]
    if macie_export:
        logs_consumers.append("macie_export")
    if bedrock_logging:
        logs_consumers.append("bedrock_logging")
    data_consumers = ["s3"] + (["macie_read"] if macie_on else [])
    if per_purpose:
        keys = (
            KeyPlan("data", ("data",), f"{name_prefix}-data", f"{name_prefix}: training data ({tier.value})",
                    rotation, deletion, tuple(data_consumers)),
            KeyPlan("artifacts", ("artifacts",), f"{name_prefix}-artifacts",
                    f"{name_prefix}: model artifacts and notebook volumes ({tier.value})", rotation, deletion,
                    ("s3",)),
            KeyPlan("logs", ("logs",), f"{name_prefix}-logs",
                    f"{name_prefix}: logs, audit trail and alerts ({tier.value})", rotation, deletion,
                    tuple(logs_consumers)),
        )
    else:
        consumers = tuple(dict.fromkeys(data_consumers + logs_consumers))
        keys = (
            KeyPlan("main", ("data", "artifacts", "logs"), f"{name_prefix}-main",
                    f"{name_prefix}: all data, artifacts and logs ({tier.value})", rotation, deletion, consumers),
        )
    add("kms.customer_managed_keys", "Customer managed KMS keys encrypt every bucket, log group and topic", True,
        "always: a key policy is a second access-control layer and key use is auditable", "kms",
        ("CKV2_AWS_64", "CKV_AWS_33", "CKV_AWS_227"))
    add("kms.key_per_purpose", "Separate keys for training data, model artifacts and logs", per_purpose,
        "keys.strategy = per_purpose" + (f" (required: {tier_says})" if conf else "")
        if per_purpose else f"keys.strategy = single (allowed: {tier_says})", "kms")
    add("kms.rotation", f"Automatic key rotation every {rotation} days", True,
        f"always; keys.rotation_days = {rotation}", "kms", ("CKV_AWS_7",))
    add("kms.least_privilege_key_policy",
        "Key policies grant services only through kms:ViaService / aws:SourceAccount conditions", True,
        "always: service principals may use a key only on behalf of this account", "kms", ("CKV_AWS_33",))

    # ---- buckets ---------------------------------------------------------------------------------
    second_regions = [r for r in project.allowed_regions if r != project.region]
    replicate = conf and bool(second_regions)
    replica_region = second_regions[0] if replicate else None
    perimeter = conf
    deny_wrong_key = conf
    data_events = "all" if restricted else "write" if conf else "none"
    audit_lock: ObjectLock | None = None
    if restricted:
        mode = "COMPLIANCE" if project.environment.value == "prod" else "GOVERNANCE"
        audit_lock = ObjectLock(mode, max(365, retention))
    elif conf:
        audit_lock = ObjectLock("GOVERNANCE", max(365, retention))
    noncurrent = 365 if conf else 90

    def bucket(name: str, purpose: str, short: str, key: str | None, *, log_to: str | None = "access_logs",
               lock: ObjectLock | None = None, writers: tuple[str, ...] = (), data_bucket: bool = False,
               provider: str = "aws", replica_of: str | None = None) -> BucketPlan:
        return BucketPlan(
            name=name,
            purpose=purpose,
            bucket_prefix=_bucket_prefix(name_prefix, short),
            key=key,
            log_to=log_to,
            log_prefix=f"{name}/",
            eventbridge=True,
            # Locked versions cannot expire before their retention ends.
            noncurrent_days=max(noncurrent, lock.days) if lock else noncurrent,
            object_lock=lock,
            replicate=replicate and data_bucket and replica_of is None,
            # The perimeter names this region's S3 endpoint; replicas in the other region are reached by
            # the replication role and admins only, and are covered by the same TLS and key controls.
            perimeter=perimeter and data_bucket and replica_of is None,
            # Only on buckets people and jobs write to: service deliveries (CloudTrail, Macie, Bedrock
            # logging) rely on the bucket default encryption and must never be refused.
            deny_wrong_key=deny_wrong_key and data_bucket and key is not None,
            writers=writers,
            replica_of=replica_of,
            provider=provider,
        )

    data_key = "data" if per_purpose else "main"
    art_key = "artifacts" if per_purpose else "main"
    log_key = "logs" if per_purpose else "main"
    buckets = [
        bucket("training_data", "Training data", "data", data_key, data_bucket=True),
        bucket("model_artifacts", "Model artifacts", "artifacts", art_key, data_bucket=True),
        bucket("access_logs", "S3 server access logs of the other buckets", "access-logs", None, log_to=None,
               writers=("logging.s3.amazonaws.com",)),
        bucket("audit", "CloudTrail audit logs", "audit", log_key, lock=audit_lock,
               writers=("cloudtrail.amazonaws.com",)),
    ]
    if macie_export:
        buckets.append(bucket("macie_results", "Macie sensitive-data discovery results", "macie", log_key,
                              writers=("macie.amazonaws.com",)))
    if bedrock_logging:
        buckets.append(bucket("bedrock_logs", "Bedrock model invocation logs", "bedrock-logs", log_key,
                              writers=("bedrock.amazonaws.com",)))
    replication: ReplicationPlan | None = None
    if replicate and replica_region:
        sources = tuple(b.name for b in buckets if b.replicate)
        replication = ReplicationPlan(replica_region, sources)
        buckets.append(bucket("replica_access_logs", f"S3 server access logs of the replicas ({replica_region})",
                              "replica-logs", None, log_to=None, writers=("logging.s3.amazonaws.com",),
                              provider="aws.replica"))
        for src in sources:
            buckets.append(bucket(f"{src}_replica", f"Replica of {src.replace('_', ' ')} in {replica_region}",
                                  f"{_short(src)}-replica", "replica", log_to="replica_access_logs",
                                  data_bucket=True, provider="aws.replica", replica_of=src))
    for b in buckets:
        if b.key is None:
            skips.append(Skip("CKV_AWS_145", "s3", f"aws_s3_bucket.{b.name}",
                              "S3 server access logging delivers only to buckets encrypted with SSE-S3 "
                              "(SSE-KMS targets are not supported)"))
        if not b.replicate:
            if b.replica_of:
                why = f"this bucket is the replica of {b.replica_of}"
            elif b.key is None:
                why = "server access logs are written per region and are not replicated"
            elif b.name == "audit":
                why = "the multi-region trail already records every region; audit evidence stays where it " \
                      "is protected" + (" by object lock" if b.object_lock else "")
            elif b.name in ("macie_results", "bedrock_logs"):
                why = "derived log data; its source is retained in this region with the planned retention"
            elif not conf:
                why = f"replication is planned for confidential and restricted data; {tier_says}"
            else:
                why = "data residency: allowed_regions holds no second region to replicate to"
            skips.append(Skip("CKV_AWS_144", "s3", f"aws_s3_bucket.{b.name}", why))
    # ---- S3 controls -----------------------------------------------------------------------------
    add("s3.block_public_access", "Block Public Access and BucketOwnerEnforced on every bucket", True,
        "always", "s3", ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6", "CKV2_AWS_65"))
    add("s3.tls_only", "Bucket policies deny plain HTTP and TLS older than 1.2", True, "always", "s3",
        ("CKV_AWS_70", "CKV_AWS_93"))
    add("s3.sse_kms_cmk", "Default encryption with the customer managed key and S3 Bucket Keys", True,
        "always (the access-log bucket excepted: log delivery requires SSE-S3)", "s3",
        ("CKV_AWS_145", "CKV_AWS_19"))
    add("s3.versioning_lifecycle",
        f"Versioning; lifecycle aborts incomplete uploads and expires old versions after {noncurrent} days",
        True, "always: recovery from accidental or malicious overwrites (data poisoning)", "s3",
        ("CKV_AWS_21", "CKV_AWS_300", "CKV2_AWS_61"))
    add("s3.access_logging", "Server access logging of every bucket to a dedicated log bucket", True,
        "always: request-level audit of who touched which object", "s3", ("CKV_AWS_18",))
    add("s3.event_notifications", "S3 event notifications to EventBridge on every bucket", True,
        "always: object changes can be alerted on and audited", "s3", ("CKV2_AWS_62",))
    add("s3.deny_wrong_key", "Uploads to training data and artifacts that name another encryption type or key are "
        "denied", deny_wrong_key,
        tier_says if deny_wrong_key else f"on from confidential; {tier_says}", "s3")
    add("s3.replication", "Cross-region replication of training data and artifacts"
        + (f" to {replica_region}" if replica_region else ""), replicate,
        (f"{tier_says}; allowed_regions includes {replica_region}" if replicate else
         f"on for confidential and restricted data; {tier_says}" if not conf else
         "skipped for data residency: allowed_regions holds no second region"), "s3", ("CKV_AWS_144",))
    add("s3.audit_object_lock",
        f"Object lock ({audit_lock.mode}, {audit_lock.days} days) on the audit bucket" if audit_lock
        else "Object lock on the audit bucket", audit_lock is not None,
        (f"{tier_says}; environment = {project.environment.value}" if audit_lock else
         f"on from confidential; {tier_says}"), "s3")
    add("s3.vpce_perimeter",
        "Object data reachable only through the VPC endpoint (AWS services and admin roles exempt)", perimeter,
        tier_says if perimeter else f"on from confidential; {tier_says}", "s3", ("CKV_AWS_93",))

    # ---- network ---------------------------------------------------------------------------------
    net = answers.network
    endpoint_names: list[str] = []
    for kind in kinds:
        for ep in _WORKLOAD_ENDPOINTS[kind]:
            if ep not in endpoint_names:
                endpoint_names.append(ep)
    endpoint_names.sort(key=_ENDPOINT_ORDER.index)
    endpoints = []
    for ep in endpoint_names:
        service, ep_type = _SERVICE_NAMES[ep]
        if ep == "sagemaker_api":
            actions = sorted({a for k in kinds for a in _SAGEMAKER_API_ACTIONS.get(k, ())})
        else:
            actions = list(_ENDPOINT_ACTIONS[ep])
        endpoints.append(EndpointPlan(ep, service, ep_type, tuple(actions)))
    if net.mode is NetworkMode.new:
        network = NetworkPlan(
            mode="new", cidr=net.cidr, availability_zones=net.availability_zones,
            private_subnet_cidrs=_subnet_cidrs(net.cidr, net.availability_zones), vpc_id=None,
            private_subnet_ids=(), route_table_ids=(), endpoints=tuple(endpoints),
        )
    else:
        network = NetworkPlan(
            mode="existing", cidr=None, availability_zones=len(net.private_subnet_ids), private_subnet_cidrs=(),
            vpc_id=net.vpc_id, private_subnet_ids=tuple(net.private_subnet_ids),
            route_table_ids=tuple(net.route_table_ids), endpoints=tuple(endpoints),
        )
    mode_reason = f"network.mode = {net.mode.value}"
    add("network.private_vpc", "Private subnets only, no internet or NAT gateway; default security group emptied",
        net.mode is NetworkMode.new,
        mode_reason if net.mode is NetworkMode.new else f"{mode_reason}: your VPC is used as it is",
        "network", ("CKV2_AWS_12", "CKV_AWS_130"))
    add("network.flow_logs", "VPC flow logs to a KMS-encrypted log group", net.mode is NetworkMode.new,
        mode_reason if net.mode is NetworkMode.new else f"{mode_reason}: flow logs of your VPC are yours to manage",
        "network", ("CKV2_AWS_11", "CKV_AWS_158", "CKV_AWS_338"))
    add("network.endpoints", "VPC endpoints (PrivateLink) with private DNS for every service the workloads call",
        True, "always: AI traffic stays on the AWS network; workloads: " + ", ".join(kinds), "network",
        ("CKV_GF_1", "CKV_GF_2"))
    add("network.endpoint_policies", "Endpoint policies with explicit actions for this account's principals only",
        True, "always: an endpoint cannot be used to reach another account's resources", "network",
        ("CKV_GF_2", "CKV_GF_3"))
    add("network.endpoint_security_group", "Endpoint security group allows HTTPS from the VPC only", True,
        "always", "network", ("CKV_AWS_23", "CKV2_AWS_5"))

    # ---- IAM -------------------------------------------------------------------------------------
    roles: list[RolePlan] = []
    if WorkloadKind.sagemaker_training in workload.kinds:
        roles.append(RolePlan(
            "sagemaker_training", f"{name_prefix}-sm-training", "SageMaker training jobs", "sagemaker.amazonaws.com",
            "arn:aws:sagemaker:REGION:ACCOUNT:training-job/*", ("training_data",), ("model_artifacts",),
            tuple(dict.fromkeys((data_key, art_key))), "/aws/sagemaker/TrainingJobs", True, True, False, False,
            False))
    if WorkloadKind.sagemaker_inference in workload.kinds:
        roles.append(RolePlan(
            "sagemaker_inference", f"{name_prefix}-sm-inference", "SageMaker inference endpoints",
            "sagemaker.amazonaws.com", "arn:aws:sagemaker:REGION:ACCOUNT:*", ("model_artifacts",), (),
            (art_key,), "/aws/sagemaker/Endpoints", True, True, False, False, False))
    if WorkloadKind.sagemaker_notebook in workload.kinds:
        roles.append(RolePlan(
            "sagemaker_notebook", f"{name_prefix}-sm-notebook", "SageMaker notebook instance",
            "sagemaker.amazonaws.com", None, ("training_data", "model_artifacts"), ("model_artifacts",),
            tuple(dict.fromkeys((data_key, art_key))), "/aws/sagemaker/NotebookInstances", True, False, False,
            WorkloadKind.sagemaker_training in workload.kinds, False))
    if has_bedrock:
        for caller in workload.bedrock_callers:
            service = {
                BedrockCaller.lambda_: "lambda.amazonaws.com",
                BedrockCaller.ecs_tasks: "ecs-tasks.amazonaws.com",
                BedrockCaller.ec2: "ec2.amazonaws.com",
            }[caller]
            roles.append(RolePlan(
                f"bedrock_{caller.value}", f"{name_prefix}-bedrock-{caller.value.replace('_', '-')}",
                f"Bedrock invocation from {caller.value.replace('_', ' ')}", service,
                "arn:aws:ecs:REGION:ACCOUNT:*" if caller is BedrockCaller.ecs_tasks else None, (), (), (),
                # A Lambda function writes its own logs with its execution role; ECS tasks log through
                # their task execution role and EC2 through the CloudWatch agent, not this role.
                f"/aws/lambda/{name_prefix}" if caller is BedrockCaller.lambda_ else None,
                False, False, True, False, caller is BedrockCaller.ec2))
    region_deny = True
    boundary = conf
    job_guardrails = has_sm
    iam = IamPlan(tuple(roles), region_deny, boundary, job_guardrails, GLOBAL_SERVICE_EXEMPTIONS)
    add("iam.least_privilege_roles", "One role per workload, scoped to its buckets, prefixes, keys and models", True,
        "always; roles: " + ", ".join(r.role_name for r in roles), "iam",
        ("CKV_AWS_355", "CKV_AWS_356", "CKV_AWS_290", "CKV_AWS_289", "CKV2_AWS_40"))
    add("iam.confused_deputy", "Trust policies carry aws:SourceAccount / aws:SourceArn", True, "always", "iam",
        ("CKV_AWS_60", "CKV_AWS_61"))
    add("iam.region_restriction",
        "Requests outside " + ", ".join(project.allowed_regions) + " denied in every workload role, plus an SCP",
        region_deny, f"project.allowed_regions = [{', '.join(project.allowed_regions)}]", "iam")
    add("iam.permission_boundary", "Permission boundary on every workload role", boundary,
        tier_says if boundary else f"on from confidential; {tier_says}", "iam")
    add("iam.sagemaker_job_guardrails",
        "Creating SageMaker jobs requires VPC subnets, network isolation, inter-container encryption and the "
        "data-class KMS keys", job_guardrails,
        "SageMaker workloads chosen" if job_guardrails else "no SageMaker workload", "iam")

    # ---- monitoring ------------------------------------------------------------------------------
    monitoring = MonitoringPlan(data_events, ("training_data", "model_artifacts"), answers.monitoring.alert_email)
    add("monitoring.cloudtrail",
        "Multi-region CloudTrail with log file validation, KMS, CloudWatch Logs delivery and SNS", True, "always",
        "monitoring", ("CKV_AWS_35", "CKV_AWS_36", "CKV_AWS_67", "CKV_AWS_251", "CKV_AWS_252", "CKV2_AWS_10"))
    add("monitoring.s3_data_events",
        "CloudTrail S3 data events on training data and artifacts (" +
        {"all": "reads and writes", "write": "writes", "none": "off"}[data_events] + ")", data_events != "none",
        tier_says if data_events != "none" else f"on from confidential; {tier_says}", "monitoring")
    add("monitoring.log_retention", f"Log groups encrypted with the logs key, kept {retention} days", True,
        retention_reason, "monitoring", ("CKV_AWS_158", "CKV_AWS_66", "CKV_AWS_338"))
    add("monitoring.alerts", "Security alerts topic encrypted with a customer managed key", True,
        "always" + (f"; email to {answers.monitoring.alert_email}" if answers.monitoring.alert_email else
                    "; subscribe your own endpoint (monitoring.alert_email not set)"), "monitoring",
        ("CKV_AWS_26", "CKV_GF_5"))

    # ---- Macie -----------------------------------------------------------------------------------
    macie: MaciePlan | None = None
    if macie_on:
        if restricted:
            job_type, schedule, sampling = "SCHEDULED", "daily", 100
        elif conf:
            job_type, schedule, sampling = "SCHEDULED", "weekly", 100
        else:
            job_type, schedule, sampling = "ONE_TIME", None, 100
        custom = tuple(_CUSTOM_IDENTIFIERS[c] for c in DataCategory if c in cats) if (conf and cats) else ()
        macie = MaciePlan(job_type, schedule, "MONDAY" if schedule == "weekly" else None, sampling, custom,
                          macie_export, True, "FIFTEEN_MINUTES" if conf else "ONE_HOUR")
    macie_why = (tier_says if macie_on else
                 "no SageMaker workload reads a training-data bucket" if not has_sm else
                 f"on from internal or with a data category; {tier_says}")
    add("macie.discovery",
        "Macie classification job on the training data" + (
            f" ({macie.job_type.lower().replace('_', '-')}{', ' + macie.schedule if macie.schedule else ''})"
            if macie else ""), macie_on, macie_why, "macie", ("CKV_GF_4",))
    add("macie.custom_identifiers", "Macie custom data identifiers for internal identifiers",
        bool(macie and macie.custom_identifiers),
        ("categories: " + ", ".join(c.value for c in data.categories)) if macie and macie.custom_identifiers
        else "on for confidential and restricted data with a data category", "macie")
    add("macie.results_export", "Macie discovery results exported to a KMS-encrypted bucket", macie_export,
        tier_says if macie_export else "on from confidential (results are otherwise kept only 90 days)", "macie")
    add("macie.findings_alerts", "Macie findings sent through EventBridge to the alerts topic", macie_on,
        macie_why, "macie", ("CKV_GF_5",))

    # ---- Bedrock ---------------------------------------------------------------------------------
    bedrock: BedrockPlan | None = None
    if has_bedrock:
        entities: dict[str, str] = {}
        for cat in DataCategory:
            if cat in cats:
                for etype, action in _GUARDRAIL_ENTITIES[cat]:
                    if entities.get(etype) != "BLOCK":
                        entities[etype] = action
        if guardrail_on and not entities:
            entities = dict(_GUARDRAIL_DEFAULT_ENTITIES)
        # Prompt attacks are filtered hardest; harmful-content filters get stricter with the data tier.
        strength = "HIGH" if restricted else "MEDIUM"
        filters = (
            ContentFilter("PROMPT_ATTACK", "HIGH", "NONE"),
            *(ContentFilter(t, strength, strength) for t in ("HATE", "INSULTS", "MISCONDUCT", "SEXUAL", "VIOLENCE")),
        )
        bedrock = BedrockPlan(
            models=tuple(workload.bedrock_models),
            guardrail=guardrail_on,
            guardrail_entities=tuple(GuardrailEntity(t, a) for t, a in sorted(entities.items())),
            content_filters=filters,
            invocation_logging=bedrock_logging,
            log_text=True,
            log_images=not restricted,
            log_embeddings=False,
            log_video=False,
        )
    add("bedrock.least_privilege_invoke", "Bedrock invocation limited to the approved model and profile ARNs",
        has_bedrock, "bedrock chosen" if has_bedrock else "no bedrock workload", "iam",
        ("CKV_AWS_355", "CKV_AWS_356"))
    add("bedrock.guardrail_required",
        "A Bedrock guardrail filters sensitive information and every invocation must name it", guardrail_on,
        (tier_says + (f"; categories: {', '.join(c.value for c in data.categories)}" if cats else ""))
        if guardrail_on else ("no bedrock workload" if not has_bedrock else
                              f"on from confidential or with a data category; {tier_says}"), "bedrock",
        ("CKV_GF_6",))
    add("bedrock.invocation_logging", "Model invocation logging to a KMS-encrypted log group and bucket",
        bedrock_logging, "bedrock chosen" if has_bedrock else "no bedrock workload", "bedrock",
        ("CKV_GF_7", "CKV_GF_8"))

    # ---- SageMaker notebook ---------------------------------------------------------------------
    notebook: NotebookPlan | None = None
    if WorkloadKind.sagemaker_notebook in workload.kinds:
        notebook = NotebookPlan("ml.t3.medium", 20, "notebook-al2-v3")
    add("sagemaker.notebook_hardening",
        "Notebook without internet or root access, in a private subnet, IMDSv2 only, volume on the data key",
        notebook is not None, "sagemaker_notebook chosen" if notebook else "no notebook workload", "sagemaker",
        ("CKV_AWS_122", "CKV_AWS_307", "CKV_AWS_306", "CKV_AWS_22", "CKV_AWS_187", "CKV_AWS_371", "CKV2_AWS_68"))

    # checkov's graph checks do not follow a module output into another module's input, so what one
    # module attaches in another is invisible to them; these skips say where the control really is.
    if notebook is None:
        skips.append(Skip("CKV2_AWS_5", "network", "aws_security_group.workload",
                          "attached at run time by the SageMaker jobs and endpoints (or Bedrock callers) that the "
                          "IAM job guardrails require to run in it; no Terraform resource of this stack uses it"))
    else:
        skips.append(Skip("CKV2_AWS_5", "network", "aws_security_group.workload",
                          "attached to the notebook instance in the sagemaker module (checkov does not follow "
                          "module outputs into other modules) and at run time to SageMaker jobs and endpoints"))
        skips.append(Skip("CKV2_AWS_68", "sagemaker", "aws_sagemaker_notebook_instance.this",
                          "the notebook role lives in the iam module, where its policies are checked and allow no "
                          "'*' action (CKV_AWS_62, CKV_AWS_63, CKV2_AWS_40); checkov does not follow module outputs"))
    if net.mode is NetworkMode.new:
        skips.append(Skip("CKV_AWS_394", "network", "data.aws_availability_zones.available",
                          "zones are chosen by lowest zone ID and pinned with availability_zone_id, so a zone AWS "
                          "adds later never moves a subnet; zone names differ per account and cannot be listed here"))

    modules = [m for m in MODULE_ORDER if m not in ("macie", "bedrock", "sagemaker")]
    if macie is not None:
        modules.append("macie")
    if bedrock is not None:
        modules.append("bedrock")
    if notebook is not None:
        modules.append("sagemaker")

    if replication:
        keys = (*keys, KeyPlan("replica", ("replica",), f"{name_prefix}-replica",
                               f"{name_prefix}: replicas in {replication.region} ({tier.value})", rotation, deletion,
                               ("s3",), provider="aws.replica"))

    tags = {"Project": project.name, "Environment": project.environment.value, "ManagedBy": "guardform",
            "DataClassification": tier.value}
    if project.owner:
        tags["Owner"] = project.owner

    return Plan(
        tool_version=__version__,
        name=project.name,
        environment=project.environment.value,
        region=project.region,
        allowed_regions=tuple(project.allowed_regions),
        owner=project.owner,
        declared_sensitivity=data.sensitivity.value,
        sensitivity=tier.value,
        tier_reason=tier_reason,
        categories=tuple(c.value for c in data.categories),
        compliance=tuple(c.value for c in data.compliance),
        workloads=kinds,
        tags=tags,
        log_retention_days=retention,
        modules=tuple(modules),
        keys=keys,
        buckets=tuple(buckets),
        replication=replication,
        network=network,
        iam=iam,
        monitoring=monitoring,
        macie=macie,
        bedrock=bedrock,
        notebook=notebook,
        admin_role_arns=tuple(answers.access.admin_role_arns),
        controls=tuple(controls),
        skips=tuple(skips),
    )


def _tier_reason(answers: Answers) -> str:
    data = answers.data
    raised = [f"{kind} {value}" for kind, value in data.raised_by]
    return f" (declared {data.sensitivity.value}, raised by {', '.join(raised)})" if raised else ""


def _compliance_note(answers: Answers) -> str:
    regimes = [c.value for c in answers.data.compliance if c is Compliance.hipaa]
    return f" under {', '.join(regimes)}" if regimes else ""


def _short(bucket_name: str) -> str:
    return {"training_data": "data", "model_artifacts": "artifacts"}.get(bucket_name, bucket_name.replace("_", "-"))


def _bucket_prefix(name_prefix: str, short: str) -> str:
    """A bucket_prefix of at most 37 characters (AWS appends 26): '<name>-<env>-<purpose>-'."""
    room = 37 - len(short) - 2
    base = name_prefix[:room].rstrip("-")
    return f"{base}-{short}-"


def _subnet_cidrs(cidr: str, count: int) -> tuple[str, ...]:
    """Split the VPC block into four equal private subnets and use the first `count`."""
    network = IPv4Network(cidr)
    subnets = list(network.subnets(prefixlen_diff=2))
    return tuple(str(s) for s in subnets[:count])
