"""The auditor's evidence document for a stack: pure functions from the plan, the answers, the cost estimate,
the access matrix and (optionally) a checkov scan, to Markdown and JSON.

It says what the stack is, the data tier and why, every control with on/off, the reason, the requirements it
helps meet (from ``wizard/data/compliance.yaml``, each mapping with its public source or the reason it has
none), the checkov checks that verify it and their results, the access matrix (who can and cannot do what,
and how that is verified), the shared-responsibility split and what stays with the customer, the cost
estimate, and the guardform version and answers digest. The output is deterministic: the same inputs give
the same bytes, so the document can be generated and committed beside the stack.

The Plan is read only in ``report_facts`` (and ``wizard.cost.stack_facts`` for the estimate).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from wizard.access import AccessRow, format_access_rows
from wizard.cost import Estimate, format_markdown
from wizard.errors import GuardformError

# The frameworks a control can map to, in report order.
FRAMEWORKS = ("hipaa", "pci_dss", "gdpr", "soc2", "nist_800_53", "cis_aws", "owasp_llm")
FRAMEWORK_TITLES = {
    "hipaa": "HIPAA Security Rule",
    "pci_dss": "PCI DSS",
    "gdpr": "GDPR",
    "soc2": "SOC 2 (Trust Services Criteria)",
    "nist_800_53": "NIST SP 800-53 Rev. 5",
    "cis_aws": "CIS AWS Foundations Benchmark",
    "owasp_llm": "OWASP Top 10 for LLM Applications 2025",
}
#: The evidence document's name beside the generated stack (``generate`` writes it; the stack README links it).
EVIDENCE_FILE = "EVIDENCE.md"
#: The compliance regimes an answers file can name (data.compliance), each a framework of the mappings.
REGIMES = ("hipaa", "pci_dss", "gdpr", "soc2")
DISCIPLINES = ("governance_and_compliance", "legal_and_privacy", "risk_management", "controls", "resilience")


class ReportError(GuardformError):
    """The compliance mappings are malformed, or a plan control has no mapping entry."""


# --------------------------------------------------------------------------------------------------
# Compliance mappings (data)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Source:
    key: str
    framework: str
    title: str
    url: str
    basis: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Mapping_:
    """One control in one framework: the requirement ids and their source, or why there are none."""

    framework: str
    requirements: tuple[str, ...] = ()
    source: str | None = None
    via: tuple[str, ...] = ()  # the AWS Config rules that carry the ids
    unmapped: str | None = None


@dataclass(frozen=True, kw_only=True)
class ControlMapping:
    control_id: str
    config_rules: tuple[str, ...]
    frameworks: Mapping[str, Mapping_]
    discipline: str


@dataclass(frozen=True, kw_only=True)
class ComplianceMap:
    retrieved: str
    disclaimer: str
    sources: Mapping[str, Source]
    controls: Mapping[str, ControlMapping]
    regimes: Mapping[str, tuple[str, ...]]  # answer value -> framework keys
    always: tuple[str, ...]
    obligations: Mapping[str, tuple[str, ...]]  # "all" and per regime
    scoping_matrix: Mapping[str, str]  # workload -> scope


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def parse_compliance(text: str, *, where: str = "compliance.yaml") -> ComplianceMap:
    """Parse and check the mappings: every mapping names a known source, or says why it has none."""
    data = YAML(typ="safe").load(text)
    if not isinstance(data, dict):
        raise ReportError(f"{where}: expected a mapping at the top")
    sources = {key: _parse_source(key, raw, where) for key, raw in (data.get("sources") or {}).items()}
    controls = {cid: _parse_control(cid, raw, sources, where) for cid, raw in (data.get("controls") or {}).items()}
    regimes = {str(k): tuple(v) for k, v in (data.get("regimes") or {}).items()}
    for name, keys in regimes.items():
        for k in keys:
            if k not in FRAMEWORKS:
                raise ReportError(f"{where}: regimes.{name} names unknown framework {k!r}")
    obligations = {str(k): tuple(_text(i) for i in v) for k, v in (data.get("customer_obligations") or {}).items()}
    meta = data.get("meta") or {}
    return ComplianceMap(
        retrieved=str(meta.get("retrieved", "")),
        disclaimer=_text(meta.get("disclaimer")),
        sources=sources,
        controls=controls,
        regimes=regimes,
        always=tuple(data.get("always") or ()),
        obligations=obligations,
        scoping_matrix={str(k): _text(v) for k, v in (data.get("scoping_matrix") or {}).items()},
    )


def _parse_source(key: str, raw: Any, where: str) -> Source:
    for needed in ("framework", "title", "url"):
        if not raw.get(needed):
            raise ReportError(f"{where}: sources.{key}.{needed} is missing")
    if not str(raw["url"]).startswith("https://"):
        raise ReportError(f"{where}: sources.{key}.url must be an https URL")
    return Source(
        key=key,
        framework=_text(raw["framework"]),
        title=_text(raw["title"]),
        url=str(raw["url"]),
        basis=_text(raw.get("basis")),
        note=_text(raw.get("note")),
    )


def _parse_control(cid: str, raw: Any, sources: Mapping[str, Source], where: str) -> ControlMapping:
    """One control's entry: a mapping for every framework, and its scoping-matrix discipline."""
    listed = raw.get("config_rules") or ()
    frameworks = {
        fw: _parse_mapping(fw, raw.get(fw), listed, sources, f"{where}: controls.{cid}.{fw}") for fw in FRAMEWORKS
    }
    discipline = str(raw.get("scoping_matrix_discipline") or "")
    if discipline not in DISCIPLINES:
        raise ReportError(f"{where}: controls.{cid}.scoping_matrix_discipline must be one of {', '.join(DISCIPLINES)}")
    return ControlMapping(control_id=cid, config_rules=tuple(listed), frameworks=frameworks, discipline=discipline)


