"""Running checkov over a folder, offline, and reading its output into a report."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from wizard.scan.report import Progress, ScanError, ScanReport, _display, _tail, report_from_checkov_json

# --------------------------------------------------------------------------------------------
# Running checkov
# --------------------------------------------------------------------------------------------

#: The checkov release guardform is tested with (and provisions when none is given).
PINNED_CHECKOV_VERSION = "3.3.30"


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
