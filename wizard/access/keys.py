"""KMS: on confidential and restricted data the key policies, not only IAM, decide who uses a key."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.access.facts import TRAINING_DATA_FILE, StackFacts, slug
from wizard.access.flow import Flow, Resource


def unnamed_key_user_denials(stack: StackFacts) -> Iterator[Flow]:
    """A principal of the account the plan does not name uses no stack key, directly or through S3."""
    if not stack.confidential:
        return
    yield Flow(
        id="unnamed-principal-uses-data-key-through-s3-denied",
        workload="stack",
        principal=stack.unnamed,
        action="s3:GetObject",
        resource=TRAINING_DATA_FILE,
        expect="deny",
        why="a principal of the account that the plan did not name cannot decrypt the training data",
    )
    for key in dict.fromkeys((stack.data_key, stack.artifacts_key, stack.logs_key)):
        yield Flow(
            id="unnamed-principal-decrypts-data-key-denied"
            if key == stack.data_key
            else f"unnamed-principal-decrypts-{slug(key)}-key-denied",
            workload="stack",
            principal=stack.unnamed,
            action="kms:Decrypt",
            resource=Resource(kind="key", name=key),
            expect="deny",
            why=f"the key policy, not only IAM, decides who uses the {key} key",
        )
