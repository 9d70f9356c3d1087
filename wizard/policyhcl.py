"""Policy documents of the plan written as HCL for ``jsonencode(...)``, references resolved per module.

A :class:`~wizard.plan.policy.Ref` names a value by the module that owns it; how that value is reached
depends on the module the document is written in. Inside its own module it is the resource attribute
(``aws_s3_bucket.audit.arn``); elsewhere it is the input variable or local that module receives it
through (``local.bucket_arn_audit`` in iam, ``var.kms_key_arns["logs"]`` in s3). ``_BINDINGS`` lists
every such path; a reference with none is a bug and raises. Layout: statements at six spaces, their
attributes at eight, as every template writes them; :func:`wizard.hclfmt.format_hcl` aligns the ``=``.
"""

from __future__ import annotations

import json

from wizard.hcl import hcl_key, hcl_string
from wizard.plan.policy import FormatList, Interp, Local, PolicyDocument, Principal, Ref, Statement, Value

# (module the document is written in, owning module, resource type, attribute) -> expression format.
_BINDINGS: dict[tuple[str, str, str, str], str] = {
    ("kms", "monitoring", "cloudtrail", "arn"): "local.trail_arn",
    ("s3", "monitoring", "cloudtrail", "arn"): "local.trail_arn",
    ("monitoring", "monitoring", "cloudtrail", "arn"): "local.trail_arn",
    ("s3", "kms", "kms_key", "arn"): 'var.kms_key_arns["{name}"]',
    ("s3", "network", "vpc_endpoint", "id"): "var.{name}_vpc_endpoint_id",
    ("iam", "s3", "s3_bucket", "arn"): "local.bucket_arn_{name}",
    ("iam", "kms", "kms_key", "arn"): "local.key_arn_{name}",
    ("iam", "bedrock", "bedrock_guardrail", "arn"): "local.guardrail_arn",
    ("iam", "network", "subnet", "ids"): "local.private_subnet_ids",
    ("iam", "network", "security_group", "id"): "local.workload_security_group_id",
    ("iam", "network", "vpc_endpoint", "id"): "local.vpc_endpoint_id_{name}",
    ("iam", "iam", "iam_policy", "arn"): "local.{name}_policy_arn",
}


class PolicyRenderError(Exception):
    """A document refers to a value its module cannot reach (a bug in the plan)."""


def _string(text: str) -> str:
    return hcl_string(text)


def ref_expr(ref: Ref, module: str) -> str:
    """The HCL expression for ``ref`` in ``module``."""
    if ref.module == "":
        return f"local.{ref.attr}"
    bound = _BINDINGS.get((module, ref.module, ref.type, ref.attr))
    if bound is not None:
        return bound.format(name=ref.name)
    if ref.module == module:
        return f"aws_{ref.type}.{ref.name}.{ref.attr}"
    raise PolicyRenderError(f"module {module} has no way to reach {ref}")


def value_expr(value: Value, module: str) -> str:
    """A value as a one-line HCL expression."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, Ref):
        return ref_expr(value, module)
    if isinstance(value, Interp):
        inner = "".join(
            _string(p)[1:-1] if isinstance(p, str) else "${" + ref_expr(p, module) + "}" for p in value.parts
        )
        return f'"{inner}"'
    if isinstance(value, Local):
        return f"local.{value.name}"
    if isinstance(value, FormatList):
        return f"formatlist({value_expr(value.pattern, module)}, {value_expr(value.values, module)})"
    return "[" + ", ".join(value_expr(v, module) for v in value) + "]"


def _key(text: str) -> str:
    return hcl_key(text)


def _attribute(name: str, value: Value, module: str, indent: str, multiline: bool) -> list[str]:
    if multiline and isinstance(value, tuple):
        return [f"{indent}{name} = [", *(f"{indent}  {value_expr(v, module)}," for v in value), f"{indent}]"]
    return [f"{indent}{name} = {value_expr(value, module)}"]


def _principal(p: Principal, module: str) -> str:
    if p.type == "*":
        return '"*"'
    return "{ " + p.type + " = " + value_expr(p.ids, module) + " }"


def _conditions(s: Statement, module: str) -> list[str]:
    groups: dict[str, list[tuple[str, Value]]] = {}
    for c in s.conditions:
        groups.setdefault(c.operator, []).append((c.key, c.value))
    lines = ["        Condition = {"]
    for op, items in groups.items():
        if s.layout.inline_conditions:
            inner = ", ".join(f"{_key(k)} = {value_expr(v, module)}" for k, v in items)
            lines.append(f"          {_key(op)} = {{ {inner} }}")
            continue
        lines.append(f"          {_key(op)} = {{")
        for k, v in items:
            lines += _attribute(_key(k), v, module, "            ", k in s.layout.multiline)
        lines.append("          }")
    lines.append("        }")
    return lines


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()]


def statement_lines(s: Statement, module: str, *, last: bool = False, comma: bool = True) -> list[str]:
    at = s.layout.comment_at
    lines = _comment(s.comment, "      ") if s.comment and at == "above" else []
    lines.append("      {")
    if s.comment and at == "inside":
        lines += _comment(s.comment, "        ")
    lines.append(f"        Sid = {_string(s.sid)}")
    lines.append(f"        Effect = {_string(s.effect)}")
    if s.principal is not None:
        lines.append(f"        Principal = {_principal(s.principal, module)}")
    multi = s.layout.multiline
    for name, value in (("Action", s.actions), ("NotAction", s.not_actions)):
        if value is not None:
            lines += _attribute(name, value, module, "        ", name in multi)
    if s.comment and at == "resource":
        lines += _comment(s.comment, "        ")
    for name, value in (("Resource", s.resources), ("NotResource", s.not_resources)):
        if value is not None:
            lines += _attribute(name, value, module, "        ", name in multi)
    if s.conditions:
        lines += _conditions(s, module)
    lines.append("      }," if comma or not last else "      }")
    return lines


def document_body(doc: PolicyDocument, module: str) -> str:
    """``{ Version = ..., Statement = [...] }`` at the indentation of a top-level attribute's value."""
    lines = ["{", f"    Version = {_string(doc.version)}", "    Statement = ["]
    for i, s in enumerate(doc.statements):
        lines += statement_lines(s, module, last=i == len(doc.statements) - 1, comma=doc.last_comma)
    lines += ["    ]", "  }"]
    return "\n".join(lines)


def jsonencode(doc: PolicyDocument, module: str) -> str:
    """``jsonencode({...})`` for an attribute such as ``policy = ``."""
    return f"jsonencode({document_body(doc, module)})"
