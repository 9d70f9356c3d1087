"""The access matrix: who must be able to do what in a stack, and who must not (issue 13).

``access_flows(plan)`` is a pure function from the Plan's public data to the flows a stack must allow and the
flows it must deny. A flow names its principal, action, resource and request context symbolically (plan names
of roles, buckets and keys, not ARNs), so it can be read in a README table and proven against the generated
Terraform by a test that resolves the names to the ARNs of a rendered stack.

Every flow is one request as AWS authorizes it. A few requests imply another one, which a proof must also
authorize: an S3 object read or write on an SSE-KMS bucket is also a ``kms:Decrypt`` or ``kms:GenerateDataKey``
by the same principal through S3 with the key the bucket uses (or the key the request names), and an
invocation through a cross-region inference profile is also a model call in each of the profile's destination
regions. The flows say which key and which profile; the proof derives the implied requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wizard.plan import Plan

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


_CONVERSE = (
    ("InvokeModel", "bedrock:InvokeModel"),
    ("InvokeModelWithResponseStream", "bedrock:InvokeModelWithResponseStream"),
    # Converse and ConverseStream are authorized as InvokeModel and InvokeModelWithResponseStream.
    ("Converse", "bedrock:InvokeModel"),
    ("ConverseStream", "bedrock:InvokeModelWithResponseStream"),
)

_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def _outside_region(plan: Plan) -> str:
    return next(r for r in _REGIONS if r not in plan.allowed_regions)


def is_inference_profile(model_id: str) -> bool:
    """A cross-region inference profile id starts with a geography (us., eu., apac., global.)."""
    return model_id.split(".", 1)[0] in ("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca")


def access_flows(plan: Plan) -> tuple[Flow, ...]:
    """Every flow the stack must allow and every flow it must deny, from the plan's public data."""
    flows: list[Flow] = []
    conf = plan.sensitivity in ("confidential", "restricted")
    data_key = plan.key_for("data").name
    art_key = plan.key_for("artifacts").name
    log_key = plan.key_for("logs").name
    outside = _outside_region(plan)

    def add(
        *,
        id: str,
        workload: str,
        principal: Principal,
        action: str,
        resource: Resource,
        expect: Expect,
        why: str,
        context: Context = Context(),
    ) -> None:
        flows.append(
            Flow(
                id=id,
                workload=workload,
                principal=principal,
                action=action,
                resource=resource,
                context=context,
                expect=expect,
                why=why,
            )
        )

    # The data engineer is the first role of access.data_uploader_role_arns when the answers name one (the key
    # policies name it as a user of the data key). Without one, on confidential and restricted data, where the key
    # policies name who may use the keys (issue 13 finding 7), it is one of the admin roles ("data
    # administrators"); on public and internal data any principal of the account whose IAM policies allow it.
    engineer = (
        Principal(kind="uploader_role", name=plan.data_uploader_role_arns[0])
        if plan.data_uploader_role_arns
        else Principal(kind="admin_role", name=plan.admin_role_arns[0])
        if conf and plan.admin_role_arns
        else Principal(kind="account_principal", name="data-engineer")
    )
    unnamed = Principal(kind="account_principal", name="unnamed-principal")

    # ---- data into the stack ---------------------------------------------------------------------
    if engineer.kind in ("uploader_role", "admin_role") or not conf:
        add(
            id="data-engineer-uploads-training-data",
            workload="stack",
            principal=engineer,
            action="s3:PutObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            expect="allow",
            why="a data engineer uploads training data through the S3 endpoint, relying on default encryption",
        )
    if engineer.kind == "uploader_role" and conf:
        add(
            id="data-engineer-uploads-from-outside-the-vpc-denied",
            workload="stack",
            principal=engineer,
            action="s3:PutObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            context=Context(via_vpce=False),
            expect="deny",
            why="a named uploader is held to the perimeter: uploads through the VPC endpoint only",
        )
    add(
        id="plain-http-read-denied",
        workload="stack",
        principal=engineer,
        action="s3:GetObject",
        resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
        context=Context(tls=False),
        expect="deny",
        why="every bucket denies requests without TLS",
    )
    if plan.bucket("training_data").deny_wrong_key:
        add(
            id="upload-naming-another-key-denied",
            workload="stack",
            principal=engineer,
            action="s3:PutObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            context=Context(kms_key=log_key if log_key != data_key else None),
            expect="deny",
            why="an upload that names a key other than the bucket's is refused",
        )
    for admin in plan.admin_role_arns[:1]:
        add(
            id="admin-reads-training-data",
            workload="stack",
            principal=Principal(kind="admin_role", name=admin),
            action="s3:GetObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            context=Context(via_vpce=not conf),
            expect="allow",
            why="an admin role reads the data" + (" from outside the VPC (exempt from the perimeter)" if conf else ""),
        )

    # ---- the perimeter (confidential and restricted data) -----------------------------------------
    # A perimeter flow is made by a workload role whose own policies allow the request where there is one,
    # so that only the bucket policy can refuse it (the key policies refuse an unnamed principal anyway).
    def reader(bucket: str) -> Principal:
        role = next((r for r in plan.iam.roles if bucket in r.reads), None)
        return Principal(kind="workload_role", name=role.name) if role else unnamed

    def writer(bucket: str) -> Principal:
        role = next((r for r in plan.iam.roles if bucket in r.writes), None)
        return Principal(kind="workload_role", name=role.name) if role else unnamed

    if conf:
        for bucket in (b for b in plan.buckets if b.name in ("training_data", "model_artifacts") or b.replica_of):
            add(
                id=f"outside-vpce-read-{_slug(bucket.name)}-denied",
                workload="stack",
                principal=reader(bucket.name),
                action="s3:GetObject",
                resource=Resource(kind="object", name=bucket.name, path="datasets/notes.jsonl"),
                context=Context(via_vpce=False),
                expect="deny",
                why=f"{bucket.purpose.lower()}: no object read from outside the VPC endpoint by a non-admin",
            )
            add(
                id=f"outside-vpce-write-{_slug(bucket.name)}-denied",
                workload="stack",
                principal=writer(bucket.name),
                action="s3:PutObject",
                resource=Resource(kind="object", name=bucket.name, path="datasets/new.jsonl"),
                context=Context(via_vpce=False),
                expect="deny",
                why=f"{bucket.purpose.lower()}: no object write from outside the VPC endpoint by a non-admin",
            )
        add(
            id="outside-vpce-list-training-data-denied",
            workload="stack",
            principal=reader("training_data"),
            action="s3:ListBucket",
            resource=Resource(kind="bucket", name="training_data"),
            context=Context(via_vpce=False),
            expect="deny",
            why="object names (which can carry identifiers) are not listed from outside the VPC endpoint",
        )
        add(
            id="outside-vpce-read-via-aws-service-denied",
            workload="stack",
            principal=reader("training_data"),
            action="s3:GetObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            context=Context(via_vpce=False, via_aws_service=True),
            expect="deny",
            why="a non-admin cannot route a read through another AWS service to leave the perimeter",
        )
        add(
            id="other-service-linked-role-read-denied",
            workload="stack",
            principal=Principal(
                kind="account_principal", name="aws-service-role/example.amazonaws.com/AWSServiceRoleForExample"
            ),
            action="s3:GetObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            context=Context(via_vpce=False),
            expect="deny",
            why="only the service-linked roles the plan needs (Macie) are exempt from the perimeter",
        )
    add(
        id="other-account-bucket-via-endpoint-denied",
        workload="stack",
        principal=unnamed,
        action="s3:PutObject",
        resource=Resource(kind="foreign_object", name="training_data", path="exfil.jsonl"),
        expect="deny",
        why="this VPC's S3 endpoint does not reach another account's bucket of the same name pattern",
    )
    if any(e.name == "sts" for e in plan.network.endpoints):
        add(
            id="other-account-role-via-sts-endpoint-denied",
            workload="stack",
            principal=unnamed,
            action="sts:AssumeRole",
            resource=Resource(kind="foreign_role", name="exfiltration"),
            expect="deny",
            why="this VPC's STS endpoint does not hand out credentials of another account",
        )
    if conf:
        add(
            id="unnamed-principal-uses-data-key-through-s3-denied",
            workload="stack",
            principal=unnamed,
            action="s3:GetObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            expect="deny",
            why="a principal of the account that the plan did not name cannot decrypt the training data",
        )
        for key in dict.fromkeys((data_key, art_key, log_key)):
            add(
                id="unnamed-principal-decrypts-data-key-denied"
                if key == data_key
                else f"unnamed-principal-decrypts-{_slug(key)}-key-denied",
                workload="stack",
                principal=unnamed,
                action="kms:Decrypt",
                resource=Resource(kind="key", name=key),
                expect="deny",
                why=f"the key policy, not only IAM, decides who uses the {key} key",
            )

    # ---- SageMaker -------------------------------------------------------------------------------
    if "sagemaker_notebook" in plan.workloads:
        nb = Principal(kind="workload_role", name="sagemaker_notebook")
        add(
            id="notebook-reads-training-data",
            workload="sagemaker_notebook",
            principal=nb,
            action="s3:GetObject",
            resource=Resource(kind="object", name="training_data", path="datasets/notes.jsonl"),
            expect="allow",
            why="the notebook explores the training data",
        )
        add(
            id="notebook-presigned-url-from-internet-denied",
            workload="sagemaker_notebook",
            principal=unnamed,
            action="sagemaker:CreatePresignedNotebookInstanceUrl",
            resource=Resource(kind="notebook_instance", name=f"{plan.name_prefix}-notebook"),
            context=Context(via_vpce=False),
            expect="deny",
            why="the notebook UI is opened only through the notebook VPC endpoint",
        )
        guarded = Principal(kind="account_principal", name="ml-engineer", stack_policies=("sagemaker_job_guardrails",))
        url_cases: tuple[tuple[str, bool, Expect, str], ...] = (
            ("opens-notebook-through-endpoint", True, "allow", "an ML engineer opens the notebook from inside the VPC"),
            ("opens-notebook-from-internet-denied", False, "deny", "not from the internet, even with the guardrails"),
        )
        for nid, via, expect, why in url_cases:
            add(
                id=f"ml-engineer-{nid}",
                workload="sagemaker_notebook",
                principal=guarded,
                action="sagemaker:CreatePresignedNotebookInstanceUrl",
                resource=Resource(kind="notebook_instance", name=f"{plan.name_prefix}-notebook"),
                context=Context(via_vpce=via),
                expect=expect,
                why=why,
            )
        if "sagemaker_training" in plan.workloads:
            add(
                id="notebook-writes-training-data",
                workload="sagemaker_notebook",
                principal=nb,
                action="s3:PutObject",
                resource=Resource(kind="object", name="training_data", path="data/train.jsonl"),
                expect="allow",
                why="the notebook prepares the data the training job reads",
            )
            add(
                id="notebook-writes-training-code",
                workload="sagemaker_notebook",
                principal=nb,
                action="s3:PutObject",
                resource=Resource(kind="object", name="model_artifacts", path="code/sourcedir.tar.gz"),
                context=Context(kms_key=art_key),
                expect="allow",
                why="the notebook uploads the training code bundle next to the job's output",
            )
            add(
                id="notebook-reads-training-logs",
                workload="sagemaker_notebook",
                principal=nb,
                action="logs:GetLogEvents",
                resource=Resource(kind="log_stream", name="/aws/sagemaker/TrainingJobs", path="job-1/algo-1"),
                expect="allow",
                why="the notebook follows the training job it launched",
            )
            job = JobSettings(volume_key=data_key, output_key=art_key)
            add(
                id="notebook-creates-training-job",
                workload="sagemaker_training",
                principal=nb,
                action="sagemaker:CreateTrainingJob",
                resource=Resource(kind="training_job", name="job-1"),
                context=Context(job=job),
                expect="allow",
                why="a job in the private subnets, isolated, encrypted, with the data-class keys",
            )
            for jid, bad, why in (
                ("without-vpc", JobSettings(in_vpc=False, volume_key=data_key, output_key=art_key), "outside the VPC"),
                (
                    "without-isolation",
                    JobSettings(network_isolation=False, volume_key=data_key, output_key=art_key),
                    "without network isolation",
                ),
                ("without-keys", JobSettings(), "without the data-class keys"),
                (
                    "with-logs-volume-key",
                    JobSettings(volume_key=log_key, output_key=art_key),
                    "with the logs key on its volumes",
                ),
                (
                    "with-data-output-key",
                    JobSettings(volume_key=data_key, output_key=data_key),
                    "writing output with a key the artifacts bucket refuses",
                ),
            ):
                if jid.startswith("with-") and (bad.volume_key == data_key and bad.output_key == art_key):
                    continue  # a single-key stack: no other key to name
                if jid == "with-data-output-key" and not plan.bucket("model_artifacts").deny_wrong_key:
                    continue  # the artifacts bucket takes any key of the account: the job does not fail
                add(
                    id=f"training-job-{jid}-denied",
                    workload="sagemaker_training",
                    principal=nb,
                    action="sagemaker:CreateTrainingJob",
                    resource=Resource(kind="training_job", name="job-2"),
                    context=Context(job=bad),
                    expect="deny",
                    why=f"no training job {why}",
                )
    if "sagemaker_notebook" in plan.workloads:
        engineer_guarded = Principal(
            kind="account_principal", name="ml-engineer", stack_policies=("sagemaker_job_guardrails",)
        )
        notebook_cases: tuple[tuple[str, JobSettings, Expect, str], ...] = (
            (
                "creates-notebook",
                JobSettings(volume_key=data_key),
                "allow",
                "an ML engineer (with the job guardrails attached) creates a hardened notebook",
            ),
            (
                "creates-notebook-without-vpc-denied",
                JobSettings(in_vpc=False, volume_key=data_key),
                "deny",
                "no notebook outside the private subnets",
            ),
            (
                "creates-notebook-without-volume-key-denied",
                JobSettings(),
                "deny",
                "no notebook without the data key on its volume",
            ),
            (
                "creates-notebook-with-internet-denied",
                JobSettings(volume_key=data_key, direct_internet_access=True),
                "deny",
                "no notebook with direct internet access",
            ),
            (
                "creates-notebook-with-root-denied",
                JobSettings(volume_key=data_key, root_access=True),
                "deny",
                "no notebook with root access",
            ),
        )
        for nid, settings, expect, why in notebook_cases:
            add(
                id=f"ml-engineer-{nid}",
                workload="sagemaker_notebook",
                principal=engineer_guarded,
                action="sagemaker:CreateNotebookInstance",
                resource=Resource(kind="notebook_instance", name=f"{plan.name_prefix}-notebook"),
                context=Context(job=settings, via_vpce=False),
                expect=expect,
                why=why,
            )
    if "sagemaker_training" in plan.workloads:
        tr = Principal(kind="workload_role", name="sagemaker_training")
        for fid, action, bucket_name, path, why in (
            ("reads-data", "s3:GetObject", "training_data", "data/train.jsonl", "reads its training data"),
            ("reads-code", "s3:GetObject", "model_artifacts", "code/sourcedir.tar.gz", "reads its code bundle"),
            ("writes-artifacts", "s3:PutObject", "model_artifacts", "output/job-1/model.tar.gz", "writes the model"),
            (
                "writes-checkpoints",
                "s3:PutObject",
                "model_artifacts",
                "output/job-1/checkpoints/step-100.pt",
                "writes checkpoints",
            ),
            (
                "reads-checkpoints",
                "s3:GetObject",
                "model_artifacts",
                "output/job-1/checkpoints/step-100.pt",
                "resumes from its checkpoints",
            ),
            (
                "reads-base-weights",
                "s3:GetObject",
                "model_artifacts",
                "base-models/llama/model.safetensors",
                "reads the base weights it fine-tunes",
            ),
        ):
            add(
                id=f"training-{fid}",
                workload="sagemaker_training",
                principal=tr,
                action=action,
                resource=Resource(kind="object", name=bucket_name, path=path),
                context=Context(kms_key=art_key if action == "s3:PutObject" else None),
                expect="allow",
                why=f"a training job {why}",
            )
        add(
            id="training-writes-logs",
            workload="sagemaker_training",
            principal=tr,
            action="logs:PutLogEvents",
            resource=Resource(kind="log_stream", name="/aws/sagemaker/TrainingJobs", path="job-1/algo-1"),
            expect="allow",
            why="a training job writes its logs through the logs endpoint",
        )
        add(
            id="training-creates-log-group",
            workload="sagemaker_training",
            principal=tr,
            action="logs:CreateLogGroup",
            resource=Resource(kind="log_group", name="/aws/sagemaker/TrainingJobs"),
            expect="allow",
            why="the first job creates its log group (until the stack creates it)",
        )
        add(
            id="training-creates-network-interface",
            workload="sagemaker_training",
            principal=tr,
            action="ec2:CreateNetworkInterface",
            resource=Resource(kind="network_interface", name="eni"),
            expect="allow",
            why="a training job in the VPC gets its network interfaces",
        )
        add(
            id="training-outside-regions-denied",
            workload="sagemaker_training",
            principal=tr,
            action="logs:PutLogEvents",
            resource=Resource(kind="log_stream", name="/aws/sagemaker/TrainingJobs", path="job-1/algo-1"),
            context=Context(region=outside, via_vpce=False),
            expect="deny",
            why=f"no request in {outside}, outside allowed_regions",
        )
        if plan.bucket("model_artifacts").deny_wrong_key and art_key != data_key:
            add(
                id="training-writes-artifacts-with-data-key-denied",
                workload="sagemaker_training",
                principal=tr,
                action="s3:PutObject",
                resource=Resource(kind="object", name="model_artifacts", path="output/job-1/model.tar.gz"),
                context=Context(kms_key=data_key),
                expect="deny",
                why="artifacts are encrypted with the artifacts key",
            )
        add(
            id="sagemaker-assumes-training-role",
            workload="sagemaker_training",
            principal=Principal(kind="service", name="sagemaker.amazonaws.com"),
            action="sts:AssumeRole",
            resource=Resource(kind="role", name="sagemaker_training"),
            context=Context(source="training_job"),
            expect="allow",
            why="SageMaker runs the job with the training role",
        )
        add(
            id="sagemaker-of-other-account-assumes-training-role-denied",
            workload="sagemaker_training",
            principal=Principal(kind="service", name="sagemaker.amazonaws.com"),
            action="sts:AssumeRole",
            resource=Resource(kind="role", name="sagemaker_training"),
            context=Context(source="training_job", caller_account="other"),
            expect="deny",
            why="confused deputy: SageMaker acting for another account cannot assume the role",
        )
    if "sagemaker_inference" in plan.workloads:
        inf = Principal(kind="workload_role", name="sagemaker_inference")
        add(
            id="inference-reads-artifacts",
            workload="sagemaker_inference",
            principal=inf,
            action="s3:GetObject",
            resource=Resource(kind="object", name="model_artifacts", path="output/job-1/model.tar.gz"),
            expect="allow",
            why="an inference endpoint loads the model",
        )
        add(
            id="inference-writes-logs",
            workload="sagemaker_inference",
            principal=inf,
            action="logs:PutLogEvents",
            resource=Resource(kind="log_stream", name="/aws/sagemaker/Endpoints/ep-1", path="AllTraffic/i-1"),
            expect="allow",
            why="an inference endpoint writes its logs",
        )

    # ---- Bedrock ---------------------------------------------------------------------------------
    if plan.bedrock is not None:
        models = plan.bedrock.models
        guard: Literal["this", "none"] = "this" if plan.bedrock.guardrail else "none"
        version = "1" if plan.bedrock.guardrail else ""
        for role in (r for r in plan.iam.roles if r.bedrock_invoke):
            who = Principal(kind="workload_role", name=role.name)
            caller = role.name.removeprefix("bedrock_")
            for model in models:
                kind: ResourceKind = "inference_profile" if is_inference_profile(model) else "model"
                for api, action in _CONVERSE:
                    add(
                        id=f"{caller}-{_slug(api)}-{_slug(model)}",
                        workload="bedrock",
                        principal=who,
                        action=action,
                        resource=Resource(kind=kind, name=model),
                        context=Context(guardrail=guard, guardrail_version=version),
                        expect="allow",
                        why=f"{api} on an approved {'profile' if kind == 'inference_profile' else 'model'}"
                        + (" with the guardrail" if guard == "this" else ""),
                    )
            first = models[0]
            first_kind: ResourceKind = "inference_profile" if is_inference_profile(first) else "model"
            if plan.bedrock.guardrail:
                for gid, ctx, why in (
                    ("without-guardrail", Context(), "without the guardrail"),
                    (
                        "with-draft-guardrail",
                        Context(guardrail="this", guardrail_version="DRAFT"),
                        "with the mutable DRAFT version of the guardrail",
                    ),
                    (
                        "with-other-guardrail",
                        Context(guardrail="other", guardrail_version="1"),
                        "with another guardrail",
                    ),
                ):
                    add(
                        id=f"{caller}-invoke-{gid}-denied",
                        workload="bedrock",
                        principal=who,
                        action="bedrock:InvokeModel",
                        resource=Resource(kind=first_kind, name=first),
                        context=ctx,
                        expect="deny",
                        why=f"no invocation {why}",
                    )
            add(
                id=f"{caller}-invoke-outside-regions-denied",
                workload="bedrock",
                principal=who,
                action="bedrock:InvokeModel",
                resource=Resource(kind="model", name=first.split(".", 1)[1] if first_kind != "model" else first),
                context=Context(region=outside, via_vpce=False, guardrail=guard, guardrail_version=version),
                expect="deny",
                why=f"no invocation in {outside}, outside allowed_regions",
            )
            if role.service == "lambda.amazonaws.com":
                for action in (
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ):
                    add(
                        id=f"{caller}-{_slug(action.split(':')[1])}",
                        workload="bedrock",
                        principal=who,
                        action=action,
                        resource=Resource(kind="network_interface", name="eni"),
                        expect="allow",
                        why="a Lambda function in the VPC manages its network interfaces with its execution role",
                    )
            add(
                id=f"{caller}-role-assumed-by-other-account-denied",
                workload="bedrock",
                principal=Principal(kind="other_account", name="intruder"),
                action="sts:AssumeRole",
                resource=Resource(kind="role", name=role.name),
                expect="deny",
                why="only the trusted service of this account assumes the role",
            )

    # ---- service deliveries ------------------------------------------------------------------------
    trail = Principal(kind="service", name="cloudtrail.amazonaws.com")
    add(
        id="cloudtrail-checks-audit-acl",
        workload="stack",
        principal=trail,
        action="s3:GetBucketAcl",
        resource=Resource(kind="bucket", name="audit"),
        context=Context(source="trail"),
        expect="allow",
        why="CloudTrail checks the audit bucket before it delivers",
    )
    add(
        id="cloudtrail-delivers-to-audit",
        workload="stack",
        principal=trail,
        action="s3:PutObject",
        resource=Resource(kind="object", name="audit", path="AWSLogs/ACCOUNT/CloudTrail/REGION/log.json.gz"),
        context=Context(source="trail"),
        expect="allow",
        why="CloudTrail delivers log files, encrypted with the logs key",
    )
    add(
        id="cloudtrail-assumes-logs-role",
        workload="stack",
        principal=trail,
        action="sts:AssumeRole",
        resource=Resource(kind="role", name="trail_logs"),
        context=Context(source="trail", source_account=False),
        expect="allow",
        why="CloudTrail delivers to CloudWatch Logs (it sends no aws:SourceAccount/SourceArn there)",
    )
    add(
        id="trail-logs-role-writes-trail-log-group",
        workload="stack",
        principal=Principal(kind="stack_role", name="trail_logs"),
        action="logs:PutLogEvents",
        resource=Resource(
            kind="log_stream", name=f"/aws/cloudtrail/{plan.name_prefix}", path="ACCOUNT_CloudTrail_REGION"
        ),
        context=Context(via_vpce=False),
        expect="allow",
        why="CloudTrail's role writes the trail to CloudWatch Logs",
    )
    if plan.bedrock is not None and plan.bedrock.invocation_logging:
        add(
            id="bedrock-assumes-logging-role",
            workload="bedrock",
            principal=Principal(kind="service", name="bedrock.amazonaws.com"),
            action="sts:AssumeRole",
            resource=Resource(kind="role", name="invocation_logging"),
            context=Context(source="bedrock_logging"),
            expect="allow",
            why="Bedrock delivers invocation logs to CloudWatch Logs with the logging role",
        )
        add(
            id="logging-role-writes-invocation-logs",
            workload="bedrock",
            principal=Principal(kind="stack_role", name="invocation_logging"),
            action="logs:PutLogEvents",
            resource=Resource(
                kind="log_stream",
                name=f"/aws/bedrock/modelinvocations/{plan.name_prefix}",
                path="aws/bedrock/modelinvocations",
            ),
            context=Context(via_vpce=False),
            expect="allow",
            why="the logging role writes the invocation logs",
        )
    if plan.has_bucket("macie_results"):
        add(
            id="macie-exports-results",
            workload="stack",
            principal=Principal(kind="service", name="macie.amazonaws.com"),
            action="s3:PutObject",
            resource=Resource(kind="object", name="macie_results", path="AWSLogs/r.jsonl.gz"),
            context=Context(source="macie_export"),
            expect="allow",
            why="Macie exports its discovery results",
        )
    if plan.has_bucket("bedrock_logs"):
        add(
            id="bedrock-logging-delivers",
            workload="bedrock",
            principal=Principal(kind="service", name="bedrock.amazonaws.com"),
            action="s3:PutObject",
            resource=Resource(kind="object", name="bedrock_logs", path="AWSLogs/ACCOUNT/BedrockModelInvocationLogs/x"),
            context=Context(source="bedrock_logging"),
            expect="allow",
            why="Bedrock delivers invocation logs",
        )
    for bucket in plan.buckets:
        if bucket.log_to is not None:
            add(
                id=f"access-logs-from-{_slug(bucket.name)}",
                workload="stack",
                principal=Principal(kind="service", name="logging.s3.amazonaws.com"),
                action="s3:PutObject",
                resource=Resource(kind="object", name=bucket.log_to, path=f"{bucket.log_prefix}log"),
                context=Context(source=f"bucket:{bucket.name}"),
                expect="allow",
                why=f"S3 delivers the server access logs of {bucket.name}",
            )
    if plan.replication is not None:
        for src in plan.replication.buckets:
            add(
                id=f"replication-writes-{_slug(src)}-replica",
                workload="stack",
                principal=Principal(kind="stack_role", name="replication"),
                action="s3:ReplicateObject",
                resource=Resource(kind="object", name=f"{src}_replica", path="datasets/notes.jsonl"),
                context=Context(region=plan.replication.region, via_vpce=False),
                expect="allow",
                why=f"S3 replicates {src} to {plan.replication.region}",
            )
    ids = [f.id for f in flows]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate flow ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return tuple(flows)


