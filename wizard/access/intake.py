"""Data into the stack: the data engineer uploads the training data, an admin role reads it."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.access.facts import TRAINING_DATA_FILE, StackFacts
from wizard.access.flow import Context, Flow, Principal


def data_engineer_flows(stack: StackFacts) -> Iterator[Flow]:
    """The engineer uploads through the S3 endpoint, over TLS, with the bucket's own key."""
    engineer = stack.engineer
    if engineer.kind in ("uploader_role", "admin_role") or not stack.confidential:
        yield Flow(
            id="data-engineer-uploads-training-data",
            workload="stack",
            principal=engineer,
            action="s3:PutObject",
            resource=TRAINING_DATA_FILE,
            expect="allow",
            why="a data engineer uploads training data through the S3 endpoint, relying on default encryption",
        )
    if engineer.kind == "uploader_role" and stack.confidential:
        yield Flow(
            id="data-engineer-uploads-from-outside-the-vpc-denied",
            workload="stack",
            principal=engineer,
            action="s3:PutObject",
            resource=TRAINING_DATA_FILE,
            context=Context(via_vpce=False),
            expect="deny",
            why="a named uploader is held to the perimeter: uploads through the VPC endpoint only",
        )
    yield Flow(
        id="plain-http-read-denied",
        workload="stack",
        principal=engineer,
        action="s3:GetObject",
        resource=TRAINING_DATA_FILE,
        context=Context(tls=False),
        expect="deny",
        why="every bucket denies requests without TLS",
    )
    if stack.plan.bucket("training_data").deny_wrong_key:
        yield Flow(
            id="upload-naming-another-key-denied",
            workload="stack",
            principal=engineer,
            action="s3:PutObject",
            resource=TRAINING_DATA_FILE,
            context=Context(kms_key=stack.logs_key if stack.logs_key != stack.data_key else None),
            expect="deny",
            why="an upload that names a key other than the bucket's is refused",
        )


def admin_flows(stack: StackFacts) -> Iterator[Flow]:
    """The first admin role reads the data; on confidential and restricted data from outside the perimeter too."""
    conf = stack.confidential
    for admin in stack.plan.admin_role_arns[:1]:
        yield Flow(
            id="admin-reads-training-data",
            workload="stack",
            principal=Principal(kind="admin_role", name=admin),
            action="s3:GetObject",
            resource=TRAINING_DATA_FILE,
            context=Context(via_vpce=not conf),
            expect="allow",
            why="an admin role reads the data" + (" from outside the VPC (exempt from the perimeter)" if conf else ""),
        )
