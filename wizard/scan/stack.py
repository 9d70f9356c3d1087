"""Scanning what guardform generated: the stack and each module standalone in one checkov run, folded back
under the stack's paths."""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from wizard.scan.repo import sarif_base
from wizard.scan.report import Finding, Progress, ScanError, ScanReport
from wizard.scan.runner import _sigterm_unwinds, scan

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


_RESOURCE_RE = re.compile(r'^\s*resource\s+"[^"]+"\s+"[^"]+"', re.MULTILINE)


def declared_resources(files: Mapping[str, str]) -> int:
    """How many ``resource`` blocks the generated .tf files declare (a lower bound of what checkov
    must report: the stack scan and the standalone module scans each see them)."""
    return sum(len(_RESOURCE_RE.findall(text)) for rel, text in files.items() if rel.endswith(".tf"))


def scan_files(
    files: Mapping[str, str],
    *,
    checkov: Path,
    progress: Progress | None = None,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    stack_dir: Path | None = None,
) -> ScanReport:
    """Scan exactly the generated files (not a user's own files beside them) with checkov and
    guardform's checks, in a temporary copy laid out by `write_scan_tree`; findings name paths
    relative to the stack.

    guardform knows what it wrote: when the files declare resources and checkov reports none (or
    no check result at all), checkov did not really scan them, and that is a ScanError, not a pass.
    ``timeout`` and ``cancel`` are passed to `scan`.  The temporary copy is removed however the
    scan ends (an exception, ``cancel``, SIGTERM).  ``stack_dir`` is where the files were written:
    SARIF then names them from that folder's repository root.
    """
    expected = declared_resources(files)
    with _sigterm_unwinds(), tempfile.TemporaryDirectory(prefix="guardform-render-") as tmp:
        root = Path(tmp)
        write_scan_tree(files, root)
        if progress:
            progress("Scanning the generated stack, and each module on its own, with checkov…")
        report = scan(
            root,
            checkov=checkov,
            external_checks_dirs=[guardform_checks_dir()],
            progress=None,
            timeout=timeout,
            cancel=cancel,
        )
    if expected and (report.resource_count == 0 or not report.findings) and not report.parse_errors:
        raise ScanError(
            f"checkov reported {report.resource_count} resources and {len(report.findings)} check results for "
            f"the stack guardform just wrote, which declares {expected} resources: checkov did not really scan "
            f"it (a broken or fake checkov, or settings that skip every check), so the scan cannot pass"
        )
    return replace(fold_scan_tree(report), base=sarif_base(stack_dir) if stack_dir is not None else None)
