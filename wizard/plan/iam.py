"""Workload roles, their policies, the permission boundary, the job guardrails and the region SCP (§2)."""

from __future__ import annotations

from dataclasses import replace

from wizard.answers import Answers, BedrockCaller, WorkloadKind
from wizard.plan import iam_policies as ip
from wizard.plan.bedrock import split_models
from wizard.plan.buckets import bucket_prefix, short_name
from wizard.plan.facts import Facts
from wizard.plan.model import IamPlan, RolePlan, bucket_of
from wizard.plan.policy import (
    ACCOUNT_ID,
    PARTITION,
    PolicyDocument,
    Ref,
    SizeEnv,
    check_inline_total,
    check_size,
    interp,
)
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
SAGEMAKER = "sagemaker.amazonaws.com"
TRAINING_ROLE_ARN = Ref(module="iam", type="iam_role", name="sagemaker_training", attr="arn")
# A role's documents are added by _Roles.finish once its fields are decided.
_PENDING = PolicyDocument(kind="identity", statements=())


def _purpose(key_name: str) -> str:
    """The var.kms_key_arns entry that names a KeyPlan: its first purpose (the single key: data)."""
    return "data" if key_name == "main" else key_name


class _Roles:
    """Builds RolePlans and their documents for these answers."""

    def __init__(self, answers: Answers, f: Facts) -> None:
        self.f = f
        direct, profiles = split_models(tuple(answers.workload.bedrock_models) if f.has_bedrock else ())
        self.ctx = ip.IamContext(
            foundation_models=direct,
            profiles=profiles,
            allowed_regions=tuple(answers.project.allowed_regions),
            exemptions=GLOBAL_SERVICE_EXEMPTIONS,
        )

    def data_grants(self, role: RolePlan) -> ip.Grants:
        purposes = tuple(_purpose(k) for k in role.keys)
        return ip.Grants(
            reads=role.reads,
            writes=role.writes,
            key_purposes=purposes,
            kms_grant=role.service == SAGEMAKER and bool(purposes),
        )

    def runtime_grants(self, role: RolePlan) -> ip.Grants:
        guardrail = role.bedrock_invoke and self.f.guardrail_on
        return ip.Grants(
            log_prefixes=(role.log_group_prefix,) if role.log_group_prefix else (),
            log_reads=role.log_reads,
            metrics=role.service == SAGEMAKER,
            ecr=role.ecr_pull,
            vpc=role.vpc_access and role.service == SAGEMAKER,
            lambda_enis=role.vpc_access and role.service == _CALLER_SERVICES[BedrockCaller.lambda_],
            bedrock=role.bedrock_invoke,
            guardrail=guardrail,
            jobs=role.may_launch_jobs,
            passrole=TRAINING_ROLE_ARN if role.may_launch_jobs else None,
        )

    def finish(self, role: RolePlan) -> RolePlan:
        """The role with its documents."""
        data = self.data_grants(role)
        return replace(
            role,
            trust_policy=ip.trust(role.service, role.source_arn),
            data_policy=self.data_policy(data) if (data.reads or data.writes or data.key_purposes) else None,
            runtime_policy=self.runtime_policy(role),
            attach_job_guardrails=role.may_launch_jobs and self.f.has_sm,
        )

    def data_policy(self, g: ip.Grants) -> PolicyDocument:
        return PolicyDocument(kind="identity", statements=(*ip.allow_statements(g, self.ctx), ip.region_deny(self.ctx)))

    def runtime_policy(self, role: RolePlan) -> PolicyDocument:
        statements = ip.allow_statements(self.runtime_grants(role), self.ctx)
        if role.bedrock_invoke and self.f.guardrail_on:
            statements += ip.guardrail_denies()
        return PolicyDocument(kind="identity", statements=(*statements, ip.region_deny(self.ctx)))


# Where the notebook -> training -> artifacts flow keeps its objects in the artifacts bucket (the iam README tells
# users to pass these to the SageMaker SDK: code_location, output_path, and checkpoint_s3_uri under the job's own
# output/<job>/checkpoints/, so that one prefix holds what a job writes and can resume from). The SDK's default bucket
# (sagemaker-<region>-<account>) is not allowed: it is created outside the stack, without its keys, perimeter,
# logging or Macie, so the roles and the S3 endpoint policy deny it and the README says how to avoid it.
CODE_PREFIX = "code/"
NOTEBOOK_DATA_PREFIX = "data/"
OUTPUT_PREFIX = "output/"
TRAINING_READS = (CODE_PREFIX, "base-models/", OUTPUT_PREFIX)
TRAINING_WRITES = (OUTPUT_PREFIX,)


def _sagemaker_roles(f: Facts) -> list[RolePlan]:
    """The SageMaker roles of the workloads asked for, in the order training, inference, notebook."""
    roles = []
    if f.has(WorkloadKind.sagemaker_training):
        roles.append(_training_role(f))
    if f.has(WorkloadKind.sagemaker_inference):
        roles.append(_inference_role(f))
    if f.has(WorkloadKind.sagemaker_notebook):
        roles.append(_notebook_role(f))
    return roles


