"""Where a scanned folder sits in its repository, so SARIF locations name files code scanning knows."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wizard.scan.report import SarifBase, ScanError

_GIT_TIMEOUT_S = 30


def _git_toplevel(folder: Path) -> Path | None:
    """``git rev-parse --show-toplevel`` of ``folder``; None without git or outside a work tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # no GIT_DIR from a hook
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    top = proc.stdout.strip()
    return Path(top).resolve() if proc.returncode == 0 and top else None


def _dotgit_toplevel(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` with a ``.git`` (a folder, or the file a worktree
    or submodule has): for machines without git."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def sarif_base(scanned: Path, explicit: Path | None = None) -> SarifBase:
    """Where ``scanned`` (the folder whose findings are reported, relative paths) sits in its
    repository: under ``explicit`` when given (the CLI's ``--sarif-base``), else under the git top
    level of ``scanned``.  Outside any repository, SARIF paths stay relative to ``scanned``.

    Raises ScanError when ``explicit`` is not a folder or does not contain ``scanned``.
    """
    folder = Path(scanned).expanduser().resolve()
    if explicit is not None:
        root = Path(explicit).expanduser().resolve()
        if not root.is_dir():
            raise ScanError(f"--sarif-base {explicit} is not a folder")
        if not folder.is_relative_to(root):
            raise ScanError(
                f"--sarif-base {explicit} does not contain the scanned folder {scanned}; SARIF paths are written "
                "relative to it, so give the repository root (or a folder above the scanned one)"
            )
    else:
        found = _git_toplevel(folder) or _dotgit_toplevel(folder)
        if found is None or not folder.is_relative_to(found):
            return SarifBase(prefix="", root_uri=_dir_uri(folder))
        root = found
    rel = folder.relative_to(root).as_posix()
    return SarifBase(prefix="" if rel == "." else rel + "/", root_uri=_dir_uri(root))


def _dir_uri(folder: Path) -> str:
    uri = folder.as_uri()
    return uri if uri.endswith("/") else uri + "/"
