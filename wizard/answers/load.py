"""Reading answers files: YAML or JSON with line numbers, migrations of older versions, validation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from wizard.answers.errors import AnswerIssue, AnswersError, _dedupe, _issue_from_error, _line_of, field_path
from wizard.answers.model import Answers
from wizard.answers.vocabulary import CURRENT_VERSION

# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

#: Migrations from an older answers version to the next one: ``{old_version: upgrade(document)}``.
#: Version 1 is the first format, so there is nothing to migrate yet; the loader runs the chain.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass
class LoadedAnswers:
    """Answers plus what the loader knows about the file they came from."""

    answers: Answers
    source: str | None
    document: Any  # the ruamel round-trip document (YAML) or plain dict (JSON), for saving back
    format: Literal["yaml", "json"]
    notices: list[str]


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


#: The largest answers file guardform reads. A real one is under 4 kB; the bound keeps a runaway file (or
#: a 50 MB comment) from being parsed, validated and copied into the stack.
MAX_ANSWERS_BYTES = 1024 * 1024
#: How deep mappings and lists may nest. An answers file needs three levels (sections, fields, lists);
#: the bound stops a crafted file from exhausting the parser's recursion before it is ever built.
MAX_NESTING = 10
#: How many values (keys, items, sections) a file may hold. An answers file has well under a hundred; a
#: file of thousands is the wrong file, and parsing it (ruamel takes about 0.2 ms a key) is cut short.
MAX_VALUES = 10_000
#: A plain number longer than this is refused before it is converted (Python refuses integers of more
#: than 4,300 digits with a ValueError, and no answer needs more than a few digits).
MAX_NUMBER_CHARS = 100

_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
#: Explicit YAML tags an answers file may carry: the ones that only restate a plain value's type.
_ALLOWED_TAGS = frozenset(_YAML_TAG_PREFIX + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))
_NUMBER_RE = re.compile(r"[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)")
_MIB = f"{MAX_ANSWERS_BYTES // (1024 * 1024)} MiB"


def load_answers(path: str | Path) -> LoadedAnswers:
    """Read, migrate and validate an answers file; raise AnswersError naming every problem."""
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_ANSWERS_BYTES + 1)
    except FileNotFoundError:
        raise AnswersError([AnswerIssue("", "no such file")], source) from None
    except IsADirectoryError:
        raise AnswersError([AnswerIssue("", "is a folder, not an answers file")], source) from None
    except OSError as exc:
        raise AnswersError([AnswerIssue("", f"cannot be read: {exc.strerror}")], source) from None
    if len(raw) > MAX_ANSWERS_BYTES:
        raise AnswersError([_too_big()], source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AnswersError([AnswerIssue("", f"is not UTF-8 text (byte {exc.start + 1})", line)], source) from None
    fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_answers(text, source=source, fmt=fmt)


def _too_big() -> AnswerIssue:
    return AnswerIssue("", f"is larger than {_MIB}; an answers file is a few kilobytes (is this the right file?)")


def parse_answers(text: str, source: str | None = None, fmt: Literal["yaml", "json"] = "yaml") -> LoadedAnswers:
    """Parse, migrate and validate answers text (YAML or JSON); raise AnswersError naming every problem.

    A leading byte order mark is accepted in both formats (editors on Windows write one). Anchors,
    aliases and non-core tags are refused: an answers file has no use for them, and an alias is how a
    few hundred bytes expand to gigabytes."""
    if len(text) > MAX_ANSWERS_BYTES:
        raise AnswersError([_too_big()], source)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise AnswersError([AnswerIssue("", "the answers file is empty")], source)
    _check_ambiguous_breaks(text, source)
    if fmt == "json":
        _check_json_nesting(text, source)
        try:
            # Only a syntax check: numbers are not converted here (ruamel reads the values below), so a
            # 5,000-digit integer cannot raise Python's integer conversion limit.
            json.loads(text, parse_int=len, parse_float=len, parse_constant=len)
        except json.JSONDecodeError as exc:
            raise AnswersError(
                [AnswerIssue("", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)], source
            ) from None
    # ruamel parses JSON too (it is YAML 1.2), and gives us line numbers for both formats.
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        _check_events(text, source)
        document = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        raise AnswersError([AnswerIssue("", f"YAML syntax error: {problem}", line)], source) from None
    except YAMLError as exc:
        raise AnswersError([AnswerIssue("", f"YAML error: {exc}")], source) from None
    if document is None:
        raise AnswersError([AnswerIssue("", "the answers file holds no answers (only comments?)")], source)
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else f"a single value ({type(document).__name__})"
        raise AnswersError(
            [AnswerIssue("", f"the top level must be a mapping of sections (project:, workload:, ...), not {kind}", 1)],
            source,
        )
    data, notices = _migrate(_plain(document), document, source)
    answers = validate_answers(data, document=document, source=source)
    return LoadedAnswers(answers, source, document, fmt, notices)


def _check_events(text: str, source: str | None) -> None:
    """Refuse, from the parser's event stream and before anything is built, what would make building the
    document explode: more than MAX_VALUES values, nesting deeper than MAX_NESTING, anchors and aliases,
    tags outside YAML's core types, and numbers too long to convert. The stream is abandoned at the first
    problem, so its cost stays bounded whatever the file holds (ruamel's scanner is quadratic in nesting
    depth)."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent, ScalarEvent

    depth = values = 0
    for event in _yaml().parse(text):
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent):
            raise AnswersError(
                [
                    AnswerIssue(
                        "",
                        f"YAML alias *{event.anchor} is not supported in answers files; write the value out in full",
                        line,
                    )
                ],
                source,
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise AnswersError(
                [
                    AnswerIssue(
                        "",
                        f"YAML anchor &{event.anchor} is not supported in answers files; write each value out in full",
                        line,
                    )
                ],
                source,
            )
        tag = getattr(event, "tag", None)
        if tag is not None and str(tag) not in _ALLOWED_TAGS:
            shown = "!!" + str(tag)[len(_YAML_TAG_PREFIX) :] if str(tag).startswith(_YAML_TAG_PREFIX) else str(tag)
            raise AnswersError(
                [
                    AnswerIssue(
                        "", f"YAML tag {_shorten(shown)} is not supported in answers files; write a plain value", line
                    )
                ],
                source,
            )
        if isinstance(event, NodeEvent):
            values += 1
            if values > MAX_VALUES:
                raise AnswersError(
                    [
                        AnswerIssue(
                            "",
                            f"holds more than {MAX_VALUES} values (keys and items) by this "
                            "line; an answers file has a few dozen (is this the right file?)",
                            line,
                        )
                    ],
                    source,
                )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise AnswersError([_too_deep(line)], source)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif (
            isinstance(event, ScalarEvent)
            and event.style is None
            and len(event.value) > MAX_NUMBER_CHARS
            and _NUMBER_RE.fullmatch(event.value)
        ):
            raise AnswersError(
                [
                    AnswerIssue(
                        "", f"a number with {len(event.value)} characters; no answer needs more than a few digits", line
                    )
                ],
                source,
            )


#: Characters YAML 1.1 reads as line breaks and YAML 1.2 and JSON as text. ruamel folds them to a space or
#: a line break even in a JSON string, so a value holding one would silently change; refuse them raw.
_AMBIGUOUS_BREAKS = re.compile("[\x85\u2028\u2029]")


def _check_ambiguous_breaks(text: str, source: str | None) -> None:
    found = _AMBIGUOUS_BREAKS.search(text)
    if found is not None:
        from wizard.answers.model import char_name

        line = text.count("\n", 0, found.start()) + 1
        raise AnswersError(
            [
                AnswerIssue(
                    "",
                    f"contains {char_name(found.group())}, which YAML readers disagree on "
                    "(a line break to some, a character to others); remove it",
                    line,
                )
            ],
            source,
        )


def _check_json_nesting(text: str, source: str | None) -> None:
    """Refuse JSON nested deeper than MAX_NESTING before Python's recursive decoder sees it."""
    depth = 0
    line = 1
    in_string = escaped = False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise AnswersError([_too_deep(line)], source)
        elif ch in "]}":
            depth -= 1


def _too_deep(line: int) -> AnswerIssue:
    return AnswerIssue(
        "",
        f"mappings and lists nest more than {MAX_NESTING} levels deep here; an answers file "
        "needs three (section, field, list)",
        line,
    )


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _migrate(data: dict[str, Any], document: Any, source: str | None) -> tuple[dict[str, Any], list[str]]:
    version = data.get("version", CURRENT_VERSION)
    line = _line_of(document, ("version",))
    if isinstance(version, bool) or not isinstance(version, int):
        raise AnswersError(
            [AnswerIssue("version", f"must be a whole number such as {CURRENT_VERSION}, not {version!r}", line)], source
        )
    if version > CURRENT_VERSION:
        from wizard import __version__

        raise AnswersError(
            [
                AnswerIssue(
                    "version",
                    f"answers version {version} is newer than this guardform ({__version__}) "
                    f"understands (up to {CURRENT_VERSION}); upgrade guardform to a release that reads "
                    f"version {version}",
                    line,
                )
            ],
            source,
        )
    if version < 1:
        raise AnswersError(
            [AnswerIssue("version", f"{version} is not an answers version (the first is 1)", line)], source
        )
    notices: list[str] = []
    while version < CURRENT_VERSION:
        data = MIGRATIONS[version](data)
        notices.append(f"answers upgraded from version {version} to {version + 1}")
        version += 1
        data["version"] = version
    return data, notices


def _plain(node: Any) -> Any:
    """ruamel round-trip containers and scalars as plain Python values."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    from ruamel.yaml.comments import TaggedScalar

    if isinstance(node, TaggedScalar):  # a core tag the loader kept (!!str 1234): the text it tags
        return str(node.value)
    return node


def validate_answers(data: dict[str, Any], document: Any = None, source: str | None = None) -> Answers:
    """Validate plain data; raise AnswersError with one issue per problem (field path, line).

    Every problem in one pass: each list item is checked on its own, and the rules between fields
    (bedrock needs models, an existing VPC needs subnets, the tier limits keys and retention) are
    checked on the fields that are valid even when others are not. A first pass finds the fields that
    fail; a second validates the rest with those fields set aside, and keeps what the rules say."""
    problems: list[tuple[tuple[str, ...], str]] = []
    try:
        answers = Answers.model_validate(data, context={"unknown": frozenset(), "problems": problems})
    except ValidationError as exc:
        errors = exc.errors()
        issues = [_issue_from_error(err, document) for err in errors]
        issues += _rule_issues_without(data, errors, document)
    else:
        if not problems:
            return answers
        issues = [_rule_issue(loc, message, document) for loc, message in problems]
    issues.sort(key=lambda issue: issue.line or 0)
    raise AnswersError(_dedupe(issues), source) from None


#: Valid stand-ins for required fields that failed, so the second pass can still build their section and
#: check its other fields' rules; a rule that reads a stand-in is skipped (the field is marked unknown).
_STAND_INS: dict[str, dict[str, Any]] = {
    "project": {"name": "stand-in", "region": "us-east-1"},
    "workload": {"kinds": ["sagemaker_training"]},
    "data": {"sensitivity": "public"},
}


def _rule_issues_without(data: Any, errors: list[Any], document: Any) -> list[AnswerIssue]:
    """The rules' problems among the fields that validated: validate again with the failing fields
    removed (or replaced by a stand-in when required) and named as unknown, so no rule reads them."""
    if not isinstance(data, dict):
        return []
    pruned: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    unknown: set[str] = set()
    for err in errors:
        loc = tuple(str(p) for p in err["loc"] if p != "__root__")
        if not loc:
            continue
        section = loc[0]
        info = Answers.model_fields.get(section)
        if info is None or section == "version":
            pruned.pop(section, None)
            continue
        if len(loc) == 1 or not isinstance(pruned.get(section), dict):
            pruned[section] = dict(_STAND_INS.get(section, {}))
            unknown.add(section)
            continue
        model = info.annotation
        field = loc[1]
        if not (isinstance(model, type) and issubclass(model, BaseModel) and field in model.model_fields):
            pruned[section].pop(field, None)  # an unknown key: already reported
            continue
        unknown.add(f"{section}.{field}")
        if field in _STAND_INS.get(section, {}):
            pruned[section][field] = _STAND_INS[section][field]
        else:
            pruned[section].pop(field, None)
    problems: list[tuple[tuple[str, ...], str]] = []
    try:
        Answers.model_validate(pruned, context={"unknown": frozenset(unknown), "problems": problems})
    except ValidationError:
        return []  # what still fails was reported by the first pass
    return [
        _rule_issue(loc, message, document)
        for loc, message in problems
        if ".".join(loc[:2]) not in unknown and loc[0] not in unknown
    ]


def _rule_issue(loc: tuple[str, ...], message: str, document: Any) -> AnswerIssue:
    return AnswerIssue(field_path(loc), message, _line_of(document, loc) if document is not None else None)
