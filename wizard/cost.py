"""What a stack costs a month: a pure estimate from the Plan, the usage assumptions and the price file.

``estimate(plan)`` counts what the plan creates (interface endpoints x availability zones,
keys and their rotations, buckets and replicas, data-event trails, Macie jobs, log groups, the
notebook, the guardrail), prices each line from ``wizard/data/prices.yaml`` and returns an
``Estimate``: line items split into fixed, usage-driven and one-time costs, the totals and every
assumption used, each marked as given by the answers' ``usage:`` section (which the plan carries) or
a stated default; one function per line item prices it (``_LINE_ITEMS``). Nothing is fetched: the
figures are the price file's, each naming its source, the date it was read and how sure it is.

The Plan is read in one place only, ``stack_facts``: when the plan's field names change, that
function is the one to fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from ruamel.yaml import YAML

from wizard.answers.vocabulary import NOTEBOOK_INSTANCE_TYPES as NOTEBOOK_INSTANCE_TYPES  # each has a price
from wizard.answers.vocabulary import USAGE_INPUTS
from wizard.errors import GuardformError

Basis = Literal["fixed", "usage", "one-time"]
CENT = Decimal("0.01")


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
    prices = {key: _parse_price(key, raw, where) for key, raw in (data.get("prices") or {}).items()}
    priced, notes = _parse_resources(data.get("resources") or {}, prices, where)
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


def _parse_price(key: str, raw: Any, where: str) -> Price:
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
    return Price(
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


def _parse_resources(
    resources: Mapping[str, Any], prices: Mapping[str, Price], where: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Resource type -> the price keys it is billed by, and the notes some carry."""
    priced: dict[str, tuple[str, ...]] = {}
    notes: dict[str, str] = {}
    for rtype, raw in resources.items():
        keys = tuple(raw.get("priced") or ())
        if not keys:
            raise CostError(f"{where}: resources.{rtype}.priced lists no price")
        for k in keys:
            if k not in prices:
                raise CostError(f"{where}: resources.{rtype} names unknown price {k!r}")
        priced[rtype] = keys
        if raw.get("note"):
            notes[rtype] = " ".join(str(raw["note"]).split())
    return priced, notes


@lru_cache(maxsize=1)
def load_prices() -> PriceList:
    """The price file shipped in the package."""
    text = resources.files("wizard").joinpath("data/prices.yaml").read_text(encoding="utf-8")
    return parse_prices(text)


# --------------------------------------------------------------------------------------------------
# Usage assumptions
# --------------------------------------------------------------------------------------------------

_DEFAULT = {u.name: u.default for u in USAGE_INPUTS}


@dataclass(frozen=True, kw_only=True)
class Usage:
    """The usage-driven inputs, each with a stated default (``wizard.answers.USAGE_INPUTS``, which the
    answers' ``usage:`` section validates). ``given`` names those the user set."""

    training_data_gb: float = float(_DEFAULT["training_data_gb"])
    new_training_data_gb_per_month: float = float(_DEFAULT["new_training_data_gb_per_month"])
    model_artifacts_gb: float = float(_DEFAULT["model_artifacts_gb"])
    new_model_artifacts_gb_per_month: float = float(_DEFAULT["new_model_artifacts_gb_per_month"])
    log_bucket_gb: float = float(_DEFAULT["log_bucket_gb"])
    s3_reads_per_month: int = int(_DEFAULT["s3_reads_per_month"])
    s3_writes_per_month: int = int(_DEFAULT["s3_writes_per_month"])
    kms_requests_per_month: int = int(_DEFAULT["kms_requests_per_month"])
    log_gb_per_month: float = float(_DEFAULT["log_gb_per_month"])
    flow_log_gb_per_month: float = float(_DEFAULT["flow_log_gb_per_month"])
    endpoint_gb_per_month: float = float(_DEFAULT["endpoint_gb_per_month"])
    notebook_hours_per_month: float = float(_DEFAULT["notebook_hours_per_month"])
    bedrock_invocations_per_month: int = int(_DEFAULT["bedrock_invocations_per_month"])
    bedrock_text_units_per_invocation: float = float(_DEFAULT["bedrock_text_units_per_invocation"])
    given: frozenset[str] = frozenset()

    @classmethod
    def from_given(cls, given: Iterable[tuple[str, int | float]]) -> Usage:
        """The inputs the answers gave (already validated there); the others at their defaults."""
        values: dict[str, Any] = dict(given)
        unknown = sorted(set(values) - set(_DEFAULT))
        if unknown:
            raise CostError(f"usage.{unknown[0]}: unknown usage input (known: {', '.join(_DEFAULT)})")
        return cls(**values, given=frozenset(values))


