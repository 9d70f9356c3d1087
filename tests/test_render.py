"""render(): escaping, canonical layout, determinism, parseability."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hcl_helpers import decode_hcl_string, parse_tf, terraform, terraform_fmt_diff
from wizard.answers import load_answers, parse_answers, validate_answers
from wizard.hclfmt import format_hcl
from wizard.plan import plan
from wizard.render import RenderError, hcl_ident, hcl_string, hcl_value, render

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))

TRICKY = [
    'say "hi"',
    "back\\slash",
    "C:\\path\\",
    "new\nline",
    "tab\tand\rreturn",
    "${var.secret}",
    "%{ if true }x%{ endif }",
    "$${already}",
    "$$",
    "100%",
    "$",
    "{}",
    "unicode: zürich ✓",
    "\x00\x07 control",
    "",
]


@pytest.mark.parametrize("value", TRICKY)
def test_hcl_string_parses_back_to_the_original(value: str) -> None:
    parsed = parse_tf(f"x = {hcl_string(value)}\n")
    assert decode_hcl_string(parsed["x"]) == value


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40))
def test_hcl_string_round_trips_any_text(value: str) -> None:
    parsed = parse_tf(f"x = {hcl_string(value)}\n")
    assert decode_hcl_string(parsed["x"]) == value


@pytest.mark.skipif(terraform() is None, reason="terraform is not installed")
def test_terraform_itself_reads_escaped_strings_back(tmp_path: Path) -> None:
    import json
    import subprocess

    values = [v for v in TRICKY if v]
    body = "\n".join(f"  v{i} = {hcl_string(v)}" for i, v in enumerate(values))
    (tmp_path / "main.tf").write_text(f'locals {{\n{body}\n}}\noutput "all" {{\n  value = local\n}}\n')
    expr = "jsonencode([" + ", ".join(f"local.v{i}" for i in range(len(values))) + "])"
    result = subprocess.run(
        [terraform(), "console"], input=expr, capture_output=True, text=True, cwd=tmp_path, check=True
    )
    last_line = [line for line in result.stdout.splitlines() if line.strip()][-1]
    assert json.loads(json.loads(last_line)) == values


def test_identifiers_are_checked() -> None:
    assert hcl_ident("training_data") == "training_data"
    for bad in ("1abc", "a b", 'x"y', "", "a.b"):
        with pytest.raises(RenderError):
            hcl_ident(bad)


def test_hcl_value_writes_python_values() -> None:
    assert hcl_value(["a", 1, True, None]) == '["a", 1, true, null]'
    assert hcl_value({"Name": "x", "aws:tag": "${y}"}) == '{ Name = "x", "aws:tag" = "\\u0024{y}" }'


def test_format_hcl_aligns_like_terraform_fmt() -> None:
    raw = 'a {\n  x = 1\n  long_name = "v"\n  m = {\n    k = 1\n  }\n  # c\n  yy = 2\n}\n'
    assert format_hcl(raw) == 'a {\n  x         = 1\n  long_name = "v"\n  m = {\n    k = 1\n  }\n  # c\n  yy = 2\n}\n'


_BASE_ANSWERS = (
    "project: {name: fraud-scoring, region: us-east-1, owner: Payments ML}\n"
    "workload: {kinds: [sagemaker_training]}\ndata: {sensitivity: internal}\n"
)


# The answers model keeps the owner to what AWS takes in a tag value (no quotes, backslashes or template
# sequences), and no other answer is free text. Rendering must escape whatever a plan holds all the same:
# these plans are built by hand with a tag value no answers file can give.
def _owner_tag(providers_tf: str) -> str:
    """The Owner tag's value as Terraform reads it, from the one ``Owner = "..."`` line."""
    (line,) = [ln for ln in providers_tf.splitlines() if ln.strip().startswith("Owner ")]
    return decode_hcl_string(line.split("=", 1)[1].strip())


@pytest.mark.parametrize("owner", ['Team "ML" \\ ops', "${aws_iam_role.x.arn}", "%{for x in y}${x}%{endfor}"])
def test_a_plan_tag_lands_in_the_tf_exactly_whatever_it_holds(owner: str) -> None:
    p = plan(parse_answers(_BASE_ANSWERS).answers)
    p = dataclasses.replace(p, owner=owner, tags={**p.tags, "Owner": owner})
    files = render(p)
    provider = parse_tf(files["providers.tf"])["provider"][0]['"aws"']
    assert "Owner" in provider["default_tags"][0]["tags"]
    assert files["providers.tf"].count(hcl_string(owner)) == 1
    assert _owner_tag(files["providers.tf"]) == owner


def test_an_answered_owner_becomes_the_owner_tag() -> None:
    assert _owner_tag(render(plan(parse_answers(_BASE_ANSWERS).answers))["providers.tf"]) == "Payments ML"


def test_rendering_needs_no_disk_and_is_deterministic() -> None:
    loaded = load_answers(EXAMPLES[0])
    first = render(plan(loaded.answers), "answers\n")
    second = render(plan(loaded.answers), "answers\n")
    assert first == second
    assert list(first) == sorted(first)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_rendered_tf_file_parses(example: Path) -> None:
    files = render(plan(load_answers(example).answers))
    tf = {k: v for k, v in files.items() if k.endswith(".tf")}
    assert "main.tf" in tf and any(k.startswith("modules/kms/") for k in tf)
    for path, text in tf.items():
        try:
            parse_tf(text)
        except Exception as exc:
            pytest.fail(f"{example.name}: {path} does not parse: {exc}")
        assert text.endswith("\n") and not text.endswith("\n\n"), path


@pytest.mark.skipif(terraform() is None, reason="terraform is not installed")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_rendered_files_are_terraform_fmt_canonical(example: Path, tmp_path: Path) -> None:
    for rel, text in render(plan(load_answers(example).answers)).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    assert terraform_fmt_diff(tmp_path) == ""


def test_templates_are_compiled_once_per_process() -> None:
    from wizard.render import environment

    assert environment() is environment()
    p = plan(
        validate_answers(
            {
                "project": {"name": "cache-check", "region": "us-east-1"},
                "workload": {"kinds": ["sagemaker_training"]},
                "data": {"sensitivity": "internal"},
            }
        )
    )
    assert render(p) == render(p)
