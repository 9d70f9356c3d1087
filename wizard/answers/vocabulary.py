"""The words an answers file may use: regions, retention periods, and the enumerations of every choice."""

from __future__ import annotations

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