USAGE_DESCRIPTIONS: dict[str, str] = {u.name: u.description for u in USAGE_INPUTS}


#: The first assumption when no usage input was given.
ALL_DEFAULTS = (
    "Every usage input is at its stated default (the answers' usage: section sets none): "
    "the usage-driven lines price an example month, not your traffic."
)


def _given_note(u: Usage) -> str:
    n = len(u.given)
    return (
        f"{n} of {len(USAGE_DESCRIPTIONS)} usage inputs are from the answers' usage: section (given); "
        "the others are stated defaults."
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
    tier: str  # the effective data tier
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
    macie_reason: str  # why Macie is on or off (the plan's macie.discovery control)
    log_groups: tuple[str, ...]
    flow_logs: bool
    log_retention_days: int
    notebook_instance_type: str | None
    notebook_volume_gb: int
    guardrail: bool
    guardrail_content_filters: bool
    guardrail_pii: bool
    alert_email: bool
    usage_given: tuple[tuple[str, int | float], ...] = ()  # the answers' usage: section


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
        tier=plan.sensitivity,
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
        macie_reason=next((c.reason for c in plan.controls if c.id == "macie.discovery"), ""),
        log_groups=tuple(log_groups),
        flow_logs=flow_logs,
        log_retention_days=int(plan.log_retention_days),
        notebook_instance_type=notebook.instance_type if notebook is not None else None,
        notebook_volume_gb=int(notebook.volume_size_gb) if notebook is not None else 0,
        guardrail=bool(bedrock is not None and bedrock.guardrail),
        guardrail_content_filters=bool(bedrock is not None and bedrock.guardrail and bedrock.content_filters),
        guardrail_pii=bool(bedrock is not None and bedrock.guardrail and bedrock.guardrail_entities),
        alert_email=bool(plan.monitoring.alert_email),
        usage_given=tuple(plan.usage.given),
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
    inputs: tuple[tuple[str, int | float, bool], ...] = ()  # every usage input: name, value, given by the answers

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
            "usage_inputs": {name: {"value": value, "given": given} for name, value, given in self.inputs},
        }


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _dec(value: float | int) -> Decimal:
    return Decimal(str(value))


def estimate(plan: Any, usage: Usage | None = None, prices: PriceList | None = None) -> Estimate:
    """Price the stack the plan describes. Pure: the same plan, usage and prices give the same Estimate.

    Without ``usage`` the plan's own (the answers' ``usage:`` section, defaults for the rest) is used."""
    facts = stack_facts(plan)
    u = usage if usage is not None else Usage.from_given(facts.usage_given)
    return estimate_facts(facts, u, prices or load_prices())


