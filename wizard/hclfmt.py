"""Canonical layout for rendered Terraform, the part of `terraform fmt` that templates cannot do alone.

Templates emit correctly indented HCL; what they cannot know in advance is how wide the widest key of
a run of attributes will be. ``terraform fmt`` aligns the ``=`` of consecutive single-line attributes
at the same indentation; a blank line, a comment, a block header, a closing bracket or an attribute
whose value spans several lines ends the run. This module applies exactly that rule, strips trailing
white space and ends the text with one newline. It needs no terraform binary.
"""

from __future__ import annotations

import re

_ATTR = re.compile(r'^(?P<indent>[ ]*)(?P<key>"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_.-]*)[ ]*=(?!=)[ ]*(?P<value>.*)$')


def _depth_change(text: str) -> int:
    """Net count of opening minus closing brackets outside string literals (with ${ } templates)."""
    depth = 0
    # A stack of contexts: "code" or "string"; each ${ inside a string pushes a code context.
    stack: list[str] = ["code"]
    i = 0
    while i < len(text):
        ch = text[i]
        top = stack[-1]
        if top == "string":
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                stack.pop()
            elif text.startswith("${", i) or text.startswith("%{", i):
                stack.append("interp")
                i += 2
                continue
        else:
            if ch == '"':
                stack.append("string")
            elif ch == "#" or text.startswith("//", i):
                break
            elif ch in "([{":
                if top == "interp":
                    stack.append("interp-bracket")
                else:
                    depth += 1
            elif ch in ")]}":
                if (top == "interp" and ch == "}") or top == "interp-bracket":
                    stack.pop()
                else:
                    depth -= 1
        i += 1
    return depth


def format_hcl(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    run: list[tuple[str, str, str]] = []

    def flush() -> None:
        if not run:
            return
        width = max(len(key) for _, key, _ in run)
        for indent, key, value in run:
            out.append(f"{indent}{key.ljust(width)} = {value}")
        run.clear()

    for line in lines:
        match = _ATTR.match(line)
        if match and _depth_change(match.group("value")) == 0:
            indent, key, value = match.group("indent"), match.group("key"), match.group("value")
            if run and run[0][0] != indent:
                flush()
            run.append((indent, key, value))
            continue
        flush()
        out.append(line)
    flush()
    while out and not out[-1]:
        out.pop()
    # Collapse runs of blank lines left by conditional template sections.
    collapsed: list[str] = []
    for line in out:
        if not line and collapsed and not collapsed[-1]:
            continue
        collapsed.append(line)
    return "\n".join(collapsed) + "\n"
