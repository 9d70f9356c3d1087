"""plan(): table-driven tests from answers to controls."""

from __future__ import annotations

from typing import Any

import pytest

from wizard.answers import validate_answers
from wizard.plan import PlanError, plan


def answers(**overrides: Any) -> Any:
    data: dict[str, Any] = {
        "project": {"name": "fraud-scoring", "region": "us-east-1"},
        "workload": {"kinds": ["sagemaker_training"]},
        "data": {"sensitivity": "internal"},
    }
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        data.setdefault(section, {})[key] = value
    return validate_answers(data)


def on(p: Any) -> set[str]:
    return {c.id for c in p.controls if c.enabled}


# (overrides, controls that must be on, controls that must be off)
CASES = [
    pytest.param(
        {"data__sensitivity": "public"},
        {"kms.customer_managed_keys", "s3.tls_only", "s3.access_logging"},
        {
            "s3.deny_wrong_key",
            "s3.vpce_perimeter",
            "iam.permission_boundary",
            "macie.discovery",
            "monitoring.s3_data_events",
            "s3.audit_object_lock",
        },
        id="public",
    ),
    pytest.param(
        {"data__sensitivity": "internal"},
        {"macie.discovery", "macie.findings_alerts"},
        {"macie.results_export", "s3.vpce_perimeter", "monitoring.s3_data_events"},
        id="internal",
    ),
    pytest.param(
        {"data__sensitivity": "confidential"},
        {
            "s3.deny_wrong_key",
            "s3.vpce_perimeter",
            "iam.permission_boundary",
            "macie.results_export",
            "monitoring.s3_data_events",
            "s3.audit_object_lock",
        },
        {"s3.replication", "macie.custom_identifiers"},
        id="confidential-one-region",
    ),
    pytest.param(
        {"data__sensitivity": "confidential", "project__allowed_regions": ["us-east-1", "us-east-2"]},
        {"s3.replication"},
        set(),
        id="confidential-two-regions",
    ),
    pytest.param(
        {"data__sensitivity": "restricted"},
        {"s3.audit_object_lock", "monitoring.s3_data_events"},
        {"s3.replication"},
        id="restricted",
    ),
    pytest.param(
        {"data__categories": ["pii"]},
        {"s3.vpce_perimeter", "macie.custom_identifiers"},
        set(),
        id="pii-raises-to-confidential",
    ),
    pytest.param(
        {
            "workload__kinds": ["bedrock"],
            "workload__bedrock_models": ["amazon.titan-text-lite-v1"],
            "data__sensitivity": "public",
        },
        {"bedrock.invocation_logging", "bedrock.least_privilege_invoke"},
        {"bedrock.guardrail_required", "macie.discovery", "iam.sagemaker_job_guardrails"},
        id="bedrock-public",
    ),
    pytest.param(
        {
            "workload__kinds": ["bedrock"],
            "workload__bedrock_models": ["amazon.titan-text-lite-v1"],
            "data__categories": ["credentials"],
        },
        {"bedrock.guardrail_required"},
        set(),
        id="bedrock-credentials",
    ),
    pytest.param(
        {
            "network__mode": "existing",
            "network__vpc_id": "vpc-0a1b2c3d",
            "network__private_subnet_ids": ["subnet-0a1b2c3d", "subnet-1a1b2c3d"],
            "network__route_table_ids": ["rtb-0a1b2c3d"],
        },
        {"network.endpoints"},
        {"network.private_vpc", "network.flow_logs"},
        id="existing-vpc",
    ),
    pytest.param({"keys__strategy": "single"}, {"kms.customer_managed_keys"}, {"kms.key_per_purpose"}, id="single-key"),
    pytest.param({"workload__kinds": ["sagemaker_notebook"]}, {"sagemaker.notebook_hardening"}, set(), id="notebook"),
]


