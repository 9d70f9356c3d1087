"""Run checkov over a folder of Terraform and turn its output into structured findings.

checkov runs as a separate program in its own environment: its parser fork ``bc-python-hcl2``
installs the same import package (``hcl2``) as ``python-hcl2``, which guardform itself uses, so
the two cannot share one environment.  ``resolve_checkov`` finds a checkov to run, in this order:

1. an explicit path (the CLI's ``--checkov PATH``);
2. the ``GUARDFORM_CHECKOV`` environment variable;
3. ``checkov`` on ``PATH``;
4. a pinned checkov in a managed environment under ``${XDG_CACHE_HOME:-~/.cache}/guardform/``,
   created on first use (``uv`` when it is on ``PATH``, else ``python -m venv`` and pip).

``scan`` runs it without network access (``--skip-download``, no API key, no update check) and
returns a ``ScanReport``.  A file checkov cannot parse, and a check that crashes, make the report
fail: checkov itself only counts them and carries on, which would hide whole files.

The formatting functions (``format_text``, ``format_json``, ``format_sarif``) and
``report_from_checkov_json`` are pure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import quote

__all__ = [
    "CHECKOV_ENV_VAR",
    "CHECKOV_REQUIREMENT",
    "PINNED_CHECKOV_VERSION",
    "CheckovPrewarm",
    "Finding",
    "Progress",
    "ScanError",
    "ScanReport",
    "cache_root",
    "check_errors_from_log",
    "checkov_version",
    "format_json",
    "format_sarif",
    "format_text",
    "managed_env_dir",
    "prewarm_checkov",
    "report_from_checkov_json",
    "resolve_checkov",
    "scan",
]

PINNED_CHECKOV_VERSION = "3.3.30"
# What the managed environment installs.  A module-level variable so tests can point it at
# something that cannot be installed.
CHECKOV_REQUIREMENT = f"checkov=={PINNED_CHECKOV_VERSION}"
CHECKOV_ENV_VAR = "GUARDFORM_CHECKOV"

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_TOOL_NAME = "guardform/checkov"
PARSE_ERROR_RULE_ID = "GUARDFORM_PARSE_ERROR"
CHECK_ERROR_RULE_ID = "GUARDFORM_CHECK_ERROR"

_MARKER_NAME = "guardform-env.json"
_INSTALL_TIMEOUT_S = 1800
_VERSION_TIMEOUT_S = 300
_OUTPUT_TAIL_LINES = 25

Progress = Callable[[str], None]
Result = Literal["passed", "failed", "skipped"]


class ScanError(Exception):
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


# --------------------------------------------------------------------------------------------
# Running checkov
# --------------------------------------------------------------------------------------------

# Environment variables checkov (or its argument parser) reads that could change what it checks,
# send data somewhere, or make it download things.  Stripped before every run.
_STRIP_PREFIXES = ("BC_", "CKV_", "CHECKOV_", "PRISMA_")
_STRIP_NAMES = frozenset({"DOWNLOAD_EXTERNAL_MODULES", "EXTERNAL_MODULES_DIR", "LOG_LEVEL", "PYTHONPATH", "PYTHONHOME"})


def _checkov_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment checkov runs in: no API key or checkov settings from the caller, no
    PYTHONPATH (another ``hcl2`` package on it would break checkov's parser), no update check."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith(_STRIP_PREFIXES) and k not in _STRIP_NAMES}
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "true"  # no PyPI "new version" lookup
    env["BC_SKIP_MAPPING"] = "TRUE"  # no platform mapping download
    env["LOG_LEVEL"] = "WARNING"  # keep ERROR lines (check errors), drop the chatter
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _tail(text: str, lines: int = _OUTPUT_TAIL_LINES) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in kept) if kept else "    (no output)"


def _display(path: Path) -> str:
    """A path for messages, with the home folder shortened to ~."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def _config_file_notes(root: Path) -> list[str]:
    """checkov reads .checkov.yaml/.yml from the scanned folder, the working folder (we run it in
    the scanned folder) and the home folder; such settings (skip-check, soft-fail…) change results."""
    notes = []
    candidates = [root]
    with contextlib.suppress(RuntimeError):
        candidates.append(Path.home())
    for folder in candidates:
        for name in (".checkov.yaml", ".checkov.yml"):
            cfg = folder / name
            if cfg.is_file():
                notes.append(f"checkov reads settings from {_display(cfg)}; they can change which checks run")
    return notes


