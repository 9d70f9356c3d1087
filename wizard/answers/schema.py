"""The JSON Schema of the answers file (`guardform schema`), for editors.

It carries every rule JSON Schema can express: the patterns, enumerations, ranges, lengths and list
uniqueness come from the model's fields; the rules between fields (bedrock needs models, a notebook
instance type needs a notebook, an existing VPC needs its ids, the data's tier limits the key strategy,
the rotation period and the log retention) are added here as ``if``/``then`` clauses built from the same
tables the model reads. What it cannot say: that ``allowed_regions`` contains ``region`` (a value
compared with another), that a CIDR has no host bits set, that a list names nothing twice when items
differ only in type, and every character the model refuses in the owner (an AWS tag value: letters, digits
and spaces of any script and ``_ . : / = + - @``). ECMA-262 without the unicode flag has no ``\\p{L}``, so
the owner's pattern is exact over ASCII (quotes, ``$``, braces, commas, ``#``, ``!`` are flagged) and refuses
the controls, invisible formatting characters and punctuation and symbol blocks beyond it; other symbols
(emoji, combining marks) are left to guardform.
"""

from __future__ import annotations

from typing import Any

from wizard.answers.model import Answers
from wizard.answers.tiers import (
    CATEGORY_MINIMUM_TIER,
    COMPLIANCE_MINIMUM_RETENTION,
    COMPLIANCE_MINIMUM_TIER,
    TIER_MINIMUM_RETENTION,
)
from wizard.answers.vocabulary import LOG_RETENTION_VALUES, KeyStrategy, NetworkMode, Sensitivity, WorkloadKind

#: Where editors find the schema when a file names it (``# yaml-language-server: $schema=...``).
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def answers_json_schema() -> dict[str, Any]:
    schema = Answers.model_json_schema()
    schema["$schema"] = SCHEMA_DIALECT
    defs = schema["$defs"]
    retention = defs["Monitoring"]["properties"]["log_retention_days"]
    retention["enum"] = [None, *(days for days in LOG_RETENTION_VALUES if days >= 365)]
    defs["Workload"]["allOf"] = [_bedrock_rule(), _notebook_rule()]
    defs["Network"]["allOf"] = [_network_rule()]
    schema["allOf"] = [*_tier_rules(), *_compliance_retention_rules()]
    return schema


def _bedrock_rule() -> dict[str, Any]:
    return {
        "if": {"properties": {"kinds": {"contains": {"const": WorkloadKind.bedrock.value}}}, "required": ["kinds"]},
        "then": {
            "required": ["bedrock_models"],
            "properties": {"bedrock_models": {"minItems": 1}, "bedrock_callers": {"minItems": 1}},
        },
        "else": {"properties": {"bedrock_models": {"maxItems": 0}}},
    }


def _notebook_rule() -> dict[str, Any]:
    """A notebook instance type only with a notebook workload."""
    notebook = WorkloadKind.sagemaker_notebook.value
    return {
        "if": {"not": {"properties": {"kinds": {"contains": {"const": notebook}}}, "required": ["kinds"]}},
        "then": {"properties": {"notebook_instance_type": {"type": "null"}}},
    }


def _network_rule() -> dict[str, Any]:
    return {
        "if": {"properties": {"mode": {"const": NetworkMode.existing.value}}, "required": ["mode"]},
        "then": {
            "required": ["vpc_id", "private_subnet_ids", "route_table_ids"],
            "properties": {
                "vpc_id": {"type": "string"},
                "private_subnet_ids": {"minItems": 2},
                "route_table_ids": {"minItems": 1},
            },
        },
        "else": {
            "properties": {
                "vpc_id": {"type": "null"},
                "private_subnet_ids": {"maxItems": 0},
                "route_table_ids": {"maxItems": 0},
            }
        },
    }


def _at_least(tier: Sensitivity) -> dict[str, Any]:
    """A schema matching answers whose effective tier is ``tier`` or above (declared, or raised by a
    category or a compliance regime)."""
    tiers = [s.value for s in Sensitivity if s >= tier]
    categories = [c.value for c, t in CATEGORY_MINIMUM_TIER.items() if t >= tier]
    regimes = [r.value for r, t in COMPLIANCE_MINIMUM_TIER.items() if t >= tier]
    ways: list[dict[str, Any]] = [{"properties": {"sensitivity": {"enum": tiers}}, "required": ["sensitivity"]}]
    if categories:
        ways.append({"properties": {"categories": {"contains": {"enum": categories}}}, "required": ["categories"]})
    if regimes:
        ways.append({"properties": {"compliance": {"contains": {"enum": regimes}}}, "required": ["compliance"]})
    return {"properties": {"data": {"anyOf": ways}}, "required": ["data"]}


def _tier_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "if": _at_least(Sensitivity.confidential),
            "then": {
                "properties": {
                    "keys": {
                        "properties": {
                            "strategy": {"not": {"const": KeyStrategy.single.value}},
                            "rotation_days": {"maximum": 365},
                        }
                    }
                }
            },
        }
    ]
    for tier, days in TIER_MINIMUM_RETENTION.items():
        if days > 365:
            rules.append(
                {
                    "if": _at_least(tier),
                    "then": {"properties": {"monitoring": {"properties": {"log_retention_days": {"minimum": days}}}}},
                }
            )
    return rules


def _compliance_retention_rules() -> list[dict[str, Any]]:
    return [
        {
            "if": {
                "properties": {"data": {"properties": {"compliance": {"contains": {"const": regime.value}}}}},
                "required": ["data"],
            },
            "then": {"properties": {"monitoring": {"properties": {"log_retention_days": {"minimum": days}}}}},
        }
        for regime, days in COMPLIANCE_MINIMUM_RETENTION.items()
        if days > 365
    ]
