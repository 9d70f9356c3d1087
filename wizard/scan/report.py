"""The scan report model (findings, results) and the pure parsing of checkov's JSON and log into it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from wizard.errors import GuardformError

PARSE_ERROR_RULE_ID = "GUARDFORM_PARSE_ERROR"
CHECK_ERROR_RULE_ID = "GUARDFORM_CHECK_ERROR"

_OUTPUT_TAIL_LINES = 25

Progress = Callable[[str], None]
Result = Literal["passed", "failed", "skipped"]


class ScanError(GuardformError):
    """checkov is missing or cannot be provisioned, crashed, or wrote output we cannot read."""


# --------------------------------------------------------------------------------------------
# Report model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One checkov check evaluated against one resource."""

    check_id: str
    check_name: str
    result: Result
    resource: str
    file: str  # relative to the scanned folder, posix separators
    lines: tuple[int, int]  # (start, end); (0, 0) when checkov gave none
    guideline: str | None = None
    skip_reason: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.lines[0], self.lines[1], self.check_id, self.resource, self.result)

    @property
    def location(self) -> str:
        start, end = self.lines
        if start <= 0:
            return self.file
        return f"{self.file}:{start}" if end in (0, start) else f"{self.file}:{start}-{end}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "check_name": self.check_name,
            "result": self.result,
            "resource": self.resource,
            "file": self.file,
            "lines": [self.lines[0], self.lines[1]],
            "guideline": self.guideline,
            "skip_reason": self.skip_reason,
        }


