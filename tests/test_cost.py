"""The cost estimate: every created resource type is priced or free for a reason, and the arithmetic."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from wizard.answers import load_answers, validate_answers
from wizard.cost import (
    NOTEBOOK_INSTANCE_TYPES,
    CostError,
    Usage,
    endpoint_cost_per_az,
    estimate,
    format_json,
    format_macie,
    format_markdown,
    format_summary,
    format_text,
    load_prices,
    macie_cost,
    parse_prices,
    stack_facts,
)
from wizard.plan import plan

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
PRICES_TEXT = (ROOT / "wizard" / "data" / "prices.yaml").read_text(encoding="utf-8")


def example_plan(name: str) -> Any:
    return plan(load_answers(ROOT / "examples" / f"{name}.yaml").answers)


def line(est: Any, name: str) -> Any:
    found = [i for i in est.items if i.name == name]
    assert len(found) == 1, f"{name!r} not exactly once in {[i.name for i in est.items]}"
    return found[0]


# ---- the price file covers what the templates create ----------------------------------------------


def template_resource_types() -> set[str]:
    types: set[str] = set()
    for path in (ROOT / "templates").rglob("*.j2"):
        types |= set(re.findall(r'^\s*resource\s+"(aws_[a-z0-9_]+)"', path.read_text(encoding="utf-8"), re.M))
    return types


def test_every_resource_type_the_templates_create_is_priced_or_free_for_a_reason() -> None:
    prices = load_prices()
    created = template_resource_types()
    assert len(created) > 30  # the grep found the templates
    missing = sorted(created - set(prices.priced_resources) - set(prices.free_resources))
    assert not missing, f"resource types with no price entry and no reason they are free: {missing}"


def test_the_price_file_lists_no_resource_type_the_templates_do_not_create() -> None:
    prices = load_prices()
    stale = sorted((set(prices.priced_resources) | set(prices.free_resources)) - template_resource_types())
    assert not stale, f"price entries for resource types no template creates: {stale}"


def test_every_price_names_a_source_a_date_and_a_confidence() -> None:
    for price in load_prices().prices.values():
        assert price.source.startswith("https://aws.amazon.com/"), price.key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.retrieved), price.key
        assert price.confidence in ("aws_page", "secondary", "unverified"), price.key


@pytest.mark.parametrize("field", ["source", "retrieved", "confidence", "usd", "unit"])
def test_a_price_without_its_provenance_is_refused_naming_the_field(field: str) -> None:
    broken = re.sub(rf"(  kms.key_month:\n(?:    .*\n)*?)    {field}: .*\n", r"\1", PRICES_TEXT, count=1)
    assert broken != PRICES_TEXT
    with pytest.raises(CostError, match=rf"prices\.kms\.key_month\.{field} is missing"):
        parse_prices(broken)


def test_a_secondary_figure_must_say_where_it_was_read() -> None:
    broken = re.sub(
        r"(  kms.requests_10k:\n(?:    .*\n)*?    confidence: )unverified\n", r"\1secondary\n", PRICES_TEXT, count=1
    )
    assert broken != PRICES_TEXT
    with pytest.raises(CostError, match=r"prices\.kms\.requests_10k\.read_in must name where"):
        parse_prices(broken)


def test_every_figure_is_read_on_aws_pages_only() -> None:
    """Third-party write-ups and copies of AWS pages are not sources: every URL a price cites is AWS's."""
    for price in load_prices().prices.values():
        for url in (price.source, *price.read_in):
            assert re.match(r"https://(docs\.)?aws\.amazon\.com/", url), (price.key, url)
    assert not re.search(r"https?://(?!(docs\.)?aws\.amazon\.com/)", PRICES_TEXT)


def test_a_free_resource_type_needs_a_reason() -> None:
    broken = PRICES_TEXT.replace('aws_kms_alias: "Aliases have no charge; the key is priced."', 'aws_kms_alias: ""')
    with pytest.raises(CostError, match=r"free\.aws_kms_alias gives no reason"):
        parse_prices(broken)