@pytest.mark.parametrize(("overrides", "must_be_on", "must_be_off"), CASES)
def test_controls(overrides: dict[str, Any], must_be_on: set[str], must_be_off: set[str]) -> None:
    enabled = on(plan(answers(**overrides)))
    assert must_be_on <= enabled, must_be_on - enabled
    assert not (must_be_off & enabled), must_be_off & enabled


def test_every_control_has_a_reason_a_module_and_unique_id() -> None:
    p = plan(answers(**{"data__sensitivity": "restricted"}))
    ids = [c.id for c in p.controls]
    assert len(ids) == len(set(ids))
    for control in p.controls:
        assert control.reason and control.title and control.module
        assert control.module in {"kms", "s3", "network", "iam", "monitoring", "macie", "bedrock", "sagemaker"}


def test_reasons_name_the_answer_that_decided() -> None:
    p = plan(answers(**{"data__categories": ["phi"]}))
    assert p.sensitivity == "restricted"
    assert "raised by category phi" in p.control("s3.vpce_perimeter").reason
    single = plan(answers(**{"keys__strategy": "single", "data__sensitivity": "public"}))
    assert "keys.strategy = single" in single.control("kms.key_per_purpose").reason


def test_object_lock_mode_follows_environment() -> None:
    prod = plan(answers(**{"data__sensitivity": "restricted", "project__environment": "prod"}))
    dev = plan(answers(**{"data__sensitivity": "restricted", "project__environment": "dev"}))
    conf = plan(answers(**{"data__sensitivity": "confidential", "project__environment": "prod"}))
    assert prod.bucket("audit").object_lock.mode == "COMPLIANCE"
    assert dev.bucket("audit").object_lock.mode == "GOVERNANCE"
    assert conf.bucket("audit").object_lock.mode == "GOVERNANCE"
    assert plan(answers()).bucket("audit").object_lock is None


def test_replication_adds_replica_buckets_key_and_region() -> None:
    p = plan(answers(**{"data__sensitivity": "confidential", "project__allowed_regions": ["us-east-1", "eu-west-1"]}))
    assert p.replication is not None and p.replication.region == "eu-west-1"
    assert p.replication.buckets == ("training_data", "model_artifacts")
    assert p.has_bucket("training_data_replica") and p.has_bucket("replica_access_logs")
    assert p.key_for("replica").provider == "aws.replica"
    replica_skips = {s.resource for s in p.skips if s.check_id == "CKV_AWS_144"}
    assert "aws_s3_bucket.training_data" not in replica_skips
    assert "aws_s3_bucket.training_data_replica" in replica_skips


def test_every_bucket_without_replication_or_kms_has_a_documented_skip() -> None:
    for tier in ("public", "internal", "confidential", "restricted"):
        p = plan(answers(**{"data__sensitivity": tier}))
        for bucket in p.buckets:
            skipped = {s.check_id for s in p.skips_for("s3", f"aws_s3_bucket.{bucket.name}")}
            assert bucket.replicate or "CKV_AWS_144" in skipped
            assert bucket.sse_kms or "CKV_AWS_145" in skipped


def test_endpoints_follow_workloads() -> None:
    training = {e.name for e in plan(answers()).network.endpoints}
    assert {"s3", "sagemaker_api", "sts", "logs", "ecr_api", "ecr_dkr"} <= training
    assert "bedrock_runtime" not in training
    bedrock = plan(
        answers(**{"workload__kinds": ["bedrock"], "workload__bedrock_models": ["amazon.titan-text-lite-v1"]})
    )
    names = [e.name for e in bedrock.network.endpoints]
    assert "bedrock_runtime" in names and "sagemaker_api" not in names
    for endpoint in bedrock.network.endpoints:
        assert endpoint.actions and all(":" in a and "*" not in a for a in endpoint.actions)


def test_retention_is_derived_or_taken_from_answers() -> None:
    assert plan(answers()).log_retention_days == 365
    assert plan(answers(**{"data__sensitivity": "confidential"})).log_retention_days == 731
    assert plan(answers(**{"data__compliance": ["hipaa"]})).log_retention_days == 2192
    assert plan(answers(**{"monitoring__log_retention_days": 3653})).log_retention_days == 3653


