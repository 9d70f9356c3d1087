"""A scan report as text, JSON or SARIF 2.1.0, and the documents that stand in for a report when there
is none (bad answers, a scanner that cannot run).  All pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import quote

from wizard.scan.report import (
    CHECK_ERROR_RULE_ID,
    PARSE_ERROR_RULE_ID,
    SCAN_ERRORS_DOCS_URL,
    Finding,
    SarifBase,
    ScanReport,
    guideline_url,
    terminal_safe,
)

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_TOOL_NAME = "guardform/checkov"
#: The uriBaseId every location is relative to: the repository root (code scanning's convention).
SARIF_SRCROOT = "%SRCROOT%"

# --------------------------------------------------------------------------------------------
# Text that reaches a terminal
# --------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_text(report: ScanReport) -> str:
    """A human summary: counts, then parse errors and failures, then skips with their reasons.
    Everything that came from the scanned files (names, paths, skip reasons) is `terminal_safe`."""
    t = terminal_safe
    out = [
        f"checkov {t(report.checkov_version)}: {len(report.passed)} passed, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped, {len(report.parse_errors)} parse errors"
        + (f", {len(report.check_errors)} check errors" if report.check_errors else "")
    ]
    out.extend(f"note: {t(note)}" for note in report.notes)

    if report.parse_errors:
        out += ["", "Parse errors (checkov could not read these files, so none of their resources were checked):"]
        out.extend(f"  {t(path)}" for path in report.parse_errors)
    if report.check_errors:
        out += ["", "Check errors (these checks did not run, so their results are missing):"]
        out.extend(f"  {t(err)}" for err in report.check_errors)
    if report.failed:
        out += ["", "Failed checks:"]
        for f in report.failed:
            out.append(f"  {t(f.check_id)}  {t(f.check_name)}")
            out.append(f"    resource: {t(f.resource)}")
            out.append(f"    file:     {t(f.location)}")
            if f.guideline:
                out.append(f"    guide:    {t(f.guideline)}")
    if report.skipped:
        out += ["", "Skipped checks:"]
        for f in report.skipped:
            out.append(f"  {t(f.check_id)}  {t(f.check_name)}")
            out.append(f"    resource: {t(f.resource)}")
            out.append(f"    file:     {t(f.location)}")
            out.append(f"    reason:   {t(f.skip_reason or '(no reason given)')}")

    out.append("")
    if report.ok and report.resource_count == 0:
        out.append(
            "Result: NOTHING CHECKED (checkov found no resources here, so no check ran; is this the right folder?)"
        )
    elif report.ok:
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


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def format_json(report: ScanReport) -> str:
    """The report as stable JSON (sorted keys, sorted lists, trailing newline)."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------
# SARIF
# --------------------------------------------------------------------------------------------


_SEVERITY_SCORES = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFO": "1.0"}
# checkov gives no severity offline. Every failed check fails guardform's run (zero failed checks is
# the bar), so an unrated security check is reported as high, the level code scanning blocks on.
_DEFAULT_SECURITY_SEVERITY = "7.5"


def _security_severity(findings: Sequence[Finding]) -> str:
    scores = [
        _SEVERITY_SCORES[f.severity.upper()] for f in findings if f.severity and f.severity.upper() in _SEVERITY_SCORES
    ]
    return max(scores, key=float) if scores else _DEFAULT_SECURITY_SEVERITY


def _sarif_uri(file: str, base: SarifBase) -> str:
    return quote(base.prefix + file, safe="/")


def _sarif_location(file: str, lines: tuple[int, int] | None, base: SarifBase) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _sarif_uri(file, base), "uriBaseId": SARIF_SRCROOT}}
    if lines is not None and lines[0] >= 1:
        physical["region"] = {"startLine": lines[0], "endLine": max(lines[0], lines[1])}
    return {"physicalLocation": physical}


def _uri_base_ids(base: SarifBase) -> dict[str, Any]:
    if base.root_uri is None:
        return {}
    return {
        "originalUriBaseIds": {
            SARIF_SRCROOT: {"uri": base.root_uri, "description": {"text": "The root of the repository scanned."}}
        }
    }


def _driver(version: str | None, rules: list[dict[str, Any]]) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": SARIF_TOOL_NAME, "informationUri": "https://www.checkov.io/", "rules": rules}
    if version and version != "unknown":
        driver["version"] = version
    return driver


