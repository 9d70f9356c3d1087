"""The words an answers file may use: regions, retention periods, and the enumerations of every choice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

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
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
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


class NotebookInstanceType(str, Enum):
    """Instance types a notebook may use (``workload.notebook_instance_type``); each has a price entry in
    wizard/data/prices.yaml (tests/test_cost.py checks it). The first is the default."""

    ml_t3_medium = "ml.t3.medium"
    ml_t3_large = "ml.t3.large"
    ml_t3_xlarge = "ml.t3.xlarge"
    ml_m5_xlarge = "ml.m5.xlarge"
    ml_m5_2xlarge = "ml.m5.2xlarge"
    ml_g4dn_xlarge = "ml.g4dn.xlarge"


NOTEBOOK_INSTANCE_TYPES: tuple[str, ...] = tuple(t.value for t in NotebookInstanceType)
DEFAULT_NOTEBOOK_INSTANCE_TYPE = NotebookInstanceType.ml_t3_medium


@dataclass(frozen=True, kw_only=True)
class UsageInput:
    """One usage assumption of the cost estimate (an optional field of the answers' ``usage:`` section)."""

    name: str
    default: int | float
    whole: bool  # a count: a whole number
    maximum: int | float  # a sane upper bound: a larger value is a typo or a wrong unit
    description: str


_BILLION = 10_000_000_000
_PB = 1_000_000  # GB

#: The usage-driven inputs of the cost estimate, in the order the estimate lists them. Every one is
#: optional; left out, the default applies and the estimate says it was a default.
USAGE_INPUTS: tuple[UsageInput, ...] = (
    UsageInput(
        name="training_data_gb",
        default=100.0,
        whole=False,
        maximum=10 * _PB,
        description="GB of training data stored (and scanned by Macie's first run)",
    ),
    UsageInput(
        name="new_training_data_gb_per_month",
        default=10.0,
        whole=False,
        maximum=_PB,
        description="GB of training data added or changed a month (scanned by each scheduled Macie run, replicated)",
    ),
    UsageInput(
        name="model_artifacts_gb",
        default=20.0,
        whole=False,
        maximum=10 * _PB,
        description="GB of model artifacts stored",
    ),
    UsageInput(
        name="new_model_artifacts_gb_per_month",
        default=2.0,
        whole=False,
        maximum=_PB,
        description="GB of model artifacts written a month (replicated)",
    ),
    UsageInput(
        name="log_bucket_gb",
        default=10.0,
        whole=False,
        maximum=10 * _PB,
        description="GB kept in the log buckets (audit trail, access logs, Bedrock and Macie results), steady state",
    ),
    UsageInput(
        name="s3_reads_per_month",
        default=800_000,
        whole=True,
        maximum=_BILLION,
        description="object reads on training data and artifacts a month (CloudTrail data events when reads "
        "are logged)",
    ),
    UsageInput(
        name="s3_writes_per_month",
        default=200_000,
        whole=True,
        maximum=_BILLION,
        description="object writes on training data and artifacts a month (CloudTrail data events)",
    ),
    UsageInput(
        name="kms_requests_per_month",
        default=100_000,
        whole=True,
        maximum=_BILLION,
        description="KMS requests a month (S3 Bucket Keys keep these low)",
    ),
    UsageInput(
        name="log_gb_per_month",
        default=5.0,
        whole=False,
        maximum=_PB,
        description="GB a month into CloudWatch Logs from CloudTrail, Bedrock invocation logs and workload logs",
    ),
    UsageInput(
        name="flow_log_gb_per_month",
        default=2.0,
        whole=False,
        maximum=_PB,
        description="GB of VPC flow logs a month",
    ),
    UsageInput(
        name="endpoint_gb_per_month",
        default=20.0,
        whole=False,
        maximum=_PB,
        description="GB a month through the interface endpoints (image pulls, API and model traffic)",
    ),
    UsageInput(
        name="notebook_hours_per_month",
        default=160.0,
        whole=False,
        maximum=744,  # 31 days x 24 hours: no month has more
        description="hours a month the notebook instance runs (160 = 8 hours x 20 working days)",
    ),
    UsageInput(
        name="bedrock_invocations_per_month",
        default=100_000,
        whole=True,
        maximum=_BILLION,
        description="Bedrock invocations a month",
    ),
    UsageInput(
        name="bedrock_text_units_per_invocation",
        default=2.0,
        whole=False,
        maximum=10_000,  # 10 million characters a call: far past any model's context
        description="guardrail text units per invocation, prompt plus response (1 text unit = up to 1,000 characters)",
    ),
)
USAGE_BY_NAME: dict[str, UsageInput] = {u.name: u for u in USAGE_INPUTS}
