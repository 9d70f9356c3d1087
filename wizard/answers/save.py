"""Writing answers back: YAML that keeps a user's comments, the stack's answers copy, the digest the
manifest records."""

from __future__ import annotations

import io
import json
from typing import Any, Literal

from pydantic import BaseModel

from wizard.answers.load import _plain, _yaml
from wizard.answers.model import Answers

# --------------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------------


def answers_to_data(answers: Answers) -> dict[str, Any]:
    """Answers as plain data in file order (enums as their values)."""
    return answers.model_dump(mode="json")


def dump_answers_yaml(answers: Answers, document: Any = None) -> str:
    """YAML text for answers.

    With the document they were loaded from, keep its comments, key order and the fields it left
    out: a field the file did not mention is only added when its value is no longer the default.
    Without one, write every field (a new file shows all its choices). The document is not changed.
    """
    import copy

    data = answers_to_data(answers)
    if document is None or not isinstance(document, dict):
        from ruamel.yaml.comments import CommentedMap

        target: Any = CommentedMap()
        defaults: dict[str, Any] = {}
    else:
        target = copy.deepcopy(document)
        defaults = _default_data(Answers)
        # allowed_regions defaults to [region]: derived, so it is a default whatever the region is.
        defaults["project"]["allowed_regions"] = [data["project"]["region"]]
    _merge_into(target, data, defaults)
    buf = io.StringIO()
    _yaml().dump(target, buf)
    return buf.getvalue()


def stack_answers_yaml(answers: Answers, document: Any, fmt: Literal["yaml", "json"]) -> str:
    """The answers copy written into every stack (guardform.answers.yaml): YAML, keeping the comments of
    a YAML source. The CLI and the wizard both call this, so their trees are byte-identical."""
    return dump_answers_yaml(answers, document if fmt == "yaml" else None)


def _default_data(model: type[BaseModel]) -> dict[str, Any]:
    """The default of every optional field, as plain data; sections nest."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out[name] = _default_data(annotation)
        elif not info.is_required():
            value = info.get_default(call_default_factory=True)
            out[name] = json.loads(json.dumps(value, default=lambda v: v.value))
    return out


def _merge_into(target: Any, data: dict[str, Any], defaults: dict[str, Any]) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    for key, value in data.items():
        default = defaults.get(key, _NO_DEFAULT)
        if (
            key not in target
            and default is not _NO_DEFAULT
            and (value == default or (isinstance(value, dict) and _all_default(value, default)))
        ):
            continue
        if isinstance(value, dict):
            current = target.get(key)
            if not isinstance(current, dict):
                current = CommentedMap()
                target[key] = current
            _merge_into(current, value, default if isinstance(default, dict) else {})
        elif isinstance(value, list):
            current = target.get(key)
            if isinstance(current, list) and _plain(current) == value:
                continue
            seq = CommentedSeq(value)
            if not value:
                seq.fa.set_flow_style()
            target[key] = seq
        else:
            if key in target and _plain(target[key]) == value:
                continue
            target[key] = value


_NO_DEFAULT = object()


def _all_default(value: dict[str, Any], default: Any) -> bool:
    return isinstance(default, dict) and all(k in default and default[k] == v for k, v in value.items())


def answers_digest(answers: Answers) -> str:
    """sha256 of the canonical answers (sorted-key JSON): what the manifest records."""
    import hashlib

    canonical = json.dumps(answers_to_data(answers), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
