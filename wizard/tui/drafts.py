"""Drafts: answers that still have problems, saved so the user can stop and come back.

A draft is YAML whose first lines are a comment that says it is a draft and lists what is left; the
rest is the form as it stands (a loaded YAML file keeps its comments and key order). Opening a draft
shows each listed problem under its question, as for any answers file with mistakes; saving it once
it is valid drops the draft comment.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

#: the first line of every draft; ``strip_draft_mark`` looks for it
DRAFT_MARK = "# guardform draft: these answers are not complete yet; guardform generate refuses them."
_LEFT = "# still to do:"
_ITEM = "#   - "


class _Issue(Protocol):
    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


def draft_text(data: dict[str, Any], document: Any, issues: Sequence[_Issue]) -> str:
    """The draft file: the mark, what is left (one line per problem), then the answers as YAML."""
    from ruamel.yaml import YAML

    target: Any = copy.deepcopy(document) if isinstance(document, dict) else {}
    _merge(target, data)
    buf = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.dump(target, buf)
    left = [f"{_ITEM}{_one_line(f'{i.field}: {i.message}' if i.field else i.message)}" for i in issues]
    return "\n".join([DRAFT_MARK, _LEFT, *left]) + "\n" + strip_draft_mark(buf.getvalue())


def strip_draft_mark(text: str) -> str:
    """``text`` without a draft's leading comment (what a valid save or the stack's copy writes)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\n") != DRAFT_MARK:
        return text
    i = 1
    if i < len(lines) and lines[i].rstrip("\n") == _LEFT:
        i += 1
        while i < len(lines) and lines[i].startswith(_ITEM):
            i += 1
    return "".join(lines[i:])


def draft_path(path: Path) -> Path:
    """Where the draft of ``path`` goes: the file itself, or for JSON (which has no comments) a
    ``<name>.draft.yaml`` beside it, so the JSON file is left as it was."""
    if path.suffix.lower() == ".json":
        return path.with_name(f"{path.stem}.draft.yaml")
    return path


def _merge(target: Any, data: dict[str, Any]) -> None:
    """Put ``data`` into ``target`` (a ruamel map), keeping the order and comments of keys it has; keys
    of ``target`` that ``data`` no longer holds are removed (hidden or cleared questions)."""
    for key in [k for k in target if k not in data]:
        del target[key]
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())
