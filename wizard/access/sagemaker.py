"""SageMaker: the notebook and what it launches, the ML engineer's notebooks, the training and inference roles."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.access.facts import TRAINING_DATA_FILE, StackFacts
from wizard.access.flow import Context, Expect, Flow, JobSettings, Principal, Resource
from wizard.plan import Plan

NOTEBOOK_ROLE = Principal(kind="workload_role", name="sagemaker_notebook")
TRAINING_ROLE = Principal(kind="workload_role", name="sagemaker_training")
INFERENCE_ROLE = Principal(kind="workload_role", name="sagemaker_inference")
# A user who creates and opens notebooks, with the job guardrails the iam module's README asks to attach.
ML_ENGINEER = Principal(kind="account_principal", name="ml-engineer", stack_policies=("sagemaker_job_guardrails",))
SAGEMAKER = Principal(kind="service", name="sagemaker.amazonaws.com")
TRAINING_JOB_LOGS = Resource(kind="log_stream", name="/aws/sagemaker/TrainingJobs", path="job-1/algo-1")


def _notebook_instance(plan: Plan) -> Resource:
    return Resource(kind="notebook_instance", name=f"{plan.name_prefix}-notebook")


def _launches_training(plan: Plan) -> bool:
    return "sagemaker_notebook" in plan.workloads and "sagemaker_training" in plan.workloads


# ---- the notebook ------------------------------------------------------------------------------------------


def notebook_use_flows(stack: StackFacts) -> Iterator[Flow]:
    """The notebook reads the training data; its UI opens only through the notebook endpoint."""
    if "sagemaker_notebook" not in stack.plan.workloads:
        return
    notebook = _notebook_instance(stack.plan)
    yield Flow(
        id="notebook-reads-training-data",
        workload="sagemaker_notebook",
        principal=NOTEBOOK_ROLE,
        action="s3:GetObject",
        resource=TRAINING_DATA_FILE,
        expect="allow",
        why="the notebook explores the training data",
    )
    yield Flow(
        id="notebook-presigned-url-from-internet-denied",
        workload="sagemaker_notebook",
        principal=stack.unnamed,
        action="sagemaker:CreatePresignedNotebookInstanceUrl",
        resource=notebook,
        context=Context(via_vpce=False),
        expect="deny",
        why="the notebook UI is opened only through the notebook VPC endpoint",
    )
    url_cases: tuple[tuple[str, bool, Expect, str], ...] = (
        ("opens-notebook-through-endpoint", True, "allow", "an ML engineer opens the notebook from inside the VPC"),
        ("opens-notebook-from-internet-denied", False, "deny", "not from the internet, even with the guardrails"),
    )
    for nid, via, expect, why in url_cases:
        yield Flow(
            id=f"ml-engineer-{nid}",
            workload="sagemaker_notebook",
            principal=ML_ENGINEER,
            action="sagemaker:CreatePresignedNotebookInstanceUrl",
            resource=notebook,
            context=Context(via_vpce=via),
            expect=expect,
            why=why,
        )


def notebook_training_preparation_flows(stack: StackFacts) -> Iterator[Flow]:
    """With training in the stack, the notebook prepares the data and code a job reads and follows its logs."""
    if not _launches_training(stack.plan):
        return
    yield Flow(
        id="notebook-writes-training-data",
        workload="sagemaker_notebook",
        principal=NOTEBOOK_ROLE,
        action="s3:PutObject",
        resource=Resource(kind="object", name="training_data", path="data/train.jsonl"),
        expect="allow",
        why="the notebook prepares the data the training job reads",
    )
    yield Flow(
        id="notebook-writes-training-code",
        workload="sagemaker_notebook",
        principal=NOTEBOOK_ROLE,
        action="s3:PutObject",
        resource=Resource(kind="object", name="model_artifacts", path="code/sourcedir.tar.gz"),
        context=Context(kms_key=stack.artifacts_key),
        expect="allow",
        why="the notebook uploads the training code bundle next to the job's output",
    )
    yield Flow(
        id="notebook-reads-training-logs",
        workload="sagemaker_notebook",
        principal=NOTEBOOK_ROLE,
        action="logs:GetLogEvents",
        resource=TRAINING_JOB_LOGS,
        expect="allow",
        why="the notebook follows the training job it launched",
    )


def training_job_creation_flows(stack: StackFacts) -> Iterator[Flow]:
    """The notebook launches a hardened training job, and no job that lacks one of the job guardrails."""
    if not _launches_training(stack.plan):
        return
    data_key, art_key = stack.data_key, stack.artifacts_key
    yield Flow(
        id="notebook-creates-training-job",
        workload="sagemaker_training",
        principal=NOTEBOOK_ROLE,
        action="sagemaker:CreateTrainingJob",
        resource=Resource(kind="training_job", name="job-1"),
        context=Context(job=JobSettings(volume_key=data_key, output_key=art_key)),
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
            JobSettings(volume_key=stack.logs_key, output_key=art_key),
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
        if jid == "with-data-output-key" and not stack.plan.bucket("model_artifacts").deny_wrong_key:
            continue  # the artifacts bucket takes any key of the account: the job does not fail
        yield Flow(
            id=f"training-job-{jid}-denied",
            workload="sagemaker_training",
            principal=NOTEBOOK_ROLE,
            action="sagemaker:CreateTrainingJob",
            resource=Resource(kind="training_job", name="job-2"),
            context=Context(job=bad),
            expect="deny",
            why=f"no training job {why}",
        )


def notebook_creation_flows(stack: StackFacts) -> Iterator[Flow]:
    """The ML engineer creates a hardened notebook, and none outside the subnets, unencrypted, open or rooted."""
    if "sagemaker_notebook" not in stack.plan.workloads:
        return
    data_key = stack.data_key
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
        yield Flow(
            id=f"ml-engineer-{nid}",
            workload="sagemaker_notebook",
            principal=ML_ENGINEER,
            action="sagemaker:CreateNotebookInstance",
            resource=_notebook_instance(stack.plan),
            context=Context(job=settings, via_vpce=False),
            expect=expect,
            why=why,
        )


# ---- the training role -------------------------------------------------------------------------------------


def training_job_data_flows(stack: StackFacts) -> Iterator[Flow]:
    """A training job reads its data, code, checkpoints and base weights and writes the model and checkpoints."""
    if "sagemaker_training" not in stack.plan.workloads:
        return
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
        yield Flow(
            id=f"training-{fid}",
            workload="sagemaker_training",
            principal=TRAINING_ROLE,
            action=action,
            resource=Resource(kind="object", name=bucket_name, path=path),
            context=Context(kms_key=stack.artifacts_key if action == "s3:PutObject" else None),
            expect="allow",
            why=f"a training job {why}",
        )


def training_job_log_and_network_flows(stack: StackFacts) -> Iterator[Flow]:
    """A training job writes its logs (creating the log group) and gets its network interfaces in the VPC."""
    if "sagemaker_training" not in stack.plan.workloads:
        return
    yield Flow(
        id="training-writes-logs",
        workload="sagemaker_training",
        principal=TRAINING_ROLE,
        action="logs:PutLogEvents",
        resource=TRAINING_JOB_LOGS,
        expect="allow",
        why="a training job writes its logs through the logs endpoint",
    )
    yield Flow(
        id="training-creates-log-group",
        workload="sagemaker_training",
        principal=TRAINING_ROLE,
        action="logs:CreateLogGroup",
        resource=Resource(kind="log_group", name="/aws/sagemaker/TrainingJobs"),
        expect="allow",
        why="the first job creates its log group (until the stack creates it)",
    )
    yield Flow(
        id="training-creates-network-interface",
        workload="sagemaker_training",
        principal=TRAINING_ROLE,
        action="ec2:CreateNetworkInterface",
        resource=Resource(kind="network_interface", name="eni"),
        expect="allow",
        why="a training job in the VPC gets its network interfaces",
    )


def training_job_denials(stack: StackFacts) -> Iterator[Flow]:
    """A training job makes no request outside allowed_regions and writes no artifact with the data key."""
    if "sagemaker_training" not in stack.plan.workloads:
        return
    yield Flow(
        id="training-outside-regions-denied",
        workload="sagemaker_training",
        principal=TRAINING_ROLE,
        action="logs:PutLogEvents",
        resource=TRAINING_JOB_LOGS,
        context=Context(region=stack.outside_region, via_vpce=False),
        expect="deny",
        why=f"no request in {stack.outside_region}, outside allowed_regions",
    )
    if stack.plan.bucket("model_artifacts").deny_wrong_key and stack.artifacts_key != stack.data_key:
        yield Flow(
            id="training-writes-artifacts-with-data-key-denied",
            workload="sagemaker_training",
            principal=TRAINING_ROLE,
            action="s3:PutObject",
            resource=Resource(kind="object", name="model_artifacts", path="output/job-1/model.tar.gz"),
            context=Context(kms_key=stack.data_key),
            expect="deny",
            why="artifacts are encrypted with the artifacts key",
        )


def training_role_trust_flows(stack: StackFacts) -> Iterator[Flow]:
    """SageMaker assumes the training role for this account's jobs only (no confused deputy)."""
    if "sagemaker_training" not in stack.plan.workloads:
        return
    yield Flow(
        id="sagemaker-assumes-training-role",
        workload="sagemaker_training",
        principal=SAGEMAKER,
        action="sts:AssumeRole",
        resource=Resource(kind="role", name="sagemaker_training"),
        context=Context(source="training_job"),
        expect="allow",
        why="SageMaker runs the job with the training role",
    )
    yield Flow(
        id="sagemaker-of-other-account-assumes-training-role-denied",
        workload="sagemaker_training",
        principal=SAGEMAKER,
        action="sts:AssumeRole",
        resource=Resource(kind="role", name="sagemaker_training"),
        context=Context(source="training_job", caller_account="other"),
        expect="deny",
        why="confused deputy: SageMaker acting for another account cannot assume the role",
    )


# ---- the inference role ------------------------------------------------------------------------------------


def inference_flows(stack: StackFacts) -> Iterator[Flow]:
    """An inference endpoint loads the model and writes its logs."""
    if "sagemaker_inference" not in stack.plan.workloads:
        return
    yield Flow(
        id="inference-reads-artifacts",
        workload="sagemaker_inference",
        principal=INFERENCE_ROLE,
        action="s3:GetObject",
        resource=Resource(kind="object", name="model_artifacts", path="output/job-1/model.tar.gz"),
        expect="allow",
        why="an inference endpoint loads the model",
    )
    yield Flow(
        id="inference-writes-logs",
        workload="sagemaker_inference",
        principal=INFERENCE_ROLE,
        action="logs:PutLogEvents",
        resource=Resource(kind="log_stream", name="/aws/sagemaker/Endpoints/ep-1", path="AllTraffic/i-1"),
        expect="allow",
        why="an inference endpoint writes its logs",
    )
