"""Apply every example against a local AWS API emulator (moto's server, in-process on 127.0.0.1).

For each example the stack is copied, an override file points the provider at the emulator, and Terraform
applies it (one ``terraform apply``). Every resource moto implements must apply: the second plan may create only
the resources moto lacks, which are listed in EMULATOR_GAPS with the reason, and the list is strict: a newer moto
that implements one makes the test fail and say so. That second plan must show no change other than the listed
gaps and EMULATOR_DRIFT (attributes moto does not keep). ``terraform destroy`` must complete (it skips a refresh
of its own: the second plan has just read every resource back), and what it leaves behind must be exactly what
the stack's README says (its "Destroying the stack" section). Terraform runs six times per example: init,
apply, state list, plan, show, destroy. Run just these with ``pytest -m terraform``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.terraform_helpers import (
    EXAMPLES,
    Result,
    Terraform,
    find_terraform,
    init,
    load,
    run,
    unavailable,
    write_files,
)
from wizard.answers import validate_answers
from wizard.plan import Plan, plan
from wizard.render import render

pytestmark = pytest.mark.terraform

# Resource types moto (5.2.x) does not implement, or cannot take as written; each with the reason.
EMULATOR_GAPS: dict[str, str] = {
    "aws_macie2_classification_job": "moto's macie2 has no CreateClassificationJob",
    "aws_macie2_custom_data_identifier": "moto's macie2 has no CreateCustomDataIdentifier",
    "aws_macie2_classification_export_configuration": "moto's macie2 has no PutClassificationExportConfiguration",
    "aws_bedrock_guardrail": "moto's bedrock has no CreateGuardrail",
    "aws_bedrock_guardrail_version": "needs the guardrail (moto's bedrock has no CreateGuardrail)",
    # Not a gap in moto's coverage but a crash: PutBucketLogging reads each statement of the target bucket's
    # policy as Principal.get("Service") and fails (HTTP 500, AttributeError) on the string Principal "*" that
    # the TLS-only deny statements use. AWS takes "*" as written; the policies are not changed for moto.
    "aws_s3_bucket_logging": 'moto 5.2.5 PutBucketLogging crashes on a target bucket policy with Principal "*"',
}

# Attributes moto does not store or return as AWS does, so a second plan shows them changing; each with the reason.
EMULATOR_DRIFT: dict[str, dict[str, str]] = {
    "aws_kms_key": {"rotation_period_in_days": "moto's GetKeyRotationStatus returns no RotationPeriodInDays"},
    "aws_s3_bucket_notification": {"eventbridge": "moto does not return the (empty) EventBridgeConfiguration"},
    "aws_s3_bucket_replication_configuration": {
        "rule": "moto returns neither the delete-marker replication status nor the SSE-KMS source selection"
    },
    "aws_sagemaker_notebook_instance": {
        "platform_identifier": "moto returns an empty platform identifier (Terraform then replaces the notebook)",
        "instance_metadata_service_configuration": "moto returns no instance metadata service configuration",
    },
    "aws_vpc_security_group_egress_rule": {"description": "moto returns no description for the rule"},
    "aws_vpc_security_group_ingress_rule": {"description": "moto returns no description for the rule"},
}

# Resources the emulator loses on refresh, so the second plan creates them again; each with the reason.
EMULATOR_REFRESH_LOSS: dict[str, str] = {
    "aws_cloudtrail": "moto's DescribeTrails answers the provider's read without the trail, so Terraform takes it "
    "as deleted outside Terraform",
}

SERVICES = (
    "bedrock",
    "cloudtrail",
    "cloudwatch",
    "ec2",
    "events",
    "iam",
    "kms",
    "logs",
    "macie2",
    "s3",
    "sagemaker",
    "sns",
    "sts",
)


@contextmanager
def emulator() -> Iterator[str]:
    """A fresh emulator per example (Macie and Bedrock logging are account-wide singletons), on a free port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _override(stack_plan: Plan, url: str) -> str:
    """Provider settings that send every call to the emulator (a Terraform override file)."""
    endpoints = "\n".join(f'    {s} = "{url}"' for s in SERVICES)
    body = (
        '  access_key                  = "emulator"\n'
        # An emulator error is final: without this the provider retries a 500 for minutes.
        "  max_retries                 = 1\n"
        '  secret_key                  = "emulator"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n\n"
        f"  endpoints {{\n{endpoints}\n  }}\n"
    )
    text = f'provider "aws" {{\n{body}}}\n'
    if stack_plan.replication:
        text += f'\nprovider "aws" {{\n  alias = "replica"\n\n{body}}}\n'
    if stack_plan.bedrock and stack_plan.bedrock.guardrail:
        # The guardrail and its version are emulator gaps; the IAM policies that name them get values of that shape.
        text += (
            f'\nmodule "iam" {{\n  guardrail_arn = "arn:aws:bedrock:{stack_plan.region}:123456789012:'
            'guardrail/emulatorgap0"\n  guardrail_version = "1"\n}\n'
        )
    return text


