"""The stages the wizard drives, behind one small object so tests can swap any of them.

Nothing here is a second copy of a stage: every method calls the stage module (plan, render,
output, scan), imported lazily so the first screen does not pay for jinja2 and friends.
The wizard writes to exactly two places: the stack folder (through ``output.write_stack``, which
stages in a sibling folder and swaps it in atomically) and the answers file it was opened with
(:func:`save_answers_file`, a temporary file beside it renamed over it).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from wizard.answers import Answers
    from wizard.output import WriteResult
    from wizard.plan import Plan
    from wizard.scan import ScanReport

Progress = Callable[[str], None]

#: The answers file inside every stack (render.ANSWERS_FILE; repeated here to avoid importing jinja2
#: just to name it; a test checks the two agree).
ANSWERS_FILE = "guardform.answers.yaml"
MANIFEST_FILE = ".guardform.manifest.json"


def stack_dir(out_dir: Path, answers: Answers) -> Path:
    """Where a stack is written: ``<out>/<project name>/``."""
    return Path(out_dir) / answers.project.name


def planned_files(plan: Plan) -> list[str]:
    """The relative paths render() produces for a plan, plus the manifest, without rendering."""
    from wizard.render import ANSWERS_FILE as RENDER_ANSWERS_FILE
    from wizard.render import MODULE_FILES, STACK_FILES

    paths = list(STACK_FILES)
    for module in plan.modules:
        paths += [f"modules/{module}/{name}" for name in MODULE_FILES]
    paths += [RENDER_ANSWERS_FILE, MANIFEST_FILE]
    return sorted(paths)


def answers_text(answers: Answers, document: Any, fmt: str = "yaml") -> str:
    """The answers as file text: YAML keeping the loaded document's comments and key order, or JSON
    (for a .json answers file) keeping its key order."""
    from wizard.answers import answers_to_data, dump_answers_yaml

    if fmt == "json":
        data = answers_to_data(answers)
        ordered = _ordered_like(data, document) if isinstance(document, Mapping) else data
        return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
    return dump_answers_yaml(answers, document)


def _ordered_like(data: Any, like: Any) -> Any:
    if not isinstance(data, dict):
        return data
    order = [k for k in like if k in data] if isinstance(like, Mapping) else []
    order += [k for k in data if k not in order]
    return {k: _ordered_like(data[k], like.get(k) if isinstance(like, Mapping) else None) for k in order}


def save_answers_file(path: Path, text: str) -> None:
    """Write an answers file atomically: a temporary file beside it, fsynced, renamed over it."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    mode = 0o644
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Pipeline:
    """The real stages. Tests subclass it to replace render, write or scan."""

    def plan(self, answers: Answers) -> Plan:
        from wizard.plan import plan

        return plan(answers)

    def render(self, plan: Plan, answers_yaml: str) -> dict[str, str]:
        from wizard.render import render

        return render(plan, answers_yaml)

    def write(self, files: Mapping[str, str], target: Path, answers: Answers, *, force: bool) -> WriteResult:
        from wizard import __version__
        from wizard.answers import answers_digest
        from wizard.output import write_stack

        return write_stack(files, target, __version__, answers_digest(answers), force=force)

    def prewarm(self, explicit: str | None, progress: Progress | None) -> Any:
        """Start checkov's warm-up thread (resolve, install on first use, run --version once)."""
        from wizard.scan import prewarm_checkov

        return prewarm_checkov(explicit, progress)

    def resolve_checkov(self, explicit: str | None, progress: Progress | None) -> Path:
        from wizard.scan import resolve_checkov

        return resolve_checkov(explicit, progress)

    def scan(self, files: Mapping[str, str], checkov: Path, progress: Progress | None) -> ScanReport:
        """Scan exactly the generated files (not a user's own files beside them), like ``guardform
        generate``: a temporary copy, removed afterwards. Findings name paths relative to the stack."""
        from wizard.scan import scan_files

        return scan_files(files, checkov=checkov, progress=progress)
