"""The network: a private VPC or the user's own, and the VPC endpoints each workload needs (§1)."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network

from wizard.answers import Answers, NetworkMode
from wizard.plan.buckets import DATA_BUCKETS, bucket_prefix, short_name
from wizard.plan.facts import Facts
from wizard.plan.model import EndpointPlan, NetworkPlan
from wizard.plan.policy import (
    ACCOUNT_ID,
    ANY_AWS,
    PARTITION,
    REGION,
    Layout,
    PlanError,
    PolicyDocument,
    Ref,
    Statement,
    arn,
    interp,
    service,
    when,
)
from wizard.plan.section import Ledger, Section

_ENDPOINT_ACTIONS: dict[str, tuple[str, ...]] = {
    "sts": ("sts:AssumeRole", "sts:GetCallerIdentity", "sts:TagSession"),
    "logs": (
        # SageMaker and Lambda create their log groups on first use (/aws/sagemaker/TrainingJobs, ...) and the
        # agents look them up before writing.
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
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
        "s3",
        "sagemaker_api",
        "sagemaker_runtime",
        "sts",
        "logs",
        "monitoring",
        "ecr_api",
        "ecr_dkr",
    ),
    "sagemaker_notebook": (
        "s3",
        "sagemaker_api",
        "sagemaker_runtime",
        "sagemaker_notebook",
        "sts",
        "logs",
        "ecr_api",
        "ecr_dkr",
    ),
    "bedrock": ("s3", "bedrock_runtime", "bedrock", "sts", "logs"),
}

_ENDPOINT_ORDER = tuple(_SERVICE_NAMES)


def _subnet_cidrs(cidr: str, count: int) -> tuple[str, ...]:
    """Split the VPC block into four equal private subnets and use the first `count`."""
    network = IPv4Network(cidr)
    subnets = list(network.subnets(prefixlen_diff=2))
    return tuple(str(s) for s in subnets[:count])


_THIS_ACCOUNT = when("StringEquals", "aws:PrincipalAccount", ACCOUNT_ID)
# The resource's owner must be this account too: a bucket name pattern or Resource "*" alone would let a
# principal of this account reach a bucket or role of any account through the endpoint (AWS's data perimeter
# examples pair aws:PrincipalOrgID with aws:ResourceOrgID in the S3 and STS endpoint policies for this reason).
_THIS_ACCOUNTS_RESOURCES = when("StringEquals", "aws:ResourceAccount", ACCOUNT_ID)
_INLINE = Layout(inline_conditions=True)
# STS actions that act on a role (a resource with an owner); GetCallerIdentity acts on none.
_STS_ROLE_ACTIONS = ("sts:AssumeRole", "sts:TagSession")


def _s3_policy(actions: tuple[str, ...], prefixes: tuple[str, ...], ecr: bool) -> PolicyDocument:
    """Principals of this account reach only the workload buckets (and, with ECR, its image layers)."""
    buckets = tuple(interp("arn:", PARTITION, f":s3:::{p}*{tail}") for p in prefixes for tail in ("", "/*"))
    statements = [
        Statement(
            sid="ThisAccountToWorkloadBuckets",
            effect="Allow",
            principal=ANY_AWS,
            actions=actions,
            resources=buckets,
            conditions=(_THIS_ACCOUNT, _THIS_ACCOUNTS_RESOURCES),
            layout=Layout(multiline=("Resource",), inline_conditions=True),
        )
    ]
    if ecr:
        statements.append(
            Statement(
                sid="EcrImageLayers",
                effect="Allow",
                principal=ANY_AWS,
                actions=("s3:GetObject",),
                resources=(interp("arn:", PARTITION, ":s3:::prod-", REGION, "-starport-layer-bucket/*"),),
                comment="ECR serves image layers from this AWS-owned bucket through presigned URLs that ECR signs, "
                "so the\n"
                "caller is not a principal of this account and no principal condition can apply. Read-only, one\n"
                "bucket: it cannot carry data out of the VPC.",
            )
        )
    return PolicyDocument(kind="endpoint", statements=tuple(statements))


def _interface_policy(actions: tuple[str, ...]) -> PolicyDocument:
    return PolicyDocument(
        kind="endpoint",
        last_comma=False,
        statements=(
            Statement(
                sid="ThisAccountOnly",
                effect="Allow",
                principal=ANY_AWS,
                actions=actions,
                resources="*",
                conditions=(_THIS_ACCOUNT,),
                layout=_INLINE,
            ),
        ),
    )


def _sts_policy(actions: tuple[str, ...]) -> PolicyDocument:
    """Roles of this account only: credentials of another account's role would leave the perimeter."""
    role_actions = tuple(a for a in actions if a in _STS_ROLE_ACTIONS)
    other = tuple(a for a in actions if a not in _STS_ROLE_ACTIONS)
    statements = [
        Statement(
            sid="ThisAccountToItsRoles",
            effect="Allow",
            principal=ANY_AWS,
            actions=role_actions,
            resources="*",
            conditions=(_THIS_ACCOUNT, _THIS_ACCOUNTS_RESOURCES),
            layout=_INLINE,
        )
    ]
    if other:
        statements.append(
            Statement(
                sid="ThisAccountOnly",
                effect="Allow",
                principal=ANY_AWS,
                actions=other,
                resources="*",
                conditions=(_THIS_ACCOUNT,),
                layout=_INLINE,
            )
        )
    return PolicyDocument(kind="endpoint", last_comma=False, statements=tuple(statements))