# ---- showing the matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AccessRow:
    """One flow in words, for the stack README's "Who can do what" table and ``guardform explain --access``."""

    who: str
    verdict: str  # "can" | "cannot"
    action: str
    on: str
    when: str
    why: str


def _who(p: Principal) -> str:
    return {
        "workload_role": f"the {p.name} role",
        "admin_role": f"admin role {p.name}",
        "uploader_role": f"uploader role {p.name}",
        "account_principal": f"{p.name} (a principal of this account)"
        + (f" with {', '.join(p.stack_policies)} attached" if p.stack_policies else ""),
        "other_account": f"{p.name} (another account)",
        "service": p.name,
        "stack_role": f"the stack's {p.name} role",
    }[p.kind]


def _on(r: Resource) -> str:
    names = {
        "object": f"{r.name}/{r.path}",
        "bucket": f"bucket {r.name}",
        "foreign_object": f"another account's bucket like {r.name}",
        "key": f"KMS key {r.name}",
        "model": f"model {r.name}",
        "inference_profile": f"inference profile {r.name}",
        "log_stream": f"{r.name}:{r.path}",
        "log_group": f"log group {r.name}",
        "network_interface": "network interfaces in the private subnets",
        "training_job": f"training job {r.name}",
        "notebook_instance": f"notebook {r.name}",
        "role": f"role {r.name}",
        "foreign_role": "a role of another account",
    }
    return names[r.kind]


