"""What a stack costs a month: a pure estimate from the Plan, the usage assumptions and the price file.

``estimate(plan, usage)`` counts what the plan creates (interface endpoints x availability zones,
keys and their rotations, buckets and replicas, data-event trails, Macie jobs, log groups, the
notebook, the guardrail), prices each line from ``wizard/data/prices.yaml`` and returns an
``Estimate``: line items split into fixed, usage-driven and one-time costs, the totals and every
assumption used. Nothing is fetched: the figures are the price file's, each naming its source, the
date it was read and how sure it is.

The Plan is read in one place only, ``stack_facts``: when the plan's field names change, that
function is the one to fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from ruamel.yaml import YAML

from wizard.errors import GuardformError

Basis = Literal["fixed", "usage", "one-time"]
CENT = Decimal("0.01")

# Instance types a notebook may use: the proposed vocabulary of a `notebook.instance_type` answer.
# Each has a price entry (tests/test_cost.py checks it); the first is today's plan default.
NOTEBOOK_INSTANCE_TYPES = (
    "ml.t3.medium",
    "ml.t3.large",
    "ml.t3.xlarge",
    "ml.m5.xlarge",
    "ml.m5.2xlarge",
    "ml.g4dn.xlarge",
)


class CostError(GuardformError):
    """The price file or the usage inputs cannot give an estimate (names the field)."""


# --------------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Price:
    """One figure of the price file, with where it came from."""

    key: str
    description: str
    unit: str
    usd: Decimal
    source: str
    retrieved: str
    confidence: str  # aws_page | secondary | unverified
    note: str = ""
    read_in: tuple[str, ...] = ()  # where a figure not shown on the AWS page itself was read
    max_billed_rotations: int | None = None


@dataclass(frozen=True, kw_only=True)
class PriceList:
    currency: str
    region: str
    retrieved: str
    hours_per_month: int
    other_regions: str
    prices: Mapping[str, Price]
    priced_resources: Mapping[str, tuple[str, ...]]  # resource type -> price keys
    free_resources: Mapping[str, str]  # resource type -> why it is free
    resource_notes: Mapping[str, str] = field(default_factory=dict)

    def price(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise CostError(f"the price file has no entry {key!r}") from None


CONFIDENCES = ("aws_page", "secondary", "unverified")


def parse_prices(text: str, *, where: str = "prices.yaml") -> PriceList:
    """Parse and check a price file: every figure needs a number, a unit, a source, a date, a confidence."""
    data = YAML(typ="safe").load(text)
    if not isinstance(data, dict):
        raise CostError(f"{where}: expected a mapping at the top")
    meta = data.get("meta") or {}
    prices: dict[str, Price] = {}
    for key, raw in (data.get("prices") or {}).items():
        if not isinstance(raw, dict):
            raise CostError(f"{where}: prices.{key} must be a mapping")
        for needed in ("description", "unit", "usd", "source", "retrieved", "confidence"):
            if raw.get(needed) in (None, ""):
                raise CostError(f"{where}: prices.{key}.{needed} is missing")
        if raw["confidence"] not in CONFIDENCES:
            raise CostError(f"{where}: prices.{key}.confidence must be one of {', '.join(CONFIDENCES)}")
        if not str(raw["source"]).startswith("https://"):
            raise CostError(f"{where}: prices.{key}.source must be an https URL")
        read_in = tuple(str(u) for u in raw.get("read_in") or ())
        if raw["confidence"] == "secondary" and not read_in:
            raise CostError(f"{where}: prices.{key}.read_in must name where a secondary figure was read")
        usd = Decimal(str(raw["usd"]))
        if usd < 0:
            raise CostError(f"{where}: prices.{key}.usd must not be negative")
        prices[key] = Price(
            key=key,
            description=str(raw["description"]),
            unit=str(raw["unit"]),
            usd=usd,
            source=str(raw["source"]),
            retrieved=str(raw["retrieved"]),
            confidence=str(raw["confidence"]),
            note=" ".join(str(raw.get("note") or "").split()),
            read_in=read_in,
            max_billed_rotations=raw.get("max_billed_rotations"),
        )
    priced: dict[str, tuple[str, ...]] = {}
    notes: dict[str, str] = {}
    for rtype, raw in (data.get("resources") or {}).items():
        keys = tuple(raw.get("priced") or ())
        if not keys:
            raise CostError(f"{where}: resources.{rtype}.priced lists no price")
        for k in keys:
            if k not in prices:
                raise CostError(f"{where}: resources.{rtype} names unknown price {k!r}")
        priced[rtype] = keys
        if raw.get("note"):
            notes[rtype] = " ".join(str(raw["note"]).split())
    free: dict[str, str] = {}
    for rtype, reason in (data.get("free") or {}).items():
        if not reason or not str(reason).strip():
            raise CostError(f"{where}: free.{rtype} gives no reason")
        if rtype in priced:
            raise CostError(f"{where}: {rtype} is both priced and free")
        free[rtype] = " ".join(str(reason).split())
    return PriceList(
        currency=str(meta.get("currency", "USD")),
        region=str(meta.get("region", "us-east-1")),
        retrieved=str(meta.get("retrieved", "")),
        hours_per_month=int(meta.get("hours_per_month", 730)),
        other_regions=" ".join(str(meta.get("other_regions", "")).split()),
        prices=prices,
        priced_resources=priced,
        free_resources=free,
        resource_notes=notes,
    )


@lru_cache(maxsize=1)
def load_prices() -> PriceList:
    """The price file shipped in the package."""
    text = resources.files("wizard").joinpath("data/prices.yaml").read_text(encoding="utf-8")
    return parse_prices(text)


# --------------------------------------------------------------------------------------------------
# Usage assumptions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Usage:
    """The usage-driven inputs, each with a stated default. ``given`` names those the user set."""

    training_data_gb: float = 100.0
    new_training_data_gb_per_month: float = 10.0
    model_artifacts_gb: float = 20.0
    new_model_artifacts_gb_per_month: float = 2.0
    log_bucket_gb: float = 10.0
    s3_reads_per_month: int = 800_000
    s3_writes_per_month: int = 200_000
    kms_requests_per_month: int = 100_000
    log_gb_per_month: float = 5.0
    flow_log_gb_per_month: float = 2.0
    endpoint_gb_per_month: float = 20.0
    notebook_hours_per_month: float = 160.0
    bedrock_invocations_per_month: int = 100_000
    bedrock_text_units_per_invocation: float = 2.0
    given: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, where: str = "usage") -> Usage:
        """Build from user input (an answers section): unknown names and bad numbers are errors."""
        known = {f.name: f for f in fields(cls) if f.name != "given"}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in known:
                raise CostError(f"{where}.{name}: unknown usage input (known: {', '.join(sorted(known))})")
            want_int = known[name].type in ("int", int)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (want_int and not isinstance(value, int))
            ):
                kind = "a whole number" if want_int else "a number"
                raise CostError(f"{where}.{name}: must be {kind}, got {value!r}")
            if value < 0 or (isinstance(value, float) and not math.isfinite(value)):
                raise CostError(f"{where}.{name}: must be zero or more, got {value!r}")
            values[name] = value
        return cls(**values, given=frozenset(values))


USAGE_DESCRIPTIONS: dict[str, str] = {
    "training_data_gb": "GB of training data stored (and scanned by Macie's first run)",
    "new_training_data_gb_per_month": (
        "GB of training data added or changed a month (scanned by each scheduled Macie run, replicated)"
    ),
    "model_artifacts_gb": "GB of model artifacts stored",
    "new_model_artifacts_gb_per_month": "GB of model artifacts written a month (replicated)",
    "log_bucket_gb": "GB kept in the log buckets (audit trail, access logs, Bedrock and Macie results), steady state",
    "s3_reads_per_month": (
        "object reads on training data and artifacts a month (CloudTrail data events when reads are logged)"
    ),
    "s3_writes_per_month": "object writes on training data and artifacts a month (CloudTrail data events)",
    "kms_requests_per_month": "KMS requests a month (S3 Bucket Keys keep these low)",
    "log_gb_per_month": "GB a month into CloudWatch Logs from CloudTrail, Bedrock invocation logs and workload logs",
    "flow_log_gb_per_month": "GB of VPC flow logs a month",
    "endpoint_gb_per_month": "GB a month through the interface endpoints (image pulls, API and model traffic)",
    "notebook_hours_per_month": "hours a month the notebook instance runs (160 = 8 hours x 20 working days)",
    "bedrock_invocations_per_month": "Bedrock invocations a month",
    "bedrock_text_units_per_invocation": (
        "guardrail text units per invocation, prompt plus response (1 text unit = up to 1,000 characters)"
    ),
}


#: The first assumption when no usage input was given (the answers file has no usage fields yet).
ALL_DEFAULTS = (
    "Every usage input is at its stated default (the answers file cannot set them yet): "
    "the usage-driven lines price an example month, not your traffic."
)


# --------------------------------------------------------------------------------------------------
# The adapter: the only code that reads the Plan
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StackFacts:
    """What the estimate and the evidence report need to know about a planned stack."""

    name: str
    environment: str
    region: str
    workloads: tuple[str, ...]
    interface_endpoints: tuple[str, ...]
    gateway_endpoints: tuple[str, ...]
    availability_zones: int
    keys: tuple[str, ...]
    rotation_days: int
    buckets: tuple[str, ...]  # in the stack's region
    replica_buckets: tuple[str, ...]  # in the replica region
    replicated: tuple[str, ...]  # source buckets that replicate
    replica_region: str | None
    data_events: str  # none | write | all
    macie_job_type: str | None  # ONE_TIME | SCHEDULED
    macie_schedule: str | None  # daily | weekly
    macie_sampling_percentage: int
    log_groups: tuple[str, ...]
    flow_logs: bool
    log_retention_days: int
    notebook_instance_type: str | None
    notebook_volume_gb: int
    guardrail: bool
    guardrail_content_filters: bool
    guardrail_pii: bool
    alert_email: bool


def stack_facts(plan: Any) -> StackFacts:
    """Read the Plan. Every plan field the cost model and the report use is named here, once."""
    network = plan.network
    endpoints = tuple(network.endpoints)
    macie = plan.macie
    bedrock = plan.bedrock
    notebook = plan.notebook
    buckets = tuple(plan.buckets)
    keys = tuple(plan.keys)
    log_groups = ["cloudtrail"]
    flow_logs = network.mode == "new"
    if flow_logs:
        log_groups.append("vpc_flow_logs")
    if bedrock is not None and bedrock.invocation_logging:
        log_groups.append("bedrock_invocations")
    rotations = {k.rotation_days for k in keys}
    return StackFacts(
        name=plan.name,
        environment=plan.environment,
        region=plan.region,
        workloads=tuple(plan.workloads),
        interface_endpoints=tuple(e.name for e in endpoints if e.type == "Interface"),
        gateway_endpoints=tuple(e.name for e in endpoints if e.type == "Gateway"),
        availability_zones=int(network.availability_zones),
        keys=tuple(k.name for k in keys),
        rotation_days=min(rotations) if rotations else 365,
        buckets=tuple(b.name for b in buckets if b.provider == "aws"),
        replica_buckets=tuple(b.name for b in buckets if b.provider != "aws"),
        replicated=tuple(b.name for b in buckets if b.replicate),
        replica_region=plan.replication.region if plan.replication is not None else None,
        data_events=plan.monitoring.data_events,
        macie_job_type=macie.job_type if macie is not None else None,
        macie_schedule=macie.schedule if macie is not None else None,
        macie_sampling_percentage=int(macie.sampling_percentage) if macie is not None else 0,
        log_groups=tuple(log_groups),
        flow_logs=flow_logs,
        log_retention_days=int(plan.log_retention_days),
        notebook_instance_type=notebook.instance_type if notebook is not None else None,
        notebook_volume_gb=int(notebook.volume_size_gb) if notebook is not None else 0,
        guardrail=bool(bedrock is not None and bedrock.guardrail),
        guardrail_content_filters=bool(bedrock is not None and bedrock.guardrail and bedrock.content_filters),
        guardrail_pii=bool(bedrock is not None and bedrock.guardrail and bedrock.guardrail_entities),
        alert_email=bool(plan.monitoring.alert_email),
    )


# --------------------------------------------------------------------------------------------------
# The estimate
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LineItem:
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    cost: Decimal  # a month for fixed and usage lines; once for one-time lines
    basis: Basis
    price_key: str
    confidence: str
    detail: str = ""  # how the quantity was counted

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": _num(self.quantity),
            "unit": self.unit,
            "unit_price_usd": _num(self.unit_price),
            "cost_usd": _num(self.cost),
            "basis": self.basis,
            "price": self.price_key,
            "confidence": self.confidence,
            "detail": self.detail,
        }


@dataclass(frozen=True, kw_only=True)
class Estimate:
    stack: str
    region: str
    currency: str
    prices_retrieved: str
    items: tuple[LineItem, ...]
    not_charged: tuple[tuple[str, str], ...]  # (what, why)
    assumptions: tuple[str, ...]
    region_note: str | None

    def _total(self, basis: Basis) -> Decimal:
        return sum((i.cost for i in self.items if i.basis == basis), Decimal("0.00"))

    @property
    def fixed(self) -> Decimal:
        return self._total("fixed")

    @property
    def usage(self) -> Decimal:
        return self._total("usage")

    @property
    def monthly(self) -> Decimal:
        return self.fixed + self.usage

    @property
    def one_time(self) -> Decimal:
        return self._total("one-time")

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "currency": self.currency,
            "prices_retrieved": self.prices_retrieved,
            "region_note": self.region_note,
            "totals": {
                "fixed_monthly": _num(self.fixed),
                "usage_monthly": _num(self.usage),
                "monthly": _num(self.monthly),
                "one_time": _num(self.one_time),
            },
            "items": [i.to_dict() for i in self.items],
            "not_charged": [{"what": w, "why": y} for w, y in self.not_charged],
            "assumptions": list(self.assumptions),
        }


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _dec(value: float | int) -> Decimal:
    return Decimal(str(value))


def estimate(plan: Any, usage: Usage | None = None, prices: PriceList | None = None) -> Estimate:
    """Price the stack the plan describes. Pure: the same plan, usage and prices give the same Estimate."""
    return estimate_facts(stack_facts(plan), usage or Usage(), prices or load_prices())


def estimate_facts(s: StackFacts, u: Usage, p: PriceList) -> Estimate:
    items: list[LineItem] = []
    hours = p.hours_per_month

    def add(name: str, key: str, quantity: Decimal, basis: Basis, detail: str, *, per: int = 1) -> None:
        price = p.price(key)
        billed = quantity / per  # in the price's unit (per 10,000 requests, per 100,000 events, ...)
        if per != 1:
            detail = f"{_fmt_qty(quantity)} ({detail})"
        cost = (billed * price.usd).quantize(CENT, rounding=ROUND_HALF_UP)
        items.append(
            LineItem(
                name=name,
                quantity=billed,
                unit=price.unit,
                unit_price=price.usd,
                cost=cost,
                basis=basis,
                price_key=key,
                confidence=price.confidence,
                detail=detail,
            )
        )

    # ---- fixed: paid whether or not anything runs ---------------------------------------------
    n_if, azs = len(s.interface_endpoints), s.availability_zones
    if n_if:
        add(
            "Interface VPC endpoints",
            "privatelink.interface_endpoint_az_hour",
            _dec(n_if * azs * hours),
            "fixed",
            f"{n_if} endpoints ({', '.join(s.interface_endpoints)}) x {azs} AZs x {hours} h; "
            "each AZ added multiplies this line",
        )
    add(
        "KMS customer managed keys",
        "kms.key_month",
        _dec(len(s.keys)),
        "fixed",
        f"{len(s.keys)} keys ({', '.join(s.keys)})",
    )
    rot = p.price("kms.rotation_month")
    cap = rot.max_billed_rotations if rot.max_billed_rotations is not None else 2
    per_key = min(cap, 365 // max(s.rotation_days, 1))
    if per_key:
        add(
            "KMS rotated key material",
            "kms.rotation_month",
            _dec(per_key * len(s.keys)),
            "fixed",
            f"rotation every {s.rotation_days} days: {per_key} billed rotations per key after a year "
            f"(only the first {cap} rotations are billed)",
        )
    add(
        "CloudTrail management events (first copy)",
        "cloudtrail.management_first_copy",
        Decimal(1),
        "fixed",
        "one multi-region trail; free unless another trail already records management events",
    )
    if s.macie_job_type is not None:
        add(
            "Macie bucket inventory and monitoring",
            "macie.bucket_month",
            _dec(len(s.buckets)),
            "fixed",
            f"{len(s.buckets)} buckets of this stack in {s.region}; Macie counts every bucket of the account there",
        )
    if s.notebook_instance_type is not None:
        add(
            "Notebook ML storage volume",
            "sagemaker.ml_storage_gb_month",
            _dec(s.notebook_volume_gb),
            "fixed",
            f"{s.notebook_volume_gb} GB, billed while the notebook exists",
        )

    # ---- usage-driven ------------------------------------------------------------------------
    if n_if:
        add(
            "Interface endpoint data processed",
            "privatelink.data_processed_gb",
            _dec(u.endpoint_gb_per_month),
            "usage",
            "endpoint_gb_per_month",
        )
    add(
        "KMS requests",
        "kms.requests_10k",
        _dec(u.kms_requests_per_month),
        "usage",
        "kms_requests_per_month",
        per=10_000,
    )
    if s.data_events != "none":
        events = u.s3_writes_per_month + (u.s3_reads_per_month if s.data_events == "all" else 0)
        what = "reads and writes" if s.data_events == "all" else "writes"
        add(
            "CloudTrail S3 data events",
            "cloudtrail.data_events_100k",
            _dec(events),
            "usage",
            f"{what} on training data and artifacts",
            per=100_000,
        )
    add(
        "CloudWatch Logs ingestion",
        "cloudwatch.logs_ingestion_gb",
        _dec(u.log_gb_per_month),
        "usage",
        f"log_gb_per_month into {', '.join(g for g in s.log_groups if g != 'vpc_flow_logs')}",
    )
    if s.flow_logs:
        add(
            "VPC flow logs delivery",
            "cloudwatch.vended_logs_gb",
            _dec(u.flow_log_gb_per_month),
            "usage",
            "flow_log_gb_per_month",
        )
    months_kept = Decimal(min(s.log_retention_days, 365)) / Decimal(365) * 12
    stored = (_dec(u.log_gb_per_month) + (_dec(u.flow_log_gb_per_month) if s.flow_logs else 0)) * months_kept
    add(
        "CloudWatch Logs storage",
        "cloudwatch.logs_storage_gb_month",
        stored.quantize(CENT),
        "usage",
        f"a year after creation: {months_kept.quantize(Decimal('0.1'))} months of logs kept "
        f"(retention {s.log_retention_days} days)",
    )
    replicated_gb = Decimal(0)
    replica_stored = Decimal(0)
    if "training_data" in s.replicated:
        replicated_gb += _dec(u.new_training_data_gb_per_month)
        replica_stored += _dec(u.training_data_gb)
    if "model_artifacts" in s.replicated:
        replicated_gb += _dec(u.new_model_artifacts_gb_per_month)
        replica_stored += _dec(u.model_artifacts_gb)
    stored_s3 = _dec(u.training_data_gb) + _dec(u.model_artifacts_gb) + _dec(u.log_bucket_gb) + replica_stored
    add(
        "S3 Standard storage",
        "s3.standard_gb_month",
        stored_s3,
        "usage",
        "training data + artifacts + log buckets" + (" + replicas" if replica_stored else ""),
    )
    if replicated_gb:
        add(
            "Cross-region replication transfer",
            "transfer.inter_region_gb",
            replicated_gb,
            "usage",
            f"new data replicated to {s.replica_region}",
        )
    if s.macie_job_type is not None:
        share = Decimal(s.macie_sampling_percentage) / 100
        first = (_dec(u.training_data_gb) * share).quantize(CENT)
        add(
            "Macie classification job, first run",
            "macie.inspected_gb",
            first,
            "one-time",
            f"{s.macie_sampling_percentage}% of the training data",
        )
        if s.macie_job_type == "SCHEDULED":
            add(
                f"Macie classification job, {s.macie_schedule} runs",
                "macie.inspected_gb",
                (_dec(u.new_training_data_gb_per_month) * share).quantize(CENT),
                "usage",
                "each scheduled run inspects only objects created or changed since the previous run",
            )
    if s.notebook_instance_type is not None:
        key = f"sagemaker.notebook.{s.notebook_instance_type}"
        if key not in p.prices:
            raise CostError(
                f"notebook instance type {s.notebook_instance_type!r} has no price "
                f"(priced: {', '.join(NOTEBOOK_INSTANCE_TYPES)})"
            )
        add(
            f"Notebook instance {s.notebook_instance_type}",
            key,
            _dec(u.notebook_hours_per_month),
            "usage",
            "notebook_hours_per_month; a stopped notebook costs only its volume",
        )
    if s.guardrail:
        units = _dec(u.bedrock_invocations_per_month) * _dec(u.bedrock_text_units_per_invocation)
        detail = "bedrock_invocations_per_month x bedrock_text_units_per_invocation"
        if s.guardrail_content_filters:
            add(
                "Bedrock guardrail content filters",
                "bedrock.guardrail.content_filter_1k_text_units",
                units,
                "usage",
                detail,
                per=1000,
            )
        if s.guardrail_pii:
            add(
                "Bedrock guardrail sensitive information filter",
                "bedrock.guardrail.sensitive_information_1k_text_units",
                units,
                "usage",
                detail,
                per=1000,
            )

    not_charged = [("SNS topics (alerts, CloudTrail deliveries)", p.resource_notes.get("aws_sns_topic", ""))]
    if s.gateway_endpoints:
        not_charged.append(("S3 gateway endpoint", "Gateway endpoints have no charge."))
    if s.macie_job_type is not None:
        not_charged.append(
            ("EventBridge rule for Macie findings", p.free_resources.get("aws_cloudwatch_event_rule", ""))
        )
    not_charged.append(
        ("IAM roles and policies, security groups, subnets, route tables", p.free_resources.get("aws_iam_role", ""))
    )

    assumptions = [] if u.given else [ALL_DEFAULTS]
    assumptions += [
        f"{name} = {_fmt_qty(_dec(getattr(u, name)))} ({'given' if name in u.given else 'default'}): {desc}"
        for name, desc in USAGE_DESCRIPTIONS.items()
    ]
    assumptions += [
        f"{hours} hours a month; on-demand list prices in {p.currency}, read {p.retrieved}.",
        "Account-wide free tiers are not subtracted; S3 request charges are not estimated.",
        "Recurring lines describe a month a year after the stack is created (rotations and log storage grown).",
    ]
    note = None
    regions = [r for r in (s.region, s.replica_region) if r and r != p.region]
    if regions:
        note = f"Prices are {p.region}'s; {', '.join(regions)}: {p.other_regions}"
    return Estimate(
        stack=f"{s.name}-{s.environment}",
        region=s.region,
        currency=p.currency,
        prices_retrieved=p.retrieved,
        items=tuple(items),
        not_charged=tuple(not_charged),
        assumptions=tuple(assumptions),
        region_note=note,
    )


# --------------------------------------------------------------------------------------------------
# Formatting (for `guardform cost --answers FILE`, the report and the stack README)
# --------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _fmt_qty(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _fmt_amount(quantity: Decimal, unit: str) -> str:
    """'10 x 10,000 requests' for units that are themselves a count, else '20 GB'."""
    return f"{_fmt_qty(quantity)} {'x ' if unit[:1].isdigit() else ''}{unit}"


def _fmt_price(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    if "." in text and len(text.split(".")[1]) < 2:
        text = f"{value:.2f}"
    return "$" + text


_SECTIONS: tuple[tuple[Basis, str], ...] = (
    ("fixed", "Fixed (paid whether or not the stack is used)"),
    ("usage", "Usage-driven (from the assumptions below)"),
    ("one-time", "One-time"),
)


def format_text(est: Estimate) -> str:
    """A plain-text estimate: one line per item, the totals, what is free, the assumptions."""
    out = [f"Monthly cost estimate for {est.stack} ({est.region}), {est.currency}, prices read {est.prices_retrieved}"]
    if est.region_note:
        out.append(f"Note: {est.region_note}")
    for basis, title in _SECTIONS:
        rows = [i for i in est.items if i.basis == basis]
        if not rows:
            continue
        out += ["", title]
        for i in rows:
            out.append(
                f"  {i.name:<48} {_fmt_amount(i.quantity, i.unit):>28} at {_fmt_price(i.unit_price):<8}"
                f" {_money(i.cost):>10}  [{i.confidence}]"
            )
            if i.detail:
                out.append(f"      {i.detail}")
    out += [
        "",
        f"Fixed a month:        {_money(est.fixed):>10}",
        f"Usage-driven a month: {_money(est.usage):>10}",
        f"Total a month:        {_money(est.monthly):>10}",
        f"One-time:             {_money(est.one_time):>10}",
        "",
        "Not charged:",
    ]
    out += [f"  {what}: {why}" for what, why in est.not_charged]
    out += ["", "Assumptions:"]
    out += [f"  - {a}" for a in est.assumptions]
    out += [
        "",
        "Confidence: aws_page = read on the AWS pricing page; secondary = read only in write-ups quoting it; "
        "unverified = not confirmed, check it. Sources: wizard/data/prices.yaml.",
    ]
    return "\n".join(out) + "\n"


def format_summary(est: Estimate) -> str:
    """One line for the wizard's Review screen and `guardform explain`."""
    once = f"; {_money(est.one_time)} once" if est.one_time else ""
    return (
        f"about {_money(est.monthly)} a month ({_money(est.fixed)} fixed + {_money(est.usage)} usage-driven{once}), "
        f"{est.currency}, {est.region}"
    )


