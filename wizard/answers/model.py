"""The answers model (version 1): pydantic sections with every validation rule.

This is the only place that validates input; everything downstream may assume an ``Answers`` object is
consistent."""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from wizard.answers.tiers import (
    CATEGORY_MINIMUM_TIER,
    COMPLIANCE_MINIMUM_RETENTION,
    COMPLIANCE_MINIMUM_TIER,
    TIER_MINIMUM_RETENTION,
)
from wizard.answers.vocabulary import (
    AWS_REGIONS,
    DEFAULT_NOTEBOOK_INSTANCE_TYPE,
    LOG_RETENTION_VALUES,
    USAGE_BY_NAME,
    BedrockCaller,
    Compliance,
    DataCategory,
    Environment,
    KeyStrategy,
    NetworkMode,
    NotebookInstanceType,
    Sensitivity,
    WorkloadKind,
)

# --------------------------------------------------------------------------------------------------
# Patterns. Each is matched against the whole value (``fullmatch``: a ``$`` would also accept a
# trailing newline) and in ASCII mode (``\d`` would also accept Arabic-Indic and other digits). The
# ``*_PATTERN`` strings are the same rules in JSON Schema's (ECMA-262) regex dialect.
# --------------------------------------------------------------------------------------------------

#: A letter, then letters, digits and single hyphens, never a hyphen at the end (3-32 characters).
NAME_PATTERN = r"^[a-z](?:-?[a-z0-9])+$"
MODEL_ID_PATTERN = r"^(?!global\.)(?:(?:us|eu|apac|us-gov|jp|au|ca)\.)?[a-z0-9-]+\.[A-Za-z0-9._:-]+$"
ROLE_ARN_PATTERN = r"^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
VPC_PATTERN = r"^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$"
SUBNET_PATTERN = r"^subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?$"
RTB_PATTERN = r"^rtb-[0-9a-f]{8}(?:[0-9a-f]{9})?$"
#: An RFC 1918 IPv4 block with a prefix of /16 to /24 (the model also checks that host bits are zero).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
CIDR_PATTERN = rf"^(?:10\.{_OCTET}|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168)\.{_OCTET}\.{_OCTET}/(?:1[6-9]|2[0-4])$"
#: An AWS tag value, for editors (the model's rule is ``check_tag_value``). Exact over ASCII: letters,
#: digits, space and ``_ . : / = + - @``, so quotes, ``$``, braces, commas, parentheses, ``#`` and ``!`` are
#: flagged. Beyond ASCII an ECMA-262 pattern without the unicode flag has no ``\p{L}``: it refuses the C1
#: controls, the invisible formatting characters, and the punctuation and symbol blocks whose every character
#: the model refuses (Latin-1 signs, dashes, curly quotes, bullets, currency, arrows, mathematical and
#: technical symbols, box drawing and shapes, CJK and fullwidth punctuation), and leaves the rest (emoji and
#: other symbols outside those blocks, combining marks) to the model.
OWNER_PATTERN = (
    "^[^\\u0000-\\u001f\\u0021-\\u002a\\u002c\\u003b\\u003c\\u003e\\u003f\\u005b-\\u005e\\u0060"
    "\\u007b-\\u009f\\u00a1-\\u00a9\\u00ab-\\u00b1\\u00b4\\u00b6-\\u00b8\\u00bb\\u00bf\\u00d7\\u00f7"
    "\\u061c\\u180e\\u200b-\\u202e\\u2030-\\u205e\\u2060-\\u2064\\u2066-\\u206f\\u20a0-\\u20cf\\u2190-\\u23ff"
    "\\u2500-\\u2775\\u3001-\\u3004\\u3008-\\u3011\\ufeff\\ufff9-\\ufffb\\uff01-\\uff0f\\uff1a-\\uff20"
    "\\uff3b-\\uff40\\uff5b-\\uff65]*$"
)


def _full(pattern: str) -> re.Pattern[str]:
    """A schema pattern as a Python regex for ``fullmatch`` (anchors dropped, ASCII classes)."""
    return re.compile(pattern.removeprefix("^").removesuffix("$"), re.ASCII)


