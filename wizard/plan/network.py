"""The network: a private VPC or the user's own, and the VPC endpoints each workload needs (§1)."""

from __future__ import annotations

from ipaddress import IPv4Network

from wizard.answers import Answers, NetworkMode
from wizard.plan.facts import Facts
from wizard.plan.model import EndpointPlan, NetworkPlan
from wizard.plan.section import Ledger, Section

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


def _endpoints(kinds: tuple[str, ...]) -> tuple[EndpointPlan, ...]:
    names: list[str] = []
    for kind in kinds:
        for ep in _WORKLOAD_ENDPOINTS[kind]:
            if ep not in names:
                names.append(ep)
    names.sort(key=_ENDPOINT_ORDER.index)
    endpoints = []
    for ep in names:
        service, ep_type = _SERVICE_NAMES[ep]
        if ep == "sagemaker_api":
            actions = sorted({a for k in kinds for a in _SAGEMAKER_API_ACTIONS.get(k, ())})
        else:
            actions = list(_ENDPOINT_ACTIONS[ep])
        endpoints.append(EndpointPlan(name=ep, service=service, type=ep_type, actions=tuple(actions)))
    return tuple(endpoints)


def decide_network(answers: Answers, f: Facts) -> Section[NetworkPlan]:
    net = answers.network
    endpoints = _endpoints(f.kinds)
    new = net.mode is NetworkMode.new
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
        )
    led = Ledger()
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
    if new:
        led.skip(
            "CKV_AWS_394",
            module="network",
            resource="data.aws_availability_zones.available",
            reason="zones are chosen by lowest zone ID and pinned with availability_zone_id, so a zone AWS "
            "adds later never moves a subnet; zone names differ per account and cannot be listed here",
        )
    return led.section(network)
