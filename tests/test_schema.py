"""The JSON Schema editors validate answers files with agrees with guardform: every shipped example passes
it, and every malformed file of the corpus fails it wherever the rule is one JSON Schema can express."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError, validators
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from wizard.answers import AnswersError, answers_json_schema, load_answers, validate_answers
from wizard.answers.model import OWNER_PATTERN, check_tag_value

ROOT = Path(__file__).parent.parent
BAD = Path(__file__).parent / "fixtures" / "bad_answers"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

#: Corpus files whose problem the schema cannot state, and why.
NOT_EXPRESSIBLE = {
    "allowed-regions-missing-region.yaml": "a value compared with another field's value",
    "alias.yaml": "anchors and aliases are a property of the YAML text, not of the data it holds",
}
#: Corpus files that hold no document a validator can read: not JSON or YAML at all, or (huge-integer)
#: a number Python refuses to convert; the schema has nothing to say about them.
NOT_A_DOCUMENT = {"bad-json.json", "empty.yaml", "only-comments.yaml", "syntax-error.yaml", "huge-integer.yaml"}


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """JSON Schema's ``pattern`` is ECMA-262, where ``$`` matches only at the very end; Python's ``re``
    (which jsonschema uses) also matches before a final newline. Check with ECMA's meaning, so the test
    sees what an editor sees."""
    if not isinstance(instance, str):
        return
    python = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    if not re.search(python, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = answers_json_schema()
    Draft202012Validator.check_schema(schema)
    return Validator(schema)


def _data(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_satisfies_the_schema(validator: Any, example: Path) -> None:
    errors = [e.message for e in validator.iter_errors(_data(example))]
    assert errors == []


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.iterdir()))
def test_the_schema_refuses_what_guardform_refuses(validator: Any, name: str) -> None:
    path = BAD / name
    with pytest.raises(AnswersError):
        load_answers(path)  # guardform refuses every file of the corpus
    if name in NOT_A_DOCUMENT:
        try:
            data = _data(path)
        except (ValueError, YAMLError):  # json.JSONDecodeError is a ValueError
            return
        assert data is None, f"{name} holds a document; check it against the schema"
        return
    data = _data(path)
    if name in NOT_EXPRESSIBLE:
        assert validator.is_valid(data), f"{name} is listed as not expressible, but the schema refuses it"
    else:
        assert not validator.is_valid(data), f"the schema accepts {name}"


def test_the_corpus_lists_are_current() -> None:
    names = {p.name for p in BAD.iterdir()}
    assert set(NOT_EXPRESSIBLE) <= names and names >= NOT_A_DOCUMENT


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"network": {"availability_zones": 4}}, "network.availability_zones"),
        ({"network": {"availability_zones": True}}, "network.availability_zones"),
        ({"project": {"name": "demo-stack\n"}}, "project.name"),
        ({"project": {"name": "a--b"}}, "project.name"),
        ({"project": {"region": "mars-1"}}, "project.region"),
        ({"project": {"allowed_regions": ["us-east-1", "us-east-1"]}}, "project.allowed_regions"),
        ({"project": {"owner": "Team\u2029AI"}}, "project.owner"),
        ({"project": {"owner": "x" * 257}}, "project.owner"),
        ({"project": {"owner": 'Team "AI"'}}, "project.owner: a quote"),
        ({"project": {"owner": "${ops}"}}, "project.owner: a template sequence"),
        ({"project": {"owner": "Team (ML), #ops!"}}, "project.owner: punctuation AWS refuses in a tag"),
        ({"project": {"owner": "Payments \u2014 ML"}}, "project.owner: an em dash"),
        ({"keys": {"rotation_days": 89}}, "keys.rotation_days"),
        ({"keys": {"deletion_window_days": 31}}, "keys.deletion_window_days"),
        ({"monitoring": {"log_retention_days": 366}}, "monitoring.log_retention_days"),
        ({"monitoring": {"alert_email": "sec@example.com\n"}}, "monitoring.alert_email"),
        ({"workload": {"kinds": ["bedrock"], "bedrock_models": ["global.anthropic.x-v1:0"]}}, "bedrock_models"),
        ({"workload": {"kinds": ["bedrock"]}}, "bedrock needs models"),
        ({"workload": {"notebook_instance_type": "ml.t3.large"}}, "a notebook type needs a notebook"),
        (
            {"workload": {"kinds": ["sagemaker_notebook"], "notebook_instance_type": "ml.p5.48xlarge"}},
            "workload.notebook_instance_type",
        ),
        ({"usage": {"training_data_gb": -1}}, "usage.training_data_gb"),
        ({"usage": {"notebook_hours_per_month": 745}}, "usage.notebook_hours_per_month"),
        ({"usage": {"s3_reads_per_month": 2.5}}, "usage.s3_reads_per_month"),
        ({"usage": {"log_gb_per_month": "5"}}, "usage.log_gb_per_month"),
        ({"usage": {"notebook_hours": 5}}, "usage: unknown field"),
        ({"network": {"mode": "existing", "vpc_id": "vpc-0a1b2c3d"}}, "existing needs subnets"),
        (
            {"data": {"sensitivity": "public", "categories": ["phi"]}, "monitoring": {"log_retention_days": 731}},
            "phi raises retention",
        ),
        (
            {"data": {"sensitivity": "internal", "compliance": ["gdpr"]}, "keys": {"strategy": "single"}},
            "gdpr raises the key strategy",
        ),
    ],
)
def test_the_schema_refuses_each_expressible_rule(validator: Any, change: dict[str, Any], path: str) -> None:
    data: dict[str, Any] = {
        "project": {"name": "fraud-scoring", "region": "us-east-1"},
        "workload": {"kinds": ["sagemaker_training"]},
        "data": {"sensitivity": "internal"},
    }
    assert validator.is_valid(data)
    for section, values in change.items():
        data[section] = {**data.get(section, {}), **values}
    assert not validator.is_valid(data), path


def test_the_schema_accepts_a_notebook_type_with_a_notebook_and_usage_numbers(validator: Any) -> None:
    data: dict[str, Any] = {
        "project": {"name": "fraud-scoring", "region": "us-east-1"},
        "workload": {"kinds": ["sagemaker_notebook"], "notebook_instance_type": "ml.g4dn.xlarge"},
        "data": {"sensitivity": "internal"},
        "usage": {"training_data_gb": 2.5, "s3_reads_per_month": 0, "notebook_hours_per_month": 744},
    }
    assert [e.message for e in validator.iter_errors(data)] == []


def test_readme_shows_how_to_attach_the_schema_to_an_editor() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "# yaml-language-server: $schema=" in readme
    assert "guardform schema > " in readme


def _owner_valid(validator: Any, owner: str) -> tuple[bool, bool]:
    """(schema accepts, guardform accepts) for an answers document with this owner."""
    data = {
        "project": {"name": "fraud-scoring", "region": "us-east-1", "owner": owner},
        "workload": {"kinds": ["sagemaker_training"]},
        "data": {"sensitivity": "internal"},
    }
    try:
        validate_answers(data)
    except AnswersError:
        return validator.is_valid(data), False
    return validator.is_valid(data), True


#: Owners the project ships or shows: the examples, the README, the wizard's placeholder and tests.
SAMPLE_OWNERS = [
    *(str(_data(p)["project"]["owner"]) for p in EXAMPLES if _data(p)["project"].get("owner")),
    "Payments ML team",
    "Équipe IA - 機械学習",
    "ml-team@example.com",
    "O'Brien's team",
    "Team (ML), #ops",
    "Clinical AI platform",
    'Team "AI" ${ops} %{x} \\ 100%',
]


@pytest.mark.parametrize("owner", SAMPLE_OWNERS)
def test_schema_and_guardform_agree_on_the_shipped_owners(validator: Any, owner: str) -> None:
    schema_ok, model_ok = _owner_valid(validator, owner)
    assert schema_ok == model_ok, (owner, schema_ok, model_ok)


def test_the_examples_owners_are_tag_values(validator: Any) -> None:
    owners = [_data(p)["project"].get("owner") for p in EXAMPLES]
    assert all(isinstance(o, str) for o in owners), owners  # every example shows an owner
    assert [_owner_valid(validator, str(o)) for o in owners] == [(True, True)] * len(EXAMPLES)


def test_the_owner_pattern_matches_the_model_on_ascii_and_never_refuses_what_it_accepts() -> None:
    """ECMA-262 without the unicode flag has no \\p{L}: the pattern is exact over ASCII and, beyond it,
    refuses only characters guardform refuses too (checked over the whole Basic Multilingual Plane)."""
    pattern = re.compile(OWNER_PATTERN.removeprefix("^").removesuffix("*$"))
    disagree, too_strict = [], []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        try:
            check_tag_value("a" + ch + "b")
            model_ok = True
        except ValueError:
            model_ok = False
        schema_ok = pattern.fullmatch(ch) is not None
        if code < 0x80 and schema_ok != model_ok:
            disagree.append(f"U+{code:04X}")
        if model_ok and not schema_ok:
            too_strict.append(f"U+{code:04X}")
    assert disagree == [] and too_strict == []
    assert pattern.fullmatch("\u2014") is None and pattern.fullmatch("\u20ac") is None  # the common pastes
