"""Amazon Macie: discovery jobs on the training data, custom identifiers, results export (§5)."""

from __future__ import annotations

from wizard.answers import Answers, DataCategory
from wizard.plan.facts import Facts
from wizard.plan.model import CustomIdentifier, MaciePlan
from wizard.plan.section import Ledger, Section

# Macie custom data identifiers: internal identifiers the managed ones do not cover (catalog §9).
_CUSTOM_IDENTIFIERS: dict[DataCategory, CustomIdentifier] = {
    DataCategory.phi: CustomIdentifier(
        name="medical-record-number",
        description="Medical record numbers written as MRN followed by 6 to 10 digits",
        regex=r"MRN[-: ]?[0-9]{6,10}",
        keywords=("MRN", "medical record"),
        maximum_match_distance=50,
    ),
    DataCategory.financial: CustomIdentifier(
        name="internal-account-number",
        description="Internal customer account numbers written as ACCT- followed by 8 to 12 digits",
        regex=r"ACCT-[0-9]{8,12}",
        keywords=("account", "acct"),
        maximum_match_distance=50,
    ),
    DataCategory.credentials: CustomIdentifier(
        name="bearer-token",
        description="HTTP bearer tokens and API keys pasted into data",
        regex=r"[Bb]earer [A-Za-z0-9._~+/=-]{20,}",
        keywords=("authorization", "bearer", "api_key", "token"),
        maximum_match_distance=50,
    ),
    DataCategory.pii: CustomIdentifier(
        name="employee-id",
        description="Internal employee identifiers written as EMP followed by 6 digits",
        regex=r"EMP[0-9]{6}",
        keywords=("employee", "emp id"),
        maximum_match_distance=50,
    ),
}


def _macie(f: Facts) -> MaciePlan | None:
    if not f.macie_on:
        return None
    if f.restricted:
        job_type, schedule = "SCHEDULED", "daily"
    elif f.conf:
        job_type, schedule = "SCHEDULED", "weekly"
    else:
        job_type, schedule = "ONE_TIME", None
    custom = tuple(_CUSTOM_IDENTIFIERS[c] for c in DataCategory if c in f.categories) if f.conf else ()
    return MaciePlan(
        job_type=job_type,
        schedule=schedule,
        weekly_day="MONDAY" if schedule == "weekly" else None,
        sampling_percentage=100,
        custom_identifiers=custom,
        export_results=f.macie_export,
        alerts=True,
        finding_publishing_frequency="FIFTEEN_MINUTES" if f.conf else "ONE_HOUR",
    )


def decide_macie(answers: Answers, f: Facts) -> Section[MaciePlan | None]:
    macie = _macie(f)
    why = (
        f.tier_says
        if f.macie_on
        else "no SageMaker workload reads a training-data bucket"
        if not f.has_sm
        else f"on from internal or with a data category; {f.tier_says}"
    )
    led = Ledger()
    led.control(
        "macie.discovery",
        "Macie classification job on the training data"
        + (
            f" ({macie.job_type.lower().replace('_', '-')}{', ' + macie.schedule if macie.schedule else ''})"
            if macie
            else ""
        ),
        on=f.macie_on,
        reason=why,
        module="macie",
        checks=("CKV_GF_4",),
    )
    custom = bool(macie and macie.custom_identifiers)
    led.control(
        "macie.custom_identifiers",
        "Macie custom data identifiers for internal identifiers",
        on=custom,
        reason=("categories: " + ", ".join(c.value for c in answers.data.categories))
        if custom
        else "on for confidential and restricted data with a data category",
        module="macie",
    )
    led.control(
        "macie.results_export",
        "Macie discovery results exported to a KMS-encrypted bucket",
        on=f.macie_export,
        reason=f.tier_says if f.macie_export else "on from confidential (results are otherwise kept only 90 days)",
        module="macie",
    )
    led.control(
        "macie.findings_alerts",
        "Macie findings sent through EventBridge to the alerts topic",
        on=f.macie_on,
        reason=why,
        module="macie",
        checks=("CKV_GF_5",),
    )
    return led.section(macie)