def _training_role(f: Facts) -> RolePlan:
    return RolePlan(
        name="sagemaker_training",
        role_name=f"{f.name_prefix}-sm-training",
        purpose="SageMaker training jobs",
        service=SAGEMAKER,
        source_arn="arn:aws:sagemaker:REGION:ACCOUNT:training-job/*",
        # The data, and from the artifacts bucket the code bundle and base weights the notebook (or a
        # pipeline) puts there and the jobs' outputs, to resume from checkpoints or fine-tune an earlier
        # model (finding 3). It writes only under output/: never the training data, never the code it runs.
        reads=("training_data", *(f"model_artifacts/{prefix}" for prefix in TRAINING_READS)),
        writes=tuple(f"model_artifacts/{prefix}" for prefix in TRAINING_WRITES),
        keys=_both_keys(f),
        log_group_prefix="/aws/sagemaker/TrainingJobs",
        ecr_pull=True,
        vpc_access=True,
        bedrock_invoke=False,
        may_launch_jobs=False,
        instance_profile=False,
        trust_policy=_PENDING,
        data_policy=None,
        runtime_policy=_PENDING,
        attach_job_guardrails=False,
    )


def _inference_role(f: Facts) -> RolePlan:
    return RolePlan(
        name="sagemaker_inference",
        role_name=f"{f.name_prefix}-sm-inference",
        purpose="SageMaker inference endpoints",
        service=SAGEMAKER,
        source_arn="arn:aws:sagemaker:REGION:ACCOUNT:*",
        reads=("model_artifacts",),
        writes=(),
        keys=(f.art_key,),
        log_group_prefix="/aws/sagemaker/Endpoints",
        ecr_pull=True,
        vpc_access=True,
        bedrock_invoke=False,
        may_launch_jobs=False,
        instance_profile=False,
        trust_policy=_PENDING,
        data_policy=None,
        runtime_policy=_PENDING,
        attach_job_guardrails=False,
    )


def _notebook_role(f: Facts) -> RolePlan:
    training = f.has(WorkloadKind.sagemaker_training)
    return RolePlan(
        name="sagemaker_notebook",
        role_name=f"{f.name_prefix}-sm-notebook",
        purpose="SageMaker notebook instance",
        service=SAGEMAKER,
        source_arn=None,
        reads=("training_data", "model_artifacts"),
        # With training: the data and the code the jobs read, under their own prefixes (finding 3).
        writes=(f"training_data/{NOTEBOOK_DATA_PREFIX}", f"model_artifacts/{CODE_PREFIX}")
        if training
        else ("model_artifacts",),
        keys=_both_keys(f),
        log_group_prefix="/aws/sagemaker/NotebookInstances",
        ecr_pull=True,
        vpc_access=False,
        bedrock_invoke=False,
        may_launch_jobs=training,
        instance_profile=False,
        trust_policy=_PENDING,
        data_policy=None,
        runtime_policy=_PENDING,
        attach_job_guardrails=False,
        log_reads=("/aws/sagemaker/TrainingJobs",) if training else (),
    )


def _both_keys(f: Facts) -> tuple[str, ...]:
    """The data and artifacts keys, once each (one key when keys.strategy = single)."""
    return tuple(dict.fromkeys((f.data_key, f.art_key)))


def _bedrock_roles(answers: Answers, f: Facts) -> list[RolePlan]:
    if not f.has_bedrock:
        return []
    return [
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
            # A Lambda function in the VPC manages its own network interfaces with this role (finding 5); ECS
            # tasks get theirs from ECS's service-linked role, EC2 instances at launch.
            vpc_access=caller is BedrockCaller.lambda_,
            bedrock_invoke=True,
            may_launch_jobs=False,
            instance_profile=caller is BedrockCaller.ec2,
            trust_policy=_PENDING,
            data_policy=None,
            runtime_policy=_PENDING,
            attach_job_guardrails=False,
        )
        for caller in answers.workload.bedrock_callers
    ]