def _sarif_doc(run: dict[str, Any]) -> str:
    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(sarif, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_sarif(report: ScanReport, *, base: SarifBase | None = None) -> str:
    """The report as SARIF 2.1.0: failed checks, parse errors and check errors are results at
    level "error"; skipped checks are results carrying an in-source suppression with its reason.

    Locations are relative to the repository root (``uriBaseId`` ``%SRCROOT%``): ``base`` says
    where the scanned folder is in it (`sarif_base`); without it, the report's own ``base`` (what
    `scan` found, or `scan_files` for its ``stack_dir``); without either, the scanned folder's.
    Every rule has a ``helpUri`` and a ``security-severity``; the report's notes are
    ``toolExecutionNotifications`` (warnings) of the run's invocation."""
    base = base or report.base or SarifBase()
    rules = _sarif_rules(report)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [
        *_error_results(report, index, base),
        *(_finding_result(f, index, base) for f in (*report.failed, *report.skipped)),
    ]
    run: dict[str, Any] = {
        "tool": {"driver": _driver(report.checkov_version, [rule.to_sarif() for rule in rules])},
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(report)],
        "results": results,
        **_uri_base_ids(base),
    }
    return _sarif_doc(run)


@dataclass(frozen=True)
class _Rule:
    """A SARIF rule: a check that has results, or one of the two scan-error rules."""

    id: str
    text: str
    help: str | None
    severity: str

    def to_sarif(self) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "id": self.id,
            "shortDescription": {"text": self.text},
            "defaultConfiguration": {"level": "error"},
            "properties": {"security-severity": self.severity, "tags": ["security", "terraform"]},
        }
        if self.help:
            rule["helpUri"] = self.help
        return rule


def _sarif_rules(report: ScanReport) -> list[_Rule]:
    """One rule per check with findings, and per kind of scan error the report has, sorted by id."""
    by_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_rule.setdefault(f.check_id, []).append(f)
    rules: dict[str, _Rule] = {}
    for rule_id, findings in by_rule.items():
        guide = next((f.guideline for f in findings if f.guideline and f.guideline.startswith("http")), None)
        rules[rule_id] = _Rule(
            rule_id, findings[0].check_name, guide or guideline_url(rule_id), _security_severity(findings)
        )
    if report.parse_errors:
        rules[PARSE_ERROR_RULE_ID] = _Rule(
            PARSE_ERROR_RULE_ID,
            "checkov could not parse the file, so none of its resources were checked",
            SCAN_ERRORS_DOCS_URL,
            _DEFAULT_SECURITY_SEVERITY,
        )
    if report.check_errors:
        rules[CHECK_ERROR_RULE_ID] = _Rule(
            CHECK_ERROR_RULE_ID,
            "a checkov check could not be loaded or crashed, so its results are missing",
            SCAN_ERRORS_DOCS_URL,
            _DEFAULT_SECURITY_SEVERITY,
        )
    return [rules[rule_id] for rule_id in sorted(rules)]


def _error_results(report: ScanReport, index: dict[str, int], base: SarifBase) -> list[dict[str, Any]]:
    """The parse errors (located at their file, when they name one) and the check errors."""
    results: list[dict[str, Any]] = []
    for path in report.parse_errors:
        res: dict[str, Any] = {
            "ruleId": PARSE_ERROR_RULE_ID,
            "ruleIndex": index[PARSE_ERROR_RULE_ID],
            "level": "error",
            "message": {"text": f"checkov could not parse {path}; none of its resources were checked"},
        }
        if not path.startswith("("):
            res["locations"] = [_sarif_location(path, None, base)]
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
    return results


def _finding_result(f: Finding, index: dict[str, int], base: SarifBase) -> dict[str, Any]:
    """A failed check, or a skipped one with its in-source suppression and reason."""
    res: dict[str, Any] = {
        "ruleId": f.check_id,
        "ruleIndex": index[f.check_id],
        "level": "error",
        "message": {"text": f"{f.check_name} ({f.resource})" if f.resource else f.check_name},
        "locations": [_sarif_location(f.file, f.lines, base)],
    }
    if f.result == "skipped":
        res["suppressions"] = [{"kind": "inSource", "justification": f.skip_reason or "(no reason given)"}]
    return res


