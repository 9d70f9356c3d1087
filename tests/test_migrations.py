"""Answers versions: older files are upgraded with a notice, newer ones are refused."""

from __future__ import annotations

from typing import Any

import pytest

import wizard.answers as answers_mod
import wizard.answers.load as load_mod
from wizard.answers import AnswersError, parse_answers

V1 = (
    "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [bedrock], bedrock_models: [m.x]}\n"
    "data: {sensitivity: internal}\n"
)


def test_an_older_version_is_upgraded_with_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the current format is 2 and version 1 files need a migration that renames a field.
    def upgrade(data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        data["data"] = dict(data["data"], sensitivity="confidential")
        return data

    monkeypatch.setattr(load_mod, "CURRENT_VERSION", 2)
    monkeypatch.setitem(answers_mod.MIGRATIONS, 1, upgrade)
    monkeypatch.setattr(answers_mod.Answers.model_fields["version"], "annotation", int)
    answers_mod.Answers.model_rebuild(force=True)
    try:
        loaded = parse_answers("version: 1\n" + V1)
    finally:
        monkeypatch.undo()
        answers_mod.Answers.model_rebuild(force=True)
    assert loaded.notices == ["answers upgraded from version 1 to 2"]
    assert loaded.answers.data.sensitivity.value == "confidential"


def test_a_newer_version_names_the_guardform_needed() -> None:
    with pytest.raises(AnswersError) as info:
        parse_answers("version: 5\n" + V1, source="a.yaml")
    message = info.value.format()
    assert message.startswith("a.yaml:1: version: answers version 5 is newer than this guardform")
    assert "upgrade guardform" in message


def test_version_zero_is_refused() -> None:
    with pytest.raises(AnswersError, match="not an answers version"):
        parse_answers("version: 0\n" + V1)