_NAME_RE = _full(NAME_PATTERN)
_MODEL_ID_RE = _full(MODEL_ID_PATTERN)
_ROLE_ARN_RE = _full(ROLE_ARN_PATTERN)
_EMAIL_RE = _full(EMAIL_PATTERN)
_VPC_RE = _full(VPC_PATTERN)
_SUBNET_RE = _full(SUBNET_PATTERN)
_RTB_RE = _full(RTB_PATTERN)

#: Unicode categories free text may not contain: controls (C0, C1, DEL, tab), format characters
#: (bidirectional overrides, zero-width characters), line and paragraph separators, surrogates,
#: private use. They are invisible or move text around in a terminal, a diff or a README, U+2028,
#: U+2029 and U+0085 break an HCL string across lines, and AWS refuses them in tag values.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
OWNER_MAX_LENGTH = 256


def _show(value: str, limit: int = 60) -> str:
    """repr() of a value for a message, at most about ``limit`` characters."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value)} characters)"


def char_name(ch: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``: a character named so a reader can find it."""
    name = unicodedata.name(ch, "")
    if not name and unicodedata.category(ch) == "Cc":
        name = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x85": "NEXT LINE"}.get(ch, "CONTROL")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def _invisible(ch: str, index: int) -> str | None:
    """Why ``ch`` (at ``index``) may not be in free text, or None when it may."""
    if unicodedata.category(ch) not in _FORBIDDEN_CATEGORIES:
        return None
    kind = "a line break" if ch in "\n\r\x85\u2028\u2029\x0b\x0c" else "an invisible control or formatting character"
    return f"contains {char_name(ch)} at character {index + 1}, {kind}; it must be a single line of visible text"


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValueError("must not be blank; leave it out or use null instead")


def check_free_text(value: str) -> str:
    """Free text from a user: one line of visible characters (see ``_FORBIDDEN_CATEGORIES``)."""
    _not_blank(value)
    for index, ch in enumerate(value):
        if (problem := _invisible(ch, index)) is not None:
            raise ValueError(problem)
    return value


#: The symbols an AWS tag value may hold besides letters, digits and spaces. IAM's Tag.Value is
#: ``[\p{L}\p{Z}\p{N}_.:/=+\-@]*`` of at most 256 characters, and S3, KMS, SNS, CloudTrail, SageMaker, EC2
#: and CloudWatch Logs document the same set: one character outside it fails ``terraform apply`` on the
#: first tagged resource (the Owner tag is on all of them).
TAG_VALUE_SYMBOLS = "_.:/=+-@"


def _in_tag_value(ch: str) -> bool:
    r"""``[\p{L}\p{Zs}\p{N}_.:/=+\-@]``: \p{Z} without its line and paragraph separators (U+2028, U+2029),
    which free text refuses as line breaks."""
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Zs" or ch in TAG_VALUE_SYMBOLS


def _shown(ch: str) -> str:
    """A character for a message: ``'$'``, or with its code point when it is not printable ASCII (a combining
    mark by its code point alone: shown bare, it would sit on the quote)."""
    quoted = '"\'"' if ch == "'" else f"'{ch}'"
    if " " <= ch <= "~":
        return quoted
    return char_name(ch) if unicodedata.category(ch).startswith("M") else f"{quoted} {char_name(ch)}"


def check_tag_value(value: str) -> str:
    """Free text that becomes an AWS tag value: one line of letters, digits, spaces and ``_ . : / = + - @``.
    The first character outside that set is named, with its position."""
    _not_blank(value)
    for index, ch in enumerate(value):
        if _in_tag_value(ch):
            continue
        if (problem := _invisible(ch, index)) is not None:
            raise ValueError(problem)
        hint = ""
        if unicodedata.category(ch).startswith("M") and all(map(_in_tag_value, unicodedata.normalize("NFC", value))):
            hint = " (a combining mark: write the accented letter as one character, Unicode NFC)"
        raise ValueError(
            f"contains {_shown(ch)} at character {index + 1}{hint}; an AWS tag value holds only letters, "
            "digits, spaces and _ . : / = + - @"
        )
    return value