def _invocation(report: ScanReport) -> dict[str, Any]:
    """The run's invocation: the report's notes as warnings, and one when checkov found nothing to check."""
    notes = list(report.notes)
    if report.resource_count == 0 and not report.parse_errors and not any("no Terraform resources" in n for n in notes):
        notes.append("checkov found no Terraform resources to check")
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notes:
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": n}} for n in notes]
    return invocation


# --------------------------------------------------------------------------------------------
# When there is no report: bad answers, or a scanner that cannot run
# --------------------------------------------------------------------------------------------

#: What stopped guardform before a report existed: the command line, the answers file, or the scanner.
Stage = Literal["usage", "answers", "scan"]

_STAGE_TEXT = {
    "usage": "guardform was called with options or arguments it cannot use; nothing was generated or scanned",
    "answers": "guardform could not use the answers file; nothing was generated or scanned",
    "scan": "the scan could not run, so nothing was checked",
}


@dataclass(frozen=True)
class Problem:
    """One error to report instead of scan results: a message, and where it is when known
    (``file`` as the user named it, or relative to the repository root; ``line`` 1-based)."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "file": self.file, "line": self.line, "field": self.field}


def format_json_errors(problems: Sequence[Problem], *, stage: Stage = "answers") -> str:
    """A JSON document for a run that produced no report, carrying its errors: ``ok`` is false,
    ``errors`` lists each problem, and the report's result lists are present and empty, so a
    consumer reading ``ok``, ``summary`` or ``failed`` needs no special case."""
    doc = {
        "ok": False,
        "stage": stage,
        "message": _STAGE_TEXT[stage],
        "errors": [p.to_dict() for p in problems],
        "summary": {
            "errors": len(problems),
            "passed": 0,
            "failed": 0,
            "skipped": 0,
            "parse_errors": 0,
            "check_errors": 0,
            "resource_count": 0,
        },
        "failed": [],
        "skipped": [],
        "passed": [],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _problem_uri(file: str, base: SarifBase) -> str | None:
    """A problem's file relative to the repository root: paths given relative (to the working
    folder, which in CI is the checkout) are used as they are; absolute ones under the root are made
    relative to it; other absolute paths cannot be located in the repository (None)."""
    path = PurePosixPath(file.replace("\\", "/"))
    if not path.is_absolute():
        parts = [p for p in path.parts if p != "."]
        return quote("/".join(parts), safe="/") if parts and ".." not in parts else None
    if base.root_uri is None:
        return None
    from urllib.parse import unquote, urlsplit

    root = PurePosixPath(unquote(urlsplit(base.root_uri).path))
    try:
        return quote(path.relative_to(root).as_posix(), safe="/")
    except ValueError:
        return None


def format_sarif_errors(
    problems: Sequence[Problem],
    *,
    stage: Stage = "answers",
    base: SarifBase | None = None,
    tool_version: str | None = None,
) -> str:
    """A valid SARIF 2.1.0 log for a run that produced no report: one run whose invocation has
    ``executionSuccessful: false`` and one ``toolExecutionNotification`` (level error) per problem,
    located at its file and line when known, and no results.  SARIF puts conditions that stopped
    the tool there (§3.20.21), not among results, which are findings about the scanned code."""
    base = base or SarifBase()
    notifications: list[dict[str, Any]] = []
    for p in problems:
        text = p.message if not p.field else f"{p.field}: {p.message}"
        note: dict[str, Any] = {"level": "error", "message": {"text": text}, "descriptor": {"id": f"guardform/{stage}"}}
        uri = _problem_uri(p.file, base) if p.file else None
        if uri:
            physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": SARIF_SRCROOT}}
            if p.line is not None and p.line >= 1:
                physical["region"] = {"startLine": p.line}
            note["locations"] = [{"physicalLocation": physical}]
        notifications.append(note)
    if not notifications:
        notifications.append({"level": "error", "message": {"text": _STAGE_TEXT[stage]}})
    run: dict[str, Any] = {
        "tool": {"driver": _driver(tool_version, [])},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": False,
                "exitCodeDescription": _STAGE_TEXT[stage],
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [],
        **_uri_base_ids(base),
    }
    return _sarif_doc(run)