_POLICY_COMMENTS = {
    "sts": "Principals of this account assume roles of this account only (aws:ResourceAccount): credentials of "
    "another\naccount's role would carry data past every policy of this one.",
    "ecr_api": "Principals of this account only. Every allowed action reads (no push), so no data leaves through "
    "another\naccount's registry; AWS-provided images (SageMaker and Deep Learning Containers) live in AWS-owned "
    "accounts,\nwhich an aws:ResourceAccount condition would block.",
    "ecr_dkr": "Principals of this account only. Every allowed action reads (no push), so no data leaves through "
    "another\naccount's registry; AWS-provided images (SageMaker and Deep Learning Containers) live in AWS-owned "
    "accounts,\nwhich an aws:ResourceAccount condition would block.",
}


def _endpoint(name: str, actions: tuple[str, ...], prefixes: tuple[str, ...], ecr: bool) -> EndpointPlan:
    service_name, ep_type = _SERVICE_NAMES[name]
    actions = tuple(sorted(actions))
    if name == "s3":
        return EndpointPlan(
            name=name,
            service=service_name,
            type=ep_type,
            actions=actions,
            comment="S3 through a gateway endpoint on the private route tables. Principals of this account reach "
            "only the\nworkload buckets"
            + (" (and ECR's image layers)" if ecr else "")
            + "; no other bucket, in any account, is reachable through it.",
            policy_comment="",
            policy=_s3_policy(actions, prefixes, ecr),
        )
    return EndpointPlan(
        name=name,
        service=service_name,
        type=ep_type,
        actions=actions,
        comment=f"{name.replace('_', ' ')}: {service_name}",
        policy_comment=_POLICY_COMMENTS.get(
            name,
            "The endpoint policy limits which principals may use the endpoint, not which resources they "
            'reach:\nResource "*" here, while the workload roles\' own policies name their resources.',
        ),
        policy=_sts_policy(actions) if name == "sts" else _interface_policy(actions),
    )


def _endpoints(kinds: tuple[str, ...], prefixes: tuple[str, ...]) -> tuple[EndpointPlan, ...]:
    names: list[str] = []
    for kind in kinds:
        for ep in _WORKLOAD_ENDPOINTS[kind]:
            if ep not in names:
                names.append(ep)
    names.sort(key=_ENDPOINT_ORDER.index)
    ecr = "ecr_api" in names or "ecr_dkr" in names
    endpoints = []
    for ep in names:
        if ep == "sagemaker_api":
            actions = tuple(sorted({a for k in kinds for a in _SAGEMAKER_API_ACTIONS.get(k, ())}))
        else:
            actions = _ENDPOINT_ACTIONS[ep]
        endpoints.append(_endpoint(ep, actions, prefixes, ecr))
    return tuple(endpoints)


FLOW_LOG_GROUP_ARN = Ref(module="network", type="cloudwatch_log_group", name="flow_logs", attr="arn")