def test_bucket_prefixes_fit_s3_limits() -> None:
    p = plan(
        answers(
            **{
                "project__name": "a-really-long-name-of-32-chars-x",
                "project__environment": "staging",
                "data__sensitivity": "confidential",
                "project__allowed_regions": ["us-east-1", "us-west-2"],
                "workload__kinds": ["bedrock", "sagemaker_training"],
                "workload__bedrock_models": ["amazon.titan-text-lite-v1"],
            }
        )
    )
    for bucket in p.buckets:
        assert len(bucket.bucket_prefix) <= 37, bucket.bucket_prefix
        assert bucket.bucket_prefix.endswith("-") and "--" not in bucket.bucket_prefix


def test_plan_is_pure() -> None:
    a = answers(
        **{
            "data__sensitivity": "restricted",
            "workload__kinds": ["bedrock", "sagemaker_notebook"],
            "workload__bedrock_models": ["amazon.titan-text-lite-v1"],
        }
    )
    assert plan(a) == plan(a)


# Which var.kms_key_arns entries each module's policies name, by key strategy and workload.
KEY_ENTRY_CASES = [
    pytest.param({}, ("data", "artifacts", "logs"), ("data", "artifacts"), id="per-purpose-training"),
    pytest.param(
        {"keys__strategy": "single"}, ("data", "artifacts", "logs"), ("data", "artifacts"), id="single-key-training"
    ),
    pytest.param(
        {"workload__kinds": ["sagemaker_inference"]},
        ("data", "artifacts", "logs"),
        ("artifacts", "data"),
        id="inference-needs-both-for-the-job-guardrails",
    ),
    pytest.param(
        {"workload__kinds": ["bedrock"], "workload__bedrock_models": ["amazon.titan-text-lite-v1"]},
        ("data", "artifacts", "logs"),
        (),
        id="bedrock-roles-use-no-key",
    ),
]


@pytest.mark.parametrize(("overrides", "s3_entries", "iam_entries"), KEY_ENTRY_CASES)
def test_modules_name_the_key_entries_their_policies_use(
    overrides: dict[str, Any], s3_entries: tuple[str, ...], iam_entries: tuple[str, ...]
) -> None:
    p = plan(answers(**overrides))
    assert p.storage.key_purposes == s3_entries
    assert p.iam.required_key_purposes == iam_entries
    # Every bucket names a key entry the s3 module's input has.
    assert {b.kms_key_arn.name for b in p.buckets if b.kms_key_arn} <= set(s3_entries)


def test_plan_dataclasses_are_keyword_only() -> None:
    role = plan(answers()).iam.roles[0]
    with pytest.raises(TypeError):
        type(role)(*[getattr(role, f) for f in role.__dataclass_fields__])


def test_roles_get_the_job_guardrails_only_when_they_start_jobs() -> None:
    p = plan(answers(**{"workload__kinds": ["sagemaker_training", "sagemaker_notebook"]}))
    attached = {r.name for r in p.iam.roles if r.attach_job_guardrails}
    assert attached == {"sagemaker_notebook"}
    assert p.iam.job_guardrails_policy is not None
    assert "DenyNotebookRootAccess" in p.iam.job_guardrails_policy.sids()
    assert "sagemaker:CreateNotebookInstance" in p.iam.job_guardrails_policy.statement("DenyWithoutVpc").actions


# ---- issue 13, workload IAM ------------------------------------------------------------------------------


def _bedrock(region: str, allowed: list[str], model: str) -> Any:
    return answers(
        project__region=region,
        project__allowed_regions=allowed,
        workload__kinds=["bedrock"],
        workload__bedrock_models=["anthropic.claude-3-haiku-20240307-v1:0", model],
    )


