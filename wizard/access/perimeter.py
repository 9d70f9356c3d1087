"""The data perimeter: what stays behind this VPC's endpoints, and what the endpoints do not reach."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.access.facts import TRAINING_DATA_FILE, StackFacts, slug
from wizard.access.flow import Context, Flow, Principal, Resource


def outside_endpoint_denials(stack: StackFacts) -> Iterator[Flow]:
    """Confidential and restricted data: no read, write or listing from outside the VPC endpoint by a non-admin,
    neither routed through another AWS service nor by a service-linked role the plan does not need."""
    if not stack.confidential:
        return
    plan = stack.plan
    for bucket in (b for b in plan.buckets if b.name in ("training_data", "model_artifacts") or b.replica_of):
        yield Flow(
            id=f"outside-vpce-read-{slug(bucket.name)}-denied",
            workload="stack",
            principal=stack.reader(bucket.name),
            action="s3:GetObject",
            resource=Resource(kind="object", name=bucket.name, path="datasets/notes.jsonl"),
            context=Context(via_vpce=False),
            expect="deny",
            why=f"{bucket.purpose.lower()}: no object read from outside the VPC endpoint by a non-admin",
        )
        yield Flow(
            id=f"outside-vpce-write-{slug(bucket.name)}-denied",
            workload="stack",
            principal=stack.writer(bucket.name),
            action="s3:PutObject",
            resource=Resource(kind="object", name=bucket.name, path="datasets/new.jsonl"),
            context=Context(via_vpce=False),
            expect="deny",
            why=f"{bucket.purpose.lower()}: no object write from outside the VPC endpoint by a non-admin",
        )
    yield Flow(
        id="outside-vpce-list-training-data-denied",
        workload="stack",
        principal=stack.reader("training_data"),
        action="s3:ListBucket",
        resource=Resource(kind="bucket", name="training_data"),
        context=Context(via_vpce=False),
        expect="deny",
        why="object names (which can carry identifiers) are not listed from outside the VPC endpoint",
    )
    yield Flow(
        id="outside-vpce-read-via-aws-service-denied",
        workload="stack",
        principal=stack.reader("training_data"),
        action="s3:GetObject",
        resource=TRAINING_DATA_FILE,
        context=Context(via_vpce=False, via_aws_service=True),
        expect="deny",
        why="a non-admin cannot route a read through another AWS service to leave the perimeter",
    )
    yield Flow(
        id="other-service-linked-role-read-denied",
        workload="stack",
        principal=Principal(
            kind="account_principal", name="aws-service-role/example.amazonaws.com/AWSServiceRoleForExample"
        ),
        action="s3:GetObject",
        resource=TRAINING_DATA_FILE,
        context=Context(via_vpce=False),
        expect="deny",
        why="only the service-linked roles the plan needs (Macie) are exempt from the perimeter",
    )


def foreign_resource_denials(stack: StackFacts) -> Iterator[Flow]:
    """This VPC's endpoints reach only this account: no other account's bucket or role credentials."""
    yield Flow(
        id="other-account-bucket-via-endpoint-denied",
        workload="stack",
        principal=stack.unnamed,
        action="s3:PutObject",
        resource=Resource(kind="foreign_object", name="training_data", path="exfil.jsonl"),
        expect="deny",
        why="this VPC's S3 endpoint does not reach another account's bucket of the same name pattern",
    )
    if any(e.name == "sts" for e in stack.plan.network.endpoints):
        yield Flow(
            id="other-account-role-via-sts-endpoint-denied",
            workload="stack",
            principal=stack.unnamed,
            action="sts:AssumeRole",
            resource=Resource(kind="foreign_role", name="exfiltration"),
            expect="deny",
            why="this VPC's STS endpoint does not hand out credentials of another account",
        )
