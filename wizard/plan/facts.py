"""Facts every decision module reads: the effective tier and what it switches on, derived once.

``facts(answers)`` is the only place that turns the tier into the booleans the modules share (is the
data confidential or above, is Macie on, does a guardrail apply, which key serves which purpose).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.answers import Answers, Compliance, DataCategory, KeyStrategy, Sensitivity, WorkloadKind


@dataclass(frozen=True, kw_only=True)
class Facts:
    tier: Sensitivity  # effective tier after category and compliance overlays
    tier_reason: str  # " (declared ..., raised by ...)" or ""
    tier_says: str  # "data is <tier><reason>": the reason of every tier-driven control
    name_prefix: str  # "<name>-<environment>"
    kinds: tuple[str, ...]
    categories: frozenset[DataCategory]
    has_sm: bool  # any SageMaker workload
    has_bedrock: bool
    internal: bool  # internal or above
    conf: bool  # confidential or above
    restricted: bool
    retention: int  # log retention days
    retention_reason: str
    per_purpose: bool  # keys.strategy = per_purpose
    data_key: str  # KeyPlan names serving each purpose
    art_key: str
    log_key: str
    macie_on: bool
    macie_export: bool
    guardrail_on: bool
    bedrock_logging: bool
    replica_region: str | None  # where confidential data is replicated: the first other allowed region

    def has(self, kind: WorkloadKind) -> bool:
        return kind.value in self.kinds


def facts(answers: Answers) -> Facts:
    project, workload, data = answers.project, answers.workload, answers.data
    tier = data.effective_sensitivity
    tier_reason = _tier_reason(answers)
    kinds = tuple(k.value for k in workload.kinds)
    has_sm = any(k.startswith("sagemaker") for k in kinds)
    has_bedrock = WorkloadKind.bedrock in workload.kinds
    cats = frozenset(data.categories)
    conf = tier.rank >= Sensitivity.confidential.rank
    retention = answers.monitoring.log_retention_days or data.minimum_log_retention
    retention_reason = (
        f"monitoring.log_retention_days = {retention}"
        if answers.monitoring.log_retention_days
        else f"derived: {tier.value} data{_compliance_note(answers)} keeps logs {retention} days"
    )
    per_purpose = answers.keys.strategy is KeyStrategy.per_purpose
    second_regions = [r for r in project.allowed_regions if r != project.region]
    macie_on = has_sm and (tier.rank >= Sensitivity.internal.rank or bool(cats))
    return Facts(
        tier=tier,
        tier_reason=tier_reason,
        tier_says=f"data is {tier.value}{tier_reason}",
        name_prefix=f"{project.name}-{project.environment.value}",
        kinds=kinds,
        categories=cats,
        has_sm=has_sm,
        has_bedrock=has_bedrock,
        internal=tier.rank >= Sensitivity.internal.rank,
        conf=conf,
        restricted=tier is Sensitivity.restricted,
        retention=retention,
        retention_reason=retention_reason,
        per_purpose=per_purpose,
        data_key="data" if per_purpose else "main",
        art_key="artifacts" if per_purpose else "main",
        log_key="logs" if per_purpose else "main",
        macie_on=macie_on,
        macie_export=macie_on and conf,
        guardrail_on=has_bedrock and (conf or bool(cats)),
        bedrock_logging=has_bedrock,
        replica_region=second_regions[0] if conf and second_regions else None,
    )


def _tier_reason(answers: Answers) -> str:
    data = answers.data
    raised = [f"{kind} {value}" for kind, value in data.raised_by]
    return f" (declared {data.sensitivity.value}, raised by {', '.join(raised)})" if raised else ""


def _compliance_note(answers: Answers) -> str:
    regimes = [c.value for c in answers.data.compliance if c is Compliance.hipaa]
    return f" under {', '.join(regimes)}" if regimes else ""