def _parse_mapping(fw: str, entry: Any, config_rules: Any, sources: Mapping[str, Source], at: str) -> Mapping_:
    """One control in one framework: requirements with a known source (and the Config rules that carry
    them, among the control's), or ``unmapped`` with the reason."""
    if not isinstance(entry, dict):
        raise ReportError(f"{at} is missing (give requirements with a source, or unmapped: reason)")
    if "unmapped" in entry:
        if not _text(entry["unmapped"]):
            raise ReportError(f"{at}.unmapped gives no reason")
        return Mapping_(framework=fw, unmapped=_text(entry["unmapped"]))
    reqs = tuple(str(r) for r in entry.get("requirements") or ())
    src = entry.get("source")
    if not reqs:
        raise ReportError(f"{at} lists no requirements (say unmapped: reason instead)")
    if not src:
        raise ReportError(f"{at} has requirements but no source")
    if src not in sources:
        raise ReportError(f"{at}.source {src!r} is not one of the sources")
    via = tuple(str(v) for v in entry.get("via") or ())
    unknown = [v for v in via if v not in config_rules]
    if unknown:
        raise ReportError(f"{at}.via names rules not in config_rules: {', '.join(unknown)}")
    return Mapping_(framework=fw, requirements=reqs, source=str(src), via=via)


@lru_cache(maxsize=1)
def load_compliance() -> ComplianceMap:
    """The mappings shipped in the package."""
    text = resources.files("wizard").joinpath("data/compliance.yaml").read_text(encoding="utf-8")
    return parse_compliance(text)


# --------------------------------------------------------------------------------------------------
# Inputs: the plan (through one adapter), scan results, the access matrix
# --------------------------------------------------------------------------------------------------


#: How the access matrix is verified, said in the document: the flows are what the stack is built to allow and
#: deny; guardform's tests prove them offline, not the user's account.
ACCESS_VERIFIED_BY = (
    "Each row is a flow this stack is built to allow or to deny. guardform's own test suite (tests/access/) reads "
    "the policies back from the generated Terraform and evaluates every flow with an offline IAM policy evaluator "
    "(principalmapper), taking the identity policies, permission boundary, SCP document and the bucket, key, "
    "endpoint and trust policies together, for every shipped example and for the answer-space test matrix. It is "
    "run when guardform is tested, not when this document is generated, and not in your AWS account: it is a model "
    "of AWS's evaluation, so confirm the flows that matter to you in your account (IAM policy simulator, Access "
    "Analyzer) after applying."
)


