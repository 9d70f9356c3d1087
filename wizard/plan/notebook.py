"""The hardened SageMaker notebook instance, and where checkov cannot see its controls (catalog §8)."""

from __future__ import annotations

from wizard.answers import DEFAULT_NOTEBOOK_INSTANCE_TYPE, Answers, WorkloadKind
from wizard.plan.facts import Facts
from wizard.plan.model import NotebookPlan
from wizard.plan.section import Ledger, Section


def decide_notebook(answers: Answers, f: Facts) -> Section[NotebookPlan | None]:
    notebook = None
    if f.has(WorkloadKind.sagemaker_notebook):
        # The answers set the type (ml.t3.medium when left out); the model refuses one without a notebook.
        itype = answers.workload.notebook_instance_type or DEFAULT_NOTEBOOK_INSTANCE_TYPE
        notebook = NotebookPlan(instance_type=itype.value, volume_size_gb=20, platform_identifier="notebook-al2-v3")
    led = Ledger()
    led.control(
        "sagemaker.notebook_hardening",
        "Notebook without internet or root access, in a private subnet, IMDSv2 only, volume on the data key",
        on=notebook is not None,
        reason="sagemaker_notebook chosen" if notebook else "no notebook workload",
        module="sagemaker",
        checks=("CKV_AWS_122", "CKV_AWS_307", "CKV_AWS_306", "CKV_AWS_22", "CKV_AWS_187", "CKV_AWS_371", "CKV2_AWS_68"),
    )
    # checkov's graph checks do not follow a module output into another module's input, so what one
    # module attaches in another is invisible to them; these skips say where the control really is.
    if notebook is None:
        led.skip(
            "CKV2_AWS_5",
            module="network",
            resource="aws_security_group.workload",
            reason="attached at run time by the SageMaker jobs and endpoints (or Bedrock callers) that the "
            "IAM job guardrails require to run in it; no Terraform resource of this stack uses it",
        )
    else:
        led.skip(
            "CKV2_AWS_5",
            module="network",
            resource="aws_security_group.workload",
            reason="attached to the notebook instance in the sagemaker module (checkov does not follow "
            "module outputs into other modules) and at run time to SageMaker jobs and endpoints",
        )
        led.skip(
            "CKV2_AWS_68",
            module="sagemaker",
            resource="aws_sagemaker_notebook_instance.this",
            reason="the notebook role lives in the iam module, where its policies are checked and allow no "
            "'*' action (CKV_AWS_62, CKV_AWS_63, CKV2_AWS_40); checkov does not follow module outputs",
        )
    return led.section(notebook)