def test_a_priced_resource_must_name_known_prices() -> None:
    broken = PRICES_TEXT.replace("priced: [kms.key_month,", "priced: [kms.no_such_price,")
    with pytest.raises(CostError, match=r"resources\.aws_kms_key names unknown price 'kms.no_such_price'"):
        parse_prices(broken)


def test_every_offered_notebook_instance_type_has_a_price() -> None:
    prices = load_prices()
    for itype in NOTEBOOK_INSTANCE_TYPES:
        assert f"sagemaker.notebook.{itype}" in prices.prices
    # the default, with a notebook and no notebook_instance_type answer, is the first of the list
    default = with_answers("restricted-phi-bedrock", workload={"notebook_instance_type": None})
    assert default.notebook.instance_type == NOTEBOOK_INSTANCE_TYPES[0] == "ml.t3.medium"
    # the shipped internal example asks for another
    assert example_plan("internal-training").notebook.instance_type == "ml.t3.large"


# ---- arithmetic on each example -------------------------------------------------------------------

# (example, interface endpoints, AZs, keys, billed rotations per key, Macie buckets, notebook GB, fixed total)
FIXED = [
    ("confidential-fraud", 7, 2, 3, 2, 5, 0, "111.70"),  # 102.20 + 3 + 6 + 0.50
    ("internal-training", 8, 3, 3, 1, 4, 20, "184.40"),  # 175.20 + 3 + 3 + 0.40 + 2.80
    ("public-inference", 7, 2, 1, 1, 0, 0, "104.20"),  # 102.20 + 1 + 1
    ("restricted-phi-bedrock", 10, 2, 4, 2, 6, 20, "161.40"),  # 146.00 + 4 + 8 + 0.60 + 2.80
]


@pytest.mark.parametrize(("name", "endpoints", "azs", "keys", "rotations", "macie", "nb_gb", "fixed"), FIXED)
def test_fixed_costs_count_what_each_example_plans(
    name: str, endpoints: int, azs: int, keys: int, rotations: int, macie: int, nb_gb: int, fixed: str
) -> None:
    est = estimate(example_plan(name))
    ep = line(est, "Interface VPC endpoints")
    assert ep.quantity == endpoints * azs * 730
    assert ep.cost == Decimal("0.01") * endpoints * azs * 730
    assert line(est, "KMS customer managed keys").cost == Decimal(keys)
    assert line(est, "KMS rotated key material").quantity == keys * rotations
    names = [i.name for i in est.items]
    assert ("Macie bucket inventory and monitoring" in names) == bool(macie)
    if macie:
        assert line(est, "Macie bucket inventory and monitoring").cost == Decimal("0.10") * macie
    assert ("Notebook ML storage volume" in names) == bool(nb_gb)
    assert est.fixed == Decimal(fixed)
    assert est.monthly == est.fixed + est.usage
    assert est.usage == sum(i.cost for i in est.items if i.basis == "usage")


def test_the_restricted_phi_stack_in_full() -> None:
    """The issue's example: every line of the restricted PHI Bedrock + notebook stack at the defaults."""
    est = estimate(example_plan("restricted-phi-bedrock"))
    costs = {i.name: str(i.cost) for i in est.items}
    assert costs == {
        "Interface VPC endpoints": "146.00",  # 10 endpoints x 2 AZs x 730 h x $0.01
        "KMS customer managed keys": "4.00",
        "KMS rotated key material": "8.00",  # 90-day rotation: 2 billed rotations per key
        "CloudTrail management events (first copy)": "0.00",
        "Macie bucket inventory and monitoring": "0.60",
        "Notebook ML storage volume": "2.80",  # 20 GB x $0.14
        "Interface endpoint data processed": "0.20",
        "KMS requests": "0.30",  # 100,000 / 10,000 x $0.03
        "CloudTrail S3 data events": "1.00",  # reads and writes: 1,000,000 / 100,000 x $0.10
        "CloudWatch Logs ingestion": "2.50",
        "VPC flow logs delivery": "1.00",
        "CloudWatch Logs storage": "2.52",  # (5 + 2) GB x 12 months x $0.03
        "S3 Standard storage": "5.75",  # (100 + 20 + 10 + 120 replicas) GB x $0.023
        "Cross-region replication transfer": "0.24",  # (10 + 2) GB x $0.02
        "Macie classification job, daily runs": "10.00",
        "Notebook instance ml.t3.medium": "8.00",  # 160 h x $0.05
        "Bedrock guardrail content filters": "30.00",  # 200,000 text units x $0.15 / 1,000
        "Bedrock guardrail sensitive information filter": "20.00",
        "Macie classification job, first run": "100.00",  # one-time: 100 GB x 100% x $1
    }
    assert (str(est.fixed), str(est.usage), str(est.monthly), str(est.one_time)) == (
        "161.40",
        "81.51",
        "242.91",
        "100.00",
    )