@dataclass(frozen=True, kw_only=True)
class ControlFacts:
    id: str
    title: str
    enabled: bool
    reason: str
    module: str
    checks: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SkipFacts:
    check_id: str
    module: str
    resource: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReportFacts:
    name: str
    environment: str
    region: str
    allowed_regions: tuple[str, ...]
    tool_version: str
    sensitivity: str
    declared_sensitivity: str
    tier_reason: str
    categories: tuple[str, ...]
    compliance: tuple[str, ...]
    workloads: tuple[str, ...]
    modules: tuple[str, ...]
    controls: tuple[ControlFacts, ...]
    skips: tuple[SkipFacts, ...]


def report_facts(plan: Any) -> ReportFacts:
    """Read the Plan. Every plan field the report uses is named here, once."""
    return ReportFacts(
        name=plan.name,
        environment=plan.environment,
        region=plan.region,
        allowed_regions=tuple(plan.allowed_regions),
        tool_version=plan.tool_version,
        sensitivity=plan.sensitivity,
        declared_sensitivity=plan.declared_sensitivity,
        tier_reason=plan.tier_reason,
        categories=tuple(plan.categories),
        compliance=tuple(plan.compliance),
        workloads=tuple(plan.workloads),
        modules=tuple(plan.modules),
        controls=tuple(
            ControlFacts(
                id=c.id,
                title=c.title,
                enabled=bool(c.enabled),
                reason=c.reason,
                module=c.module,
                checks=tuple(c.checks),
            )
            for c in plan.controls
        ),
        skips=tuple(
            SkipFacts(check_id=s.check_id, module=s.module, resource=s.resource, reason=s.reason) for s in plan.skips
        ),
    )


def _check_results(scan: Any | None, check_id: str) -> dict[str, int] | None:
    """passed/failed/skipped counts of one check in a wizard.scan.ScanReport; None without a scan."""
    if scan is None:
        return None
    return {
        "passed": sum(1 for f in scan.passed if f.check_id == check_id),
        "failed": sum(1 for f in scan.failed if f.check_id == check_id),
        "skipped": sum(1 for f in scan.skipped if f.check_id == check_id),
    }


# --------------------------------------------------------------------------------------------------
# The evidence document as data
# --------------------------------------------------------------------------------------------------


def selected_frameworks(facts: ReportFacts, cmap: ComplianceMap) -> tuple[str, ...]:
    """The frameworks the answers name in data.compliance (plus the always-shown ones); all when none."""
    if not facts.compliance:
        return FRAMEWORKS
    chosen = {k for regime in facts.compliance for k in cmap.regimes.get(regime, ())} | set(cmap.always)
    return tuple(f for f in FRAMEWORKS if f in chosen)


def build_evidence(
    plan: Any,
    *,
    answers_digest: str,
    estimate: Estimate | None = None,
    scan: Any | None = None,
    access: Sequence[AccessRow] | None = None,
    compliance: ComplianceMap | None = None,
) -> dict[str, Any]:
    """The evidence document as plain data (the JSON format; the Markdown renders it)."""
    facts = report_facts(plan)
    cmap = compliance or load_compliance()
    missing = [c.id for c in facts.controls if c.id not in cmap.controls]
    if missing:
        raise ReportError(f"compliance.yaml has no entry for control(s): {', '.join(missing)}")
    frameworks = selected_frameworks(facts, cmap)
    controls = [_control_entry(c, cmap.controls[c.id], frameworks, scan) for c in facts.controls]
    return {
        "document": "guardform compliance evidence",
        "guardform_version": facts.tool_version,
        "answers_sha256": answers_digest,
        "stack": _stack_entry(facts),
        "data": _data_entry(facts),
        "frameworks": [{"key": f, "title": FRAMEWORK_TITLES[f]} for f in frameworks],
        "coverage": _coverage(controls, frameworks, facts.compliance, cmap),
        "controls": controls,
        "inline_skips": [
            {"check": s.check_id, "module": s.module, "resource": s.resource, "reason": s.reason} for s in facts.skips
        ],
        "scan": _scan_summary(scan),
        "access_matrix": None if access is None else _access_entry(access),
        "shared_responsibility": _shared_responsibility(facts, cmap),
        "ai": {
            "scoping_matrix": [
                {"workload": w, "scope": cmap.scoping_matrix[w]} for w in facts.workloads if w in cmap.scoping_matrix
            ],
        },
        "cost": estimate.to_dict() if estimate is not None else None,
        "sources": _sources_entry(cmap, controls),
        "mappings_retrieved": cmap.retrieved,
        "disclaimer": cmap.disclaimer,
    }


