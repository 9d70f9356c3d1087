"""Workload roles, their policies, the permission boundary, the job guardrails and the region SCP (§2)."""

from __future__ import annotations

from wizard.answers import Answers, BedrockCaller, WorkloadKind
from wizard.plan.facts import Facts
from wizard.plan.model import IamPlan, RolePlan
from wizard.plan.section import Ledger, Section

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

_CALLER_SERVICES = {
    BedrockCaller.lambda_: "lambda.amazonaws.com",
    BedrockCaller.ecs_tasks: "ecs-tasks.amazonaws.com",
    BedrockCaller.ec2: "ec2.amazonaws.com",
}


def _sagemaker_roles(f: Facts) -> list[RolePlan]:
    p = f.name_prefix
    both_keys = tuple(dict.fromkeys((f.data_key, f.art_key)))
    common = {
        "service": "sagemaker.amazonaws.com",
        "ecr_pull": True,
        "bedrock_invoke": False,
        "instance_profile": False,
    }
    roles = []
    if f.has(WorkloadKind.sagemaker_training):
        roles.append(
            RolePlan(
                name="sagemaker_training",
                role_name=f"{p}-sm-training",
                purpose="SageMaker training jobs",
                source_arn="arn:aws:sagemaker:REGION:ACCOUNT:training-job/*",
                reads=("training_data",),
                writes=("model_artifacts",),
                keys=both_keys,
                log_group_prefix="/aws/sagemaker/TrainingJobs",
                vpc_access=True,
                may_launch_jobs=False,
                **common,
            )
        )
    if f.has(WorkloadKind.sagemaker_inference):
        roles.append(
            RolePlan(
                name="sagemaker_inference",
                role_name=f"{p}-sm-inference",
                purpose="SageMaker inference endpoints",
                source_arn="arn:aws:sagemaker:REGION:ACCOUNT:*",
                reads=("model_artifacts",),
                writes=(),
                keys=(f.art_key,),
                log_group_prefix="/aws/sagemaker/Endpoints",
                vpc_access=True,
                may_launch_jobs=False,
                **common,
            )
        )
    if f.has(WorkloadKind.sagemaker_notebook):
        roles.append(
            RolePlan(
                name="sagemaker_notebook",
                role_name=f"{p}-sm-notebook",
                purpose="SageMaker notebook instance",
                source_arn=None,
                reads=("training_data", "model_artifacts"),
                writes=("model_artifacts",),
                keys=both_keys,
                log_group_prefix="/aws/sagemaker/NotebookInstances",
                vpc_access=False,
                may_launch_jobs=f.has(WorkloadKind.sagemaker_training),
                **common,
            )
        )
    return roles


def _bedrock_roles(answers: Answers, f: Facts) -> list[RolePlan]:
    if not f.has_bedrock:
        return []
    roles = []
    for caller in answers.workload.bedrock_callers:
        roles.append(
            RolePlan(
                name=f"bedrock_{caller.value}",
                role_name=f"{f.name_prefix}-bedrock-{caller.value.replace('_', '-')}",
                purpose=f"Bedrock invocation from {caller.value.replace('_', ' ')}",
                service=_CALLER_SERVICES[caller],
                source_arn="arn:aws:ecs:REGION:ACCOUNT:*" if caller is BedrockCaller.ecs_tasks else None,
                reads=(),
                writes=(),
                keys=(),
                # A Lambda function writes its own logs with its execution role; ECS tasks log through
                # their task execution role and EC2 through the CloudWatch agent, not this role.
                log_group_prefix=f"/aws/lambda/{f.name_prefix}" if caller is BedrockCaller.lambda_ else None,
                ecr_pull=False,
                vpc_access=False,
                bedrock_invoke=True,
                may_launch_jobs=False,
                instance_profile=caller is BedrockCaller.ec2,
            )
        )
    return roles


def decide_iam(answers: Answers, f: Facts) -> Section[IamPlan]:
    roles = tuple(_sagemaker_roles(f) + _bedrock_roles(answers, f))
    regions = answers.project.allowed_regions
    iam = IamPlan(
        roles=roles,
        region_deny=True,
        permission_boundary=f.conf,
        job_guardrails=f.has_sm,
        global_service_exemptions=GLOBAL_SERVICE_EXEMPTIONS,
    )
    led = Ledger()
    led.control(
        "iam.least_privilege_roles",
        "One role per workload, scoped to its buckets, prefixes, keys and models",
        on=True,
        reason="always; roles: " + ", ".join(r.role_name for r in roles),
        module="iam",
        checks=("CKV_AWS_355", "CKV_AWS_356", "CKV_AWS_290", "CKV_AWS_289", "CKV2_AWS_40"),
    )
    led.control(
        "iam.confused_deputy",
        "Trust policies carry aws:SourceAccount / aws:SourceArn",
        on=True,
        reason="always",
        module="iam",
        checks=("CKV_AWS_60", "CKV_AWS_61"),
    )
    led.control(
        "iam.region_restriction",
        "Requests outside " + ", ".join(regions) + " denied in every workload role, plus an SCP",
        on=iam.region_deny,
        reason=f"project.allowed_regions = [{', '.join(regions)}]",
        module="iam",
    )
    led.control(
        "iam.permission_boundary",
        "Permission boundary on every workload role",
        on=iam.permission_boundary,
        reason=f.tier_says if iam.permission_boundary else f"on from confidential; {f.tier_says}",
        module="iam",
    )
    led.control(
        "iam.sagemaker_job_guardrails",
        "Creating SageMaker jobs requires VPC subnets, network isolation, inter-container encryption and the "
        "data-class KMS keys",
        on=iam.job_guardrails,
        reason="SageMaker workloads chosen" if iam.job_guardrails else "no SageMaker workload",
        module="iam",
    )
    return led.section(iam)
