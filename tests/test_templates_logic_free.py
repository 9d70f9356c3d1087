"""Templates write; the plan decides. This test fails when a template contains decision logic.

The rule, applied to every Jinja tag and expression of every template under templates/:

Allowed
  - ``{% for x in plan.something %}`` over plan data (with ``loop.first`` / ``loop.last`` for separators);
  - ``{% if plan.flag %}`` / ``{% if x.attribute %}`` / ``{% if not ... %}`` on a plan value that says
    whether a block exists (a boolean, an optional value, a non-empty tuple), also inline
    (``{{ " text" if plan.flag }}``), joined with ``and`` / ``or``;
  - ``{% set name = plan.value %}`` aliases and filters that only write (``q``, ``hcl``, ``hcl_ident``,
    ``md``, ``policy``, ``ref``, ``join``, ``replace``, ``lower``, ``int`` ...).
Forbidden (a decision the plan must make and a plan test can reach)
  - ``namespace(``: accumulating state across a loop;
  - ``{% set %}`` that builds a list or a map (``[``, ``{``, ``+``, ``.append(``, ``.update(``);
  - comparisons: ``==``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``in`` / ``not in`` outside a ``for`` header;
  - filters that choose or order: ``sort``, ``dictsort``, ``max``, ``min``, ``sum``, ``unique``, ``groupby``,
    ``select``, ``reject``, ``selectattr``, ``rejectattr``, ``first``, ``last`` (``map(attribute=...)`` and
    ``length`` only write what the plan holds and are allowed; a comparison on a length is not);
  - inspecting strings to classify them: ``.split(``, ``.startswith(``, ``.endswith(``, ``.partition(``;
  - picking an element by a literal index or key (``xs[0]``, ``xs[-1]``, ``m['x']``, ``xs[1:]``): which one
    is meant is a choice the plan names (``mon.import_example``); a key that is a loop variable
    (``module_titles[m]``) only writes what the loop is at.

A template that needs one of these gets a field or property on the plan's dataclasses instead
(``wizard/plan/model.py``), where ``tests/test_plan.py`` can reach it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_TAG = re.compile(r"\{%-?\s*(.*?)\s*-?%\}|\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_COMPARISON = re.compile(r"==|!=|<=|>=|(?<![-=])>|<|\bnot\s+in\b|\bin\b|\bis\s+(?:not\s+)?(?:none|defined|sameas)\b")
_FILTERS = (
    "sort",
    "dictsort",
    "max",
    "min",
    "sum",
    "unique",
    "groupby",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "first",
    "last",
)
_FILTER = re.compile(r"\|\s*(" + "|".join(_FILTERS) + r")\b")
_STRING_TESTS = re.compile(r"\.(split|startswith|endswith|partition)\(")
# A subscript right after a name, a call or another subscript, whose index is a number or a string (strings are
# blanked to "" first) or a slice; list literals (`[`, after `(`, `,`, `=` or a space) are not subscripts.
_LITERAL_PICK = re.compile(r"[\w)\]]\s*\[\s*(?:-?\d+|\"\"|-?\d*\s*:[^\]]*)\s*\]")
_BUILDS = re.compile(r"^set\s+[\w.]+\s*=\s*(?:\[|\{)|^set\s+[\w.]+\s*=.*\+|\.append\(|\.update\(")


def violations(text: str) -> list[str]:
    """Each decision a template makes, as 'kind: tag'."""
    found: list[str] = []
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    for match in _TAG.finditer(text):
        raw = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        code = _STRING.sub('""', raw)
        if raw.startswith("for "):
            # `for x in items if cond`: the header's own `in` is fine, a filter condition is not.
            header, _, cond = code.partition(" if ")
            code = ("if " + cond) if cond else header.split(" in ", 1)[1]
        if "namespace(" in code:
            found.append(f"namespace: {raw}")
        if _BUILDS.search(code):
            found.append(f"builds a collection: {raw}")
        if _COMPARISON.search(code):
            found.append(f"comparison: {raw}")
        for name in _FILTER.findall(code):
            found.append(f"filter {name}: {raw}")
        if _STRING_TESTS.search(code):
            found.append(f"inspects a string: {raw}")
        if _LITERAL_PICK.search(code):
            found.append(f"picks by a literal index: {raw}")
    return found


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.j2")))
def test_template_makes_no_decisions(template: str) -> None:
    found = violations((TEMPLATES / template).read_text())
    assert not found, f"{template} decides (move it into wizard/plan/):\n" + "\n".join(found)


def test_the_rule_catches_decisions() -> None:
    assert violations("{% set ns = namespace(a=[]) %}")
    assert violations("{% set xs = [] %}")
    assert violations("{% set _ = xs.append(1) %}")
    assert violations('{% if b.provider == "aws.replica" %}x{% endif %}')
    assert violations('{{ "a" if "x" in plan.workloads else "b" }}')
    assert violations("{% for b in plan.buckets if b.name != 'audit' %}{% endfor %}")
    assert violations("{{ plan.models | sort | list }}")
    assert violations("{{ [a, b] | max }}")
    assert violations('{% set head = model.split(".", 1) %}')
    assert violations("{{ plan.keys[0].deletion_window_days }}")
    assert violations("{{ mon.service_log_groups[0].name | q }}")
    assert violations("{{ plan.keys[-1].alias }}")
    assert violations("{% if plan.tags['Owner'] %}x{% endif %}")
    assert violations('{{ plan.tags["Owner"] }}')
    assert violations("{{ plan.buckets[1:] | join(', ') }}")
    assert violations("{{ plan.lookup(x)[ 2 ] }}")


def test_the_rule_allows_writing() -> None:
    text = """{% for key in plan.keys %}{{ key.name | hcl_ident }}{{ ", " if not loop.last }}{% endfor %}
{% if plan.replication %}{{ plan.replication.region | q }}{% endif %}
{% set name = role.name | hcl_ident %}
  policy = {{ key.policy | policy }}
{{ " (and ECR's image layers)" if net.has_ecr }}
| [`{{ m }}`](modules/{{ m }}/README.md) | {{ module_titles[m] }} |
{{ mon.import_example.name }}"""
    assert violations(text) == []


def test_every_template_is_checked() -> None:
    assert len(list(TEMPLATES.rglob("*.j2"))) >= 40
