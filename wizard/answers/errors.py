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


#: How many problems ``AnswersError.format`` lists; the rest are counted. Fixing the first fifty of a file
#: with thousands (a pasted document, a wrong file) is the useful next step, and the message stays short.
MAX_SHOWN_ISSUES = 50


class AnswersError(GuardformError):
    """Raised when an answers file cannot be used; carries every problem found (``issues``), and formats
    the first ``MAX_SHOWN_ISSUES`` of them."""

    def __init__(self, issues: list[AnswerIssue], source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        super().__init__(self.format())

    def format(self) -> str:
        shown = [issue.format(self.source) for issue in self.issues[:MAX_SHOWN_ISSUES]]
        hidden = len(self.issues) - len(shown)
        if hidden > 0:
            where = self.source or "<answers>"
            shown.append(
                f"{where}: ... and {hidden} more problem{'s' if hidden != 1 else ''} not shown; fix these and run again"
            )
        return "\n".join(shown)


def _dedupe(issues: Iterable[AnswerIssue]) -> list[AnswerIssue]:
    """The issues in order, each once (linear: a file with 20,000 unknown keys is 20,000 issues)."""
    return list(dict.fromkeys(issues))


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
    elif kind == "too_long":
        ctx = err.get("ctx", {})
        message = f"lists {ctx.get('actual_length')} values; at most {ctx.get('max_length')} are allowed"
    elif kind == "string_too_long":
        got = err.get("input")
        message = f"must be at most {err.get('ctx', {}).get('max_length')} characters long" + (
            f", not {len(got)}" if isinstance(got, str) else ""
        )
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        message = f"must be a whole number, not {shown(err.get('input'))}"
    elif kind == "string_unicode":
        message = "contains an unpaired surrogate (an escape such as \\ud800 that is not a character)"
    elif kind in ("string_type",):
        message = f"must be text, not {shown(err.get('input'))}"
    elif kind in ("list_type",):
        message = f"must be a list (e.g. [a, b]), not {shown(err.get('input'))}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "must be a section of fields (a mapping), not " + shown(err.get("input"))
    elif kind in ("enum", "literal_error"):
        got = err.get("input")
        message = f"{shown(got)} is not allowed; {message[0].lower()}{message[1:]}" if got is not None else message
    field = field_path(field_loc)
    line = _line_of(document, field_loc) if document is not None else None
    return AnswerIssue(field, message, line)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


def field_path(loc: tuple[Any, ...]) -> str:
    """``("workload", "kinds", 0)`` as ``workload.kinds[0]``. A key that is not a plain name (it came from
    the file: an unknown key with spaces, control characters, a 10 kB name) is shown quoted and shortened,
    so a message never carries raw control characters to a terminal."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
            continue
        text = str(part)
        if not _PLAIN_KEY.fullmatch(text):
            text = shown(text)
        parts.append(("." if parts else "") + text)
    return "".join(parts)


def shown(value: Any, limit: int = 60) -> str:
    """repr() of a value from the file for a message: escaped (no raw control characters) and at most
    about ``limit`` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return "a number of more than 75 digits"
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"... ({len(value)} characters)"
    if isinstance(value, (list, dict)) and len(value) > 8:
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) <= limit + 20 else text[:limit] + "..."


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
