"""Reading answers files: YAML or JSON with line numbers, migrations of older versions, validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from wizard.answers.errors import AnswerIssue, AnswersError, _dedupe, _issue_from_error, _line_of
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


def load_answers(path: str | Path) -> LoadedAnswers:
    """Read, migrate and validate an answers file; raise AnswersError naming every problem."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnswersError([AnswerIssue("", "no such file")], source) from None
    except IsADirectoryError:
        raise AnswersError([AnswerIssue("", "is a folder, not an answers file")], source) from None
    except UnicodeDecodeError:
        raise AnswersError([AnswerIssue("", "is not UTF-8 text")], source) from None
    except OSError as exc:
        raise AnswersError([AnswerIssue("", f"cannot be read: {exc.strerror}")], source) from None
    fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_answers(text, source=source, fmt=fmt)


def parse_answers(text: str, source: str | None = None, fmt: Literal["yaml", "json"] = "yaml") -> LoadedAnswers:
    if not text.strip():
        raise AnswersError([AnswerIssue("", "the answers file is empty")], source)
    if fmt == "json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise AnswersError(
                [AnswerIssue("", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)], source
            ) from None
    # ruamel parses JSON too (it is YAML 1.2), and gives us line numbers for both formats.
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
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
    return node


def validate_answers(data: dict[str, Any], document: Any = None, source: str | None = None) -> Answers:
    """Validate plain data; raise AnswersError with one issue per problem (field path, line)."""
    try:
        return Answers.model_validate(data)
    except ValidationError as exc:
        issues = [_issue_from_error(err, document) for err in exc.errors()]
        issues.sort(key=lambda issue: issue.line or 0)
        raise AnswersError(_dedupe(issues), source) from None
