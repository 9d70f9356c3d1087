"""Problems with an answers file, and the mapping from pydantic's validation errors to them (field path,
line, a did-you-mean hint)."""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from wizard.answers.model import Answers
from wizard.errors import GuardformError

# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerIssue:
    """One problem with an answers file: where it is and what is wrong."""

    field: str
    message: str
    line: int | None = None

    def format(self, source: str | None) -> str:
        where = source or "<answers>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class AnswersError(GuardformError):
    """Raised when an answers file cannot be used; carries every problem found."""

    def __init__(self, issues: list[AnswerIssue], source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(issue.format(self.source) for issue in self.issues)


def _dedupe(issues: Iterable[AnswerIssue]) -> list[AnswerIssue]:
    out: list[AnswerIssue] = []
    for issue in issues:
        if issue not in out:
            out.append(issue)
    return out


def _issue_from_error(err: Any, document: Any) -> AnswerIssue:
    loc = tuple(p for p in err["loc"] if p != "__root__")
    kind = err["type"]
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    # A model-level error names its own field as "field: message"; move it into the path.
    field_loc = loc
    if kind == "value_error":
        m = re.match(r"^([a-z_]+(?:\.[a-z_]+)*): (.*)$", message, re.S)
        if m:
            field_loc = loc + tuple(m.group(1).split("."))
            message = m.group(2)
    if kind == "extra_forbidden":
        message = "unknown field" + _did_you_mean(loc)
    elif kind == "missing":
        message = "is required"
    elif kind == "too_short":
        message = "must list at least one value"
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        message = f"must be a whole number, not {err.get('input')!r}"
    elif kind in ("string_type",):
        message = f"must be text, not {err.get('input')!r}"
    elif kind in ("list_type",):
        message = f"must be a list (e.g. [a, b]), not {err.get('input')!r}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "must be a section of fields (a mapping), not " + repr(err.get("input"))
    elif kind in ("enum", "literal_error"):
        got = err.get("input")
        message = f"{got!r} is not allowed; {message[0].lower()}{message[1:]}" if got is not None else message
    field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in field_loc).replace(".[", "[")
    line = _line_of(document, field_loc) if document is not None else None
    return AnswerIssue(field, message, line)


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] | None = Answers
    for part in loc[:-1]:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return ""
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    if model is None:
        return ""
    known = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known fields: {', '.join(known)})"


def _line_of(document: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the value at loc in a ruamel document; the nearest existing parent otherwise."""
    node = document
    line: int | None = None
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and part in node:
            if lc is not None:
                with contextlib.suppress(KeyError, TypeError):
                    line = lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            if lc is not None:
                with contextlib.suppress(KeyError, TypeError, IndexError):
                    line = lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line