def _check_external_dir(path: Path) -> Path:
    resolved = path.expanduser().resolve()
    if not resolved.is_dir():
        raise ScanError(f"external checks folder {path} does not exist or is not a folder")
    for folder, _dirs, files in os.walk(resolved):
        has_checks = any(f.endswith(".py") and f != "__init__.py" and not f.startswith(".") for f in files)
        if has_checks and "__init__.py" not in files:
            raise ScanError(
                f"external checks folder {folder} has Python checks but no __init__.py; "
                "checkov silently ignores Python checks in such folders, so add an empty __init__.py"
            )
    return resolved


def _load_json_output(out_dir: Path, stdout: str) -> object:
    """checkov writes results_json.json into --output-file-path (and the same to stdout)."""
    result_file = out_dir / "results_json.json"
    text = result_file.read_text(encoding="utf-8") if result_file.is_file() else stdout
    if not text.strip():
        raise ScanError("checkov wrote no JSON output")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScanError(f"checkov's JSON output cannot be read ({exc}):\n{_tail(text, 10)}") from exc


def scan(
    directory: Path,
    *,
    checkov: Path,
    external_checks_dirs: Sequence[Path] = (),
    progress: Progress | None = None,
    timeout: float | None = None,
) -> ScanReport:
    """Run checkov over ``directory`` (Terraform only, offline) and return its findings.

    Raises ScanError when checkov cannot be started, crashes, times out, or its output is not
    readable JSON.  Failed checks and parse errors are not exceptions: they are in the report.
    """
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise ScanError(f"cannot scan {directory}: it is not a folder")
    ext_dirs = [_check_external_dir(Path(d)) for d in external_checks_dirs]
    if progress:
        progress(f"Scanning {_display(root)} with checkov…")

    with tempfile.TemporaryDirectory(prefix="guardform-scan-") as tmp:
        out_dir = Path(tmp)
        cmd = [
            str(checkov),
            "--directory", str(root),
            "--framework", "terraform",
            "--output", "json",
            "--output-file-path", str(out_dir),
            "--skip-download",
            "--download-external-modules", "false",
            "--compact",
        ]  # fmt: skip
        for ext in ext_dirs:
            cmd += ["--external-checks-dir", str(ext)]
        try:
            proc = subprocess.run(
                cmd,
                cwd=root,
                env=_checkov_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise ScanError(f"checkov not found at {checkov}: {exc}") from exc
        except PermissionError as exc:
            raise ScanError(f"checkov at {checkov} cannot be run: {exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise ScanError(f"checkov did not finish within {timeout} s on {root}") from exc

        # checkov exits 0 when nothing failed and 1 when checks failed; anything else is a crash.
        if proc.returncode not in (0, 1):
            raise ScanError(
                f"checkov crashed (exit code {proc.returncode}) while scanning {root}:\n"
                f"{_tail(proc.stderr or proc.stdout)}"
            )
        try:
            data = _load_json_output(out_dir, proc.stdout)
        except ScanError as exc:
            raise ScanError(
                f"{exc}\ncheckov exited with code {proc.returncode}; its log ends with:\n{_tail(proc.stderr)}"
            ) from None

    notes = _config_file_notes(root)
    report = report_from_checkov_json(data, root, stderr=proc.stderr, notes=notes)
    if report.checkov_version not in (PINNED_CHECKOV_VERSION, "unknown"):
        version_note = (
            f"checkov {report.checkov_version} is not the version guardform is tested with "
            f"({PINNED_CHECKOV_VERSION}); results may differ"
        )
        report = dataclasses.replace(report, notes=(version_note, *report.notes))
    return report


# --------------------------------------------------------------------------------------------
# Resolving and provisioning checkov
# --------------------------------------------------------------------------------------------

_version_cache: dict[tuple[str, int], str | None] = {}
_version_lock = threading.Lock()


def checkov_version(executable: Path) -> str | None:
    """``checkov --version`` (cached per executable and mtime); None when the output is not a
    version.  Raises ScanError when the program cannot be run or exits non-zero."""
    try:
        key = (str(executable), executable.stat().st_mtime_ns)
    except OSError as exc:
        raise ScanError(f"checkov at {executable} cannot be read: {exc}") from exc
    with _version_lock:
        if key in _version_cache:
            return _version_cache[key]
    try:
        proc = subprocess.run(
            [str(executable), "--version"],
            env=_checkov_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_VERSION_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScanError(f"checkov at {executable} cannot be run: {exc}") from exc
    if proc.returncode != 0:
        raise ScanError(
            f"checkov at {executable} does not work: `checkov --version` exited with code "
            f"{proc.returncode}:\n{_tail(proc.stderr or proc.stdout)}\n"
            f"Point {CHECKOV_ENV_VAR} (or --checkov) at a working checkov, or remove this one from PATH "
            "so guardform installs its own."
        )
    lines = proc.stdout.strip().splitlines()
    version = lines[-1].strip() if lines else ""
    result = version if re.fullmatch(r"\d+(\.\d+)+\S*", version) else None
    with _version_lock:
        _version_cache[key] = result
    return result


def _check_version(executable: Path, origin: str, progress: Progress | None) -> None:
    version = checkov_version(executable)
    if progress is None or version == PINNED_CHECKOV_VERSION:
        return
    if version is None:
        progress(
            f"warning: could not tell which checkov version {origin} {executable} is; "
            f"guardform is tested with {PINNED_CHECKOV_VERSION}"
        )
    else:
        progress(
            f"warning: {origin} {executable} is checkov {version}; guardform is tested with "
            f"{PINNED_CHECKOV_VERSION}, so results may differ"
        )


def _executable(raw: str, origin: str) -> Path:
    """A user-given checkov: a path, or a bare program name looked up on PATH."""
    candidate = Path(raw).expanduser()
    if os.sep not in raw and "/" not in raw and not candidate.exists():
        found = shutil.which(raw)
        if found:
            return Path(found)
    if not candidate.exists():
        raise ScanError(f"checkov not found: {origin} {raw} does not exist")
    if candidate.is_dir():
        raise ScanError(f"checkov not usable: {origin} {raw} is a folder, not a program")
    if not os.access(candidate, os.X_OK):
        raise ScanError(f"checkov not usable: {origin} {raw} is not executable")
    return candidate.absolute()


def cache_root() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/guardform`` (a relative XDG_CACHE_HOME is ignored, per the spec)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "guardform"


def managed_env_dir() -> Path:
    return cache_root() / f"checkov-{PINNED_CHECKOV_VERSION}"


def _bin_dir(env_dir: Path) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin")


def _env_python(env_dir: Path) -> Path:
    return _bin_dir(env_dir) / ("python.exe" if os.name == "nt" else "python")


def _env_checkov(env_dir: Path) -> Path:
    return _bin_dir(env_dir) / ("checkov.exe" if os.name == "nt" else "checkov")


def _env_is_complete(env_dir: Path) -> bool:
    marker = env_dir / _MARKER_NAME
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("requirement") == CHECKOV_REQUIREMENT
        and _env_checkov(env_dir).is_file()
        and _env_python(env_dir).exists()
    )


def _install_commands(env_dir: Path, requirement: str) -> list[list[str]]:
    uv = shutil.which("uv")
    python = str(_env_python(env_dir))
    if uv:
        return [
            [uv, "venv", "--quiet", "--python", sys.executable, str(env_dir)],
            [uv, "pip", "install", "--python", python, requirement],
        ]
    return [
        [sys.executable, "-m", "venv", str(env_dir)],
        [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", requirement],
    ]


def _install_env() -> dict[str, str]:
    strip = {"PYTHONPATH", "PYTHONHOME", "PIP_USER", "PIP_TARGET", "PIP_PREFIX", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in strip}


@contextlib.contextmanager
def _file_lock(path: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """An exclusive advisory lock.  flock locks belong to the open file, so they also exclude
    other threads of this process (a TUI warm-up thread and a scan, say)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _relocate_scripts(bin_dir: Path, old: Path, new: Path) -> None:
    """Console scripts carry their environment's absolute path in their first lines; the env is
    built under a temporary name, so point them at the final name before moving it there."""
    old_b, new_b = os.fsencode(str(old)), os.fsencode(str(new))
    for entry in bin_dir.iterdir():
        if entry.is_symlink() or not entry.is_file() or entry.stat().st_size > 1_000_000:
            continue
        data = entry.read_bytes()
        if old_b in data:
            mode = entry.stat().st_mode
            entry.write_bytes(data.replace(old_b, new_b))
            entry.chmod(mode)


def _run_install_step(cmd: list[str], final: Path) -> None:
    try:
        proc = subprocess.run(
            cmd,
            env=_install_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_INSTALL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScanError(_install_failure(final, cmd, str(exc))) from exc
    if proc.returncode != 0:
        raise ScanError(_install_failure(final, cmd, proc.stdout))


def _install_failure(final: Path, cmd: list[str], output: str) -> str:
    return (
        f"could not install {CHECKOV_REQUIREMENT} into {_display(final)}.\n"
        f"  command: {' '.join(cmd)}\n"
        f"  output (last lines):\n{_tail(output)}\n"
        f"Fix the problem above (network access to the package index, say) and run again, or install "
        f"checkov {PINNED_CHECKOV_VERSION} yourself in its own environment (pipx install "
        f"checkov=={PINNED_CHECKOV_VERSION}) and set {CHECKOV_ENV_VAR}=/path/to/checkov or pass "
        "--checkov /path/to/checkov."
    )


def _provision(progress: Progress | None) -> Path:
    final = managed_env_dir()
    if _env_is_complete(final):
        return _env_checkov(final)

    say = progress or (lambda _msg: None)
    root = final.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(
            f"cannot create {root} for guardform's checkov: {exc}. "
            f"Set {CHECKOV_ENV_VAR} to a checkov you installed yourself."
        ) from exc

    lock = root / f".{final.name}.lock"
    with _file_lock(lock, lambda: say("Waiting for another guardform process to finish installing checkov…")):
        if _env_is_complete(final):  # another process built it while we waited
            return _env_checkov(final)
        # Leftovers of an interrupted build, or an env that is not ours / not complete.  Safe to
        # remove: we hold the lock, so nobody else is building.
        for stale in root.glob(f".{final.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        if final.exists() or final.is_symlink():
            aside = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=root)) / "old"
            os.replace(final, aside)
            shutil.rmtree(aside.parent, ignore_errors=True)

        say(f"Installing checkov {PINNED_CHECKOV_VERSION} into {_display(final)} (first run only, about 30 s)…")
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=root))
        build = work / "env"
        try:
            for cmd in _install_commands(build, CHECKOV_REQUIREMENT):
                _run_install_step(cmd, final)
            if not _env_checkov(build).is_file():
                raise ScanError(_install_failure(final, ["(install)"], "no checkov program was installed"))
            _relocate_scripts(_bin_dir(build), build, final)
            (build / _MARKER_NAME).write_text(
                json.dumps({"requirement": CHECKOV_REQUIREMENT, "python": sys.executable}, indent=2) + "\n",
                encoding="utf-8",
            )
            os.replace(build, final)  # atomic: the env appears complete or not at all
        finally:
            shutil.rmtree(work, ignore_errors=True)

        # Prove the moved env runs (scripts were relocated); a broken one must not stay behind.
        try:
            version = checkov_version(_env_checkov(final))
        except ScanError as exc:
            shutil.rmtree(final, ignore_errors=True)
            raise ScanError(f"the freshly installed checkov does not run: {exc}") from exc
        say(f"checkov {version or PINNED_CHECKOV_VERSION} is ready.")
    return _env_checkov(final)


def resolve_checkov(explicit: str | os.PathLike[str] | None, progress: Progress | None = None) -> Path:
    """Find the checkov program to run: ``explicit`` (CLI --checkov), then $GUARDFORM_CHECKOV, then
    ``checkov`` on PATH, else guardform's managed environment (installed on first use).

    A checkov given or found on PATH is used whatever its version; a version other than
    PINNED_CHECKOV_VERSION is reported through ``progress`` as a warning.  Raises ScanError.
    """
    if explicit is not None and str(explicit):
        path = _executable(os.fspath(explicit), "--checkov")
        _check_version(path, "--checkov", progress)
        return path
    env_value = os.environ.get(CHECKOV_ENV_VAR, "")
    if env_value:
        path = _executable(env_value, f"{CHECKOV_ENV_VAR}=")
        _check_version(path, f"{CHECKOV_ENV_VAR}=", progress)
        return path
    on_path = shutil.which("checkov")
    if on_path:
        path = Path(on_path)
        _check_version(path, "checkov on PATH at", progress)
        return path
    return _provision(progress)


# --------------------------------------------------------------------------------------------
# Warm-up for the TUI
# --------------------------------------------------------------------------------------------


class CheckovPrewarm(threading.Thread):
    """Resolves (and if needed installs) checkov in the background and runs ``checkov --version``
    once so the OS has its files cached by the time the user asks for a scan.  Errors are kept in
    ``error``, never raised; ``checkov`` holds the resolved program on success."""

    def __init__(self, explicit: str | os.PathLike[str] | None = None, progress: Progress | None = None):
        super().__init__(name="guardform-checkov-prewarm", daemon=True)
        self._explicit = explicit
        self._progress = progress
        self.checkov: Path | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            path = resolve_checkov(self._explicit, self._progress)
            checkov_version(path)
            self.checkov = path
        except Exception as exc:  # stored for the caller; a warm-up must never crash the app
            self.error = exc


def prewarm_checkov(explicit: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> CheckovPrewarm:
    """Start a daemon thread that resolves/provisions checkov and warms it up; returns the thread
    (``join()`` it, then read ``.checkov`` or ``.error``)."""
    thread = CheckovPrewarm(explicit, progress)
    thread.start()
    return thread


# --------------------------------------------------------------------------------------------
# Scanning what guardform generated
# --------------------------------------------------------------------------------------------


def guardform_checks_dir() -> Path:
    """guardform's own checkov policies (CKV_GF_*, the wizard/checks package), passed to every scan."""
    import wizard.checks

    return Path(wizard.checks.__file__).resolve().parent


STACK_DIR, STANDALONE_DIR = "stack", "standalone"


def write_scan_tree(files: Mapping[str, str], root: Path) -> None:
    """Lay out generated files for scanning: the stack under ``stack/`` and, again, each module on
    its own under ``standalone/<module>/``.

    Why twice: checkov does not resolve module inputs that are built from other modules' outputs,
    so in the stack scan some policies (IAM data access, permission boundaries) stay unevaluated and
    their checks are silently skipped. Scanned alone, each module's resources are read as written.
    """
    for rel, text in files.items():
        copies = [root / STACK_DIR / rel]
        if rel.startswith("modules/"):
            copies.append(root / STANDALONE_DIR / rel.removeprefix("modules/"))
        for target in copies:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def fold_scan_tree(report: ScanReport) -> ScanReport:
    """Report findings of a `write_scan_tree` layout as paths of the stack: a standalone module's
    finding is named like the same resource in the stack, and each (check, resource) is reported once,
    the worst result winning (failed over skipped over passed)."""

    def stack_path(file: str) -> tuple[str, str | None]:
        """The file's path in the stack, and the module it was scanned alone as (None for the stack)."""
        if file.startswith(f"{STANDALONE_DIR}/"):
            module, _, rest = file.removeprefix(f"{STANDALONE_DIR}/").partition("/")
            return f"modules/{module}/{rest}", module
        return file.removeprefix(f"{STACK_DIR}/"), None

    def where(finding: Finding) -> Finding:
        file, module = stack_path(finding.file)
        resource = finding.resource
        if module is not None and not resource.startswith("module."):
            resource = f"module.{module}.{resource}"
        return replace(finding, file=file, resource=resource)

    rank = {"failed": 0, "skipped": 1, "passed": 2}
    best: dict[tuple[str, str, str], Finding] = {}
    for finding in map(where, report.findings):
        key = (finding.check_id, finding.file, finding.resource)
        if key not in best or rank[finding.result] < rank[best[key].result]:
            best[key] = finding
    kept = sorted(best.values(), key=Finding.sort_key)

    return replace(
        report,
        passed=tuple(f for f in kept if f.result == "passed"),
        failed=tuple(f for f in kept if f.result == "failed"),
        skipped=tuple(f for f in kept if f.result == "skipped"),
        parse_errors=tuple(sorted({stack_path(e)[0] for e in report.parse_errors})),
        resource_count=len({f.resource for f in kept}),
    )


def scan_files(files: Mapping[str, str], *, checkov: Path, progress: Progress | None = None) -> ScanReport:
    """Scan exactly the generated files (not a user's own files beside them) with checkov and
    guardform's checks, in a temporary copy laid out by `write_scan_tree`; findings name paths
    relative to the stack."""
    with tempfile.TemporaryDirectory(prefix="guardform-render-") as tmp:
        root = Path(tmp)
        write_scan_tree(files, root)
        if progress:
            progress("Scanning the generated stack, and each module on its own, with checkov…")
        report = scan(root, checkov=checkov, external_checks_dirs=[guardform_checks_dir()], progress=None)
    return fold_scan_tree(report)