class _Lines:
    """The line items of one estimate, priced from the price file as they are added."""

    def __init__(self, prices: PriceList) -> None:
        self.prices = prices
        self.hours = prices.hours_per_month
        self.items: list[LineItem] = []

    def add(self, name: str, key: str, quantity: Decimal, basis: Basis, detail: str, *, per: int = 1) -> None:
        price = self.prices.price(key)
        billed = quantity / per  # in the price's unit (per 10,000 requests, per 100,000 events, ...)
        if per != 1:
            detail = f"{_fmt_qty(quantity)} ({detail})"
        cost = (billed * price.usd).quantize(CENT, rounding=ROUND_HALF_UP)
        self.items.append(
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


# ---- fixed lines: paid whether or not anything runs ---------------------------------------------


def _endpoint_hours(out: _Lines, s: StackFacts, u: Usage) -> None:
    n, azs = len(s.interface_endpoints), s.availability_zones
    if n:
        out.add(
            "Interface VPC endpoints",
            "privatelink.interface_endpoint_az_hour",
            _dec(n * azs * out.hours),
            "fixed",
            f"{n} endpoints ({', '.join(s.interface_endpoints)}) x {azs} AZs x {out.hours} h; "
            "each AZ added multiplies this line",
        )


def _kms_keys(out: _Lines, s: StackFacts, u: Usage) -> None:
    out.add(
        "KMS customer managed keys",
        "kms.key_month",
        _dec(len(s.keys)),
        "fixed",
        f"{len(s.keys)} keys ({', '.join(s.keys)})",
    )
    rot = out.prices.price("kms.rotation_month")
    cap = rot.max_billed_rotations if rot.max_billed_rotations is not None else 2
    per_key = min(cap, 365 // max(s.rotation_days, 1))
    if per_key:
        out.add(
            "KMS rotated key material",
            "kms.rotation_month",
            _dec(per_key * len(s.keys)),
            "fixed",
            f"rotation every {s.rotation_days} days: {per_key} billed rotation{'' if per_key == 1 else 's'} per key "
            "after a year "
            f"(only the first {cap} rotations are billed)",
        )


def _management_events(out: _Lines, s: StackFacts, u: Usage) -> None:
    out.add(
        "CloudTrail management events (first copy)",
        "cloudtrail.management_first_copy",
        Decimal(1),
        "fixed",
        "one multi-region trail; free unless another trail already records management events",
    )


def _macie_buckets(out: _Lines, s: StackFacts, u: Usage) -> None:
    if s.macie_job_type is not None:
        out.add(
            "Macie bucket inventory and monitoring",
            "macie.bucket_month",
            _dec(len(s.buckets)),
            "fixed",
            f"{len(s.buckets)} buckets of this stack in {s.region}; Macie counts every bucket of the account there",
        )


def _notebook_volume(out: _Lines, s: StackFacts, u: Usage) -> None:
    if s.notebook_instance_type is not None:
        out.add(
            "Notebook ML storage volume",
            "sagemaker.ml_storage_gb_month",
            _dec(s.notebook_volume_gb),
            "fixed",
            f"{s.notebook_volume_gb} GB, billed while the notebook exists",
        )


# ---- usage-driven lines ----------------------------------------------------------------------------


def _endpoint_data(out: _Lines, s: StackFacts, u: Usage) -> None:
    if s.interface_endpoints:
        gb = _dec(u.endpoint_gb_per_month)
        out.add(
            "Interface endpoint data processed", "privatelink.data_processed_gb", gb, "usage", "endpoint_gb_per_month"
        )


def _kms_requests(out: _Lines, s: StackFacts, u: Usage) -> None:
    requests = _dec(u.kms_requests_per_month)
    out.add("KMS requests", "kms.requests_10k", requests, "usage", "kms_requests_per_month", per=10_000)


def _data_events(out: _Lines, s: StackFacts, u: Usage) -> None:
    if s.data_events != "none":
        events = u.s3_writes_per_month + (u.s3_reads_per_month if s.data_events == "all" else 0)
        what = "reads and writes" if s.data_events == "all" else "writes"
        out.add(
            "CloudTrail S3 data events",
            "cloudtrail.data_events_100k",
            _dec(events),
            "usage",
            f"{what} on training data and artifacts",
            per=100_000,
        )


def _logs(out: _Lines, s: StackFacts, u: Usage) -> None:
    """Ingestion, flow-log delivery, and the storage a year of retention builds up."""
    groups = ", ".join(g for g in s.log_groups if g != "vpc_flow_logs")
    out.add(
        "CloudWatch Logs ingestion",
        "cloudwatch.logs_ingestion_gb",
        _dec(u.log_gb_per_month),
        "usage",
        f"log_gb_per_month into {groups}",
    )
    if s.flow_logs:
        out.add(
            "VPC flow logs delivery",
            "cloudwatch.vended_logs_gb",
            _dec(u.flow_log_gb_per_month),
            "usage",
            "flow_log_gb_per_month",
        )
    months_kept = Decimal(min(s.log_retention_days, 365)) / Decimal(365) * 12
    stored = (_dec(u.log_gb_per_month) + (_dec(u.flow_log_gb_per_month) if s.flow_logs else 0)) * months_kept
    out.add(
        "CloudWatch Logs storage",
        "cloudwatch.logs_storage_gb_month",
        stored.quantize(CENT),
        "usage",
        f"a year after creation: {months_kept.quantize(Decimal('0.1'))} months of logs kept "
        f"(retention {s.log_retention_days} days)",
    )


def _s3(out: _Lines, s: StackFacts, u: Usage) -> None:
    """Storage in the stack's buckets and their replicas, and the transfer replication makes."""
    replicated_gb = Decimal(0)
    replica_stored = Decimal(0)
    if "training_data" in s.replicated:
        replicated_gb += _dec(u.new_training_data_gb_per_month)
        replica_stored += _dec(u.training_data_gb)
    if "model_artifacts" in s.replicated:
        replicated_gb += _dec(u.new_model_artifacts_gb_per_month)
        replica_stored += _dec(u.model_artifacts_gb)
    stored = _dec(u.training_data_gb) + _dec(u.model_artifacts_gb) + _dec(u.log_bucket_gb) + replica_stored
    what = "training data + artifacts + log buckets" + (" + replicas" if replica_stored else "")
    out.add("S3 Standard storage", "s3.standard_gb_month", stored, "usage", what)
    if replicated_gb:
        where = f"new data replicated to {s.replica_region}"
        out.add("Cross-region replication transfer", "transfer.inter_region_gb", replicated_gb, "usage", where)


def _macie_jobs(out: _Lines, s: StackFacts, u: Usage) -> None:
    if s.macie_job_type is None:
        return
    share = Decimal(s.macie_sampling_percentage) / 100
    first = (_dec(u.training_data_gb) * share).quantize(CENT)
    what = f"{s.macie_sampling_percentage}% of the training data"
    out.add("Macie classification job, first run", "macie.inspected_gb", first, "one-time", what)
    if s.macie_job_type == "SCHEDULED":
        out.add(
            f"Macie classification job, {s.macie_schedule} runs",
            "macie.inspected_gb",
            (_dec(u.new_training_data_gb_per_month) * share).quantize(CENT),
            "usage",
            "each scheduled run inspects only objects created or changed since the previous run",
        )


def _notebook_hours(out: _Lines, s: StackFacts, u: Usage) -> None:
    if s.notebook_instance_type is None:
        return
    key = f"sagemaker.notebook.{s.notebook_instance_type}"
    if key not in out.prices.prices:
        raise CostError(
            f"notebook instance type {s.notebook_instance_type!r} has no price "
            f"(priced: {', '.join(NOTEBOOK_INSTANCE_TYPES)})"
        )
    out.add(
        f"Notebook instance {s.notebook_instance_type}",
        key,
        _dec(u.notebook_hours_per_month),
        "usage",
        "notebook_hours_per_month; a stopped notebook costs only its volume",
    )


def _guardrail(out: _Lines, s: StackFacts, u: Usage) -> None:
    if not s.guardrail:
        return
    units = _dec(u.bedrock_invocations_per_month) * _dec(u.bedrock_text_units_per_invocation)
    detail = "bedrock_invocations_per_month x bedrock_text_units_per_invocation"
    filters = (
        (s.guardrail_content_filters, "content filters", "content_filter"),
        (s.guardrail_pii, "sensitive information filter", "sensitive_information"),
    )
    for on, what, key in filters:
        if on:
            price = f"bedrock.guardrail.{key}_1k_text_units"
            out.add(f"Bedrock guardrail {what}", price, units, "usage", detail, per=1000)


#: The line items in the order the estimate lists them: the fixed ones, then the usage-driven ones.
_LINE_ITEMS: tuple[Callable[[_Lines, StackFacts, Usage], None], ...] = (
    _endpoint_hours,
    _kms_keys,
    _management_events,
    _macie_buckets,
    _notebook_volume,
    _endpoint_data,
    _kms_requests,
    _data_events,
    _logs,
    _s3,
    _macie_jobs,
    _notebook_hours,
    _guardrail,
)


def _not_charged(s: StackFacts, p: PriceList) -> tuple[tuple[str, str], ...]:
    out = [("SNS topics (alerts, CloudTrail deliveries)", p.resource_notes.get("aws_sns_topic", ""))]
    if s.gateway_endpoints:
        out.append(("S3 gateway endpoint", "Gateway endpoints have no charge."))
    if s.macie_job_type is not None:
        out.append(("EventBridge rule for Macie findings", p.free_resources.get("aws_cloudwatch_event_rule", "")))
    out.append(
        ("IAM roles and policies, security groups, subnets, route tables", p.free_resources.get("aws_iam_role", ""))
    )
    return tuple(out)


def _assumptions(u: Usage, p: PriceList) -> tuple[str, ...]:
    """Every usage input with its value and whether the answers gave it, then the pricing rules."""
    out = [_given_note(u) if u.given else ALL_DEFAULTS]
    out += [
        f"{name} = {_fmt_qty(_dec(getattr(u, name)))} ({'given' if name in u.given else 'default'}): {desc}"
        for name, desc in USAGE_DESCRIPTIONS.items()
    ]
    out += [
        f"{p.hours_per_month} hours a month; on-demand list prices in {p.currency}, read {p.retrieved}.",
        "Account-wide free tiers are not subtracted; S3 request charges are not estimated.",
        "Recurring lines describe a month a year after the stack is created (rotations and log storage grown).",
    ]
    return tuple(out)


def estimate_facts(s: StackFacts, u: Usage, p: PriceList) -> Estimate:
    lines = _Lines(p)
    for line_item in _LINE_ITEMS:
        line_item(lines, s, u)
    regions = [r for r in (s.region, s.replica_region) if r and r != p.region]
    note = f"Prices are {p.region}'s; {', '.join(regions)}: {p.other_regions}" if regions else None
    return Estimate(
        stack=f"{s.name}-{s.environment}",
        region=s.region,
        currency=p.currency,
        prices_retrieved=p.retrieved,
        items=tuple(lines.items),
        not_charged=_not_charged(s, p),
        assumptions=_assumptions(u, p),
        region_note=note,
        inputs=tuple((name, getattr(u, name), name in u.given) for name in USAGE_DESCRIPTIONS),
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
                f" {_money(i.cost):>10}  [{i.confidence}: {i.price_key}]"
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
        "[confidence: price key] aws_page = read on the AWS pricing page; secondary = read on another AWS page "
        "quoting it; unverified = not confirmed on an AWS page, check it. Each key's source and date: "
        "wizard/data/prices.yaml.",
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


@dataclass(frozen=True, kw_only=True)
class MacieCost:
    """What the data tier means for Macie and what its lines of the estimate add up to."""

    tier: str
    job: str | None  # daily | weekly | one-time; None: Macie is off
    reason: str  # why Macie is on or off
    buckets: int  # buckets Macie bills for (this stack's, in its region)
    monthly: Decimal  # the Macie lines billed every month (bucket fee, scheduled runs)
    once: Decimal  # the first run over the training data
    training_data_gb: Decimal
    new_training_data_gb_per_month: Decimal
    given: frozenset[str]  # which of those two inputs the answers' usage: section gave


def macie_cost(plan: Any, usage: Usage | None = None, prices: PriceList | None = None) -> MacieCost:
    """The Macie line items of ``estimate(plan)``, summed, with the job the tier gives.

    For the wizard's sensitivity question: the tier decides whether Macie runs and how often."""
    facts = stack_facts(plan)
    est = estimate(plan, usage, prices)
    lines = [i for i in est.items if i.price_key.startswith("macie.")]
    inputs = {name: (value, given) for name, value, given in est.inputs}
    names = ("training_data_gb", "new_training_data_gb_per_month")
    job = None if facts.macie_job_type is None else facts.macie_schedule or "one-time"
    return MacieCost(
        tier=facts.tier,
        job=job,
        reason=facts.macie_reason,
        buckets=sum(int(i.quantity) for i in lines if i.price_key == "macie.bucket_month"),
        monthly=sum((i.cost for i in lines if i.basis != "one-time"), Decimal("0.00")),
        once=sum((i.cost for i in lines if i.basis == "one-time"), Decimal("0.00")),
        training_data_gb=_dec(inputs[names[0]][0]),
        new_training_data_gb_per_month=_dec(inputs[names[1]][0]),
        given=frozenset(n for n in names if inputs[n][1]),
    )


def format_macie(m: MacieCost) -> str:
    """One sentence for the sensitivity question's help line."""
    if m.job is None:
        return f"Macie for {m.tier} data: off ({m.reason})."
    what = "one scan" if m.job == "one-time" else f"{m.job} scans"
    scheduled = m.job != "one-time"
    volumes = f"{_fmt_qty(m.training_data_gb)} GB of training data"
    if scheduled:
        volumes += f" and {_fmt_qty(m.new_training_data_gb_per_month)} GB new a month"
    used = {"training_data_gb", "new_training_data_gb_per_month"} if scheduled else {"training_data_gb"}
    given = used & m.given
    source = "defaults" if not given else "given in usage:" if given == used else "partly given in usage:"
    first = "for the first full scan" if scheduled else "for that scan"
    return (
        f"Macie for {m.tier} data: {what} of the training data, {m.buckets} buckets monitored; "
        f"about {_money(m.monthly)} a month and {_money(m.once)} once {first}, at {volumes} ({source})."
    )


def format_json(est: Estimate) -> str:
    return json.dumps(est.to_dict(), indent=2, sort_keys=True) + "\n"


def format_markdown(est: Estimate) -> str:
    """The estimate as a Markdown section (the evidence report and the stack README use it)."""
    out = [f"Prices: {est.currency}, on-demand, read {est.prices_retrieved} (`wizard/data/prices.yaml`).", ""]
    if est.region_note:
        out += [f"> {est.region_note}", ""]
    out += [
        "| Item | Quantity | Unit price | Cost | Basis | Confidence | Price key |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for i in est.items:
        out.append(
            f"| {i.name} | {_fmt_amount(i.quantity, i.unit)} | {_fmt_price(i.unit_price)} | {_money(i.cost)} | "
            f"{i.basis} | {i.confidence} | `{i.price_key}` |"
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