@pytest.mark.parametrize(
    ("region", "allowed", "model", "says"),
    [
        pytest.param(
            "eu-west-1",
            ["eu-west-1"],
            "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "cannot be called from project.region 'eu-west-1'",
            id="us-profile-in-an-eu-stack",
        ),
        pytest.param(
            "us-east-1",
            ["us-east-1", "us-west-2"],
            "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "project.allowed_regions (us-east-1, us-west-2) lacks us-east-2",
            id="a-destination-region-not-allowed",
        ),
    ],
)
def test_inference_profiles_the_regions_cannot_use_are_refused(
    region: str, allowed: list[str], model: str, says: str
) -> None:
    """Finding 14: the region deny would refuse the calls such a profile routes; say so at plan time."""
    with pytest.raises(PlanError) as info:
        plan(_bedrock(region, allowed, model))
    assert str(info.value).startswith("workload.bedrock_models: " + repr(model))
    assert says in str(info.value)


def test_an_inference_profile_whose_destinations_are_all_allowed_is_planned() -> None:
    p = plan(
        _bedrock(
            "eu-west-1", ["eu-west-1", "eu-central-1", "eu-west-3"], "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"
        )
    )
    assert p.bedrock is not None and [m.profile for m in p.bedrock.model_entries] == [False, True]


def test_a_boundary_that_cannot_fit_is_refused_naming_the_answers() -> None:
    """Finding 13: what compression cannot fit under IAM's 6,144 characters is refused at plan time."""
    many = [f"anthropic.claude-model-{i:02d}-v1:0" for i in range(40)]
    with pytest.raises(PlanError) as info:
        plan(
            answers(
                data__sensitivity="restricted",
                workload__kinds=["bedrock", "sagemaker_training", "sagemaker_notebook"],
                workload__bedrock_models=many,
                workload__bedrock_callers=["lambda", "ecs_tasks", "ec2"],
            )
        )
    text = str(info.value)
    assert text.startswith("the permission boundary would be ") and "6,144-character limit" in text
    assert "workload.bedrock_models (40)" in text and "choose fewer models or callers" in text


def test_service_log_groups_are_created_with_the_logs_key_and_the_retention() -> None:
    """Finding 12: the groups SageMaker and Lambda would create on demand are in the stack, encrypted and expiring."""
    from tests.hcl_helpers import parse_tf
    from wizard.render import render

    p = plan(
        answers(
            workload__kinds=["sagemaker_training", "sagemaker_notebook", "bedrock"],
            workload__bedrock_models=["amazon.titan-text-lite-v1"],
            workload__bedrock_callers=["lambda", "ecs_tasks"],
        )
    )
    monitoring = parse_tf(render(p)["modules/monitoring/main.tf"])
    groups = {
        str(body["name"]).strip('"'): body
        for block in monitoring["resource"]
        for type_, named in block.items()
        if type_.strip('"') == "aws_cloudwatch_log_group"
        for body in named.values()
    }
    for name in ("/aws/sagemaker/TrainingJobs", "/aws/sagemaker/NotebookInstances", "/aws/lambda/${var.name_prefix}"):
        assert groups[name]["kms_key_id"] == "${var.logs_kms_key_arn}", name
        assert int(groups[name]["retention_in_days"]) == p.log_retention_days, name


def test_the_readme_values_that_were_index_picks_are_named_in_the_plan() -> None:
    """Issue 8: the stack README's deletion window and the monitoring README's import example are plan values."""
    p = plan(answers(keys__deletion_window_days=14, workload__kinds=["sagemaker_training", "sagemaker_notebook"]))
    assert p.key_deletion_window_days == 14 and {k.deletion_window_days for k in p.keys} == {14}
    assert p.monitoring.import_example is not None
    assert p.monitoring.import_example.name == "sagemaker_training_jobs"
    none = plan(answers(workload__kinds=["sagemaker_inference"]))
    assert none.monitoring.service_log_groups == () and none.monitoring.import_example is None
