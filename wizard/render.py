"""From a Plan to files: Jinja2 templates in, ``{relative_path: text}`` out. Touches no disk.

Every string that came from a user reaches HCL through one filter, ``hcl_string`` (wizard/hcl.py: quotes,
backslashes, control characters, and Terraform's ``${`` and ``%{`` template sequences are escaped),
and every identifier through ``hcl_ident``, which refuses anything that is not a valid name. Rendered
``.tf`` files are then laid out canonically by :func:`wizard.hclfmt.format_hcl`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from wizard import policyhcl
from wizard.access import access_flows, format_access_table
from wizard.cost import estimate, format_markdown
from wizard.errors import GuardformError
from wizard.hcl import IDENT as _IDENT
from wizard.hcl import hcl_key, hcl_string
from wizard.hclfmt import format_hcl
from wizard.plan import MODULE_TITLES, Plan
from wizard.plan.policy import PolicyDocument, Value
from wizard.stack_tests import stack_test_facts

MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
STACK_FILES = (
    "versions.tf",
    "providers.tf",
    "main.tf",
    "variables.tf",
    "outputs.tf",
    "README.md",
    "tests/guardform.tftest.hcl",
)
ANSWERS_FILE = "guardform.answers.yaml"


class RenderError(GuardformError):
    """A template could not be rendered (a bug in guardform, or a value no filter accepts)."""


def templates_dir() -> Path:
    """The templates folder: inside the installed package, or at the top of a source checkout."""
    packaged = Path(__file__).resolve().parent / "_templates"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "templates"
    if source.is_dir():
        return source
    raise RenderError(f"guardform's templates are missing (looked in {packaged} and {source})")


# -- filters -------------------------------------------------------------------------------------


def hcl_ident(value: object) -> str:
    text = str(value)
    if not _IDENT.match(text):
        raise RenderError(f"{text!r} is not a valid Terraform identifier")
    return text


def hcl_value(value: Any) -> str:
    """A Python value as a one-line HCL expression (strings escaped, lists and maps inline)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = ", ".join(f"{hcl_key(k)} = {hcl_value(v)}" for k, v in value.items())
        return "{ " + items + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    raise RenderError(f"cannot write {type(value).__name__} as HCL")


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


@pass_context
def policy_json(context: Context, doc: PolicyDocument) -> str:
    """``jsonencode({...})`` of a plan policy document, references resolved for the current module."""
    return policyhcl.jsonencode(doc, context["module"])


@pass_context
def policy_object(context: Context, doc: PolicyDocument) -> str:
    """A plan policy document as an HCL object (for a local that an output encodes)."""
    return policyhcl.document_body(doc, context["module"])


@pass_context
def ref_value(context: Context, value: Value) -> str:
    """A plan value (a Ref, an interpolated string, a list ...) as HCL in the current module."""
    return policyhcl.value_expr(value, context["module"])


def make_environment(bytecode_cache: BytecodeCache | None = None) -> Environment:
    """A new environment over the templates folder, with guardform's filters.

    ``bytecode_cache`` keeps compiled templates between processes (wizard/templatecache.py); it changes
    how fast a template loads, never what it renders.
    """
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        bytecode_cache=bytecode_cache,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["q"] = hcl_string
    env.filters["hcl_ident"] = hcl_ident
    env.filters["hcl"] = hcl_value
    env.filters["hcl_key"] = hcl_key
    env.filters["md"] = md_cell
    env.filters["policy"] = policy_json
    env.filters["policy_object"] = policy_object
    env.filters["ref"] = ref_value
    env.globals["module_titles"] = MODULE_TITLES
    return env


@cache
def environment() -> Environment:
    """The one shared environment: each template is compiled once per process, not once per render."""
    return make_environment()


def use_bytecode_cache(cache: BytecodeCache) -> None:
    """Let the shared environment load templates it has not compiled yet from ``cache``."""
    environment().bytecode_cache = cache


# -- rendering -----------------------------------------------------------------------------------


def render(plan: Plan, answers_yaml: str | None = None) -> dict[str, str]:
    """Render the stack for a plan; returns relative posix paths mapped to file contents."""
    env = environment()
    tests = stack_test_facts(plan)
    files: dict[str, str] = {}
    # The stack README's cost section: the estimate with the plan's usage inputs (wizard/cost.py).
    cost = format_markdown(estimate(plan)).rstrip("\n")
    # The stack README's "Who can do what": the access matrix the plan declares (wizard/access/).
    access = format_access_table(access_flows(plan))
    for name in STACK_FILES:
        files[name] = _render_one(
            env, f"stack/{name}.j2", plan=plan, module="stack", tests=tests, cost=cost, access=access
        )
    for module in plan.modules:
        for name in MODULE_FILES:
            files[f"modules/{module}/{name}"] = _render_one(env, f"{module}/{name}.j2", plan=plan, module=module)
    if answers_yaml is not None:
        files[ANSWERS_FILE] = answers_yaml
    return dict(sorted(files.items()))


def _render_one(env: Environment, template: str, **context: Any) -> str:
    try:
        text = env.get_template(template).render(**context)
    except RenderError:
        raise
    except Exception as exc:  # jinja2 raises many types; name the template in every case
        raise RenderError(f"{template}: {type(exc).__name__}: {exc}") from exc
    if template.endswith((".tf.j2", ".tftest.hcl.j2")):
        return format_hcl(text)
    return text.rstrip("\n") + "\n"
