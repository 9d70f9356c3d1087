"""The JSON Schema of the answers file (`guardform schema`), for editors."""

from __future__ import annotations

from typing import Any

from wizard.answers.model import Answers


def answers_json_schema() -> dict[str, Any]:
    schema = Answers.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