@dataclass(frozen=True)
class ScanReport:
    """Everything checkov said about one folder, sorted by (file, line, check id).

    ``parse_errors`` lists files checkov could not parse (none of their resources were checked);
    ``check_errors`` lists checks that could not be loaded or crashed (their results are missing).
    Both make the report fail, like a failed check.  ``notes`` are caveats that do not fail it.
    """

    checkov_version: str
    passed: tuple[Finding, ...] = ()
    failed: tuple[Finding, ...] = ()
    skipped: tuple[Finding, ...] = ()
    parse_errors: tuple[str, ...] = ()
    check_errors: tuple[str, ...] = ()
    resource_count: int = 0
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.parse_errors and not self.check_errors

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(sorted((*self.passed, *self.failed, *self.skipped), key=Finding.sort_key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkov_version": self.checkov_version,
            "ok": self.ok,
            "summary": {
                "passed": len(self.passed),
                "failed": len(self.failed),
                "skipped": len(self.skipped),
                "parse_errors": len(self.parse_errors),
                "check_errors": len(self.check_errors),
                "resource_count": self.resource_count,
            },
            "failed": [f.to_dict() for f in self.failed],
            "skipped": [f.to_dict() for f in self.skipped],
            "passed": [f.to_dict() for f in self.passed],
            "parse_errors": list(self.parse_errors),
            "check_errors": list(self.check_errors),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------------------------
# Parsing checkov's JSON (pure)
# --------------------------------------------------------------------------------------------

_RESULT_LISTS: tuple[tuple[str, Result], ...] = (
    ("passed_checks", "passed"),
    ("failed_checks", "failed"),
    ("skipped_checks", "skipped"),
)


def _relative_file(raw_abs: object, raw_rel: object, root: PurePosixPath) -> str:
    """A file path relative to the scanned folder, posix separators."""
    if isinstance(raw_abs, str) and raw_abs:
        p = PurePosixPath(Path(raw_abs).as_posix())
        if p.is_absolute():
            try:
                return p.relative_to(root).as_posix()
            except ValueError:
                pass
    if isinstance(raw_rel, str) and raw_rel:
        # checkov's file_path is relative to the -d folder and starts with "/".
        rel = PurePosixPath(raw_rel.replace("\\", "/").lstrip("/"))
        return rel.as_posix()
    if isinstance(raw_abs, str) and raw_abs:
        return Path(raw_abs).as_posix()
    return ""


def _lines(raw: object) -> tuple[int, int]:
    if isinstance(raw, (list, tuple)) and len(raw) == 2 and all(isinstance(x, int) for x in raw):
        return (int(raw[0]), int(raw[1]))
    return (0, 0)


def _opt_str(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def _finding(item: Mapping[str, Any], result: Result, root: PurePosixPath) -> Finding:
    check_id = item.get("check_id")
    if not isinstance(check_id, str) or not check_id:
        raise ScanError(f"checkov output has a check result without a check id: {item!r:.200}")
    skip_reason = None
    if result == "skipped":
        check_result = item.get("check_result")
        if isinstance(check_result, Mapping):
            skip_reason = _opt_str(check_result.get("suppress_comment"))
    return Finding(
        check_id=check_id,
        check_name=_opt_str(item.get("check_name")) or check_id,
        result=result,
        resource=_opt_str(item.get("resource")) or "",
        file=_relative_file(item.get("file_abs_path"), item.get("file_path"), root),
        lines=_lines(item.get("file_line_range")),
        guideline=_opt_str(item.get("guideline")),
        skip_reason=skip_reason,
    )


def _framework_reports(data: object) -> list[Mapping[str, Any]]:
    """checkov prints one report (a dict), a list of reports (one per framework), or, when it
    found nothing to scan, a bare summary dict."""
    if isinstance(data, Mapping):
        return [data]
    if isinstance(data, list) and all(isinstance(x, Mapping) for x in data):
        return list(data)
    raise ScanError(f"checkov output is not a report or a list of reports: {str(data)[:200]}")


def report_from_checkov_json(
    data: object,
    root: Path | str,
    *,
    stderr: str = "",
    notes: Sequence[str] = (),
) -> ScanReport:
    """Build a ScanReport from checkov's parsed ``--output json`` (pure).

    ``root`` is the absolute folder checkov scanned (its ``-d``); file paths are made relative to it.
    ``stderr`` is checkov's log output, searched for checks that failed to load or run.
    """
    root_posix = PurePosixPath(Path(root).as_posix())
    buckets: dict[Result, set[Finding]] = {"passed": set(), "failed": set(), "skipped": set()}
    parse_files: set[str] = set()
    unnamed_parse_errors = 0
    resource_count = 0
    versions: set[str] = set()

    for report in _framework_reports(data):
        results = report.get("results")
        summary = report.get("summary")
        if results is None and summary is None and "passed" in report:
            summary = report  # the bare summary printed for an empty folder
        if summary is not None and not isinstance(summary, Mapping):
            raise ScanError("checkov output has a summary that is not an object")
        if results is not None and not isinstance(results, Mapping):
            raise ScanError("checkov output has results that are not an object")
        results = results or {}
        summary = summary or {}

        for key, result in _RESULT_LISTS:
            items = results.get(key) or []
            if not isinstance(items, list):
                raise ScanError(f"checkov output: results.{key} is not a list")
            for item in items:
                if not isinstance(item, Mapping):
                    raise ScanError(f"checkov output: an entry of results.{key} is not an object")
                buckets[result].add(_finding(item, result, root_posix))

        listed = results.get("parsing_errors") or []
        if not isinstance(listed, list):
            raise ScanError("checkov output: results.parsing_errors is not a list")
        files = {_relative_file(p, None, root_posix) for p in listed if isinstance(p, str) and p}
        parse_files |= files
        counted = summary.get("parsing_errors", 0)
        if isinstance(counted, int) and counted > len(files):
            unnamed_parse_errors += counted - len(files)
        count = summary.get("resource_count", 0)
        if isinstance(count, int):
            resource_count += count
        version = summary.get("checkov_version")
        if isinstance(version, str) and version:
            versions.add(version)

    parse_errors = sorted(parse_files)
    if unnamed_parse_errors:
        parse_errors.append(f"({unnamed_parse_errors} more parse error(s) counted by checkov without a file name)")
    all_notes = list(notes)
    if resource_count == 0 and not parse_errors:
        all_notes.append("checkov found no Terraform resources to check in this folder")

    return ScanReport(
        checkov_version=", ".join(sorted(versions)) or "unknown",
        passed=tuple(sorted(buckets["passed"], key=Finding.sort_key)),
        failed=tuple(sorted(buckets["failed"], key=Finding.sort_key)),
        skipped=tuple(sorted(buckets["skipped"], key=Finding.sort_key)),
        parse_errors=tuple(parse_errors),
        check_errors=tuple(check_errors_from_log(stderr)),
        resource_count=resource_count,
        notes=tuple(all_notes),
    )


_LOAD_ERROR_RE = re.compile(r"\[ERROR\]\s+Cannot load external check '([^']*)' from (.+?)\s*$")
_RUN_ERROR_RE = re.compile(r"\[ERROR\]\s+Failed to run check (\S+) on (.+?)\s*$")


def check_errors_from_log(stderr: str) -> list[str]:
    """Checks checkov could not load or run, from its log (pure).  checkov logs these and carries
    on, so their results are simply missing from the report."""
    errors: set[str] = set()
    for line in stderr.splitlines():
        if m := _LOAD_ERROR_RE.search(line):
            errors.add(f"could not load external check '{m.group(1)}' from {m.group(2)}")
        elif m := _RUN_ERROR_RE.search(line):
            errors.add(f"check {m.group(1)} crashed on {m.group(2).lstrip('/')}")
    return sorted(errors)


def _tail(text: str, lines: int = _OUTPUT_TAIL_LINES) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in kept) if kept else "    (no output)"


def _display(path: Path) -> str:
    """A path for messages, with the home folder shortened to ~."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)
