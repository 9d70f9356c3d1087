"""The answers model (version 1): pydantic sections with every validation rule.

This is the only place that validates input; everything downstream may assume an ``Answers`` object is
consistent."""

from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wizard.answers.tiers import (
    CATEGORY_MINIMUM_TIER,
    COMPLIANCE_MINIMUM_RETENTION,
    COMPLIANCE_MINIMUM_TIER,
    TIER_MINIMUM_RETENTION,
)
from wizard.answers.vocabulary import (
    AWS_REGIONS,
    LOG_RETENTION_VALUES,
    BedrockCaller,
    Compliance,
    DataCategory,
    Environment,
    KeyStrategy,
    NetworkMode,
    Sensitivity,
    WorkloadKind,
)

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
    existing_endpoints: dict[str, str] = Field(
        default_factory=dict,
        description="existing: VPC endpoints the VPC already has, by service (s3, sts, logs, monitoring, ecr_api, "
        "ecr_dkr, sagemaker_api, sagemaker_runtime, sagemaker_notebook, bedrock, bedrock_runtime) -> vpce-...; "
        "guardform uses them instead of creating a second one, and leaves their policies to you.",
    )

    @field_validator("existing_endpoints")
    @classmethod
    def _existing_endpoints(cls, values: dict[str, str]) -> dict[str, str]:
        names = ("s3", "sts", "logs", "monitoring", "ecr_api", "ecr_dkr", "sagemaker_api", "sagemaker_runtime")
        names += ("sagemaker_notebook", "bedrock", "bedrock_runtime")
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
            given = [
                n for n in ("vpc_id", "private_subnet_ids", "route_table_ids", "existing_endpoints") if getattr(self, n)
            ]
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
