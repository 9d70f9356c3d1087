"""Resource-side findings of issue 13 that the access matrix cannot express: apply ordering, admin ARNs,
destroy and redeploy, and what the READMEs tell a user before applying."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.hcl_helpers import parse_tf, terraform
from wizard.answers import load_answers
from wizard.plan import Plan, plan
from wizard.render import render

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


@functools.cache
def _stack(example: Path) -> tuple[Plan, dict[str, str]]:
    stack_plan = plan(load_answers(example).answers)
    return stack_plan, render(stack_plan)


# ---- finding 1: apply ordering ------------------------------------------------------------------------------

# What a service checks the bucket policy of when it is configured: (module, resource, the bucket it delivers to).
DELIVERIES = (
    ("monitoring", "aws_cloudtrail.this", "audit"),
    ("bedrock", "aws_bedrock_model_invocation_logging_configuration.this", "bedrock_logs"),
    ("macie", "aws_macie2_classification_export_configuration.this", "macie_results"),
)
PROVIDER_MIRROR = Path("/opt/tf-plugins")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_bucket_names_are_known_only_once_their_policies_exist(example: Path) -> None:
    """Each module that receives a bucket name receives it from the bucket policy, so it waits for it."""
    stack_plan, files = _stack(example)
    outputs = {
        k.strip('"'): v for block in parse_tf(files["modules/s3/outputs.tf"])["output"] for k, v in block.items()
    }
    names = outputs["bucket_names"]["value"]
    for bucket in stack_plan.buckets:
        assert names[bucket.name] == f"${{aws_s3_bucket_policy.{bucket.name}.bucket}}", bucket.name


@pytest.mark.terraform
@pytest.mark.skipif(terraform() is None or not PROVIDER_MIRROR.is_dir(), reason="terraform or the mirror is missing")
def test_terraform_orders_every_delivery_after_the_bucket_policy_it_needs(tmp_path: Path) -> None:
    """terraform graph of the example that has every delivery: each one depends on its bucket's policy."""
    example = next(p for p in EXAMPLES if p.stem == "restricted-phi-bedrock")
    stack_plan, files = _stack(example)
    for rel, text in files.items():
        if rel.endswith(".tf"):
            target = tmp_path / "stack" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_for_provider_5(text))
    cli = tmp_path / "cli.tfrc"
    cli.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{PROVIDER_MIRROR}"\n  }}\n}}\n')
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    run = functools.partial(subprocess.run, cwd=tmp_path / "stack", env=env, capture_output=True, text=True)
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"])
    assert init.returncode == 0, init.stderr
    graph = run(["terraform", "graph", "-no-color"])
    assert graph.returncode == 0, graph.stderr
    edges = set(re.findall(r'"([^"]+)" -> "([^"]+)"', graph.stdout))
    assert stack_plan.macie and stack_plan.bedrock
    for module, resource, bucket in DELIVERIES:
        edge = (f"module.{module}.{resource}", f"module.s3.aws_s3_bucket_policy.{bucket}")
        assert edge in edges, f"{edge[0]} is not ordered after {edge[1]}"


# ---- finding 6: admin ARNs of the deploy account only --------------------------------------------------------

_ADMIN_TEST = """
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "us-east-1", name = "us-east-1" }
  }
}

variables {
  name_prefix = "NAME_PREFIX"
}

run "admins_of_the_deploy_account_are_accepted" {
  command = plan
}

run "admins_of_another_account_are_refused_before_any_key_exists" {
  command = plan
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "444455556666" }
  }
  expect_failures = [KEYS]
}
"""


def _for_provider_5(text: str) -> str:
    """The machine carries provider 5.100 only: widen the constraint and read the region by its 5.x name."""
    text = re.sub(r'">= 6\.0, < 7\.0"', '">= 5.100, < 7.0"', text)
    return text.replace("data.aws_region.current.region", "data.aws_region.current.name")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_key_refuses_admin_arns_of_another_account(example: Path) -> None:
    stack_plan, files = _stack(example)
    main = files["modules/kms/main.tf"]
    if not stack_plan.admin_role_arns:
        assert "foreign_admin_role_arns" not in main
        return
    for arn in stack_plan.admin_role_arns:
        assert f'"{arn}"' in main
    assert main.count("condition     = length(local.foreign_admin_role_arns) == 0") == len(stack_plan.keys)