def _union(builder: _Roles, roles: tuple[RolePlan, ...]) -> ip.Grants:
    """Everything the roles' own policies grant: the permission boundary allows exactly this."""
    data = [builder.data_grants(r) for r in roles]
    runtime = [builder.runtime_grants(r) for r in roles]
    training = [r for r in roles if r.name == "sagemaker_training"]
    jobs = any(g.jobs for g in runtime)
    return ip.Grants(
        reads=tuple(dict.fromkeys(b for g in data for b in g.reads)),
        writes=tuple(dict.fromkeys(b for g in data for b in g.writes)),
        key_purposes=tuple(dict.fromkeys(p for g in data for p in g.key_purposes)),
        kms_grant=any(g.kms_grant for g in data),
        log_prefixes=tuple(dict.fromkeys(p for g in runtime for p in g.log_prefixes)),
        log_reads=tuple(dict.fromkeys(p for g in runtime for p in g.log_reads)),
        metrics=any(g.metrics for g in runtime),
        ecr=any(g.ecr for g in runtime),
        vpc=any(g.vpc for g in runtime),
        lambda_enis=any(g.lambda_enis for g in runtime),
        bedrock=any(g.bedrock for g in runtime),
        guardrail=any(g.bedrock for g in runtime) and builder.f.guardrail_on,
        jobs=jobs,
        passrole=interp("arn:", PARTITION, ":iam::", ACCOUNT_ID, f":role/{training[0].role_name}") if jobs else None,
    )


def _iam(answers: Answers, f: Facts) -> IamPlan:
    builder = _Roles(answers, f)
    roles = tuple(builder.finish(r) for r in _sagemaker_roles(f) + _bedrock_roles(answers, f))
    union = _union(builder, roles)
    keys = (
        ip.job_keys(f.kinds, one_key=f.data_key == f.art_key)
        if f.has_sm
        else ip.JobKeys(volume=None, output=None, endpoint_volume=None)
    )
    return IamPlan(
        roles=roles,
        region_deny=True,
        permission_boundary=f.conf,
        job_guardrails=f.has_sm,
        network_inputs=f.has_sm or any(r.vpc_access for r in roles),
        global_service_exemptions=GLOBAL_SERVICE_EXEMPTIONS,
        guardrail=f.guardrail_on,
        boundary=ip.boundary(union, builder.ctx) if f.conf else None,
        job_guardrails_policy=ip.job_guardrails(f.kinds, keys) if f.has_sm else None,
        region_deny_scp=ip.region_deny_scp(
            builder.ctx, tuple(answers.access.admin_role_arns), notebook=f.has(WorkloadKind.sagemaker_notebook)
        ),
        notebook_url_endpoints=ip.NOTEBOOK_URL_ENDPOINTS if f.has(WorkloadKind.sagemaker_notebook) else (),
        bucket_inputs=tuple(dict.fromkeys(bucket_of(p) for p in union.reads + union.writes)),
        key_inputs=union.key_purposes,
        job_volume_key_arns=keys.volume,
        job_output_key_arns=keys.output,
        endpoint_volume_key_arn=keys.endpoint_volume,
        required_key_purposes=union.key_purposes
        + tuple(p for p in ("data", "artifacts") if f.has_sm and p not in union.key_purposes),
        required_buckets=tuple(dict.fromkeys(b for r in roles for b in r.buckets)),
    )


def size_env(answers: Answers, f: Facts) -> SizeEnv:
    """What the IAM documents' references resolve to, as far as the answers say."""
    names = ("training_data", "model_artifacts")
    net = answers.network
    return SizeEnv(
        region=answers.project.region,
        replica_region=f.replica_region,
        bucket_prefixes=tuple((n, bucket_prefix(f.name_prefix, short_name(n))) for n in names),
        subnets=max(net.availability_zones, len(net.private_subnet_ids)),
    )


def check_sizes(iam: IamPlan, answers: Answers, env: SizeEnv) -> None:
    """Refuse answers whose documents AWS would reject for their size (PlanError names the answers)."""
    models = len(answers.workload.bedrock_models)
    regions = len(answers.project.allowed_regions)
    grows = (
        f"the workload kinds ({len(answers.workload.kinds)}), workload.bedrock_callers "
        f"({len(answers.workload.bedrock_callers)}), workload.bedrock_models ({models}) and "
        f"project.allowed_regions ({regions}); choose fewer models or callers, or split the workloads into two stacks"
    )
    if iam.boundary is not None:
        check_size(iam.boundary, env, what="the permission boundary", because=grows)
    if iam.job_guardrails_policy is not None:
        check_size(
            iam.job_guardrails_policy,
            env,
            what="the SageMaker job guardrails policy",
            because=f"the SageMaker workload kinds ({len(answers.workload.kinds)})",
        )
    check_size(
        iam.region_deny_scp,
        env,
        what="the region-deny SCP",
        because=f"project.allowed_regions ({regions}) and access.admin_role_arns "
        f"({len(answers.access.admin_role_arns)})",
    )
    for role in iam.roles:
        docs = (role.data_policy, role.runtime_policy) if role.data_policy else (role.runtime_policy,)
        check_inline_total(
            docs,
            env,
            what=f"role {role.role_name}",
            because=f"workload.bedrock_models ({models}) and project.allowed_regions ({regions})",
        )


def decide_iam(answers: Answers, f: Facts) -> Section[IamPlan]:
    iam = _iam(answers, f)
    check_sizes(iam, answers, size_env(answers, f))
    roles, regions = iam.roles, answers.project.allowed_regions
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
