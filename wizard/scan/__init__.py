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

One module per concern: ``report`` (the model and the parsing of checkov's output), ``formats``
(text, JSON, SARIF), ``runner`` (running checkov), ``provision`` (finding or installing it) and
``stack`` (scanning a generated stack and each of its modules).
"""

from wizard.scan.formats import SARIF_SCHEMA, SARIF_TOOL_NAME, format_json, format_sarif, format_text
from wizard.scan.provision import (
    CHECKOV_ENV_VAR,
    CHECKOV_REQUIREMENT,
    CheckovPrewarm,
    cache_root,
    checkov_version,
    managed_env_dir,
    prewarm_checkov,
    resolve_checkov,
)
from wizard.scan.report import (
    CHECK_ERROR_RULE_ID,
    PARSE_ERROR_RULE_ID,
    Finding,
    Progress,
    Result,
    ScanError,
    ScanReport,
    check_errors_from_log,
    report_from_checkov_json,
)
from wizard.scan.runner import PINNED_CHECKOV_VERSION, scan
from wizard.scan.stack import fold_scan_tree, guardform_checks_dir, scan_files, write_scan_tree

__all__ = [
    "CHECKOV_ENV_VAR",
    "CHECKOV_REQUIREMENT",
    "CHECK_ERROR_RULE_ID",
    "PARSE_ERROR_RULE_ID",
    "PINNED_CHECKOV_VERSION",
    "SARIF_SCHEMA",
    "SARIF_TOOL_NAME",
    "CheckovPrewarm",
    "Finding",
    "Progress",
    "Result",
    "ScanError",
    "ScanReport",
    "cache_root",
    "check_errors_from_log",
    "checkov_version",
    "fold_scan_tree",
    "format_json",
    "format_sarif",
    "format_text",
    "guardform_checks_dir",
    "managed_env_dir",
    "prewarm_checkov",
    "report_from_checkov_json",
    "resolve_checkov",
    "scan",
    "scan_files",
    "write_scan_tree",
]