def _resource_type(address: str) -> str:
    parts = [p for p in re.sub(r"\[[^\]]*\]", "", address).split(".") if p]
    while parts and parts[0] in ("module",):
        parts = parts[2:]
    return parts[0]


def _state_addresses(tf: Terraform, stack: Path) -> set[str]:
    result = run(tf, stack, "state", "list")
    return {line.strip() for line in result.output.splitlines() if line.strip()} if result.ok else set()


def _run_on_emulator(tf: Terraform, stack: Path, *args: str) -> Result:
    """A Terraform command that talks to the emulator, run once more if moto dropped a connection.

    moto's threaded server drops a keep-alive connection now and then under load ("use of closed network
    connection", seen in apply, the second plan's refresh and destroy), and the override allows one attempt
    per call (so a real gap fails fast): a second run finishes what is left (apply and destroy converge; a
    plan is read-only)."""
    result = run(tf, stack, *args, timeout=1200)
    if not result.ok and "use of closed network connection" in result.output:
        again = run(tf, stack, *args, timeout=1200)
        return Result(again.args, again.returncode, again.output, result.seconds + again.seconds)
    return result


def _changes(tf: Terraform, stack: Path) -> tuple[list[tuple[str, str, list[str]]], float]:
    """(address, actions, changed top-level attributes) of every change a plan proposes, and its duration."""
    result = _run_on_emulator(tf, stack, "plan", "-out=second.tfplan", "-input=false")
    assert result.ok, result.output
    data = json.loads(run(tf, stack, "show", "-json", "second.tfplan").output)
    out = []
    for c in data.get("resource_changes", []):
        actions = c["change"]["actions"]
        if actions == ["no-op"] or c["mode"] != "managed":
            continue
        before: dict[str, Any] = c["change"].get("before") or {}
        after: dict[str, Any] = c["change"].get("after") or {}
        unknown: dict[str, Any] = c["change"].get("after_unknown") or {}
        # Attributes whose new value is known and differs; computed ones a replacement recomputes are skipped,
        # and so are empty values the configuration leaves unset.
        attrs = sorted(
            k
            for k in set(before) | set(after)
            if unknown.get(k) is not True
            and before.get(k) != after.get(k)
            and not (after.get(k) is None and before.get(k) in ("", [], {}, None))
        )
        out.append((c["address"], "/".join(actions), attrs))
    return out, result.seconds


@dataclass(frozen=True)
class Leftovers:
    log_groups: set[str]
    pending_keys: int
    live_keys: int
    buckets: set[str]
    roles: set[str]


def _leftovers(url: str, region: str, prefix: str) -> Leftovers:
    import boto3

    kw: dict[str, Any] = {
        "endpoint_url": url,
        "region_name": region,
        "aws_access_key_id": "emulator",
        "aws_secret_access_key": "emulator",
    }
    logs = boto3.client("logs", **kw)
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"] if prefix in g["logGroupName"]}
    kms = boto3.client("kms", **kw)
    states = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    ours = [m for m in states if prefix in (m.get("Description") or "")]
    s3 = boto3.client("s3", **kw)
    buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", []) if b["Name"].startswith(prefix[:20])}
    iam = boto3.client("iam", **kw)
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)}
    return Leftovers(
        groups,
        sum(m["KeyState"] == "PendingDeletion" for m in ours),
        sum(m["KeyState"] != "PendingDeletion" for m in ours),
        buckets,
        roles,
    )


