"""The stack README's "Before you apply" (issue 10): each point is there when it applies to the stack and only then,
and the apply's permissions come from the resource types the stack really declares."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest

from tests.test_generated import MATRIX
from tests.test_iam_vocabulary import unknown_action
from wizard.answers import load_answers, validate_answers
from wizard.plan import Plan, plan
from wizard.plan.apply import TYPE_ACTIONS
from wizard.render import render

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))
_DECLARED = re.compile(r'^(resource|data) "([a-z0-9_]+)"', re.M)


@functools.cache
def _example(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = load_answers(next(p for p in EXAMPLES if p.stem == stem)).answers.model_dump(mode="json")
    return data


def _plans() -> list[tuple[str, Plan]]:
    plans = [(p.stem, plan(load_answers(p).answers)) for p in EXAMPLES]
    plans += [(f"matrix-{case}", plan(validate_answers(data))) for case, data in MATRIX]
    return plans


PLANS = _plans()
EXAMPLE_PLANS = dict(PLANS[: len(EXAMPLES)])


@functools.cache
def _rendered(name: str) -> dict[str, str]:
    return render(dict(PLANS)[name])


def _files(p: Plan) -> dict[str, str]:
    """render(p), once per process for the plans of PLANS (most tests read the same examples' README)."""
    name = next((n for n, q in PLANS if q is p), None)
    return render(p) if name is None else _rendered(name)


def _before(p: Plan) -> str:
    readme = _files(p)["README.md"]
    return readme[readme.index("## Before you apply") : readme.index("## Use it")]


def _declared(files: dict[str, str]) -> tuple[str, ...]:
    """The resource and data source types of the stack's Terraform (its own tests excluded)."""
    found = {
        (f"data.{name}" if kind == "data" else name)
        for rel, text in files.items()
        if rel.endswith(".tf") and not rel.startswith("tests/")
        for kind, name in _DECLARED.findall(text)
    }
    return tuple(sorted(found))


@pytest.mark.parametrize(("name", "stack_plan"), PLANS, ids=[n for n, _ in PLANS])
def test_the_planned_resource_types_are_those_the_terraform_declares(name: str, stack_plan: Plan) -> None:
    """The permissions table is derived from a plan value; it must be the stack's real list of types."""
    assert stack_plan.apply.resource_types == _declared(_files(stack_plan)), name


def test_the_types_check_sees_a_difference() -> None:
    """Self-test: a declared type the plan did not list is found."""
    stack_plan = plan(load_answers(EXAMPLES[0]).answers)
    files = dict(render(stack_plan))
    files["extra.tf"] = 'resource "aws_instance" "x" {}\n'
    assert "aws_instance" in _declared(files) and "aws_instance" not in stack_plan.apply.resource_types


def test_every_action_the_readme_names_exists_in_iam() -> None:
    """A misspelt action in the table would send a user to grant something that does not exist."""
    actions = sorted({a for _, actions in TYPE_ACTIONS.values() for a in actions})
    unknown = [reason for a in actions if (reason := unknown_action(a))]
    assert actions and not unknown, unknown
    assert unknown_action("kms:CreateKeys") and unknown_action("s3:PutBucketPolicies")


@pytest.mark.parametrize(("name", "stack_plan"), EXAMPLE_PLANS.items(), ids=list(EXAMPLE_PLANS))
def test_the_permissions_table_lists_each_declared_resource_type_and_its_actions(name: str, stack_plan: Plan) -> None:
    before = _before(stack_plan)
    assert "Terraform >= 1.5" in before and "`>= 5.100, < 7.0`" in before
    for t in stack_plan.apply.resource_types:
        _, actions = TYPE_ACTIONS[t]
        if not t.startswith("data."):
            assert f"`{t}`" in before, t
        for action in actions:
            assert f"`{action}`" in before, (t, action)
    # The stack creates roles and passes them: the README says what that means.
    assert stack_plan.apply.administrator_level
    assert "administrator-level apply" in before


def _variant(stem: str, **changes: Any) -> Plan:
    data = _example(stem)
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for dotted, value in changes.items():
        section, field = dotted.split("__")
        data[section][field] = value
    return plan(validate_answers(data))


def test_the_admin_role_point_follows_admin_role_arns() -> None:
    with_admins = EXAMPLE_PLANS["restricted-phi-bedrock"]
    before = _before(with_admins)
    assert "Create the admin roles first" in before and "aws:PrincipalArn" in before
    assert "no apply error" in before
    for arn in with_admins.admin_role_arns:
        assert arn in before
    none = _variant("restricted-phi-bedrock", access__admin_role_arns=[])
    before = _before(none)
    assert "Create the admin roles first" not in before and "**No admin roles**" in before


def test_the_macie_import_point_is_there_only_with_macie() -> None:
    plans = EXAMPLE_PLANS
    with_macie = next(p for p in plans.values() if p.macie)
    without = next(p for p in plans.values() if not p.macie)
    assert "terraform import module.macie.aws_macie2_account.this" in _before(with_macie)
    assert "macie" not in _before(without).lower()


def test_the_subscription_point_names_the_email_or_says_to_subscribe() -> None:
    stack = EXAMPLE_PLANS["restricted-phi-bedrock"]
    assert stack.monitoring.alert_email
    assert f"AWS emails {stack.monitoring.alert_email} a confirmation link" in _before(stack)
    silent = _variant("restricted-phi-bedrock", monitoring__alert_email=None)
    before = _before(silent)
    assert "confirmation link" not in before and "Subscribe to the alerts" in before


def test_the_notebook_point_is_there_only_with_a_notebook_and_says_how_packages_get_in() -> None:
    plans = EXAMPLE_PLANS
    with_nb = [p for p in plans.values() if p.notebook]
    without = [p for p in plans.values() if not p.notebook]
    assert with_nb and without
    for p in with_nb:
        before = _before(p)
        assert "no internet access" in before and 'direct_internet_access = "Disabled"' in before
        assert "pip install --no-index --find-links wheels" in before
        assert ("permission boundary does not allow" in before) is p.iam.permission_boundary
        assert ("through the S3 endpoint or as an admin role" in before) is p.enabled("s3.vpce_perimeter")
    for p in without:
        assert "notebook" not in _before(p).lower()


def test_the_baa_point_is_there_only_for_phi_or_hipaa() -> None:
    for name, p in EXAMPLE_PLANS.items():
        before = _before(p)
        regulated = "phi" in p.categories or "hipaa" in p.compliance
        assert p.apply.baa is regulated, name
        assert ("Business Associate Addendum" in before) is regulated, name
        # What stays the customer's is linked from every stack.
        assert "EVIDENCE.md#shared-responsibility" in before and "(#shared-responsibility)" in before


def test_a_stack_without_roles_passed_is_not_called_administrator_level() -> None:
    """The administrator-level sentence is a plan decision, not a constant: it follows iam:PassRole."""
    from wizard.plan.apply import decide_apply

    only_keys = decide_apply(("aws_kms_alias", "aws_kms_key", "data.aws_caller_identity"), baa=False)
    assert not only_keys.administrator_level
    assert [p.prefix for p in only_keys.permissions] == ["kms"]
