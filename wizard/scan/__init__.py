"""Run checkov over a folder of Terraform and turn its output into structured findings.

checkov runs as a separate program in its own environment: its parser fork ``bc-python-hcl2``
installs the same import package (``hcl2``) as ``python-hcl2``, which guardform itself uses, so
the two cannot share one environment.  ``resolve_checkov`` finds a checkov to run, in this order:

1. an explicit path (the CLI's ``--checkov PATH``);
2. the ``GUARDFORM_CHECKOV`` environment variable;
3. ``checkov`` on ``PATH``;
4. a pinned checkov in a managed environment under ``${XDG_CACHE_HOME:-~/.cache}/guardform/``,
   created on first use (``uv`` when it is on ``PATH``, else ``python -m venv`` and pip).

``setup_checkov`` provisions the managed checkov ahead of time (``guardform setup``; CI caches the
folder above), with condensed installer progress.

``scan`` runs it without network access (``--skip-download``, no API key, no update check) and
returns a ``ScanReport``.  A file checkov cannot parse, and a check that crashes, make the report
fail: checkov itself only counts them and carries on, which would hide whole files.  A folder with
no ``.tf`` files is a ScanError; so is a stack guardform wrote for which checkov reports no
resources (``scan_files``).  checkov runs in its own process group, under a timeout
(``DEFAULT_SCAN_TIMEOUT_S``, ``$GUARDFORM_SCAN_TIMEOUT``, or ``timeout=``; 0 for none), and stops
when the ``cancel`` event passed to ``scan``/``scan_files`` is set (ScanCancelled).

The formatting functions (``format_text``, ``format_json``, ``format_sarif``, and for runs without
a report ``format_json_errors``/``format_sarif_errors``) and ``report_from_checkov_json`` are pure.
``sarif_base`` finds where the scanned folder sits in its repository, for SARIF locations.

One module per concern: ``report`` (the model and the parsing of checkov's output), ``formats``
(text, JSON, SARIF), ``repo`` (the repository root for SARIF), ``runner`` (running checkov),
``provision`` (finding or installing it) and ``stack`` (scanning a generated stack and each of its
modules).
"""

from wizard.paths import cache_root
from wizard.scan.formats import (
    SARIF_SCHEMA,
    SARIF_SRCROOT,
    SARIF_TOOL_NAME,
    Problem,
    format_json,
    format_json_errors,
    format_sarif,
    format_sarif_errors,
    format_text,
)
from wizard.scan.provision import (
    CHECKOV_ENV_VAR,
    CHECKOV_REQUIREMENT,
    INSTALL_ESTIMATE,
    CheckovPrewarm,
    checkov_version,
    managed_env_dir,
    prewarm_checkov,
    resolve_checkov,
    setup_checkov,
)
from wizard.scan.repo import sarif_base
from wizard.scan.report import (
    CHECK_ERROR_RULE_ID,
    CHECKOV_POLICY_INDEX_URL,
    PARSE_ERROR_RULE_ID,
    SCAN_ERRORS_DOCS_URL,
    Finding,
    Progress,
    Result,
    SarifBase,
    ScanCancelled,
    ScanError,
    ScanReport,
    check_errors_from_log,
    guideline_url,
    report_from_checkov_json,
    terminal_safe,
)
from wizard.scan.runner import (
    DEFAULT_SCAN_TIMEOUT_S,
    PINNED_CHECKOV_VERSION,
    SCAN_TIMEOUT_ENV_VAR,
    scan,
    scan_timeout,
    tf_files,
)
from wizard.scan.stack import declared_resources, fold_scan_tree, guardform_checks_dir, scan_files, write_scan_tree

__all__ = [
    "CHECKOV_ENV_VAR",
    "CHECKOV_POLICY_INDEX_URL",
    "CHECKOV_REQUIREMENT",
    "CHECK_ERROR_RULE_ID",
    "DEFAULT_SCAN_TIMEOUT_S",
    "INSTALL_ESTIMATE",
    "PARSE_ERROR_RULE_ID",
    "PINNED_CHECKOV_VERSION",
    "SARIF_SCHEMA",
    "SARIF_SRCROOT",
    "SARIF_TOOL_NAME",
    "SCAN_ERRORS_DOCS_URL",
    "SCAN_TIMEOUT_ENV_VAR",
    "CheckovPrewarm",
    "Finding",
    "Problem",
    "Progress",
    "Result",
    "SarifBase",
    "ScanCancelled",
    "ScanError",
    "ScanReport",
    "cache_root",
    "check_errors_from_log",
    "checkov_version",
    "declared_resources",
    "fold_scan_tree",
    "format_json",
    "format_json_errors",
    "format_sarif",
    "format_sarif_errors",
    "format_text",
    "guardform_checks_dir",
    "guideline_url",
    "managed_env_dir",
    "prewarm_checkov",
    "report_from_checkov_json",
    "resolve_checkov",
    "sarif_base",
    "scan",
    "scan_files",
    "scan_timeout",
    "setup_checkov",
    "terminal_safe",
    "tf_files",
    "write_scan_tree",
]