@pytest.mark.terraform
@pytest.mark.skipif(terraform() is None or not PROVIDER_MIRROR.is_dir(), reason="terraform or the mirror is missing")
def test_terraform_refuses_an_admin_of_another_account(tmp_path: Path) -> None:
    """terraform test with a mock provider on the kms module: the deploy account's admins plan, and the same
    answers planned in another account stop at every key's precondition with the answers field named."""
    example = next(p for p in EXAMPLES if p.stem == "confidential-fraud")
    stack_plan, files = _stack(example)
    assert stack_plan.admin_role_arns and all(":111122223333:" in a for a in stack_plan.admin_role_arns)
    assert not any(k.on_replica for k in stack_plan.keys)
    module = tmp_path / "kms"
    (module / "tests").mkdir(parents=True)
    for rel, text in files.items():
        if rel.startswith("modules/kms/") and rel.endswith(".tf"):
            (module / rel.removeprefix("modules/kms/")).write_text(_for_provider_5(text))
    keys = ", ".join(f"aws_kms_key.{k.name}" for k in stack_plan.keys)
    test = _ADMIN_TEST.replace("NAME_PREFIX", stack_plan.name_prefix).replace("KEYS", keys)
    (module / "tests" / "admins.tftest.hcl").write_text(test)
    cli = tmp_path / "cli.tfrc"
    cli.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{PROVIDER_MIRROR}"\n  }}\n}}\n')
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    run = functools.partial(subprocess.run, cwd=module, env=env, capture_output=True, text=True)
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"])
    assert init.returncode == 0, init.stderr
    result = run(["terraform", "test", "-no-color"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed" in result.stdout


# ---- findings 7 and 9: the key policies and the perimeter, each a layer of its own -----------------------------

# Flows the key policies now refuse too; the perimeter must refuse them by itself (the bucket policy decides
# the S3 request before the key is asked).
PERIMETER_FLOWS = (
    "outside-vpce-list-training-data-denied",
    "outside-vpce-read-via-aws-service-denied",
    "other-service-linked-role-read-denied",
    "outside-vpce-read-training-data-replica-denied",
    "outside-vpce-write-training-data-replica-denied",
    "outside-vpce-read-model-artifacts-replica-denied",
    "outside-vpce-write-model-artifacts-replica-denied",
)


@pytest.mark.parametrize(
    "example", [p for p in EXAMPLES if p.stem in ("confidential-fraud", "restricted-phi-bedrock")], ids=lambda p: p.stem
)
def test_the_bucket_policy_alone_refuses_the_perimeter_flows(example: Path) -> None:
    from tests.access.evaluate import Proof
    from tests.access.terraform import Stack
    from wizard.access import access_flows

    stack_plan, files = _stack(example)
    proof = Proof(stack_plan, Stack({k: v for k, v in files.items() if k.endswith(".tf")}))
    flows = [f for f in access_flows(stack_plan) if f.id in PERIMETER_FLOWS]
    assert len(flows) >= 3
    for flow in flows:
        verdict = proof.evaluate(flow)
        request, ok, why = verdict.requests[0]
        assert not ok and request.action.startswith("s3:"), verdict.message(example.stem)
        assert why.startswith("explicit deny in the bucket policy"), verdict.message(example.stem)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_key_policy_lets_the_account_use_a_key_of_confidential_data(example: Path) -> None:
    """On confidential and restricted data no statement grants cryptographic use to the account root or to every
    principal of the account; on public and internal data the account root keeps kms:* (the AWS default)."""
    stack_plan, _ = _stack(example)
    conf = stack_plan.sensitivity in ("confidential", "restricted")
    for key in stack_plan.keys:
        root = key.policy.statements[0]
        assert (root.actions == "kms:*") is not conf, key.alias
        for st in key.policy.statements:
            keys_named = {c.key for c in st.conditions}
            wide = st.principal is not None and st.principal.ids == "*" and "aws:PrincipalArn" not in keys_named
            crypto = any(a in str(st.actions) for a in ("kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"))
            service_only = "kms:EncryptionContext:aws:cloudtrail:arn" in keys_named and not conf
            if conf and st.principal is not None and st.principal.type == "AWS" and crypto:
                assert not wide or service_only, f"{key.alias}: {st.sid}"


# ---- finding 17: destroy and redeploy ----------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_logs_key_outlives_a_destroy_while_audit_evidence_is_locked(example: Path) -> None:
    stack_plan, files = _stack(example)
    logs = stack_plan.key_for("logs")
    locked = stack_plan.audit_lock is not None
    assert logs.keep_after_destroy is locked
    # No prevent_destroy: the stack's own terraform test applies with mocks and must be able to clean up.
    assert "prevent_destroy" not in files["modules/kms/main.tf"]
    readme = files["README.md"]
    removal = f"terraform state rm module.kms.aws_kms_key.{logs.name} module.kms.aws_kms_alias.{logs.name}"
    assert (removal in readme) is locked


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_readme_says_before_applying_what_a_destroy_leaves(example: Path) -> None:
    stack_plan, files = _stack(example)
    readme = files["README.md"]
    before = readme[readme.index("## Before you apply") : readme.index("## Use it")]
    assert "ResourceAlreadyExistsException" in before and "terraform import" in before
    lock = stack_plan.audit_lock
    if lock is not None and lock.compliance:
        assert f"cannot be removed for {lock.days} days" in before and "root user" in before
    elif lock is not None:
        assert "GOVERNANCE" in before and "cannot be removed" not in before
    else:
        assert "Object Lock" not in before and "cancel-key-deletion" in before


def test_a_prod_restricted_example_is_under_compliance_lock() -> None:
    stack_plan, _ = _stack(next(p for p in EXAMPLES if p.stem == "restricted-phi-bedrock"))
    assert stack_plan.audit_lock is not None and stack_plan.audit_lock.compliance


# ---- finding 18: smaller -------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_artifacts_key_does_not_claim_the_notebook_volumes(example: Path) -> None:
    """The notebook's volume is on the data key; the artifacts key's description must not say otherwise."""
    stack_plan, files = _stack(example)
    for key in stack_plan.keys:
        assert "notebook" not in key.description, key.description
    assert "notebook volumes" not in files["modules/kms/README.md"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_stays_with_you_names_the_baa_and_service_eligibility(example: Path) -> None:
    stack_plan, files = _stack(example)
    row = next(line for line in files["README.md"].splitlines() if line.startswith("| **Stays with you**"))
    assert "Business Associate Addendum" in row and "HIPAA Eligible Services" in row
    for service in stack_plan.aws_services:
        assert service in row
    if stack_plan.bedrock:
        assert "Amazon Bedrock" in row


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_trail_notifications_topic_says_why_nobody_is_subscribed(example: Path) -> None:
    _, files = _stack(example)
    assert "Nothing subscribes to it, on purpose" in files["modules/monitoring/README.md"]


# ---- finding 15: an existing VPC's own endpoints -------------------------------------------------------------


def _existing_vpc_answers(endpoints: dict[str, str]) -> dict[str, Any]:
    example = next(p for p in EXAMPLES if p.stem == "confidential-fraud")
    data: dict[str, Any] = load_answers(example).answers.model_dump(mode="json")
    data["network"]["existing_endpoints"] = endpoints
    return data


def test_existing_endpoints_are_read_not_created() -> None:
    from wizard.answers import validate_answers

    reused = {"s3": "vpce-0123456789abcdef0", "sts": "vpce-89abcdef"}
    stack_plan = plan(validate_answers(_existing_vpc_answers(reused)))
    files = render(stack_plan)
    main, outputs = files["modules/network/main.tf"], files["modules/network/outputs.tf"]
    for name, vpce in reused.items():
        assert f'resource "aws_vpc_endpoint" "{name}"' not in main
        assert f'data "aws_vpc_endpoint" "{name}" {{\n  id     = "{vpce}"' in main
    assert 'resource "aws_vpc_endpoint" "logs"' in main  # the others are still created
    assert "prefix_list_id    = data.aws_vpc_endpoint.s3.prefix_list_id" in main
    assert "value       = data.aws_vpc_endpoint.s3.id" in outputs
    assert "here: s3, sts" in files["modules/network/README.md"]
    parse_tf(main)


@pytest.mark.parametrize(
    ("endpoints", "message"),
    [
        ({"s3": "vpce-123"}, "is not a VPC endpoint id"),
        ({"s3": "vpce-0123456789abcdef0\n"}, "is not a VPC endpoint id"),
        ({"dynamodb": "vpce-0123456789abcdef0"}, "is not an endpoint guardform creates"),
    ],
)
def test_existing_endpoints_are_validated(endpoints: dict[str, str], message: str) -> None:
    from wizard.answers import validate_answers

    with pytest.raises(Exception, match=message):
        validate_answers(_existing_vpc_answers(endpoints))


def test_an_endpoint_the_stack_does_not_need_is_refused() -> None:
    from wizard.answers import validate_answers
    from wizard.plan import PlanError

    with pytest.raises(PlanError, match=r"network.existing_endpoints.bedrock_runtime: this stack needs no"):
        plan(validate_answers(_existing_vpc_answers({"bedrock_runtime": "vpce-0123456789abcdef0"})))