def test_each_availability_zone_multiplies_the_endpoint_line() -> None:
    p = example_plan("restricted-phi-bedrock")
    three = replace(p, network=replace(p.network, availability_zones=3))
    assert line(estimate(three), "Interface VPC endpoints").cost == Decimal("219.00")


def test_data_events_follow_the_trail_selector() -> None:
    usage = Usage(s3_reads_per_month=500_000, s3_writes_per_month=100_000)
    writes = line(estimate(example_plan("confidential-fraud"), usage), "CloudTrail S3 data events")
    assert (writes.quantity, writes.cost) == (Decimal(1), Decimal("0.10"))  # writes only
    both = line(estimate(example_plan("restricted-phi-bedrock"), usage), "CloudTrail S3 data events")
    assert (both.quantity, both.cost) == (Decimal(6), Decimal("0.60"))
    assert "CloudTrail S3 data events" not in [i.name for i in estimate(example_plan("public-inference")).items]


def test_one_time_macie_jobs_are_not_monthly() -> None:
    est = estimate(example_plan("internal-training"), Usage(training_data_gb=40))
    assert line(est, "Macie classification job, first run").cost == Decimal("40.00")
    assert line(est, "Macie classification job, first run").basis == "one-time"
    assert not [i for i in est.items if "runs" in i.name]  # ONE_TIME job: no recurring scans
    assert est.one_time == Decimal("40.00")


def with_answers(name: str, **sections: dict[str, Any]) -> Any:
    """The plan of an example with some answers sections merged in (as if the file said so)."""
    loaded = load_answers(ROOT / "examples" / f"{name}.yaml")
    data = loaded.answers.model_dump(mode="json")
    for section, values in sections.items():
        data[section] = {**data[section], **values}
    return plan(validate_answers(data))


def test_usage_answers_change_the_usage_lines_and_say_they_were_given() -> None:
    p = with_answers(
        "restricted-phi-bedrock", usage={"notebook_hours_per_month": 730, "bedrock_invocations_per_month": 1_000_000}
    )
    assert p.usage.given == (("notebook_hours_per_month", 730.0), ("bedrock_invocations_per_month", 1_000_000))
    est = estimate(p)  # the plan's usage: nothing passed beside it
    assert line(est, "Notebook instance ml.t3.medium").cost == Decimal("36.50")
    assert line(est, "Bedrock guardrail content filters").cost == Decimal("300.00")
    assert est.assumptions[0].startswith("2 of 14 usage inputs are from the answers' usage: section (given)")
    assert any(a.startswith("notebook_hours_per_month = 730 (given)") for a in est.assumptions)
    assert any(a.startswith("training_data_gb = 100 (default)") for a in est.assumptions)
    # the fixed part does not move with usage
    assert est.fixed == estimate(example_plan("restricted-phi-bedrock")).fixed


def test_without_usage_answers_the_estimate_says_every_input_is_a_default() -> None:
    est = estimate(example_plan("confidential-fraud"))
    assert est.assumptions[0].startswith("Every usage input is at its stated default")
    assert not [a for a in est.assumptions if "(given)" in a]


