"""What the user said: the answers file, version 1.

The only stage that validates input. Everything downstream (plan, render, output) may assume an
``Answers`` object is consistent. One module per concern:

- ``vocabulary`` — regions, retention periods, notebook instance types, the usage inputs of the cost
  estimate and the enumerations of every choice;
- ``tiers`` — which data category or compliance regime raises the tier, and retention minimums;
- ``model`` — the pydantic model with every validation rule;
- ``errors`` — ``AnswerIssue``/``AnswersError`` and the mapping from pydantic's errors to them;
- ``load`` — reading YAML/JSON with line numbers, migrations, validation;
- ``save`` — writing answers back with the user's comments, the stack's copy, the digest;
- ``schema`` — the JSON Schema for editors.
"""

from wizard.answers.errors import AnswerIssue, AnswersError
from wizard.answers.load import MIGRATIONS, LoadedAnswers, load_answers, parse_answers, validate_answers
from wizard.answers.model import (
    Access,
    Answers,
    Data,
    Keys,
    Monitoring,
    Network,
    Project,
    Usage,
    Workload,
)
from wizard.answers.save import answers_digest, answers_to_data, dump_answers_yaml, stack_answers_yaml
from wizard.answers.schema import answers_json_schema
from wizard.answers.tiers import (
    CATEGORY_MINIMUM_TIER,
    COMPLIANCE_MINIMUM_RETENTION,
    COMPLIANCE_MINIMUM_TIER,
    TIER_MINIMUM_RETENTION,
)
from wizard.answers.vocabulary import (
    AWS_REGIONS,
    CURRENT_VERSION,
    DEFAULT_NOTEBOOK_INSTANCE_TYPE,
    LOG_RETENTION_VALUES,
    NOTEBOOK_INSTANCE_TYPES,
    USAGE_BY_NAME,
    USAGE_INPUTS,
    BedrockCaller,
    Compliance,
    DataCategory,
    Environment,
    KeyStrategy,
    NetworkMode,
    NotebookInstanceType,
    Sensitivity,
    UsageInput,
    WorkloadKind,
)

__all__ = [
    "AWS_REGIONS",
    "CATEGORY_MINIMUM_TIER",
    "COMPLIANCE_MINIMUM_RETENTION",
    "COMPLIANCE_MINIMUM_TIER",
    "CURRENT_VERSION",
    "DEFAULT_NOTEBOOK_INSTANCE_TYPE",
    "LOG_RETENTION_VALUES",
    "MIGRATIONS",
    "NOTEBOOK_INSTANCE_TYPES",
    "TIER_MINIMUM_RETENTION",
    "USAGE_BY_NAME",
    "USAGE_INPUTS",
    "Access",
    "AnswerIssue",
    "Answers",
    "AnswersError",
    "BedrockCaller",
    "Compliance",
    "Data",
    "DataCategory",
    "Environment",
    "KeyStrategy",
    "Keys",
    "LoadedAnswers",
    "Monitoring",
    "Network",
    "NetworkMode",
    "NotebookInstanceType",
    "Project",
    "Sensitivity",
    "Usage",
    "UsageInput",
    "Workload",
    "WorkloadKind",
    "answers_digest",
    "answers_json_schema",
    "answers_to_data",
    "dump_answers_yaml",
    "load_answers",
    "parse_answers",
    "stack_answers_yaml",
    "validate_answers",
]
