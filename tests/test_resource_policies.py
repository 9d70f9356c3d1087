"""Resource-side findings of issue 13 that the access matrix cannot express: apply ordering, admin ARNs,
destroy and redeploy, and what the READMEs tell a user before applying."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from tests.hcl_helpers import parse_tf
from wizard.answers import load_answers
from wizard.plan import Plan, plan
from wizard.render import render

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


@functools.cache
def _stack(example: Path) -> tuple[Plan, dict[str, str]]:
    stack_plan = plan(load_answers(example).answers)
    return stack_plan, render(stack_plan)


def _resource(files: dict[str, str], path: str, type_: str, name: str) -> dict[str, Any]:
    for block in parse_tf(files[path]).get("resource", []):
        if type_ in block and name in block[type_]:
            return block[type_][name]  # type: ignore[no-any-return]
    raise AssertionError(f"no {type_}.{name} in {path}")


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
