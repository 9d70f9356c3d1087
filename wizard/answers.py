"""What the user said: the answers file, version 1.

This is the only module that validates input. Everything downstream (plan, render, output) may assume
an ``Answers`` object is consistent. Loading keeps track of where each value came from in the file so
that every error names the field path and, for YAML and JSON, the line.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CURRENT_VERSION = 1

# --------------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------------

#: AWS commercial-partition region codes guardform accepts (opt-in regions included).
AWS_REGIONS: tuple[str, ...] = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)

#: Retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_VALUES: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)


class Environment(str, Enum):
    dev = "dev"
    staging = "staging"
    prod = "prod"


class WorkloadKind(str, Enum):
    sagemaker_training = "sagemaker_training"
    sagemaker_inference = "sagemaker_inference"
    sagemaker_notebook = "sagemaker_notebook"
    bedrock = "bedrock"


class BedrockCaller(str, Enum):
    lambda_ = "lambda"
    ecs_tasks = "ecs_tasks"
    ec2 = "ec2"


class Sensitivity(str, Enum):
    public = "public"
    internal = "internal"
    confidential = "confidential"
    restricted = "restricted"

    @property
    def rank(self) -> int:
        return _SENSITIVITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Sensitivity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Sensitivity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Sensitivity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Sensitivity):
            return NotImplemented
        return self.rank < other.rank


_SENSITIVITY_ORDER = [Sensitivity.public, Sensitivity.internal, Sensitivity.confidential, Sensitivity.restricted]


class DataCategory(str, Enum):
    pii = "pii"
    phi = "phi"
    financial = "financial"
    credentials = "credentials"


class Compliance(str, Enum):
    hipaa = "hipaa"
    pci_dss = "pci_dss"
    gdpr = "gdpr"
    soc2 = "soc2"


class NetworkMode(str, Enum):
    new = "new"
    existing = "existing"


class KeyStrategy(str, Enum):
    per_purpose = "per_purpose"
    single = "single"


# The minimum tier a data category or a compliance regime implies (controls catalog §9, overlay
# table). It lives here, beside the vocabularies, because validation needs it too (one key is only
# allowed for public and internal data); plan.py reads it from here and records the reason.
CATEGORY_MINIMUM_TIER: dict[DataCategory, Sensitivity] = {
    DataCategory.pii: Sensitivity.confidential,
    DataCategory.phi: Sensitivity.restricted,
    DataCategory.financial: Sensitivity.confidential,
    DataCategory.credentials: Sensitivity.confidential,
}
COMPLIANCE_MINIMUM_TIER: dict[Compliance, Sensitivity] = {
    Compliance.hipaa: Sensitivity.restricted,
    Compliance.pci_dss: Sensitivity.restricted,
    Compliance.gdpr: Sensitivity.confidential,
    Compliance.soc2: Sensitivity.internal,
}
#: The shortest log retention (days) each regime asks for; 365 is guardform's floor for everyone.
COMPLIANCE_MINIMUM_RETENTION: dict[Compliance, int] = {
    Compliance.hipaa: 2192,  # HIPAA documentation retention: six years
    Compliance.pci_dss: 365,  # PCI DSS 10.5.1: one year of audit history
    Compliance.gdpr: 365,
    Compliance.soc2: 365,
}
TIER_MINIMUM_RETENTION: dict[Sensitivity, int] = {
    Sensitivity.public: 365,
    Sensitivity.internal: 365,
    Sensitivity.confidential: 731,
    Sensitivity.restricted: 2192,
}


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,31}$")
_MODEL_ID_RE = re.compile(r"^(?:(?:us|eu|apac|us-gov|jp|au|ca|global)\.)?[a-z0-9-]+\.[A-Za-z0-9._:-]+$")
_ROLE_ARN_RE = re.compile(r"^arn:aws:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_VPC_RE = re.compile(r"^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_SUBNET_RE = re.compile(r"^subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_RTB_RE = re.compile(r"^rtb-[0-9a-f]{8}(?:[0-9a-f]{9})?$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_default=True)


def _unique(values: list[Any], what: str) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {getattr(value, 'value', value)!r} is listed twice")
        seen.append(value)
    return values


class Project(_Section):
    name: str = Field(
        description="Stack name: 3-32 characters, lowercase letters, digits and hyphens, starting with a letter. "
        "It prefixes every resource name.",
        examples=["fraud-scoring"],
    )
    environment: Environment = Field(Environment.dev, description="Deployment stage: dev, staging or prod.")
    owner: str | None = Field(None, description="Free text; becomes the Owner tag when set.", max_length=256)
    region: str = Field(description="AWS region code the stack is deployed to.", examples=["us-east-1"])
    allowed_regions: list[str] = Field(
        default_factory=list,
        description="Regions workloads may call; must contain region. Every other region is denied. "
        "Defaults to [region].",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(
                "must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter"
            )
        if value.endswith("-") or "--" in value:
            raise ValueError("must not end with a hyphen or contain two hyphens in a row")
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank; leave it out or use null instead")
        if value is not None and any(ord(ch) < 32 and ch not in "\t" for ch in value):
            raise ValueError("must be a single line of text (no control characters or line breaks)")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _check_region(value)

    @field_validator("allowed_regions")
    @classmethod
    def _allowed(cls, values: list[str]) -> list[str]:
        return _unique([_check_region(v) for v in values], "region")

    @model_validator(mode="after")
    def _region_allowed(self) -> Project:
        if not self.allowed_regions:
            self.allowed_regions = [self.region]
        elif self.region not in self.allowed_regions:
            raise ValueError(f"allowed_regions: must contain the stack's region {self.region!r}")
        return self


def _check_region(value: str) -> str:
    if value not in AWS_REGIONS:
        close = difflib.get_close_matches(value, AWS_REGIONS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{value!r} is not a known AWS region code{hint}")
    return value


class Workload(_Section):
    kinds: list[WorkloadKind] = Field(
        min_length=1,
        description="What runs: sagemaker_training, sagemaker_inference, sagemaker_notebook, bedrock.",
    )
    bedrock_models: list[str] = Field(
        default_factory=list,
        description="Bedrock model ids (foundation models, or inference profiles with a geo prefix such as "
        "'us.'); required when bedrock is chosen, else empty.",
    )
    bedrock_callers: list[BedrockCaller] = Field(
        default_factory=lambda: [BedrockCaller.lambda_],
        description="Which compute invokes Bedrock: lambda, ecs_tasks, ec2. One IAM role is made for each.",
    )

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, values: list[WorkloadKind]) -> list[WorkloadKind]:
        return _unique(values, "workload kind")

    @field_validator("bedrock_models")
    @classmethod
    def _models(cls, values: list[str]) -> list[str]:
        for value in values:
            if value.startswith("global."):
                raise ValueError(
                    f"{value!r} is a global inference profile: it routes requests to any commercial region, which "
                    "the region restriction guardform always applies would deny; use a geographic profile "
                    "(us., eu., apac., ...) or a model id"
                )
            if not _MODEL_ID_RE.match(value):
                raise ValueError(
                    f"{value!r} is not a Bedrock model id (expected e.g. 'anthropic.claude-3-haiku-20240307-v1:0')"
                )
        return _unique(values, "model")

    @field_validator("bedrock_callers")
    @classmethod
    def _callers(cls, values: list[BedrockCaller]) -> list[BedrockCaller]:
        return _unique(values, "caller")

    @model_validator(mode="after")
    def _bedrock_consistency(self) -> Workload:
        if WorkloadKind.bedrock in self.kinds:
            if not self.bedrock_models:
                raise ValueError("bedrock_models: list at least one model id when bedrock is chosen")
            if not self.bedrock_callers:
                raise ValueError("bedrock_callers: choose at least one caller when bedrock is chosen")
        elif self.bedrock_models:
            raise ValueError("bedrock_models: must be empty unless 'bedrock' is one of the kinds")
        return self


class Data(_Section):
    sensitivity: Sensitivity = Field(
        description="How sensitive the data is: public, internal, confidential or restricted."
    )
    categories: list[DataCategory] = Field(
        default_factory=list, description="Kinds of sensitive data present: pii, phi, financial, credentials."
    )
    compliance: list[Compliance] = Field(
        default_factory=list, description="Regimes that apply: hipaa, pci_dss, gdpr, soc2."
    )

    @field_validator("categories")
    @classmethod
    def _cats(cls, values: list[DataCategory]) -> list[DataCategory]:
        return _unique(values, "category")

    @field_validator("compliance")
    @classmethod
    def _comp(cls, values: list[Compliance]) -> list[Compliance]:
        return _unique(values, "compliance regime")

    @property
    def effective_sensitivity(self) -> Sensitivity:
        """The declared tier, raised by categories and compliance regimes (catalog §9 overlay)."""
        tier = self.sensitivity
        for cat in self.categories:
            tier = max(tier, CATEGORY_MINIMUM_TIER[cat], key=lambda s: s.rank)
        for regime in self.compliance:
            tier = max(tier, COMPLIANCE_MINIMUM_TIER[regime], key=lambda s: s.rank)
        return tier

    @property
    def raised_by(self) -> list[tuple[str, str]]:
        """The categories and regimes that raise the declared tier: ("category" | "compliance", value)."""
        raised = [("category", c.value) for c in self.categories if CATEGORY_MINIMUM_TIER[c] > self.sensitivity]
        raised += [("compliance", c.value) for c in self.compliance if COMPLIANCE_MINIMUM_TIER[c] > self.sensitivity]
        return raised

    @property
    def minimum_log_retention(self) -> int:
        days = TIER_MINIMUM_RETENTION[self.effective_sensitivity]
        for regime in self.compliance:
            days = max(days, COMPLIANCE_MINIMUM_RETENTION[regime])
        return days


class Network(_Section):
    mode: NetworkMode = Field(NetworkMode.new, description="new: guardform builds a private VPC; existing: use yours.")
    cidr: str = Field("10.0.0.0/16", description="new: a private (RFC 1918) IPv4 block, /16 to /24.")
    availability_zones: int = Field(2, description="new: how many availability zones (2 or 3).")
    vpc_id: str | None = Field(None, description="existing: the VPC id (vpc-...).")
    private_subnet_ids: list[str] = Field(
        default_factory=list, description="existing: two or more private subnet ids (subnet-...)."
    )
    route_table_ids: list[str] = Field(
        default_factory=list, description="existing: route table ids (rtb-...) for the S3 gateway endpoint."
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IPv4 network in CIDR form ({exc})") from None
        if not any(net.subnet_of(ipaddress.IPv4Network(p)) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")):
            raise ValueError(f"{value} is not a private (RFC 1918) range")
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"{value}: the prefix must be between /16 and /24")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _azs(cls, value: int) -> int:
        if value not in (2, 3):
            raise ValueError("must be 2 or 3")
        return value

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        if value is not None and not _VPC_RE.match(value):
            raise ValueError(f"{value!r} is not a VPC id (vpc- and 8 or 17 hex digits)")
        return value

    @field_validator("private_subnet_ids")
    @classmethod
    def _subnets(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _SUBNET_RE.match(value):
                raise ValueError(f"{value!r} is not a subnet id (subnet- and 8 or 17 hex digits)")
        return _unique(values, "subnet")

    @field_validator("route_table_ids")
    @classmethod
    def _rtbs(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _RTB_RE.match(value):
                raise ValueError(f"{value!r} is not a route table id (rtb- and 8 or 17 hex digits)")
        return _unique(values, "route table")

    @model_validator(mode="after")
    def _mode(self) -> Network:
        if self.mode is NetworkMode.existing:
            if self.vpc_id is None:
                raise ValueError("vpc_id: is required when mode is 'existing'")
            if len(self.private_subnet_ids) < 2:
                raise ValueError("private_subnet_ids: list at least two private subnets when mode is 'existing'")
            if not self.route_table_ids:
                raise ValueError("route_table_ids: list the private route tables when mode is 'existing'")
        else:
            given = [n for n in ("vpc_id", "private_subnet_ids", "route_table_ids") if getattr(self, n)]
            if given:
                raise ValueError(f"{given[0]}: only applies when mode is 'existing' (mode is 'new')")
        return self


class Keys(_Section):
    strategy: KeyStrategy = Field(
        KeyStrategy.per_purpose,
        description="per_purpose: one customer managed key each for data, artifacts and logs; single: one key "
        "(public and internal data only).",
    )
    rotation_days: int = Field(365, description="Automatic key rotation period in days (90-2560).")
    deletion_window_days: int = Field(30, description="Waiting period before a deleted key is destroyed (7-30).")

    @field_validator("rotation_days")
    @classmethod
    def _rotation(cls, value: int) -> int:
        if not 90 <= value <= 2560:
            raise ValueError("must be between 90 and 2560 days")
        return value

    @field_validator("deletion_window_days")
    @classmethod
    def _deletion(cls, value: int) -> int:
        if not 7 <= value <= 30:
            raise ValueError("must be between 7 and 30 days")
        return value


class Access(_Section):
    admin_role_arns: list[str] = Field(
        default_factory=list,
        description="IAM role ARNs exempt from the data perimeter (break-glass, data administrators).",
    )

    @field_validator("admin_role_arns")
    @classmethod
    def _arns(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _ROLE_ARN_RE.match(value):
                raise ValueError(f"{value!r} is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)")
        return _unique(values, "role")


class Monitoring(_Section):
    log_retention_days: int | None = Field(
        None,
        description="CloudWatch Logs retention in days; null derives it from the data (at least 365, longer "
        "where sensitivity or compliance asks).",
    )
    alert_email: str | None = Field(None, description="Security alerts are sent here through SNS when set.")

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int | None) -> int | None:
        if value is None:
            return value
        if value not in LOG_RETENTION_VALUES:
            raise ValueError(f"{value} is not a CloudWatch Logs retention period; choose one of "
                             + ", ".join(str(v) for v in LOG_RETENTION_VALUES if v >= 365))
        if value < 365:
            raise ValueError("must be at least 365 days (audit logs of AI workloads are kept a year or more)")
        return value

    @field_validator("alert_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value


class Answers(BaseModel):
    """A guardform answers file (version 1)."""

    model_config = ConfigDict(
        extra="forbid",
        title="guardform answers",
        json_schema_extra={"$id": "https://guardform.dev/schema/answers-v1.json"},
    )

    version: Literal[1] = Field(1, description="Answers file format version.")
    project: Project
    workload: Workload
    data: Data
    network: Network = Field(default_factory=Network)  # type: ignore[arg-type]
    keys: Keys = Field(default_factory=Keys)  # type: ignore[arg-type]
    access: Access = Field(default_factory=Access)
    monitoring: Monitoring = Field(default_factory=Monitoring)

    @model_validator(mode="after")
    def _cross_section(self) -> Answers:
        tier = self.data.effective_sensitivity
        if self.keys.strategy is KeyStrategy.single and tier >= Sensitivity.confidential:
            raise ValueError(
                f"keys.strategy: 'single' is only allowed for public and internal data; this data is {tier.value}"
                + _tier_reason(self.data)
                + ", which needs a key per purpose"
            )
        if tier >= Sensitivity.confidential and self.keys.rotation_days > 365:
            raise ValueError(
                f"keys.rotation_days: {tier.value} data needs keys rotated at least yearly (365 days or less)"
            )
        retention = self.monitoring.log_retention_days
        if retention is not None and retention < self.data.minimum_log_retention:
            raise ValueError(
                f"monitoring.log_retention_days: {retention} is below the {self.data.minimum_log_retention} days "
                f"that {tier.value} data{_tier_reason(self.data)} requires"
            )
        return self

    @property
    def effective_sensitivity(self) -> Sensitivity:
        return self.data.effective_sensitivity


def _tier_reason(data: Data) -> str:
    raised = [value for _, value in data.raised_by]
    return f" (raised by {', '.join(raised)})" if raised else ""


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


class AnswersError(Exception):
    """Raised when an answers file cannot be used; carries every problem found."""

    def __init__(self, issues: list[AnswerIssue], source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(issue.format(self.source) for issue in self.issues)


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
            raise AnswersError([AnswerIssue("", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)],
                               source) from None
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
        raise AnswersError([AnswerIssue("version", f"must be a whole number such as {CURRENT_VERSION}, not "
                                        f"{version!r}", line)], source)
    if version > CURRENT_VERSION:
        from wizard import __version__

        raise AnswersError(
            [AnswerIssue("version", f"answers version {version} is newer than this guardform ({__version__}) "
                         f"understands (up to {CURRENT_VERSION}); upgrade guardform to a release that reads "
                         f"version {version}", line)],
            source,
        )
    if version < 1:
        raise AnswersError([AnswerIssue("version", f"{version} is not an answers version (the first is 1)", line)],
                           source)
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
        message = message[len("Value error, "):]
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
        if key not in target and default is not _NO_DEFAULT and (
            value == default or (isinstance(value, dict) and _all_default(value, default))
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


def answers_json_schema() -> dict[str, Any]:
    schema = Answers.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
