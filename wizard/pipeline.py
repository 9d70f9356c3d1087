"""The headless pipeline: the one place the stages are called in order. Both faces (cli, tui) call it.

    load ──> plan ──> render ──> write | check | diff ──> checkov ──> scan
    answers   plan     render     output                  scan

:class:`Pipeline` holds one method per stage, each a thin call into its stage module, so a test can
replace any of them; :meth:`Pipeline.build` (plan and render) and :meth:`Pipeline.generate` (build,
write, scan) are the only sequences, and tell an :class:`Observer` what happens as it happens. Nothing
here prints, exits or decides a security control: the faces decide what the user sees and which exit
code a :class:`~wizard.errors.GuardformError` gets.

Stage modules are imported when a stage first runs, so importing this module costs nothing: the
wizard's first screen does not wait for jinja2 or pydantic.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from wizard.errors import GuardformError

if TYPE_CHECKING:  # pragma: no cover
    from wizard.answers import Answers, LoadedAnswers
    from wizard.cost import Estimate
    from wizard.output import StaleReport, WriteResult
    from wizard.plan import Plan
    from wizard.scan import SarifBase, ScanReport

Progress = Callable[[str], None]
AnswersFormat = Literal["yaml", "json"]

#: Where stacks are written unless told otherwise: ``<out>/<project name>/``.
DEFAULT_OUT = Path("modules_out")


class Stage(enum.Enum):
    """The stages :meth:`Pipeline.generate` runs, in order."""

    PLAN = "plan"
    RENDER = "render"
    WRITE = "write"
    CHECKOV = "checkov"
    SCAN = "scan"


class InternalError(GuardformError):
    """A stage produced something the next one refuses (an unsafe generated path): a bug in guardform."""


@dataclass(frozen=True, kw_only=True)
class Build:
    """The pure middle of the pipeline: the plan, the files it renders to, and where they belong."""

    answers: Answers
    plan: Plan
    files: Mapping[str, str]
    target: Path

    @property
    def digest(self) -> str:
        """The answers' digest, recorded in the manifest (answers changed since the last write = stale)."""
        from wizard.answers import answers_digest

        return answers_digest(self.answers)


@dataclass(frozen=True, kw_only=True)
class Generation:
    """What :meth:`Pipeline.generate` did: the build, the write, and the scan (None when skipped)."""

    build: Build
    written: WriteResult
    report: ScanReport | None


class Observer:
    """Hears what :meth:`Pipeline.generate` does, on the thread that runs it. Every hook does nothing
    here; a face overrides the ones it shows. An exception raised by a hook stops the pipeline there
    (the wizard uses this to stop a worker whose screen has gone)."""

    def stage(self, stage: Stage) -> None:
        """``stage`` starts."""

    def progress(self, message: str) -> None:
        """A line of progress from a long stage (provisioning checkov, scanning)."""

    def planned(self, plan: Plan) -> None:
        """The plan is decided."""

    def rendered(self, files: Mapping[str, str]) -> None:
        """The files are rendered (nothing is on disk yet)."""

    def written(self, build: Build, result: WriteResult) -> None:
        """The stack folder is written (complete: it was swapped in at once)."""

    def checkov_found(self, checkov: Path) -> None:
        """The checkov program the scan runs."""

    def scanned(self, report: ScanReport) -> None:
        """checkov's findings."""


def stack_dir(out_dir: Path | str, answers: Answers) -> Path:
    """Where a stack is written: ``<out>/<project name>/``."""
    return Path(out_dir) / answers.project.name


def planned_files(plan: Plan) -> list[str]:
    """Every relative path a stack folder holds for ``plan``, the manifest included, without rendering."""
    from wizard.evidence import EVIDENCE_FILE
    from wizard.output import MANIFEST_NAME
    from wizard.render import ANSWERS_FILE, MODULE_FILES, STACK_FILES

    paths = list(STACK_FILES)
    for module in plan.modules:
        paths += [f"modules/{module}/{name}" for name in MODULE_FILES]
    paths += [ANSWERS_FILE, EVIDENCE_FILE, MANIFEST_NAME]
    return sorted(paths)


def stack_answers(answers: Answers, document: Any = None, fmt: AnswersFormat = "yaml") -> str:
    """The answers copy written into the stack (YAML, keeping a loaded YAML file's comments and order)."""
    from wizard.answers import stack_answers_yaml

    return stack_answers_yaml(answers, document, fmt)


