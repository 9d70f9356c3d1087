"""Helpers shared by guardform's checkov checks. Not a check: it registers nothing.

checkov loads every ``.py`` in the external checks folder as a top-level module named after the file
(and puts the folder on ``sys.path``), so the checks import this as ``guardform_common``. Every file
here carries the ``guardform_`` prefix so that no name clashes with another module in checkov's process.

How checkov hands a resource to a check: each attribute is wrapped in a list (``{"name": ["x"]}``),
each nested block is a list of dicts, a list attribute is a list inside that list
(``{"buckets": [["a", "b"]]}``), ``jsonencode()`` and JSON heredocs are already evaluated into dicts,
and what it could not resolve stays a string such as ``"var.x"`` or ``"${file(...)}"``.  A list-typed
variable without a default comes through as an empty list, so an empty list cannot be told apart
from an unresolved value: the checks return UNKNOWN for it.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

# Where guardform's documentation is read on the web: the docs folder of the repository guardform is
# published from (https://github.com/guardform/guardform, as pyproject.toml's [project.urls] and the install
# docs name it; tests/test_scan_release.py keeps them one). Every CKV_GF guideline, the scan's SARIF helpUri
# links and the stack output link here. docs/checks.md keeps
# an explicit anchor (<a id="ckv_gf_N">) per check, so these links survive heading edits.
DOCS_BASE_URL = "https://github.com/guardform/guardform/blob/main/docs/"
DOCS = DOCS_BASE_URL + "checks.md"

MISSING = object()  # the attribute is not in the resource at all
UNRESOLVED = object()  # the attribute is there but checkov could not give its value

_REF_PREFIXES = ("var.", "local.", "module.", "data.", "each.", "count.", "path.", "terraform.", "self.")


def guideline(number: int) -> str:
    """The URL of check CKV_GF_<number>'s section in docs/checks.md."""
    return f"{DOCS}#ckv_gf_{number}"


def is_unresolved(value: Any) -> bool:
    """A string that is a Terraform expression checkov did not evaluate (a variable, local, module
    output, data source, function call or interpolation)."""
    return isinstance(value, str) and (value.strip().startswith(_REF_PREFIXES) or "${" in value)


def attr(conf: dict[str, Any], key: str) -> Any:
    """The value of a scalar or list attribute: MISSING, UNRESOLVED (an empty wrapper: checkov lost
    the value) or the value itself (None when the Terraform value is ``null``)."""
    if not isinstance(conf, dict) or key not in conf:
        return MISSING
    raw = conf[key]
    if isinstance(raw, list):
        return raw[0] if raw else UNRESOLVED
    return raw


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The nested blocks named ``key`` (a block written as a map attribute counts too)."""
    if not isinstance(conf, dict):
        return []
    raw = conf.get(key)
    items = raw if isinstance(raw, list) else [raw]
    return [b for b in items if isinstance(b, dict)]


def present(value: Any) -> bool:
    """The attribute has a value that is not null, empty or lost."""
    return value not in (MISSING, UNRESOLVED, None, "", [], {})


def as_bool(value: Any) -> bool | None:
    """True/False for a boolean written as a bool or as the strings "true"/"false"; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_list(value: Any) -> list[Any]:
    """A policy element that may be one value or a list of values, as a list."""
    if isinstance(value, list):
        return value
    return [value]


def load_policy(value: Any) -> dict[str, Any] | None:
    """A policy document as a dict, or None when it cannot be read.

    checkov evaluates ``jsonencode()`` and JSON heredocs into dicts; a JSON string is parsed here.
    When part of a ``jsonencode()`` argument is unresolved (a map lookup such as
    ``var.arns["x"]``), checkov leaves the whole call as the text ``${jsonencode({...})}`` with the
    object written as a Python literal: that literal is read here (``ast.literal_eval``, no code
    runs), so the statements' structure is still checked and the unresolved parts stay strings.
    Anything else (``data.aws_iam_policy_document.x.json``, ``var.policy``, ``file(...)``) is None."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    parsed: Any = None
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
    else:
        match = _JSONENCODE_RE.match(text)
        if match:
            try:
                parsed = ast.literal_eval(match.group(1))
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return None
    return parsed if isinstance(parsed, dict) else None


_JSONENCODE_RE = re.compile(r"^\$\{jsonencode\((\{.*\})\)\}$", re.DOTALL)


def dynamic_for_each(conf: dict[str, Any], block_name: str) -> list[Any] | None:
    """The iterations of the ``dynamic "<block_name>"`` blocks in ``conf``: one entry per element of
    their ``for_each`` (an unresolved ``for_each`` gives the expression string), or None when there is
    no such dynamic block.  checkov fills the block itself from the ``content`` even when ``for_each``
    is empty, so a check must count these instead."""
    found = False
    values: list[Any] = []
    for dyn in blocks(conf, "dynamic"):
        spec = dyn.get(block_name)
        if not isinstance(spec, dict):
            continue
        found = True
        raw = spec.get("for_each")
        for item in raw if isinstance(raw, list) else [raw]:
            if isinstance(item, list):
                values.extend(item)
            elif isinstance(item, dict):
                if item:  # one object of a list, or a whole map: at least one iteration either way
                    values.append(item)
            elif item is not None:
                values.append(item)
    return values if found else None


# VPC endpoint types that accept no endpoint policy.
NO_POLICY_ENDPOINT_TYPES = {"gatewayloadbalancer", "resource", "servicenetwork"}


def policy_not_supported(conf: dict[str, Any]) -> bool | None:
    """For an aws_vpc_endpoint: True when its type takes no endpoint policy, None when the type is not
    resolved.  A missing type is the provider default, Gateway, which takes one."""
    ep_type = attr(conf, "vpc_endpoint_type")
    if ep_type is MISSING or ep_type is None or ep_type == "":
        return False
    if ep_type is UNRESOLVED or not isinstance(ep_type, str) or is_unresolved(ep_type):
        return None
    return ep_type.strip().lower() in NO_POLICY_ENDPOINT_TYPES
