"""A scan report as text, JSON or SARIF 2.1.0 (pure)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from wizard.scan.report import CHECK_ERROR_RULE_ID, PARSE_ERROR_RULE_ID, ScanReport

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_TOOL_NAME = "guardform/checkov"

# --------------------------------------------------------------------------------------------
# Formatting (pure)
# --------------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_text(report: ScanReport) -> str:
    """A human summary: counts, then parse errors and failures, then skips with their reasons."""
    out = [
        f"checkov {report.checkov_version}: {len(report.passed)} passed, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped, {len(report.parse_errors)} parse errors"
        + (f", {len(report.check_errors)} check errors" if report.check_errors else "")
    ]
    out.extend(f"note: {note}" for note in report.notes)

    if report.parse_errors:
        out += ["", "Parse errors (checkov could not read these files, so none of their resources were checked):"]
        out.extend(f"  {path}" for path in report.parse_errors)
    if report.check_errors:
        out += ["", "Check errors (these checks did not run, so their results are missing):"]
        out.extend(f"  {err}" for err in report.check_errors)
    if report.failed:
        out += ["", "Failed checks:"]
        for f in report.failed:
            out.append(f"  {f.check_id}  {f.check_name}")
            out.append(f"    resource: {f.resource}")
            out.append(f"    file:     {f.location}")
            if f.guideline:
                out.append(f"    guide:    {f.guideline}")
    if report.skipped:
        out += ["", "Skipped checks:"]
        for f in report.skipped:
            out.append(f"  {f.check_id}  {f.check_name}")
            out.append(f"    resource: {f.resource}")
            out.append(f"    file:     {f.location}")
            out.append(f"    reason:   {f.skip_reason or '(no reason given)'}")

    out.append("")
    if report.ok:
        out.append("Result: OK (no failed checks, every file parsed)")
    else:
        problems = []
        if report.failed:
            problems.append(_plural(len(report.failed), "failed check"))
        if report.parse_errors:
            problems.append(_plural(len(report.parse_errors), "parse error"))
        if report.check_errors:
            problems.append(_plural(len(report.check_errors), "check error"))
        out.append(f"Result: FAILED ({', '.join(problems)})")
    return "\n".join(out) + "\n"


def format_json(report: ScanReport) -> str:
    """The report as stable JSON (sorted keys, sorted lists, trailing newline)."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _sarif_uri(file: str) -> str:
    return quote(file, safe="/")


def _sarif_location(file: str, lines: tuple[int, int] | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _sarif_uri(file)}}
    if lines is not None and lines[0] >= 1:
        physical["region"] = {"startLine": lines[0], "endLine": max(lines[0], lines[1])}
    return {"physicalLocation": physical}


def format_sarif(report: ScanReport) -> str:
    """The report as SARIF 2.1.0: failed checks, parse errors and check errors are results at
    level "error"; skipped checks are results carrying an in-source suppression with its reason."""
    names: dict[str, str] = {}
    guides: dict[str, str] = {}
    for f in report.findings:
        names.setdefault(f.check_id, f.check_name)
        if f.guideline and f.guideline.startswith(("https://", "http://")):
            guides.setdefault(f.check_id, f.guideline)
    rule_descs = dict(names)
    if report.parse_errors:
        rule_descs[PARSE_ERROR_RULE_ID] = "checkov could not parse the file, so none of its resources were checked"
    if report.check_errors:
        rule_descs[CHECK_ERROR_RULE_ID] = "a checkov check could not be loaded or crashed"

    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule_id in sorted(rule_descs):
        rule: dict[str, Any] = {
            "id": rule_id,
            "shortDescription": {"text": rule_descs[rule_id]},
            "defaultConfiguration": {"level": "error"},
        }
        if rule_id in guides:
            rule["helpUri"] = guides[rule_id]
        index[rule_id] = len(rules)
        rules.append(rule)

    results: list[dict[str, Any]] = []
    for path in report.parse_errors:
        res: dict[str, Any] = {
            "ruleId": PARSE_ERROR_RULE_ID,
            "ruleIndex": index[PARSE_ERROR_RULE_ID],
            "level": "error",
            "message": {"text": f"checkov could not parse {path}; none of its resources were checked"},
        }
        if not path.startswith("("):
            res["locations"] = [_sarif_location(path, None)]
        results.append(res)
    results.extend(
        {
            "ruleId": CHECK_ERROR_RULE_ID,
            "ruleIndex": index[CHECK_ERROR_RULE_ID],
            "level": "error",
            "message": {"text": err},
        }
        for err in report.check_errors
    )
    for f in (*report.failed, *report.skipped):
        res = {
            "ruleId": f.check_id,
            "ruleIndex": index[f.check_id],
            "level": "error",
            "message": {"text": f"{f.check_name} ({f.resource})" if f.resource else f.check_name},
            "locations": [_sarif_location(f.file, f.lines)],
        }
        if f.result == "skipped":
            res["suppressions"] = [{"kind": "inSource", "justification": f.skip_reason or "(no reason given)"}]
        results.append(res)

    driver: dict[str, Any] = {
        "name": SARIF_TOOL_NAME,
        "informationUri": "https://www.checkov.io/",
        "rules": rules,
    }
    if report.checkov_version and report.checkov_version != "unknown":
        driver["version"] = report.checkov_version
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}],
    }
    return json.dumps(sarif, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