def _when(f: Flow) -> str:
    c = f.context
    service = f.principal.kind in ("service", "other_account")
    parts = [] if service else ["through the VPC endpoint" if c.via_vpce else "outside the VPC endpoint"]
    if c.region:
        parts.append(f"in {c.region}")
    if not c.tls:
        parts.append("without TLS")
    if c.caller_account == "other":
        parts.append("for another account")
    if c.kms_key:
        parts.append(f"naming the {c.kms_key} key")
    if c.guardrail != "none":
        parts.append(f"with {'the' if c.guardrail == 'this' else 'another'} guardrail version {c.guardrail_version}")
    if c.via_aws_service:
        parts.append("through another AWS service")
    if c.job is not None:
        j = c.job
        unmet = [
            name
            for name, bad in (
                ("outside the VPC", not j.in_vpc),
                ("without network isolation", not j.network_isolation),
                ("without inter-container encryption", not j.inter_container_encryption),
                ("without a volume key", j.volume_key is None),
                ("with internet access", j.direct_internet_access),
                ("with root access", j.root_access),
            )
            if bad
        ]
        keys = [
            f"volume key {j.volume_key}" if j.volume_key else "",
            f"output key {j.output_key}" if j.output_key else "",
        ]
        parts.append(", ".join(unmet) if unmet else "hardened, " + ", ".join(k for k in keys if k))
    return "; ".join(parts) if parts else "—"


def access_rows(flows: tuple[Flow, ...]) -> tuple[AccessRow, ...]:
    """The flows in words, allowed ones first, in declaration order within each."""
    ordered = [f for f in flows if f.expect == "allow"] + [f for f in flows if f.expect == "deny"]
    return tuple(
        AccessRow(
            who=_who(f.principal),
            verdict="can" if f.expect == "allow" else "cannot",
            action=f.action,
            on=_on(f.resource),
            when=_when(f),
            why=f.why,
        )
        for f in ordered
    )


def format_access_table(flows: tuple[Flow, ...]) -> str:
    """The access matrix as a Markdown table (``guardform explain --access`` prints this)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| Who | Can? | Action | On | When | Why |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {cell(r.who)} | {r.verdict} | `{r.action}` | {cell(r.on)} | {cell(r.when)} | {cell(r.why)} |"
        for r in access_rows(flows)
    ]
    return "\n".join(lines) + "\n"