def _flow_logs() -> tuple[PolicyDocument, PolicyDocument]:
    """Assumed only by VPC Flow Logs for this account's flow logs; writes to its one log group."""
    trust = PolicyDocument(
        kind="trust",
        last_comma=False,
        statements=(
            Statement(
                sid="VpcFlowLogsDelivery",
                effect="Allow",
                principal=service("vpc-flow-logs.amazonaws.com"),
                actions="sts:AssumeRole",
                layout=_INLINE,
                conditions=(
                    when("StringEquals", "aws:SourceAccount", ACCOUNT_ID),
                    when("ArnLike", "aws:SourceArn", arn("ec2", "vpc-flow-log/*")),
                ),
            ),
        ),
    )
    policy = PolicyDocument(
        kind="identity",
        last_comma=False,
        statements=(
            Statement(
                sid="WriteFlowLogGroup",
                effect="Allow",
                actions=("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                resources=(FLOW_LOG_GROUP_ARN, interp(FLOW_LOG_GROUP_ARN, ":*")),
                layout=Layout(multiline=("Resource",)),
            ),
        ),
    )
    return trust, policy


def decide_network(answers: Answers, f: Facts) -> Section[NetworkPlan]:
    net = answers.network
    prefixes = tuple(bucket_prefix(f.name_prefix, short_name(b)) for b in DATA_BUCKETS)
    endpoints = _endpoints(f.kinds, prefixes)
    needed = {e.name for e in endpoints}
    for name in net.existing_endpoints:
        if name not in needed:
            raise PlanError(
                f"network.existing_endpoints.{name}: this stack needs no {name} endpoint "
                f"(it uses {', '.join(e.name for e in endpoints)}); remove the entry"
            )
    # The VPC's own endpoints are read, not created: a second S3 gateway endpoint on the same route tables, or a
    # second private-DNS interface endpoint of a service, would fail, and this stack's endpoint policies would
    # bind every other tenant of the VPC.
    endpoints = tuple(replace(e, existing_id=net.existing_endpoints.get(e.name)) for e in endpoints)
    new = net.mode is NetworkMode.new
    trust, policy = _flow_logs() if new else (None, None)
    has_ecr = any(e.name in ("ecr_api", "ecr_dkr") for e in endpoints)
    if new:
        network = NetworkPlan(
            mode="new",
            cidr=net.cidr,
            availability_zones=net.availability_zones,
            private_subnet_cidrs=_subnet_cidrs(net.cidr, net.availability_zones),
            vpc_id=None,
            private_subnet_ids=(),
            route_table_ids=(),
            endpoints=endpoints,
            data_buckets=DATA_BUCKETS,
            has_ecr=has_ecr,
            flow_logs_trust=trust,
            flow_logs_policy=policy,
        )
    else:
        network = NetworkPlan(
            mode="existing",
            cidr=None,
            availability_zones=len(net.private_subnet_ids),
            private_subnet_cidrs=(),
            vpc_id=net.vpc_id,
            private_subnet_ids=tuple(net.private_subnet_ids),
            route_table_ids=tuple(net.route_table_ids),
            endpoints=endpoints,
            data_buckets=DATA_BUCKETS,
            has_ecr=has_ecr,
            flow_logs_trust=trust,
            flow_logs_policy=policy,
        )
    led = Ledger()
    _controls(led, answers, f)
    if new:
        led.skip(
            "CKV_AWS_394",
            module="network",
            resource="data.aws_availability_zones.available",
            reason="zones are chosen by lowest zone ID and pinned with availability_zone_id, so a zone AWS "
            "adds later never moves a subnet; zone names differ per account and cannot be listed here",
        )
    return led.section(network)


def _controls(led: Ledger, answers: Answers, f: Facts) -> None:
    net = answers.network
    new = net.mode is NetworkMode.new
    mode_reason = f"network.mode = {net.mode.value}"
    led.control(
        "network.private_vpc",
        "Private subnets only, no internet or NAT gateway; default security group emptied",
        on=new,
        reason=mode_reason if new else f"{mode_reason}: your VPC is used as it is",
        module="network",
        checks=("CKV2_AWS_12", "CKV_AWS_130"),
    )
    led.control(
        "network.flow_logs",
        "VPC flow logs to a KMS-encrypted log group",
        on=new,
        reason=mode_reason if new else f"{mode_reason}: flow logs of your VPC are yours to manage",
        module="network",
        checks=("CKV2_AWS_11", "CKV_AWS_158", "CKV_AWS_338"),
    )
    led.control(
        "network.endpoints",
        "VPC endpoints (PrivateLink) with private DNS for every service the workloads call",
        on=True,
        reason="always: AI traffic stays on the AWS network; workloads: " + ", ".join(f.kinds),
        module="network",
        checks=("CKV_GF_1", "CKV_GF_2"),
    )
    led.control(
        "network.endpoint_policies",
        "Endpoint policies with explicit actions for this account's principals only",
        on=True,
        reason="always: an endpoint cannot be used to reach another account's resources",
        module="network",
        checks=("CKV_GF_2", "CKV_GF_3"),
    )
    led.control(
        "network.endpoint_security_group",
        "Endpoint security group allows HTTPS from the VPC only",
        on=True,
        reason="always",
        module="network",
        checks=("CKV_AWS_23", "CKV2_AWS_5"),
    )