def endpoint_cost_per_az(plan: Any, prices: PriceList | None = None) -> Decimal:
    """What one more (or one fewer) availability zone adds to the month: every interface endpoint, 730 h.

    For the wizard's AZ question: the endpoint line is the largest fixed cost and scales with the AZ count.
    """
    p = prices or load_prices()
    n = len(stack_facts(plan).interface_endpoints)
    price = p.price("privatelink.interface_endpoint_az_hour").usd
    return (Decimal(n * p.hours_per_month) * price).quantize(CENT, rounding=ROUND_HALF_UP)


def format_json(est: Estimate) -> str:
    return json.dumps(est.to_dict(), indent=2, sort_keys=True) + "\n"


def format_markdown(est: Estimate) -> str:
    """The estimate as a Markdown section (the evidence report and the stack README use it)."""
    out = [f"Prices: {est.currency}, on-demand, read {est.prices_retrieved} (`wizard/data/prices.yaml`).", ""]
    if est.region_note:
        out += [f"> {est.region_note}", ""]
    out += ["| Item | Quantity | Unit price | Cost | Basis | Confidence |", "|---|---:|---:|---:|---|---|"]
    for i in est.items:
        out.append(
            f"| {i.name} | {_fmt_amount(i.quantity, i.unit)} | {_fmt_price(i.unit_price)} | {_money(i.cost)} | "
            f"{i.basis} | {i.confidence} |"
        )
    out += [
        "",
        f"**Fixed a month {_money(est.fixed)}; usage-driven a month {_money(est.usage)}; "
        f"total a month {_money(est.monthly)}; one-time {_money(est.one_time)}.**",
        "",
        "Not charged: " + "; ".join(f"{w} ({y})" for w, y in est.not_charged),
        "",
        "Assumptions:",
        "",
    ]
    out += [f"- {a}" for a in est.assumptions]
    return "\n".join(out) + "\n"
