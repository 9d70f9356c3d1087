"""Policies as plan data: the model, how references render per module, and the AWS size limits."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from wizard.answers import validate_answers
from wizard.plan import PlanError, plan
from wizard.plan.policy import (
    ACCOUNT_ID,
    ANY_AWS,
    FormatList,
    Interp,
    Local,
    PolicyDocument,
    Ref,
    SizeEnv,
    Statement,
    Value,
    as_json,
    bucket_arn,
    bucket_objects,
    interp,
    key_arn,
    size,
    when,
)
from wizard.policyhcl import PolicyRenderError, jsonencode, ref_expr, value_expr


def answers(**sections: dict[str, Any]) -> Any:
    data: dict[str, Any] = {
        "project": {"name": "fraud-scoring", "region": "eu-west-1"},
        "workload": {"kinds": ["sagemaker_training"]},
        "data": {"sensitivity": "confidential"},
    }
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return validate_answers(data)


# -- references ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "module", "expected"),
    [
        (bucket_arn("audit"), "s3", "aws_s3_bucket.audit.arn"),
        (bucket_arn("training_data"), "iam", "local.bucket_arn_training_data"),
        (key_arn("logs"), "s3", 'var.kms_key_arns["logs"]'),
        (key_arn("data"), "iam", "local.key_arn_data"),
        (ACCOUNT_ID, "kms", "local.account_id"),
        (Ref(module="monitoring", type="cloudtrail", name="this", attr="arn"), "kms", "local.trail_arn"),
        (
            Ref(module="monitoring", type="sns_topic", name="alerts", attr="arn"),
            "monitoring",
            "aws_sns_topic.alerts.arn",
        ),
    ],
)
def test_a_reference_renders_for_the_module_it_is_written_in(ref: Ref, module: str, expected: str) -> None:
    assert ref_expr(ref, module) == expected


def test_a_reference_a_module_cannot_reach_is_refused() -> None:
    with pytest.raises(PolicyRenderError, match="network has no way"):
        ref_expr(bucket_arn("audit"), "network")


def test_interpolation_escapes_the_literal_text_and_embeds_references() -> None:
    value = interp(bucket_arn("audit"), '/a "b" ${x}/*')
    assert value_expr(value, "s3") == '"${aws_s3_bucket.audit.arn}/a \\"b\\" \\u0024{x}/*"'
    assert value_expr(bucket_objects("audit"), "iam") == '"${local.bucket_arn_audit}/*"'
    assert value_expr(Local(name="x", value=("a",)), "s3") == "local.x"
    fl = FormatList(pattern=interp("subnet/%s"), values=Ref(module="network", type="subnet", name="p", attr="ids"))
    assert value_expr(fl, "iam") == 'formatlist("subnet/%s", local.private_subnet_ids)'


def test_a_document_renders_as_jsonencode_with_comments() -> None:
    doc = PolicyDocument(
        kind="bucket",
        statements=(
            Statement(
                sid="DenyHttp",
                effect="Deny",
                principal=ANY_AWS,
                actions="s3:*",
                resources=(bucket_arn("b"), bucket_objects("b")),
                conditions=(when("Bool", "aws:SecureTransport", "false"),),
                comment="Why.",
            ),
        ),
    )
    assert jsonencode(doc, "s3").splitlines() == [
        "jsonencode({",
        '    Version = "2012-10-17"',
        "    Statement = [",
        "      # Why.",
        "      {",
        '        Sid = "DenyHttp"',
        '        Effect = "Deny"',
        '        Principal = { AWS = "*" }',
        '        Action = "s3:*"',
        '        Resource = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"]',
        "        Condition = {",
        "          Bool = {",
        '            "aws:SecureTransport" = "false"',
        "          }",
        "        }",
        "      },",
        "    ]",
        "  })",
    ]


def test_a_statement_has_actions_or_not_actions() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Statement(sid="X", effect="Allow")
    with pytest.raises(ValueError, match="exactly one"):
        Statement(sid="X", effect="Allow", actions="a", not_actions="b")


def test_documents_are_frozen_and_keyword_only() -> None:
    doc = PolicyDocument(kind="trust", statements=())
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.kind = "key"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Ref("kms", "kms_key", "data", "arn")  # type: ignore[misc]


# -- the plan's documents --------------------------------------------------------------------------


def _plain(value: Value | None) -> bool:
    if value is None or isinstance(value, str | float | Ref):
        return True
    if isinstance(value, Interp):
        return all(isinstance(p, str | Ref) for p in value.parts)
    if isinstance(value, Local):
        return _plain(value.value)
    if isinstance(value, FormatList):
        return _plain(value.pattern) and _plain(value.values)
    return isinstance(value, tuple) and all(_plain(v) for v in value)


EVERYTHING = {
    "workload": {
        "kinds": ["sagemaker_training", "sagemaker_inference", "sagemaker_notebook", "bedrock"],
        "bedrock_models": ["anthropic.claude-3-haiku-20240307-v1:0"],
        "bedrock_callers": ["lambda", "ec2"],
    },
    "project": {"allowed_regions": ["eu-west-1", "eu-central-1"]},
    "data": {"sensitivity": "restricted", "categories": ["pii"]},
    "access": {"admin_role_arns": ["arn:aws:iam::111122223333:role/BreakGlass"]},
}


def test_every_document_of_the_stack_is_plain_data() -> None:
    p = plan(answers(**EVERYTHING))
    docs = dict(p.policy_documents())
    assert {
        "kms.data.key_policy",
        "s3.audit.bucket_policy",
        "s3.replication.policy",
        "network.s3.endpoint_policy",
        "iam.sagemaker_training.trust",
        "iam.workload_boundary.policy",
        "iam.region_deny_scp",
        "monitoring.alerts.topic_policy",
        "bedrock.invocation_logging.trust",
    } <= set(docs)
    for where, doc in docs.items():
        for s in doc.statements:
            values = (
                s.actions,
                s.not_actions,
                s.resources,
                s.not_resources,
                *(c.value for c in s.conditions),
                s.principal.ids if s.principal else None,
            )
            assert all(_plain(v) for v in values), f"{where} {s.sid}"


def _allowed_actions(doc: PolicyDocument) -> set[str]:
    out: set[str] = set()
    for s in doc.statements:
        if s.effect == "Allow" and s.actions is not None:
            out |= {s.actions} if isinstance(s.actions, str) else {a for a in s.actions if isinstance(a, str)}
    return out


def test_the_boundary_allows_every_action_the_roles_use() -> None:
    p = plan(answers(**EVERYTHING))
    assert p.iam.boundary is not None
    ceiling = _allowed_actions(p.iam.boundary)
    for role in p.iam.roles:
        for doc in (role.data_policy, role.runtime_policy):
            if doc is not None:
                assert _allowed_actions(doc) <= ceiling, role.name


def test_the_perimeter_is_a_statement_from_confidential_and_exempts_the_admins() -> None:
    conf = plan(answers(**EVERYTHING)).bucket("training_data").policy
    perimeter = conf.statement("DenyObjectDataOutsideVpcEndpoint")
    exempt = next(c.value for c in perimeter.conditions if c.key == "aws:PrincipalArn")
    assert isinstance(exempt, Local) and "arn:aws:iam::111122223333:role/BreakGlass" in exempt.value
    public = plan(answers(data={"sensitivity": "public"})).bucket("training_data").policy
    assert "DenyObjectDataOutsideVpcEndpoint" not in public.sids()
    assert public.sids() == ("DenyInsecureTransport", "DenyTlsOlderThan12")


def test_key_policies_follow_the_services_that_use_each_key() -> None:
    p = plan(answers(**EVERYTHING))
    data = dict(p.policy_documents())["kms.data.key_policy"]
    assert "AllowMacieServiceLinkedRoleDecrypt" in data.sids()
    assert "AllowKeyAdministration" in data.sids()
    logs = dict(p.policy_documents())["kms.logs.key_policy"]
    assert "AllowBedrockInvocationLogging" in logs.sids()
    bare = plan(
        answers(
            workload={"kinds": ["bedrock"], "bedrock_models": ["amazon.titan-text-lite-v1"]},
            data={"sensitivity": "public"},
        )
    )
    assert "AllowKeyAdministration" not in dict(bare.policy_documents())["kms.data.key_policy"].sids()


# -- size limits AWS enforces ----------------------------------------------------------------------


def test_size_counts_the_document_without_white_space() -> None:
    doc = PolicyDocument(kind="scp", statements=(Statement(sid="S", effect="Deny", actions="a:b", resources="*"),))
    expected = '{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Deny","Action":"a:b","Resource":"*"}]}'
    assert size(doc, SizeEnv(region="eu-west-1")) == len(expected)
    assert as_json(doc, SizeEnv(region="eu-west-1"))["Statement"] == [
        {"Sid": "S", "Effect": "Deny", "Action": "a:b", "Resource": "*"}
    ]


def test_references_resolve_to_their_real_or_longest_length() -> None:
    env = SizeEnv(region="us-gov-west-1", bucket_prefixes=(("audit", "x-audit-"),))
    assert env.partition == "aws-us-gov"
    assert env.resolve(bucket_arn("audit")) == "arn:aws-us-gov:s3:::x-audit-" + "x" * 26
    assert len(env.resolve(ACCOUNT_ID)) == 12


def test_the_largest_boundary_of_finding_13_fits_and_more_is_refused_naming_the_answers() -> None:
    # Issue 13 finding 13: every kind, three callers, four models (two profiles), in three regions: over the limit
    # before the boundary was compressed, within it now.
    workload = {
        "kinds": ["sagemaker_training", "sagemaker_inference", "sagemaker_notebook", "bedrock"],
        "bedrock_models": [
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "amazon.titan-embed-text-v2:0",
        ],
        "bedrock_callers": ["lambda", "ecs_tasks", "ec2"],
    }
    project = {"region": "us-east-1", "allowed_regions": ["us-east-1", "us-west-2", "us-east-2"]}
    plan(answers(workload=workload, project=project))
    more = [f"us.anthropic.claude-model-{n:02d}-v1:0" for n in range(12)]
    with pytest.raises(PlanError, match=r"permission boundary would be [\d,]+ characters, over the 6,144") as err:
        plan(answers(workload={**workload, "bedrock_models": more}, project=project))
    assert "workload.bedrock_models (12) and project.allowed_regions (3)" in str(err.value)


def test_an_scp_over_its_limit_is_refused_naming_the_admins() -> None:
    # The answers allow at most 50 admin roles; long paths make 50 too many for one SCP.
    path = "platform-engineering/security-operations/break-glass-access/emergency"
    admins = [f"arn:aws:iam::111122223333:role/{path}/administrator-{n:03d}" for n in range(50)]
    with pytest.raises(PlanError, match=r"region-deny SCP .* over the 5,120-char.* access.admin_role_arns \(50\)"):
        plan(answers(access={"admin_role_arns": admins}))


def test_the_examples_fit_every_limit() -> None:
    p = plan(answers(**EVERYTHING))
    env = SizeEnv(region="eu-west-1")
    assert p.iam.boundary is not None and size(p.iam.boundary, env) < 6_144