def _access_entry(access: Sequence[AccessRow]) -> dict[str, Any]:
    return {
        "verified_by": ACCESS_VERIFIED_BY,
        "flows": [
            {"who": a.who, "can": a.verdict == "can", "action": a.action, "on": a.on, "when": a.when, "why": a.why}
            for a in access
        ],
    }


def _stack_entry(facts: ReportFacts) -> dict[str, Any]:
    return {
        "name": facts.name,
        "environment": facts.environment,
        "region": facts.region,
        "allowed_regions": list(facts.allowed_regions),
        "workloads": list(facts.workloads),
        "modules": list(facts.modules),
    }


def _data_entry(facts: ReportFacts) -> dict[str, Any]:
    return {
        "tier": facts.sensitivity,
        "declared": facts.declared_sensitivity,
        "why": _tier_why(facts),
        "categories": list(facts.categories),
        "compliance": list(facts.compliance),
    }


def _control_entry(c: ControlFacts, m: ControlMapping, frameworks: Sequence[str], scan: Any | None) -> dict[str, Any]:
    """One control: its state, the checks that verify it (with their results), and per framework shown the
    requirements it helps meet with their source, or why it maps to none."""
    reqs: dict[str, Any] = {}
    for fw in frameworks:
        fm = m.frameworks[fw]
        if fm.unmapped is not None:
            reqs[fw] = {"unmapped": fm.unmapped}
        else:
            assert fm.source is not None
            reqs[fw] = {"requirements": list(fm.requirements), "source": fm.source, "via": list(fm.via)}
    return {
        "id": c.id,
        "title": c.title,
        "enabled": c.enabled,
        "reason": c.reason,
        "module": c.module,
        "checks": [{"id": chk, "results": _check_results(scan, chk)} for chk in c.checks],
        "config_rules": list(m.config_rules),
        "requirements": reqs,
        "scoping_matrix_discipline": m.discipline,
    }


def _shared_responsibility(facts: ReportFacts, cmap: ComplianceMap) -> dict[str, Any]:
    """What AWS, this stack and the customer each answer for: the customer's obligations for every stack and
    per regime named (every regime when none is)."""
    obligations = {"all": list(cmap.obligations.get("all", ()))}
    for regime in facts.compliance or sorted(k for k in cmap.obligations if k != "all"):
        obligations[regime] = list(cmap.obligations.get(regime, ()))
    return {
        "aws": "Physical security, the hardware and the managed services' own infrastructure (the AWS "
        "Shared Responsibility Model); AWS's audit reports are in AWS Artifact.",
        "this_stack": "The configuration controls below, as generated and verified by checkov; they hold only "
        "while the stack is applied unchanged.",
        "customer": obligations,
    }