def _not_a_boolean(value: Any) -> Any:
    """YAML's true/false are not numbers (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, not {str(value).lower()} (a yes/no value)")
    return value


#: An integer answer: a boolean is refused as not a number, before any range check.
WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]


def _check_region(value: str) -> str:
    if value not in AWS_REGIONS:
        close = difflib.get_close_matches(value, AWS_REGIONS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{_show(value)} is not a known AWS region code{hint}")
    return value


def _check_model_id(value: str) -> str:
    if value.startswith("global."):
        raise ValueError(
            f"{_show(value)} is a global inference profile: it routes requests to any commercial region, which "
            "the region restriction guardform always applies would deny; use a geographic profile "
            "(us., eu., apac., ...) or a model id"
        )
    if not _MODEL_ID_RE.fullmatch(value):
        raise ValueError(
            f"{_show(value)} is not a Bedrock model id (expected e.g. 'anthropic.claude-3-haiku-20240307-v1:0')"
        )
    return value


def _matching(regex: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{_show(value)} is not {what}")
        return value

    return AfterValidator(check)


def _text(max_length: int, pattern: str | None = None, **schema: Any) -> Any:
    """Field constraints for a string: a length bound checked before any rule (a 50 MB value is refused
    at once), and the pattern for the JSON Schema."""
    extra: JsonDict = dict(schema)
    if pattern is not None:
        extra["pattern"] = pattern
    return Field(max_length=max_length, json_schema_extra=extra or None)


Region = Annotated[
    str,
    Field(max_length=32),
    AfterValidator(_check_region),
    WithJsonSchema({"type": "string", "enum": list(AWS_REGIONS)}),
]
ModelId = Annotated[str, _text(200, MODEL_ID_PATTERN), AfterValidator(_check_model_id)]
SubnetId = Annotated[
    str, _text(24, SUBNET_PATTERN), _matching(_SUBNET_RE, "a subnet id (subnet- and 8 or 17 hex digits)")
]
RouteTableId = Annotated[
    str, _text(21, RTB_PATTERN), _matching(_RTB_RE, "a route table id (rtb- and 8 or 17 hex digits)")
]
RoleArn = Annotated[
    str,
    _text(600, ROLE_ARN_PATTERN),
    _matching(_ROLE_ARN_RE, "an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)"),
]
_UNIQUE: JsonDict = {"uniqueItems": True}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_default=True)


def _unique(values: list[Any], what: str) -> list[Any]:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {_show(str(getattr(value, 'value', value)))} is listed twice")
        seen.add(value)
    return values


# --------------------------------------------------------------------------------------------------
# Rules between fields. A model validator checks them once its fields are valid. ``validate_answers``
# asks for every problem at once: it passes a context naming the fields that did not validate (their
# rules are skipped, not guessed at) and a list the rules append to instead of stopping at the first.
# Without that context (``Answers.model_validate(data)``) the first broken rule raises, as usual.
# --------------------------------------------------------------------------------------------------


def _known(info: ValidationInfo, *paths: str) -> bool:
    """Whether every field named (``section.field``) validated; always true outside validate_answers."""
    unknown: Iterable[str] = (info.context or {}).get("unknown", ())
    return not any(path in unknown or path.split(".")[0] in unknown for path in paths)


def _problem(info: ValidationInfo, section: str, field: str, message: str) -> None:
    """Report a broken rule on ``section.field`` (section "" for rules across sections)."""
    problems: list[tuple[tuple[str, ...], str]] | None = (info.context or {}).get("problems")
    if problems is None:
        raise ValueError(f"{field}: {message}")
    problems.append(((section, *field.split(".")) if section else tuple(field.split(".")), message))


class Project(_Section):
    name: str = Field(
        description="Stack name: 3-32 characters, lowercase letters, digits and hyphens, starting with a letter. "
        "It prefixes every resource name.",
        examples=["fraud-scoring"],
        json_schema_extra={"pattern": NAME_PATTERN, "minLength": 3, "maxLength": 32},
    )
    environment: Environment = Field(Environment.dev, description="Deployment stage: dev, staging or prod.")
    owner: str | None = Field(
        None,
        description="Free text; becomes the Owner tag when set. An AWS tag value: letters, digits and spaces "
        "of any script and _ . : / = + - @, at most 256 characters.",
        max_length=OWNER_MAX_LENGTH,
        json_schema_extra={"pattern": OWNER_PATTERN, "minLength": 1},
    )
    region: Region = Field(description="AWS region code the stack is deployed to.", examples=["us-east-1"])
    allowed_regions: list[Region] = Field(
        default_factory=list,
        description="Regions workloads may call; must contain region. Every other region is denied. "
        "Defaults to [region].",
        json_schema_extra=_UNIQUE,
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not 3 <= len(value) <= 32 or not re.fullmatch(r"[a-z][a-z0-9-]*", value, re.ASCII):
            raise ValueError("must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter")
        if not _NAME_RE.fullmatch(value):
            raise ValueError("must not end with a hyphen or contain two hyphens in a row")
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        return None if value is None else check_tag_value(value)

    @field_validator("allowed_regions")
    @classmethod
    def _allowed(cls, values: list[str]) -> list[str]:
        return _unique(values, "region")

    @model_validator(mode="after")
    def _region_allowed(self, info: ValidationInfo) -> Project:
        if not self.allowed_regions:
            self.allowed_regions = [self.region]
        elif _known(info, "project.region", "project.allowed_regions") and self.region not in self.allowed_regions:
            _problem(info, "project", "allowed_regions", f"must contain the stack's region {self.region!r}")
        return self


class Workload(_Section):
    kinds: list[WorkloadKind] = Field(
        min_length=1,
        description="What runs: sagemaker_training, sagemaker_inference, sagemaker_notebook, bedrock.",
        json_schema_extra=_UNIQUE,
    )
    bedrock_models: list[ModelId] = Field(
        default_factory=list,
        description="Bedrock model ids (foundation models, or inference profiles with a geo prefix such as "
        "'us.'); required when bedrock is chosen, else empty.",
        max_length=50,
        json_schema_extra=_UNIQUE,
    )
    bedrock_callers: list[BedrockCaller] = Field(
        default_factory=lambda: [BedrockCaller.lambda_],
        description="Which compute invokes Bedrock: lambda, ecs_tasks, ec2. One IAM role is made for each.",
        json_schema_extra=_UNIQUE,
    )
    notebook_instance_type: NotebookInstanceType | None = Field(
        None,
        description="sagemaker_notebook: the notebook instance's type (ml.t3.medium when left out); it sets "
        "the notebook's hourly price. Only with a sagemaker_notebook workload: set without one it is an error.",
    )

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, values: list[WorkloadKind]) -> list[WorkloadKind]:
        return _unique(values, "workload kind")

    @field_validator("bedrock_models")
    @classmethod
    def _models(cls, values: list[str]) -> list[str]:
        return _unique(values, "model")

    @field_validator("bedrock_callers")
    @classmethod
    def _callers(cls, values: list[BedrockCaller]) -> list[BedrockCaller]:
        return _unique(values, "caller")

    @model_validator(mode="after")
    def _bedrock_consistency(self, info: ValidationInfo) -> Workload:
        if not _known(info, "workload.kinds"):
            return self
        if WorkloadKind.bedrock in self.kinds:
            if _known(info, "workload.bedrock_models") and not self.bedrock_models:
                _problem(info, "workload", "bedrock_models", "list at least one model id when bedrock is chosen")
            if _known(info, "workload.bedrock_callers") and not self.bedrock_callers:
                _problem(info, "workload", "bedrock_callers", "choose at least one caller when bedrock is chosen")
        elif _known(info, "workload.bedrock_models") and self.bedrock_models:
            _problem(info, "workload", "bedrock_models", "must be empty unless 'bedrock' is one of the kinds")
        return self

    @model_validator(mode="after")
    def _notebook_type(self, info: ValidationInfo) -> Workload:
        if not _known(info, "workload.kinds", "workload.notebook_instance_type"):
            return self
        if WorkloadKind.sagemaker_notebook in self.kinds:
            if self.notebook_instance_type is None:
                self.notebook_instance_type = DEFAULT_NOTEBOOK_INSTANCE_TYPE
        elif self.notebook_instance_type is not None:
            _problem(
                info,
                "workload",
                "notebook_instance_type",
                "only applies with a sagemaker_notebook workload (kinds has none); remove it or add "
                "sagemaker_notebook to kinds",
            )
        return self


class Data(_Section):
    sensitivity: Sensitivity = Field(
        description="How sensitive the data is: public, internal, confidential or restricted."
    )
    categories: list[DataCategory] = Field(
        default_factory=list,
        description="Kinds of sensitive data present: pii, phi, financial, credentials.",
        json_schema_extra=_UNIQUE,
    )
    compliance: list[Compliance] = Field(
        default_factory=list, description="Regimes that apply: hipaa, pci_dss, gdpr, soc2.", json_schema_extra=_UNIQUE
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
    cidr: str = Field(
        "10.0.0.0/16",
        description="new: a private (RFC 1918) IPv4 block, /16 to /24.",
        max_length=18,
        json_schema_extra={"pattern": CIDR_PATTERN},
    )
    availability_zones: WholeNumber = Field(
        2, description="new: how many availability zones (2 or 3).", json_schema_extra={"enum": [2, 3]}
    )
    vpc_id: str | None = Field(
        None, description="existing: the VPC id (vpc-...).", max_length=21, json_schema_extra={"pattern": VPC_PATTERN}
    )
    private_subnet_ids: list[SubnetId] = Field(
        default_factory=list,
        description="existing: two or more private subnet ids (subnet-...).",
        max_length=16,
        json_schema_extra=_UNIQUE,
    )
    route_table_ids: list[RouteTableId] = Field(
        default_factory=list,
        description="existing: route table ids (rtb-...) for the S3 gateway endpoint.",
        max_length=16,
        json_schema_extra=_UNIQUE,
    )
    existing_endpoints: dict[str, str] = Field(
        default_factory=dict,
        description="existing: VPC endpoints the VPC already has, by service (s3, sts, logs, monitoring, ecr_api, "
        "ecr_dkr, sagemaker_api, sagemaker_runtime, sagemaker_notebook, bedrock, bedrock_runtime) -> vpce-...; "
        "guardform uses them instead of creating a second one, and leaves their policies to you.",
    )

    @field_validator("existing_endpoints")
    @classmethod
    def _existing_endpoints(cls, values: dict[str, str]) -> dict[str, str]:
        names: tuple[str, ...] = ("s3", "sts", "logs", "monitoring", "ecr_api", "ecr_dkr", "sagemaker_api")
        names += ("sagemaker_runtime", "sagemaker_notebook", "bedrock", "bedrock_runtime")
        for name, endpoint in values.items():
            if name not in names:
                raise ValueError(f"{name!r} is not an endpoint guardform creates; use one of {', '.join(names)}")
            if not re.fullmatch(r"vpce-[0-9a-f]{8}(?:[0-9a-f]{9})?", endpoint):
                raise ValueError(f"{name}: {endpoint!r} is not a VPC endpoint id (vpce- and 8 or 17 hex digits)")
        return values

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{_show(value)} is not an IPv4 network in CIDR form ({_show(str(exc), 80)})") from None
        if not any(net.subnet_of(ipaddress.IPv4Network(p)) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")):
            raise ValueError(f"{value} is not a private (RFC 1918) range")
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"{value}: the prefix must be between /16 and /24")
        if str(net) != value:
            # ipaddress accepts spellings Terraform and AWS do not (a prefix of /016); write it plainly.
            raise ValueError(f"{_show(value)}: write it as {str(net)!r}")
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
        if value is not None and not _VPC_RE.fullmatch(value):
            raise ValueError(f"{_show(value)} is not a VPC id (vpc- and 8 or 17 hex digits)")
        return value

    @field_validator("private_subnet_ids")
    @classmethod
    def _subnets(cls, values: list[str]) -> list[str]:
        return _unique(values, "subnet")

    @field_validator("route_table_ids")
    @classmethod
    def _rtbs(cls, values: list[str]) -> list[str]:
        return _unique(values, "route table")

    @model_validator(mode="after")
    def _mode(self, info: ValidationInfo) -> Network:
        if not _known(info, "network.mode"):
            return self
        if self.mode is NetworkMode.existing:
            if _known(info, "network.vpc_id") and self.vpc_id is None:
                _problem(info, "network", "vpc_id", "is required when mode is 'existing'")
            if _known(info, "network.private_subnet_ids") and len(self.private_subnet_ids) < 2:
                _problem(
                    info, "network", "private_subnet_ids", "list at least two private subnets when mode is 'existing'"
                )
            if _known(info, "network.route_table_ids") and not self.route_table_ids:
                _problem(info, "network", "route_table_ids", "list the private route tables when mode is 'existing'")
        else:
            for name in ("vpc_id", "private_subnet_ids", "route_table_ids", "existing_endpoints"):
                if _known(info, f"network.{name}") and getattr(self, name):
                    _problem(info, "network", name, "only applies when mode is 'existing' (mode is 'new')")
        return self


class Keys(_Section):
    strategy: KeyStrategy = Field(
        KeyStrategy.per_purpose,
        description="per_purpose: one customer managed key each for data, artifacts and logs; single: one key "
        "(public and internal data only).",
    )
    rotation_days: WholeNumber = Field(
        365,
        description="Automatic key rotation period in days (90-2560).",
        json_schema_extra={"minimum": 90, "maximum": 2560},
    )
    deletion_window_days: WholeNumber = Field(
        30,
        description="Waiting period before a deleted key is destroyed (7-30).",
        json_schema_extra={"minimum": 7, "maximum": 30},
    )

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
    admin_role_arns: list[RoleArn] = Field(
        default_factory=list,
        description="IAM role ARNs exempt from the data perimeter (break-glass, data administrators).",
        max_length=50,
        json_schema_extra=_UNIQUE,
    )
    data_uploader_role_arns: list[RoleArn] = Field(
        default_factory=list,
        description="IAM role ARNs of the people or pipelines that upload training data; they are held to the data "
        "perimeter (uploads through the VPC endpoint only) and named where the data key policy names its users.",
        max_length=50,
        json_schema_extra=_UNIQUE,
    )

    @field_validator("admin_role_arns", "data_uploader_role_arns")
    @classmethod
    def _arns(cls, values: list[str]) -> list[str]:
        return _unique(values, "role")


class Monitoring(_Section):
    log_retention_days: WholeNumber | None = Field(
        None,
        description="CloudWatch Logs retention in days; null derives it from the data (at least 365, longer "
        "where sensitivity or compliance asks).",
    )
    alert_email: str | None = Field(
        None,
        description="Security alerts are sent here through SNS when set.",
        max_length=254,
        json_schema_extra={"pattern": EMAIL_PATTERN},
    )

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int | None) -> int | None:
        if value is None:
            return value
        if value not in LOG_RETENTION_VALUES:
            raise ValueError(
                f"{value} is not a CloudWatch Logs retention period; choose one of "
                + ", ".join(str(v) for v in LOG_RETENTION_VALUES if v >= 365)
            )
        if value < 365:
            raise ValueError("must be at least 365 days (audit logs of AI workloads are kept a year or more)")
        return value

    @field_validator("alert_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL_RE.fullmatch(value):
            raise ValueError(f"{_show(value)} is not an email address")
        return value


def _usage_field(name: str) -> Any:
    """The Field of a usage input: optional (null: the stated default), its range in the schema."""
    spec = USAGE_BY_NAME[name]
    default = f"{spec.default:,}" if spec.whole else f"{spec.default:g}"
    return Field(
        None,
        description=f"{spec.description[0].upper()}{spec.description[1:]}. Null: the default, {default}.",
        json_schema_extra={"minimum": 0, "maximum": spec.maximum},
    )


def _check_usage(value: Any, name: str) -> Any:
    """A usage input: a number (a whole one for counts), finite, from zero to the input's maximum."""
    spec = USAGE_BY_NAME[name]
    kind = "a whole number" if spec.whole else "a number"
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"must be {kind}, not {str(value).lower()} (a yes/no value)")
    if not isinstance(value, (int, float)):
        raise ValueError(f"must be {kind}, not {_show(str(value)) if isinstance(value, str) else type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    if spec.whole and isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"must be a whole number (a count), not {value}")
        value = int(value)
    if value < 0:
        raise ValueError(f"must be zero or more, not {value}")
    if value > spec.maximum:
        raise ValueError(f"must be at most {spec.maximum:,} (is the unit right?), not {value:,}")
    return value


class Usage(_Section):
    """What the stack is used for a month: the cost estimate's usage-driven lines. Every field is optional;
    a field left out (or null) is priced at its stated default, and the estimate says which were given."""

    training_data_gb: float | None = _usage_field("training_data_gb")
    new_training_data_gb_per_month: float | None = _usage_field("new_training_data_gb_per_month")
    model_artifacts_gb: float | None = _usage_field("model_artifacts_gb")
    new_model_artifacts_gb_per_month: float | None = _usage_field("new_model_artifacts_gb_per_month")
    log_bucket_gb: float | None = _usage_field("log_bucket_gb")
    s3_reads_per_month: int | None = _usage_field("s3_reads_per_month")
    s3_writes_per_month: int | None = _usage_field("s3_writes_per_month")
    kms_requests_per_month: int | None = _usage_field("kms_requests_per_month")
    log_gb_per_month: float | None = _usage_field("log_gb_per_month")
    flow_log_gb_per_month: float | None = _usage_field("flow_log_gb_per_month")
    endpoint_gb_per_month: float | None = _usage_field("endpoint_gb_per_month")
    notebook_hours_per_month: float | None = _usage_field("notebook_hours_per_month")
    bedrock_invocations_per_month: int | None = _usage_field("bedrock_invocations_per_month")
    bedrock_text_units_per_invocation: float | None = _usage_field("bedrock_text_units_per_invocation")

    @field_validator("*", mode="before")
    @classmethod
    def _number(cls, value: Any, info: ValidationInfo) -> Any:
        return _check_usage(value, str(info.field_name))

    @property
    def given(self) -> dict[str, int | float]:
        """The inputs the answers set, by name, in field order."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return {name: value for name, value in values.items() if value is not None}


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
    monitoring: Monitoring = Field(default_factory=Monitoring)  # type: ignore[arg-type]
    usage: Usage = Field(default_factory=Usage)

    @model_validator(mode="after")
    def _cross_section(self, info: ValidationInfo) -> Answers:
        if not _known(info, "data.sensitivity", "data.categories", "data.compliance"):
            return self
        tier = self.data.effective_sensitivity
        if (
            _known(info, "keys.strategy")
            and self.keys.strategy is KeyStrategy.single
            and tier >= Sensitivity.confidential
        ):
            _problem(
                info,
                "",
                "keys.strategy",
                f"'single' is only allowed for public and internal data; this data is {tier.value}"
                + _tier_reason(self.data)
                + ", which needs a key per purpose",
            )
        if _known(info, "keys.rotation_days") and tier >= Sensitivity.confidential and self.keys.rotation_days > 365:
            _problem(
                info,
                "",
                "keys.rotation_days",
                f"{tier.value} data needs keys rotated at least yearly (365 days or less)",
            )
        retention = self.monitoring.log_retention_days
        if (
            _known(info, "monitoring.log_retention_days")
            and retention is not None
            and retention < self.data.minimum_log_retention
        ):
            _problem(
                info,
                "",
                "monitoring.log_retention_days",
                f"{retention} is below the {self.data.minimum_log_retention} days "
                f"that {tier.value} data{_tier_reason(self.data)} requires",
            )
        return self

    @property
    def effective_sensitivity(self) -> Sensitivity:
        return self.data.effective_sensitivity


def _tier_reason(data: Data) -> str:
    raised = [value for _, value in data.raised_by]
    return f" (raised by {', '.join(raised)})" if raised else ""