def _readme_leftovers(readme: str) -> set[str]:
    """The log groups the stack README says a destroy keeps."""
    section = readme.split("## Destroying the stack", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(/aws/[^`]+)`", section))


def _with_emulator_vpc(example: Path, url: str) -> tuple[Plan, dict[str, str]]:
    import boto3

    answers = load(example).answers
    ec2 = boto3.client(
        "ec2",
        endpoint_url=url,
        region_name=answers.project.region,
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    )
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zones[i])["Subnet"]["SubnetId"]
        for i in range(len(answers.network.private_subnet_ids))
    ]
    route_tables = [
        ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for _ in answers.network.route_table_ids
    ]
    data = _in_emulator_account(answers.model_dump(mode="json"))
    data["network"].update(vpc_id=vpc, private_subnet_ids=subnets, route_table_ids=route_tables)
    stack_plan = plan(validate_answers(data))
    return stack_plan, render(stack_plan)


#: The account moto's server answers GetCallerIdentity with.
EMULATOR_ACCOUNT = "123456789012"


def _in_emulator_account(data: dict[str, Any]) -> dict[str, Any]:
    """Answers data with the example's admin and uploader roles moved into the emulator's account: the kms module
    refuses, as it must, admin roles of another account than the one deploying (issue 13 finding 6)."""
    access = data["access"]
    for field_name in ("admin_role_arns", "data_uploader_role_arns"):
        access[field_name] = [re.sub(r"::\d{12}:", f"::{EMULATOR_ACCOUNT}:", arn) for arn in access[field_name]]
    return data


def _emulator_stack(example: Path) -> tuple[Plan, dict[str, str]]:
    """The example as the emulator's account deploys it."""
    stack_plan = plan(validate_answers(_in_emulator_account(load(example).answers.model_dump(mode="json"))))
    return stack_plan, render(stack_plan)


@dataclass
class Outcome:
    name: str
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    drift_seen: set[tuple[str, str]] = field(default_factory=set)
    drift_possible: set[tuple[str, str]] = field(default_factory=set)


def _exercise(tf: Terraform, example: Path, root: Path) -> Outcome:
    """Apply, re-plan and destroy one example on its own emulator; collect every problem found."""
    stack_plan, files = _emulator_stack(example)
    out = Outcome(stack_plan.name)
    with emulator() as url:
        if stack_plan.network.mode == "existing":
            # "Your VPC" must exist: make one in the emulator, and render the example with its ids.
            stack_plan, files = _with_emulator_vpc(example, url)
        name = stack_plan.name
        stack = write_files(files, root / name)
        (stack / "emulator_override.tf").write_text(_override(stack_plan, url))
        started = init(tf, stack)
        if not started.ok:
            out.problems.append(f"{name}: terraform init failed:\n{started.output}")
            return out
        # One apply that plans and applies; what it did not create the second plan below proposes to create
        # (a saved first plan and its JSON only named the same resources, at two more provider starts).
        applied = _run_on_emulator(tf, stack, "apply", "-auto-approve", "-input=false", "-parallelism=20")
        out.seconds["apply"] = applied.seconds
        in_state = {a for a in _state_addresses(tf, stack) if not a.startswith("data.") and ".data." not in a}
        replanned = _changes(tf, stack)
        out.seconds["plan"] = replanned[1]
        # Every managed resource of the configuration is in the state or created by the second plan.
        missing = {address for address, actions, _ in replanned[0] if actions == "create" and address not in in_state}
        expected = in_state | missing
        missing_types = {_resource_type(a) for a in missing}
        unexpected = sorted(a for a in missing if _resource_type(a) not in EMULATOR_GAPS)
        if unexpected:
            out.problems.append(
                f"{name}: these resources did not apply on the emulator and are not listed in EMULATOR_GAPS:\n  "
                + "\n  ".join(unexpected)
                + f"\n\n{applied.output[-8000:]}"
            )
        present_gaps = {_resource_type(a) for a in expected} & set(EMULATOR_GAPS)
        now_implemented = sorted(present_gaps - missing_types)
        if now_implemented:
            out.problems.append(
                f"{name}: the emulator now applies {', '.join(now_implemented)}: remove "
                f"{'them' if len(now_implemented) > 1 else 'it'} from EMULATOR_GAPS"
            )

        unexplained = []
        for address, actions, attrs in replanned[0]:
            rtype = _resource_type(address)
            if address in missing and actions == "create":
                continue
            if actions == "create" and rtype in EMULATOR_REFRESH_LOSS:
                out.drift_seen.add((rtype, "*"))
                continue
            drift = EMULATOR_DRIFT.get(rtype, {})
            out.drift_seen |= {(rtype, a) for a in attrs if a in drift}
            extra = [a for a in attrs if a not in drift]
            if extra or not attrs:
                unexplained.append(f"{address} ({actions}): {', '.join(extra) or 'no attribute named'}")
        if unexplained:
            out.problems.append(
                f"{name}: the second plan changes more than the listed emulator gaps and drift:\n  "
                + "\n  ".join(unexplained)
            )
        types = {_resource_type(a) for a in in_state}
        out.drift_possible = {(rtype, a) for rtype, attrs in EMULATOR_DRIFT.items() if rtype in types for a in attrs}
        out.drift_possible |= {(rtype, "*") for rtype in EMULATOR_REFRESH_LOSS if rtype in types}

        # -refresh=false: the second plan has just read every resource back from the emulator, and nothing has
        # changed it since; a destroy's own refresh would read them all again.
        destroyed = _run_on_emulator(
            tf, stack, "destroy", "-auto-approve", "-input=false", "-refresh=false", "-parallelism=20"
        )
        out.seconds["destroy"] = destroyed.seconds
        if not destroyed.ok:
            out.problems.append(f"{name}: terraform destroy failed:\n{destroyed.output[-8000:]}")
            return out
        left = _leftovers(url, stack_plan.region, stack_plan.name_prefix)
        kept = _readme_leftovers(files["README.md"])
        if not kept or left.log_groups != kept:
            out.problems.append(
                f"{name}: destroy kept the log groups {sorted(left.log_groups)}; the README's "
                f"'Destroying the stack' section says {sorted(kept)}"
            )
        if left.buckets or left.roles:
            out.problems.append(f"{name}: destroy left buckets or roles behind: {left}")
        regions = [stack_plan.region] + ([stack_plan.replication.region] if stack_plan.replication else [])
        for region in regions:
            keys = _leftovers(url, region, stack_plan.name_prefix)
            planned = [k for k in stack_plan.keys if (k.provider == "aws.replica") == (region != stack_plan.region)]
            if keys.live_keys or keys.pending_keys != len(planned):
                out.problems.append(
                    f"{name}: in {region} each of the {len(planned)} planned keys must be pending "
                    f"deletion after destroy, as the README says: {keys}"
                )
    return out


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    try:
        import moto.server  # noqa: F401  (the test extra installs moto[server])
    except ImportError as exc:
        unavailable(f"moto[server] is not installed ({exc})")
    tf = find_terraform(tmp_path_factory.mktemp("terraform-emulator"))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    root = tmp_path_factory.mktemp("emulator-stacks")
    # Two at a time, not four, though an apply mostly waits in the provider (11-23 s of CPU in 80-160 s): the
    # in-process servers share moto's backends (one set per Python process), and four at once collided on the
    # fixed log group /aws/sagemaker/TrainingJobs and on DescribeTrails ("too many results: wanted 1, got 4").
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda e: _exercise(tf, e, root), EXAMPLES))
    for r in results:
        print(f"{r.name}: " + ", ".join(f"{k} {v:.1f}s" for k, v in r.seconds.items()), file=sys.stderr)
    return {e.stem: r for e, r in zip(EXAMPLES, results, strict=True)}


@pytest.mark.parametrize("example", [e.stem for e in EXAMPLES])
def test_example_applies_replans_and_destroys_on_the_emulator(outcomes: dict[str, Outcome], example: str) -> None:
    problems = outcomes[example].problems
    assert not problems, "\n\n".join(problems)


def test_every_listed_emulator_drift_still_happens(outcomes: dict[str, Outcome]) -> None:
    """EMULATOR_DRIFT and EMULATOR_REFRESH_LOSS are strict: an entry no example shows any more means moto was
    fixed; remove it."""
    seen = set().union(*(o.drift_seen for o in outcomes.values()))
    possible = set().union(*(o.drift_possible for o in outcomes.values()))
    stale = sorted(possible - seen)
    assert not stale, f"moto now keeps these (type, attribute); remove them from EMULATOR_DRIFT/_REFRESH_LOSS: {stale}"