def _sources_entry(cmap: ComplianceMap, controls: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The sources the controls' requirements cite, and the scoping matrix's, sorted by key."""
    used = {entry["source"] for c in controls for entry in c["requirements"].values() if "source" in entry}
    return [
        {"key": s.key, "framework": s.framework, "title": s.title, "url": s.url, "basis": s.basis, "note": s.note}
        for k, s in sorted(cmap.sources.items())
        if k in used or k == "genai_scoping_matrix"
    ]


def _coverage(
    controls: Sequence[Mapping[str, Any]], frameworks: Sequence[str], named: Sequence[str], cmap: ComplianceMap
) -> list[dict[str, Any]]:
    """Per compliance regime shown: the requirements the stack's controls that are on help meet, those
    mapped only to controls that are off, and what remains the customer's whatever the stack does.

    Regimes are those the answers name in data.compliance; with none named, every regime is shown."""
    out: list[dict[str, Any]] = []
    for regime in [r for r in REGIMES if r in frameworks and (not named or r in named)]:
        on: dict[str, list[str]] = {}
        off: dict[str, list[str]] = {}
        cited: set[str] = set()
        for c in controls:
            entry = c["requirements"].get(regime, {})
            for req in entry.get("requirements", ()):
                (on if c["enabled"] else off).setdefault(req, []).append(c["id"])
                cited.add(entry["source"])
        # The ids are those of the version the sources cite (PCI DSS v4.0 in AWS's conformance pack, say).
        labels = sorted({cmap.sources[k].framework for k in cited})
        out.append(
            {
                "regime": regime,
                "title": labels[0] if len(labels) == 1 else FRAMEWORK_TITLES[regime],
                "named_in_answers": regime in named,
                "covered": [{"requirement": r, "controls": on[r]} for r in sorted(on)],
                "not_covered": [{"requirement": r, "controls_off": off[r]} for r in sorted(off) if r not in on],
                "customer": list(cmap.obligations.get(regime, ())),
            }
        )
    return out


def _tier_why(facts: ReportFacts) -> str:
    if facts.tier_reason.strip():
        return facts.tier_reason.strip().strip("()")
    return f"declared {facts.declared_sensitivity}; no data category or compliance answer raises it"


def _scan_summary(scan: Any | None) -> dict[str, Any] | None:
    if scan is None:
        return None
    return {
        "checkov_version": scan.checkov_version,
        "ok": bool(scan.ok),
        "passed": len(scan.passed),
        "failed": len(scan.failed),
        "skipped": len(scan.skipped),
        "failed_checks": sorted({f.check_id for f in scan.failed}),
    }


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def render_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _md(text: str) -> str:
    """Escape the characters that would break a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _results(res: Mapping[str, int] | None) -> str:
    if res is None:
        return "not scanned"
    if not any(res.values()):
        return "not in scan"
    parts = [f"{n} {k}" for k, n in res.items() if n]
    return ", ".join(parts)


def _coverage_markdown(doc: Mapping[str, Any]) -> list[str]:
    """What the stack covers of each regime, and what stays with the customer."""
    if not doc["coverage"]:
        return []
    out = ["## Compliance coverage", ""]
    if not doc["data"]["compliance"]:
        out += [
            "No compliance regime is named in the answers (`data.compliance`), so every regime is shown; "
            "name yours to narrow this document to them.",
            "",
        ]
    for cov in doc["coverage"]:
        out += [f"### {cov['title']}", ""]
        if cov["covered"]:
            out.append("Requirements this stack's controls help meet (the controls that are on):")
            out.append("")
            out += [f"- {r['requirement']}: {', '.join(f'`{c}`' for c in r['controls'])}" for r in cov["covered"]]
        elif not cov["not_covered"]:
            out.append(
                "No control has a sourced mapping to this regime's requirements (each control below says why), "
                "so this document claims none: your auditor relates the controls to them."
            )
        else:
            out.append("No requirement of this regime is mapped to a control that is on.")
        if cov["not_covered"]:
            out += ["", "Mapped only to controls that are off for these answers (not covered):", ""]
            out += [
                f"- {r['requirement']}: {', '.join(f'`{c}`' for c in r['controls_off'])}" for r in cov["not_covered"]
            ]
        out += ["", "Remains yours, whatever the stack does:", ""]
        out += [f"- {item}" for item in cov["customer"]] or ["- (no obligations listed)"]
        out.append("")
    return out


def render_markdown(doc: Mapping[str, Any], *, estimate: Estimate | None = None) -> str:
    """The evidence document as Markdown (deterministic; no timestamps)."""
    sources = {s["key"]: s for s in doc["sources"]}
    out = [
        *_intro_markdown(doc),
        *_coverage_markdown(doc),
        *_controls_markdown(doc, sources),
        *_skips_markdown(doc),
        *_scan_markdown(doc),
        *_access_markdown(doc),
        *_shared_markdown(doc),
        *_scoping_markdown(doc, sources),
        *_cost_markdown(doc, estimate),
        *_sources_markdown(doc),
    ]
    return "\n".join(out) + "\n"


def _intro_markdown(doc: Mapping[str, Any]) -> list[str]:
    """The title, where the document comes from, the disclaimer, the stack and its data tier."""
    st, data = doc["stack"], doc["data"]
    return [
        f"# Compliance evidence: {st['name']}-{st['environment']}",
        "",
        f"Generated by guardform {doc['guardform_version']} from answers with sha256 `{doc['answers_sha256']}`. "
        "Regenerate it with guardform; do not edit it.",
        "",
        f"> {doc['disclaimer']}",
        "",
        "## The stack",
        "",
        f"- Region: {st['region']} (allowed: {', '.join(st['allowed_regions'])})",
        f"- Workloads: {', '.join(st['workloads'])}",
        f"- Modules: {', '.join(st['modules'])}",
        "",
        "## Data tier",
        "",
        f"- Tier: **{data['tier']}** (declared {data['declared']})",
        f"- Why: {data['why']}",
        f"- Data categories: {', '.join(data['categories']) or 'none named'}",
        f"- Compliance regimes named: {', '.join(data['compliance']) or 'none (every framework is shown)'}",
        "",
    ]


def _controls_markdown(doc: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The controls table (with the checks' results after a scan), then each control's details."""
    out = [
        "## Controls",
        "",
        "| Control | On | Module | Verified by (checkov) |",
        "|---|---|---|---|",
    ]
    for c in doc["controls"]:
        if doc["scan"] is None:
            checks = ", ".join(k["id"] for k in c["checks"]) or "no checkov check"
        else:
            checks = "; ".join(f"{k['id']} ({_results(k['results'])})" for k in c["checks"]) or "no checkov check"
        out.append(f"| `{c['id']}` {_md(c['title'])} | {'on' if c['enabled'] else 'off'} | {c['module']} | {checks} |")
    titles = {f["key"]: f["title"] for f in doc["frameworks"]}
    for c in doc["controls"]:
        out += _control_markdown(c, titles, sources)
    return out


def _control_markdown(
    c: Mapping[str, Any], titles: Mapping[str, str], sources: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """One control: why it is on or off, the Config rules and discipline, and its requirements per framework."""
    out = [
        "",
        f"### `{c['id']}`: {c['title']}",
        "",
        f"- {'On' if c['enabled'] else 'Off'}: {c['reason']}",
        f"- AWS Config rules checking the same control: {', '.join(c['config_rules']) or 'none'}",
        f"- Generative AI Security Scoping Matrix discipline: {c['scoping_matrix_discipline'].replace('_', ' ')}",
    ]
    for fw, entry in c["requirements"].items():
        if "unmapped" in entry:
            out.append(f"- {titles[fw]}: not mapped ({entry['unmapped']})")
        else:
            src = sources[entry["source"]]
            via = f" via {', '.join(entry['via'])}" if entry["via"] else ""
            out.append(f"- {src['framework']}: {', '.join(entry['requirements'])} ([source]({src['url']}){via})")
    return out


def _skips_markdown(doc: Mapping[str, Any]) -> list[str]:
    if not doc["inline_skips"]:
        return []
    out = ["", "## Checks skipped inline, and why", "", "| Check | Resource | Why |", "|---|---|---|"]
    for s in doc["inline_skips"]:
        out.append(f"| {s['check']} | {s['module']}: `{s['resource']}` | {_md(s['reason'])} |")
    return out


def _scan_markdown(doc: Mapping[str, Any]) -> list[str]:
    out = ["", "## Scan", ""]
    scan = doc["scan"]
    if scan is None:
        out.append(
            "No scan results in this copy: it is generated beside the stack without them, so the same answers "
            "always give the same file. Run `guardform report` after a scan for results: "
            "`guardform report --answers guardform.answers.yaml --scan` scans the stack with checkov and prints "
            "this document with each check's result."
        )
    else:
        out.append(
            f"checkov {scan['checkov_version']}: {scan['passed']} passed, {scan['failed']} failed, "
            f"{scan['skipped']} skipped ({'clean' if scan['ok'] else 'NOT clean'})."
        )
        if scan["failed_checks"]:
            out.append(f"Failed checks: {', '.join(scan['failed_checks'])}.")
    return out


def _access_markdown(doc: Mapping[str, Any]) -> list[str]:
    """Who can and cannot do what (the stack README's table), and how that is verified."""
    out = ["", "## Access matrix", ""]
    matrix = doc["access_matrix"]
    if matrix is None:
        out.append("No access matrix was given.")
        return out
    rows = [
        AccessRow(
            who=a["who"],
            verdict="can" if a["can"] else "cannot",
            action=a["action"],
            on=a["on"],
            when=a["when"],
            why=a["why"],
        )
        for a in matrix["flows"]
    ]
    out += [matrix["verified_by"], "", *format_access_rows(rows).splitlines()]
    return out


def _shared_markdown(doc: Mapping[str, Any]) -> list[str]:
    """AWS's part, the stack's and yours; a regime shown in Compliance coverage lists yours there."""
    shared = doc["shared_responsibility"]
    out = [
        "",
        "## Shared responsibility",
        "",
        f"- AWS: {shared['aws']}",
        f"- This stack: {shared['this_stack']}",
        "- You:",
    ]
    shown = {cov["regime"] for cov in doc["coverage"]}
    for regime, items in shared["customer"].items():
        if regime in shown:
            continue  # listed under its regime in Compliance coverage
        label = "every stack" if regime == "all" else regime
        for item in items:
            out.append(f"  - ({label}) {item}")
    if shown:
        out.append(f"  - and for {', '.join(sorted(shown))}: what the Compliance coverage section lists as yours.")
    return out


def _scoping_markdown(doc: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not doc["ai"]["scoping_matrix"]:
        return []
    src = sources.get("genai_scoping_matrix")
    out = ["", "## Generative AI Security Scoping Matrix", ""]
    out += [f"- {s['workload']}: {s['scope']}" for s in doc["ai"]["scoping_matrix"]]
    if src:
        out.append(f"- Source: [{src['title']}]({src['url']})")
    return out


def _cost_markdown(doc: Mapping[str, Any], estimate: Estimate | None) -> list[str]:
    """The full estimate when given; else the totals the document carries, if any."""
    out = ["", "## Cost estimate", ""]
    if estimate is not None:
        out.append(format_markdown(estimate).rstrip("\n"))
    elif doc["cost"] is None:
        out.append("No estimate was given.")
    else:
        t = doc["cost"]["totals"]
        out.append(
            f"Total a month ${t['monthly']:,.2f} (fixed ${t['fixed_monthly']:,.2f}, usage-driven "
            f"${t['usage_monthly']:,.2f}); one-time ${t['one_time']:,.2f}."
        )
    return out


def _sources_markdown(doc: Mapping[str, Any]) -> list[str]:
    out = ["", "## Sources", ""]
    for s in doc["sources"]:
        extra = f" {s['basis']}." if s["basis"] else ""
        note = f" {s['note']}" if s["note"] else ""
        out.append(f"- {s['framework']}: [{s['title']}]({s['url']}).{extra}{note}")
    out.append(f"- Mappings read {doc['mappings_retrieved']}.")
    return out


def evidence_markdown(
    plan: Any,
    *,
    answers_digest: str,
    estimate: Estimate | None = None,
    scan: Any | None = None,
    access: Sequence[AccessRow] | None = None,
) -> str:
    doc = build_evidence(plan, answers_digest=answers_digest, estimate=estimate, scan=scan, access=access)
    return render_markdown(doc, estimate=estimate)


def evidence_json(
    plan: Any,
    *,
    answers_digest: str,
    estimate: Estimate | None = None,
    scan: Any | None = None,
    access: Sequence[AccessRow] | None = None,
) -> str:
    return render_json(build_evidence(plan, answers_digest=answers_digest, estimate=estimate, scan=scan, access=access))
