"""Property: whatever an answers file holds, ``guardform generate --answers F --out D --no-scan`` either
writes a canonical, parseable stack (exit 0) or refuses and writes nothing (exit 2); never a traceback.

The files are valid-looking answers with hostile values mixed in (trailing newlines, line and paragraph
separators, C1 controls, bidirectional overrides, quotes and template sequences, wrong types, huge
numbers, unknown keys), written as block YAML, flow YAML or JSON, sometimes with a byte order mark or an
alias. The command runs through the installed ``guardform`` entry point, as a user runs it.

``GUARDFORM_PROPERTY_EXAMPLES`` sets the number of examples (default 80: 15-40 s).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from contextlib import redirect_stderr, redirect_stdout
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from unittest import mock

import hcl2
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.hcl_helpers import decode_hcl_string, terraform
from wizard.answers import AWS_REGIONS, BedrockCaller, Compliance, DataCategory, Environment, Sensitivity

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(terraform() is None, reason="terraform is not installed (needed for the fmt check)"),
]

EXAMPLES = int(os.environ.get("GUARDFORM_PROPERTY_EXAMPLES", "80"))

#: What broke rendering in issue 12 (#11: a trailing newline; #12: line separators, C1 controls and
#: bidirectional overrides), drawn more often than the rest.
DANGEROUS = ["\n", "\n", "\u2028", "\u2029", "\u0085", "\u009b", "\u202e", "\r\n"]
#: Everything else a value can carry that an escaping filter or a validator must get right.
SPECIALS = [
    "\n",
    "\r\n",
    "\r",
    "\u2028",
    "\u2029",
    "\u0085",
    "\u009b",
    "\u202e",
    "\u2066",
    "\u200b",
    "\t",
    "\x1b[31m",
    "\x00",
    "\x7f",
    "\ufeff",
    '"',
    "\\",
    "${x}",
    "%{if x}",
    "$${",
    "'",
    "#",
    ": ",
    "|",
    "<b>",
    "é",
    "機",
]
MODEL_IDS = [
    "anthropic.claude-3-haiku-20240307-v1:0",
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-text-lite-v1",
    "eu.meta.llama3-2-3b-instruct-v1:0",
]


_hex = st.text(alphabet="0123456789abcdef", min_size=8, max_size=8)
_name = st.from_regex(r"[a-z][a-z0-9]{2,12}(-[a-z0-9]{1,8})?", fullmatch=True)
#: An owner guardform takes: an AWS tag value (letters, digits and spaces of every script, _ . : / = + - @).
#: Punctuation and symbols beyond those reach the owner as hostile values (quotes, template sequences).
_owner_text = st.text(
    alphabet=st.characters(categories=["L", "N", "Zs"], include_characters="_.:/=+-@", codec="utf-8"),
    min_size=1,
    max_size=24,
).filter(lambda s: bool(s.strip()))
_special = st.one_of(st.sampled_from(DANGEROUS), st.sampled_from(DANGEROUS), st.sampled_from(SPECIALS))
_wrong_type = st.sampled_from([True, False, None, 0, -1, 2.5, 10**30, "[]", "{}", '["x"]', '{"a": 1}']).map(
    lambda v: json.loads(v) if isinstance(v, str) else v  # a fresh list or mapping each time
)


@st.composite
def valid_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Answers guardform accepts (the owner drawn from every script and the symbols a tag value allows)."""
    kinds = draw(
        st.lists(
            st.sampled_from(["sagemaker_training", "sagemaker_inference", "sagemaker_notebook", "bedrock"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    region = draw(st.sampled_from(AWS_REGIONS))
    project: dict[str, Any] = {
        "name": draw(_name),
        "region": region,
        "environment": draw(st.sampled_from([e.value for e in Environment])),
    }
    if draw(st.integers(0, 3)):
        project["owner"] = draw(_owner_text)
    if draw(st.booleans()):
        project["allowed_regions"] = [
            region,
            *draw(st.lists(st.sampled_from(AWS_REGIONS).filter(lambda r: r != region), max_size=2, unique=True)),
        ]
    workload: dict[str, Any] = {"kinds": kinds}
    if "bedrock" in kinds:
        workload["bedrock_models"] = draw(st.lists(st.sampled_from(MODEL_IDS), min_size=1, max_size=2, unique=True))
        workload["bedrock_callers"] = draw(
            st.lists(st.sampled_from([c.value for c in BedrockCaller]), min_size=1, max_size=3, unique=True)
        )
    data: dict[str, Any] = {
        "sensitivity": draw(st.sampled_from([s.value for s in Sensitivity])),
        "categories": draw(st.lists(st.sampled_from([c.value for c in DataCategory]), max_size=2, unique=True)),
        "compliance": draw(st.lists(st.sampled_from([c.value for c in Compliance]), max_size=2, unique=True)),
    }
    doc: dict[str, Any] = {"project": project, "workload": workload, "data": data}
    if draw(st.booleans()):
        doc["network"] = {
            "mode": "new",
            "cidr": draw(st.sampled_from(["10.0.0.0/16", "192.168.0.0/20"])),
            "availability_zones": draw(st.sampled_from([2, 3])),
        }
    else:
        doc["network"] = {
            "mode": "existing",
            "vpc_id": "vpc-" + draw(_hex),
            "private_subnet_ids": ["subnet-" + h for h in draw(st.lists(_hex, min_size=2, max_size=3, unique=True))],
            "route_table_ids": ["rtb-" + draw(_hex)],
        }
    doc["keys"] = {"rotation_days": draw(st.integers(90, 365)), "deletion_window_days": draw(st.integers(7, 30))}
    doc["access"] = {
        "admin_role_arns": [
            f"arn:aws:iam::111122223333:role/{n}" for n in draw(st.lists(_name, max_size=2, unique=True))
        ]
    }
    if draw(st.booleans()):
        doc["monitoring"] = {"alert_email": draw(_name) + "@example.com"}
    return doc


def _slots(doc: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Every (container, key) whose value is text, a number or a list item: where a mutation can land."""
    slots: list[tuple[Any, Any]] = []
    for section in doc.values():
        if not isinstance(section, dict):
            continue
        for key, value in section.items():
            if isinstance(value, list):
                slots += [(value, i) for i in range(len(value))]
            slots.append((section, key))
    return slots


@st.composite
def answers_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Valid answers with none, one or two hostile values: a special character before, inside or after a
    value, arbitrary text, or a value of the wrong type; sometimes an unknown key."""
    doc = draw(valid_answers())
    for _ in range(draw(st.sampled_from([0, 1, 0, 1, 2]))):
        # Free text and the stack name, where a stray character did the most harm, are hit most often.
        target = draw(st.sampled_from(["owner", "name", "any", "owner", "name", "any"]))
        if target == "any":
            slots = _slots(doc)
            container, key = slots[draw(st.integers(0, len(slots) - 1))]
            value = str(container[key])
        else:
            container, key = doc["project"], target
            value = str(container.get(key, "Platform team"))
        how = draw(st.sampled_from(["suffix", "suffix", "suffix", "prefix", "infix", "text", "type"]))
        # A trailing newline is the classic suffix (a value pasted with its line end): drawn half the time.
        special = draw(st.one_of(st.just("\n"), _special) if how == "suffix" else _special)
        cut = draw(st.integers(0, len(value)))
        container[key] = {
            "suffix": value + special,
            "prefix": special + value,
            "infix": value[:cut] + special + value[cut:],
            "text": draw(st.text(max_size=12)),
            "type": draw(_wrong_type),
        }[how]
    if draw(st.integers(0, 9)) == 0:
        doc[draw(st.sampled_from(["netwrok", "extra", "Project"]))] = {"x": 1}
    return doc


def _text(doc: dict[str, Any], style: str, ascii_only: bool) -> str:
    if style == "block":
        buf = io.StringIO()
        yaml = YAML(typ="rt")
        yaml.allow_unicode = not ascii_only
        yaml.dump(doc, buf)
        return buf.getvalue()
    return json.dumps(doc, indent=2 if style == "json" else None, ensure_ascii=ascii_only) + "\n"


def _guardform(*args: str) -> tuple[int, str]:
    """Run the ``guardform`` console script in-process; any exception but SystemExit propagates."""
    (entry,) = entry_points(group="console_scripts", name="guardform")
    main = entry.load()
    out = io.StringIO()
    with mock.patch.object(sys, "argv", ["guardform", *args]), redirect_stdout(out), redirect_stderr(out):
        try:
            main()
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else int(exc.code is not None)), out.getvalue()
    return 0, out.getvalue()


_OWNER = re.compile(r'^\s*Owner\s*=\s*("(?:[^"\\\n]|\\.)*")\s*$', re.M)
_PROJECT = re.compile(r'^\s*Project\s*=\s*("(?:[^"\\\n]|\\.)*")\s*$', re.M)
_RAW_FORBIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}


def _check_stack(stack: Path, doc: dict[str, Any]) -> None:
    tf = terraform()
    assert tf is not None
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull}
    fmt = subprocess.run(
        [tf, "fmt", "-check", "-recursive", "-no-color", str(stack)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    providers = (stack / "providers.tf").read_text(encoding="utf-8")
    hcl2.loads(providers)
    project = doc["project"]
    assert [decode_hcl_string(t) for t in _PROJECT.findall(providers)][:1] == [project["name"]]
    owners = {decode_hcl_string(t) for t in _OWNER.findall(providers)}
    assert owners == ({project["owner"]} if project.get("owner") is not None else set())
    for path in stack.rglob("*"):
        if path.is_file() and path.name != "guardform.answers.yaml":
            text = path.read_text(encoding="utf-8")
            raw = {ch for ch in text if ch not in "\n" and unicodedata.category(ch) in _RAW_FORBIDDEN}
            assert not raw, f"{path.relative_to(stack)} carries {sorted(map(ascii, raw))} raw"


@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    doc=answers_documents(),
    style=st.sampled_from(["block", "flow", "json"]),
    ascii_only=st.booleans(),
    bom=st.integers(0, 7).map(lambda n: n == 0),
    alias=st.integers(0, 9).map(lambda n: n == 0),
)
def test_generate_writes_a_canonical_stack_or_nothing(
    doc: dict[str, Any], style: str, ascii_only: bool, bom: bool, alias: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        answers = Path(tmp) / ("answers.json" if style == "json" else "answers.yaml")
        text = _text(doc, style, ascii_only)
        if alias and style == "block":
            text = "defaults: &d {x: 1}\nalso: *d\n" + text
        answers.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass"))
        out = Path(tmp) / "out"
        code, output = _guardform("generate", "--answers", str(answers), "--out", str(out), "--no-scan")
        assert code in (0, 2), output
        event(f"exit {code}")
        if code == 2:
            assert not out.exists() or not any(out.iterdir()), output
            assert "nothing was written" in output
            return
        (stack,) = out.iterdir()
        _check_stack(stack, doc)