def test_the_notebook_instance_type_answer_is_planned_and_priced() -> None:
    p = with_answers("restricted-phi-bedrock", workload={"notebook_instance_type": "ml.g4dn.xlarge"})
    assert p.notebook.instance_type == "ml.g4dn.xlarge"
    cheap = line(estimate(example_plan("restricted-phi-bedrock")), "Notebook instance ml.t3.medium")
    dear = line(estimate(p), "Notebook instance ml.g4dn.xlarge")
    price = load_prices().price("sagemaker.notebook.ml.g4dn.xlarge").usd
    assert dear.unit_price == price and dear.cost == (price * 160).quantize(Decimal("0.01"))
    assert dear.cost > cheap.cost
    assert estimate(p).fixed == estimate(example_plan("restricted-phi-bedrock")).fixed  # the volume is the same


def test_the_cost_usage_inputs_are_the_answers_usage_fields() -> None:
    from dataclasses import fields

    from wizard.answers import USAGE_INPUTS
    from wizard.answers import Usage as UsageAnswers

    names = [f.name for f in fields(Usage) if f.name != "given"]
    assert names == [u.name for u in USAGE_INPUTS] == list(UsageAnswers.model_fields)
    assert {n: getattr(Usage(), n) for n in names} == {u.name: u.default for u in USAGE_INPUTS}


def test_an_unknown_usage_input_in_a_plan_is_refused_naming_it() -> None:
    with pytest.raises(CostError, match=r"usage\.notebook_hours: unknown usage input"):
        Usage.from_given([("notebook_hours", 5)])


def test_an_unpriced_notebook_instance_type_is_an_error_naming_it() -> None:
    p = example_plan("internal-training")
    odd = replace(p, notebook=replace(p.notebook, instance_type="ml.p5.48xlarge"))
    with pytest.raises(CostError, match=r"'ml.p5.48xlarge' has no price"):
        estimate(odd)


def test_other_regions_are_flagged_as_priced_at_us_east_1() -> None:
    assert estimate(example_plan("confidential-fraud")).region_note is None
    note = estimate(example_plan("public-inference")).region_note
    assert note is not None and "eu-west-1" in note and "us-east-1" in note
    assert "us-west-2" in (estimate(example_plan("restricted-phi-bedrock")).region_note or "")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_formats_agree_and_are_deterministic(path: Path) -> None:
    p = plan(load_answers(path).answers)
    est = estimate(p)
    data = json.loads(format_json(est))
    assert format_json(estimate(p)) == format_json(est)
    assert data["totals"]["monthly"] == float(est.monthly)
    assert round(sum(i["cost_usd"] for i in data["items"] if i["basis"] != "one-time"), 2) == float(est.monthly)
    text = format_text(est)
    assert re.search(rf"Total a month: +\${est.monthly:,.2f}\n", text)
    md = format_markdown(est)
    assert f"total a month ${est.monthly:,.2f}" in md
    for item in est.items:
        assert item.name in text and item.name in md


def test_the_adapter_reads_the_plan_fields_the_estimate_needs() -> None:
    facts = stack_facts(example_plan("restricted-phi-bedrock"))
    assert facts.interface_endpoints[:2] == ("sts", "logs") and len(facts.interface_endpoints) == 10
    assert facts.gateway_endpoints == ("s3",)
    assert facts.replica_buckets == ("replica_access_logs", "training_data_replica", "model_artifacts_replica")
    assert facts.log_groups == ("cloudtrail", "vpc_flow_logs", "bedrock_invocations")
    assert (facts.macie_job_type, facts.macie_schedule, facts.guardrail_pii) == ("SCHEDULED", "daily", True)