def answers_file_text(answers: Answers, document: Any = None, fmt: AnswersFormat = "yaml") -> str:
    """The answers as the text of the user's own answers file: YAML keeping the loaded document's comments
    and key order, or JSON (for a .json answers file) keeping its key order."""
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
    """Write an answers file atomically: a temporary file beside it, fsynced, renamed over it (its mode kept).

    A symlinked answers file stays a link: the file it points to is the one replaced."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
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
    """The stages, one method each, and the two sequences that run them. Tests subclass it to replace a stage.

    ``scan_timeout`` is the limit for one checkov run in seconds (None: $GUARDFORM_SCAN_TIMEOUT, else the
    scan layer's default; 0: no limit)."""

    scan_timeout: float | None = None
    #: the answers :meth:`load` read last: a plan error for exactly these answers names their file
    loaded: LoadedAnswers | None = None

    def __init__(self, *, scan_timeout: float | None = None) -> None:
        self.scan_timeout = scan_timeout

    # -- stages ------------------------------------------------------------------------------------

    def load(self, path: Path) -> LoadedAnswers:
        """Read and validate an answers file (raises AnswersError listing every problem)."""
        from wizard.answers import load_answers

        self.loaded = load_answers(path)
        return self.loaded

    def plan(self, answers: Answers) -> Plan:
        """The plan (raises PlanError, naming the answers file when ``answers`` are the ones :meth:`load` read:
        the wizard's edited answers are in no file yet)."""
        from wizard.plan import PlanError, plan

        try:
            return plan(answers)
        except PlanError as exc:
            loaded = self.loaded
            if exc.source is None and loaded is not None and loaded.source and loaded.answers == answers:
                raise exc.naming(loaded.source) from None
            raise

    def render(self, plan: Plan, answers_yaml: str) -> dict[str, str]:
        """The stack's files, ``{relative path: text}``, the answers copy included (raises RenderError).

        Compiled templates are kept in the user's cache folder for the next run (wizard/templatecache.py).
        """
        from wizard.render import render, use_bytecode_cache
        from wizard.templatecache import user_template_cache

        use_bytecode_cache(user_template_cache())
        return render(plan, answers_yaml)

    def estimate(self, plan: Plan) -> Estimate:
        """The stack's monthly cost with the plan's usage inputs (the answers' usage: section, defaults for the
        rest; raises CostError)."""
        from wizard.cost import estimate

        return estimate(plan)

    def evidence(self, plan: Plan, digest: str, *, scan: ScanReport | None = None, fmt: str = "md") -> str:
        """The compliance evidence document, Markdown (``md``) or JSON (raises ReportError, CostError), with the
        access matrix the plan declares (the stack README's "Who can do what").

        Without ``scan`` it holds no scan results, so the same answers give the same bytes: that is the
        copy :meth:`build` writes beside the stack."""
        from wizard.access import access_flows, access_rows
        from wizard.evidence import evidence_json, evidence_markdown

        write = evidence_json if fmt == "json" else evidence_markdown
        access = access_rows(access_flows(plan))
        return write(plan, answers_digest=digest, estimate=self.estimate(plan), scan=scan, access=access)

    def write(self, build: Build, *, force: bool = False, progress: Progress | None = None) -> WriteResult:
        """Write the stack folder atomically (raises DriftError on hand edits unless ``force``, OutputError).

        ``progress`` hears what the writer waits for (another run holding the stack's lock)."""
        from wizard import __version__
        from wizard.output import write_stack

        try:
            return write_stack(build.files, build.target, __version__, build.digest, force=force, progress=progress)
        except ValueError as exc:  # write_stack refuses an unsafe path before touching anything
            raise InternalError(f"a generated path is unsafe: {exc}") from exc

    def check(self, build: Build) -> StaleReport:
        """Compare the folder on disk with the build; writes nothing."""
        from wizard import __version__
        from wizard.output import check_stack

        return check_stack(build.files, build.target, __version__, build.digest)

    def diff(self, build: Build) -> str:
        """A unified diff from the folder on disk to the build ("" when they agree); writes nothing."""
        from wizard.output import diff_stack

        return diff_stack(build.files, build.target)

    def prewarm(self, explicit: str | None, progress: Progress | None) -> Any:
        """Start checkov's warm-up thread (resolve, install on first use, run --version once)."""
        from wizard.scan import prewarm_checkov

        return prewarm_checkov(explicit, progress)

    def resolve_checkov(self, explicit: str | None, progress: Progress | None) -> Path:
        """The checkov program: ``explicit``, $GUARDFORM_CHECKOV, PATH, else a managed install (raises ScanError)."""
        from wizard.scan import resolve_checkov

        return resolve_checkov(explicit, progress)

    def setup_checkov(self, progress: Progress | None) -> Path:
        """Provision guardform's managed checkov now, prove it runs, and return its path (raises ScanError)."""
        from wizard.scan import setup_checkov

        return setup_checkov(progress)

    def sarif_base(self, scanned: Path, explicit: Path | None = None) -> SarifBase:
        """Where ``scanned`` sits in its repository (or under ``explicit``), for SARIF locations (raises
        ScanError when ``explicit`` is not a folder holding ``scanned``)."""
        from wizard.scan import sarif_base

        return sarif_base(scanned, explicit)

    def scan(
        self,
        files: Mapping[str, str],
        checkov: Path,
        progress: Progress | None,
        cancel: threading.Event | None = None,
    ) -> ScanReport:
        """Scan exactly the generated files (not a user's own files beside them) in a temporary copy.
        Findings name paths relative to the stack. Setting ``cancel`` stops checkov (ScanCancelled)."""
        from wizard.scan import scan_files

        return scan_files(files, checkov=checkov, progress=progress, timeout=self.scan_timeout, cancel=cancel)

    def scan_folder(self, directory: Path, checkov: Path, progress: Progress | None) -> ScanReport:
        """Scan any Terraform folder with checkov and guardform's own checks."""
        from wizard.scan import guardform_checks_dir, scan

        return scan(
            directory,
            checkov=checkov,
            external_checks_dirs=[guardform_checks_dir()],
            progress=progress,
            timeout=self.scan_timeout,
        )

    # -- sequences ---------------------------------------------------------------------------------

    def build(
        self, answers: Answers, *, answers_yaml: str, out_dir: Path | str, observer: Observer | None = None
    ) -> Build:
        """Plan and render: the pure middle of the pipeline. ``answers_yaml`` is the stack's answers copy."""
        seen = observer or Observer()
        seen.stage(Stage.PLAN)
        stack_plan = self.plan(answers)
        seen.planned(stack_plan)
        seen.stage(Stage.RENDER)
        files = self.render(stack_plan, answers_yaml)
        files = self._with_evidence(files, stack_plan, answers)
        seen.rendered(files)
        return Build(answers=answers, plan=stack_plan, files=files, target=stack_dir(out_dir, answers))

    def _with_evidence(self, files: Mapping[str, str], stack_plan: Plan, answers: Answers) -> dict[str, str]:
        """The rendered files plus the evidence document beside them (written, checked and diffed like them)."""
        from wizard.answers import answers_digest
        from wizard.evidence import EVIDENCE_FILE

        return dict(sorted({**files, EVIDENCE_FILE: self.evidence(stack_plan, answers_digest(answers))}.items()))

    def build_loaded(self, loaded: LoadedAnswers, *, out_dir: Path | str, observer: Observer | None = None) -> Build:
        """:meth:`build` for a loaded answers file; the stack's copy keeps the file's comments and order."""
        yaml = stack_answers(loaded.answers, loaded.document, loaded.format)
        return self.build(loaded.answers, answers_yaml=yaml, out_dir=out_dir, observer=observer)

    def generate(
        self,
        answers: Answers,
        *,
        answers_yaml: str,
        out_dir: Path | str,
        force: bool = False,
        scan: bool = True,
        checkov: str | None = None,
        find_checkov: Callable[[Progress], Path] | None = None,
        observer: Observer | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation:
        """Build, write, and (unless ``scan`` is false) find checkov and scan what was written.

        ``checkov`` is an explicit program (else $GUARDFORM_CHECKOV, PATH, a managed install);
        ``find_checkov`` replaces that lookup (the wizard's background warm-up); setting ``cancel`` stops
        a running scan (ScanCancelled). Raises the stage's GuardformError; when the scan fails the stack
        is already written.
        """
        seen = observer or Observer()
        build = self.build(answers, answers_yaml=answers_yaml, out_dir=out_dir, observer=seen)
        seen.stage(Stage.WRITE)
        written = self.write(build, force=force, progress=seen.progress)
        seen.written(build, written)
        if not scan:
            return Generation(build=build, written=written, report=None)
        seen.stage(Stage.CHECKOV)
        program = (find_checkov or (lambda progress: self.resolve_checkov(checkov, progress)))(seen.progress)
        seen.checkov_found(program)
        seen.stage(Stage.SCAN)
        scan_args = {"cancel": cancel} if cancel is not None else {}  # a stage override may predate cancel
        report = self.scan(build.files, program, seen.progress, **scan_args)
        seen.scanned(report)
        return Generation(build=build, written=written, report=report)