def test_an_existing_vpc_counts_one_endpoint_az_per_subnet_and_has_no_flow_logs_of_ours() -> None:
    answers = validate_answers(
        {
            "project": {"name": "fraud-scoring", "region": "us-east-1"},
            "workload": {"kinds": ["sagemaker_training"]},
            "data": {"sensitivity": "internal"},
            "network": {
                "mode": "existing",
                "vpc_id": "vpc-0a1b2c3d",
                "private_subnet_ids": ["subnet-0a1b2c3d", "subnet-1a1b2c3d", "subnet-2a1b2c3d"],
                "route_table_ids": ["rtb-0a1b2c3d"],
            },
        }
    )
    est = estimate(plan(answers))
    endpoints = line(est, "Interface VPC endpoints")
    assert endpoints.quantity == 6 * 3 * 730  # sts, logs, monitoring, ecr api/dkr, sagemaker api; 3 subnets
    names = [i.name for i in est.items]
    assert "VPC flow logs delivery" not in names


def test_the_az_question_can_say_what_each_zone_adds() -> None:
    p = example_plan("restricted-phi-bedrock")
    per_az = endpoint_cost_per_az(p)
    assert per_az == Decimal("73.00")  # 10 interface endpoints x 730 h x $0.01
    assert line(estimate(p), "Interface VPC endpoints").cost == per_az * p.network.availability_zones


def test_the_sensitivity_question_can_say_what_the_tiers_macie_jobs_cost() -> None:
    p = example_plan("restricted-phi-bedrock")
    est = estimate(p)
    m = macie_cost(p)
    buckets = line(est, "Macie bucket inventory and monitoring")
    runs = line(est, "Macie classification job, daily runs")
    first = line(est, "Macie classification job, first run")
    assert (m.tier, m.job, m.buckets) == ("restricted", "daily", int(buckets.quantity))
    assert m.monthly == buckets.cost + runs.cost == Decimal("10.60")
    assert m.once == first.cost == Decimal("100.00")
    assert format_macie(m) == (
        "Macie for restricted data: daily scans of the training data, 6 buckets monitored; about $10.60 a month "
        "and $100.00 once for the first full scan, at 100 GB of training data and 10 GB new a month (defaults)."
    )
    bigger = macie_cost(p, Usage(training_data_gb=500, given=frozenset({"training_data_gb"})))
    assert bigger.once == Decimal("500.00") and bigger.monthly == m.monthly
    assert "at 500 GB of training data and 10 GB new a month (partly given in usage:)" in format_macie(bigger)
    # internal data: one scan, its size from the answers' usage: section
    internal = format_macie(macie_cost(example_plan("internal-training")))
    assert internal.startswith("Macie for internal data: one scan of the training data, 4 buckets monitored;")
    assert "about $0.40 a month and $40.00 once for that scan, at 40 GB of training data (given in usage:)" in internal
    assert format_macie(macie_cost(example_plan("confidential-fraud"))).startswith(
        "Macie for confidential data: weekly scans"
    )


def test_the_macie_hint_says_why_macie_is_off() -> None:
    public = macie_cost(example_plan("public-inference"))
    assert (public.job, public.monthly, public.once) == (None, Decimal("0.00"), Decimal("0.00"))
    assert format_macie(public) == (
        "Macie for public data: off (on from internal or with a data category; data is public)."
    )
    bedrock_only = validate_answers(
        {
            "project": {"name": "chat-assist", "region": "us-east-1"},
            "workload": {"kinds": ["bedrock"], "bedrock_models": ["anthropic.claude-3-haiku-20240307-v1:0"]},
            "data": {"sensitivity": "restricted"},
        }
    )
    assert format_macie(macie_cost(plan(bedrock_only))) == (
        "Macie for restricted data: off (no SageMaker workload reads a training-data bucket)."
    )


def test_the_summary_line_for_review() -> None:
    est = estimate(example_plan("restricted-phi-bedrock"))
    assert format_summary(est) == (
        "about $242.91 a month ($161.40 fixed + $81.51 usage-driven; $100.00 once), USD, us-east-1"
    )
    assert "once" not in format_summary(estimate(example_plan("public-inference")))
