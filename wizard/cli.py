"""The command line: parses options, calls the pipeline (wizard/pipeline.py), prints, maps errors to exit codes.

No stage is called from here directly and no decision lives here. Every failure a user can meet is a
``GuardformError``; :func:`failures` is the one table from its type to the exit code and the message.
Exit codes: 0 ok, 1 scan findings, 2 bad usage or bad answers (nothing written), 3 refused (drift or a stale
tree), 4 the scanner could not run, 130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

import click

from wizard import __version__
from wizard.errors import GuardformError
from wizard.pipeline import DEFAULT_OUT, Observer, Pipeline, Stage, stack_answers, stack_dir

if TYPE_CHECKING:
    from wizard.output import WriteResult
    from wizard.pipeline import Build, Generation
    from wizard.scan import SarifBase, ScanReport

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REFUSED, EXIT_SCAN_ERROR = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM  # 130, 143: as the shell reports them


class UsageProblem(GuardformError):
    """Options that cannot be used together, or a file that is not there."""


@dataclass
class Where:
    """What an error message may name: filled in by the command as it learns it."""

    answers_file: Path | None = None
    target: Path | None = None
    #: what the command does to the stack folder: "write", "check" or "diff"
    action: str = "write"
    #: the report format on standard output: a failure in "json" or "sarif" still prints a document there
    fmt: str = "text"
    #: --sarif-base, when given
    sarif_root: Path | None = None
    #: the stack folder, once it is written (a later failure must not say "nothing written")
    written: Path | None = None


Describe = Callable[[Any, Where], str]


def _answers_problems(exc: Any, where: Where) -> str:
    count = len(exc.issues)
    source = exc.source or where.answers_file
    return f"guardform: {source} has {count} problem{'s' if count != 1 else ''}; nothing was written.\n{exc.format()}"


def _refused(exc: Any, where: Where) -> str:
    verb = "refused to write" if where.action == "write" else f"cannot {where.action}"
    return f"guardform: {verb} {where.target}: {exc}"


def _scan_failed(exc: Any, where: Where) -> str:
    if where.written is not None:
        return f"guardform: {where.written} was written, but the scan could not run, so nothing was checked: {exc}"
    return f"guardform: the scan could not run, so nothing was checked: {exc}"


def _plan_refused(exc: Any, where: Where) -> str:
    named = exc if exc.source is not None or where.answers_file is None else exc.naming(str(where.answers_file))
    return f"guardform: {named}; nothing was written."


def _render_bug(exc: Any, where: Where) -> str:
    return (
        f"guardform: could not render the stack; nothing was written. This is a bug in guardform {__version__}, "
        f"please report it with your answers file.\n  {exc}"
    )


@cache
def failures() -> tuple[tuple[type[GuardformError], int, Describe], ...]:
    """Every failure the command line reports: (error type, exit code, how it is told). The first row the
    error is an instance of wins, so a subclass comes before its base. (Imported on first failure, so a
    command that succeeds does not load every stage.)"""
    from wizard.answers import AnswersError
    from wizard.cost import CostError
    from wizard.evidence import ReportError
    from wizard.output import DriftError, OutputError
    from wizard.pipeline import InternalError
    from wizard.plan import PlanError
    from wizard.render import RenderError
    from wizard.scan import ScanError

    return (
        (UsageProblem, EXIT_USAGE, lambda e, w: f"guardform: {e}"),
        (AnswersError, EXIT_USAGE, _answers_problems),
        (PlanError, EXIT_USAGE, _plan_refused),
        (RenderError, EXIT_USAGE, _render_bug),
        (CostError, EXIT_USAGE, lambda e, w: f"guardform: {e}"),
        (ReportError, EXIT_USAGE, lambda e, w: f"guardform: {e}"),
        (DriftError, EXIT_REFUSED, lambda e, w: e.format()),
        (OutputError, EXIT_REFUSED, _refused),
        (InternalError, EXIT_USAGE, lambda e, w: f"guardform: internal error, {e}"),
        (ScanError, EXIT_SCAN_ERROR, _scan_failed),
    )


def exit_code_and_message(exc: GuardformError, where: Where) -> tuple[int, str]:
    code, message = next(
        ((code, describe(exc, where)) for kind, code, describe in failures() if isinstance(exc, kind)),
        (EXIT_USAGE, f"guardform: {exc}"),
    )
    if code == EXIT_USAGE and where.written is not None:
        # 2 promises that nothing was written. After the write only checkov and the scan run, so a failure
        # no row names is the scan's: exit 4, and say what was written.
        return EXIT_SCAN_ERROR, f"guardform: {where.written} was written, but then: {exc}"
    return code, message


def error_document(exc: GuardformError, where: Where) -> str | None:
    """What a failed command prints on standard output in ``--format json|sarif``, so that a pipeline
    redirecting it (``> guardform.sarif``, then an upload) gets a valid document carrying the errors, not an
    empty file: bad usage, bad answers (or a policy the answers make too large) and a scanner that cannot run.
    None for other failures and in text format."""
    from wizard.answers import AnswersError
    from wizard.plan import PlanError
    from wizard.scan import Problem, ScanError, format_json_errors, format_sarif_errors

    if where.fmt not in ("json", "sarif"):
        return None
    source = str(where.answers_file) if where.answers_file is not None else None
    stage: Literal["usage", "answers", "scan"]
    if isinstance(exc, UsageProblem):
        stage, problems = "usage", [Problem(str(exc))]
    elif isinstance(exc, AnswersError):
        stage = "answers"
        given = exc.source or source
        problems = [Problem(i.message, file=given, line=i.line, field=i.field or None) for i in exc.issues]
    elif isinstance(exc, PlanError):
        stage, problems = "answers", [Problem(exc.message, file=exc.source or source)]
    elif isinstance(exc, ScanError) or where.written is not None:  # after the write only the scan runs
        stage, problems = "scan", [Problem(str(exc))]
    else:
        return None
    if where.fmt == "json":
        doc = format_json_errors(problems, stage=stage)
        if where.written is not None:  # generate wrote the stack: say so beside the scan's errors
            doc = json.dumps({"stack": str(where.written), "scan": json.loads(doc)}, indent=2, sort_keys=True) + "\n"
        return doc
    return format_sarif_errors(problems, stage=stage, base=_error_sarif_base(where), tool_version=__version__)


def _error_sarif_base(where: Where) -> SarifBase:
    """The repository root an error document names files from: --sarif-base, else the git top level of the
    folder the command works on (the answers file's, or the scanned folder)."""
    from wizard.scan import SarifBase, ScanError

    folder = where.target or (where.answers_file.parent if where.answers_file is not None else Path("."))
    try:
        return Pipeline().sarif_base(folder, where.sarif_root)
    except ScanError:  # the answers file is outside --sarif-base: name files from it all the same
        root = where.sarif_root.expanduser().resolve() if where.sarif_root is not None else None
        return (
            SarifBase(root_uri=root.as_uri().rstrip("/") + "/") if root is not None and root.is_dir() else SarifBase()
        )


class Interrupted(Exception):
    """Ctrl+C (SIGINT) stopped a command; carries the one line that says what state it left."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Terminated(SystemExit):
    """SIGTERM: raised by the handler :func:`main` installs, so the stack unwinds like any exit (the scan's
    temporary copies are removed and checkov is stopped, which os._exit or the default action would not do)."""

    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)
        self.message = "guardform: terminated (SIGTERM); nothing was written."


def _stopped(how: str, where: Where) -> str:
    """What a stopped command left behind, in one line."""
    if where.written is not None:
        return f"guardform: {how}; {where.written} was written in full, but the scan did not finish."
    if where.action == "write" and where.target is not None:
        return f"guardform: {how}; {where.target} holds its previous contents or the complete new stack, never a mix."
    return f"guardform: {how}; nothing was written."


class _Guardform(click.Group):
    """Turns a GuardformError from any command into its message on standard error and its exit code
    (and, in --format json|sarif, a document carrying the errors on standard output). Lists each
    command with its whole summary (click cuts them at the terminal's width)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, cmd, rest = super().resolve_command(ctx, args)
        ctx.meta["guardform.command"] = (cmd, list(rest))  # for a usage error click raises before the command runs
        return name, cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # click's own (a missing path, a bad option): shown by click, exit 2
            cmd, args = ctx.meta.get("guardform.command", (None, []))
            fmt = _asked_format(cmd, args)
            if fmt is not None:
                where = Where(fmt=fmt)
                _say_document(error_document(UsageProblem(exc.format_message()), where) or "", nl=False)
            raise
        except KeyboardInterrupt:
            raise Interrupted(_stopped("interrupted", ctx.ensure_object(Where))) from None
        except Terminated as exc:
            exc.message = _stopped("terminated (SIGTERM)", ctx.ensure_object(Where))
            raise
        except GuardformError as exc:
            where = ctx.ensure_object(Where)
            code, message = exit_code_and_message(exc, where)
            document = error_document(exc, where)
            if document is not None:
                _say_document(document, nl=False)
            _say(message, err=True, fg="red")
            ctx.exit(code)


def _asked_format(cmd: click.Command | None, args: list[str]) -> str | None:
    """The document format (json or sarif) ``args`` ask ``cmd`` for, read from the raw arguments: a usage
    error stops click before it has parsed them all, and the document must be written all the same."""
    choices = next(
        (p.type.choices for p in (cmd.params if cmd else []) if p.name == "fmt" and isinstance(p.type, click.Choice)),
        (),
    )
    asked = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--format" and i + 1 < len(args):
            asked = args[i + 1]
        elif arg.startswith("--format="):
            asked = arg.split("=", 1)[1]
    return asked if asked in ("json", "sarif") and asked in choices else None


def _color() -> bool | None:
    """Colour only where the terminal shows it (click strips styles from anything that is not a
    terminal), and never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return None


def safe_text(text: str) -> str:
    """``text`` with every character that could drive the terminal (escape sequences, OSC titles, carriage
    returns, bidi overrides, line separators) made visible by the scan layer's `terminal_safe`, line by line,
    keeping the newlines and tabs: for anything that may hold what came from a file (a path, a value quoted
    in an error, a diff of a hand edit)."""
    from wizard.scan import terminal_safe

    return "\n".join("\t".join(terminal_safe(part) for part in line.split("\t")) for line in text.split("\n"))


_JSON_UNSAFE = re.compile(r"[^\x20-\x7e\n]")


def safe_json(text: str) -> str:
    """A JSON document with the same characters escaped as ``\\uXXXX`` (still the same JSON): json.dumps
    escapes C0 controls inside strings but writes DEL, C1 controls and bidi overrides as they are."""
    from wizard.scan import terminal_safe

    return _JSON_UNSAFE.sub(
        lambda m: m.group() if terminal_safe(m.group()) == m.group() else f"\\u{ord(m.group()):04x}", text
    )


def _say(text: str, *, err: bool = False, nl: bool = True, **style: Any) -> None:
    """Print guardform's text, made `safe_text`, in ``style`` (click.style's arguments) where colour is on."""
    text = safe_text(text)
    click.echo(click.style(text, **style) if style else text, err=err, nl=nl, color=_color())


def _say_document(text: str, *, nl: bool = True) -> None:
    """Print a JSON or SARIF document on standard output, made `safe_json`."""
    click.echo(safe_json(text), nl=nl)


def _progress(message: str) -> None:
    _say(message, err=True)


class _Told(Observer):
    """What `generate` says while it runs: progress, and hand edits kept aside, on standard error.
    ``quiet`` keeps only what needs attention: warnings, kept edits, and waiting for another run."""

    def __init__(self, where: Where, *, quiet: bool = False) -> None:
        self.where = where
        self.quiet = quiet
        self.current: Stage | None = None

    def stage(self, stage: Stage) -> None:
        self.current = stage

    def progress(self, message: str) -> None:
        # While writing, progress is another guardform holding the folder: always worth saying.
        if not self.quiet or self.current is Stage.WRITE:
            _progress(message)

    def written(self, build: Build, result: WriteResult) -> None:
        self.where.written = build.target
        for original, kept in result.kept:
            _say(f"guardform: kept your edited {original} as {build.target / kept}", err=True, fg="yellow")
        for warning in result.warnings:
            _say(f"guardform: warning: {warning}", err=True, fg="yellow")


def format_report(report: ScanReport, fmt: str, base: SarifBase | None = None) -> str:
    from wizard.scan import format_json, format_sarif, format_text

    if fmt == "sarif":
        return format_sarif(report, base=base)
    return {"text": format_text, "json": format_json}[fmt](report)


def scan_summary(report: ScanReport) -> str:
    """The scan report as text without a paragraph per skipped check: every skip guardform writes is one
    the plan decided (and `guardform explain` lists), and they are the same on every run. Failures, parse
    and check errors, and notes are shown in full; ``--verbose`` shows the skips too."""
    from dataclasses import replace

    from wizard.scan import format_text

    counts, rest = format_text(report).split("\n", 1)[0], format_text(replace(report, skipped=())).split("\n", 1)[1]
    lines = [counts]
    if report.skipped:
        n = len(report.skipped)
        lines.append(
            f"{n} check{'s' if n != 1 else ''} skipped inline where {'they do' if n != 1 else 'it does'} not apply "
            "(--verbose lists each with its reason)"
        )
    return "\n".join(lines) + "\n" + rest


def _print_report_text(text: str) -> None:
    """A text report, its result line in colour (green OK, red FAILED, yellow NOTHING CHECKED)."""
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("Result: OK"):
            _say(line, fg="green", bold=True)
        elif line.startswith("Result: FAILED"):
            _say(line, fg="red", bold=True)
        elif line.startswith("Result:"):
            _say(line, fg="yellow", bold=True)
        else:
            _say(line)


_quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="Print only problems: failed checks, errors, warnings."
)
_verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="List every skipped check with its reason, not only how many."
)


_answers_option = click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The answers file (YAML or JSON).",
)
_report_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Report format on standard output.",
)
_checkov_option = click.option(
    "--checkov",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="checkov program to use (default: $GUARDFORM_CHECKOV, PATH, else a managed install).",
)
_sarif_base_option = click.option(
    "--sarif-base",
    "sarif_root",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Repository root SARIF paths are relative to (default: the git top level of the scanned folder).",
)
_scan_timeout_option = click.option(
    "--scan-timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Stop checkov after this long and exit 4 (default: $GUARDFORM_SCAN_TIMEOUT, else 600; 0: no limit).",
)
_out_option = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder the stack is written under (<out>/<project name>/).",
)


@click.group(cls=_Guardform, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="guardform")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """guardform writes hardened, checkov-clean Terraform for AI workloads on AWS
    (SageMaker training, inference and notebooks; Bedrock) from a few answers.

    Run it with no command in a terminal for the interactive wizard, or use
    `guardform generate --answers FILE` in CI.

    \b
    Exit codes:
      0    ok
      1    the scan found failed checks or files checkov could not parse
      2    bad usage or bad answers (nothing was written)
      3    refused: a generated file was edited by hand, or --check found
           the stack stale or missing
      4    the scanner could not run (checkov missing or broken, no .tf
           files, a timeout); generate has written the stack by then
      130  interrupted (Ctrl+C)
      143  terminated (SIGTERM)
    """
    ctx.ensure_object(Where)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(wizard_cmd, answers_file=None, out=DEFAULT_OUT)
        else:
            click.echo(ctx.get_help())


@cli.command("wizard")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Prefill the wizard from this answers file (saved back, comments kept).",
)
@_out_option
@click.pass_context
def wizard_cmd(ctx: click.Context, answers_file: Path | None, out: Path) -> None:
    """Answer the questions in an interactive terminal wizard, review every control, generate and scan."""
    if answers_file is not None and not answers_file.exists():
        raise UsageProblem(f"{answers_file}: no such file")
    from wizard.tui.app import run_wizard

    _default_signals()  # the wizard handles its own keys; keep the behaviour it was built with
    ctx.exit(run_wizard(answers_file, out))


@cli.command()
@_answers_option
@_out_option
@click.option("--force", is_flag=True, help="Overwrite hand-edited generated files, keeping each edit as FILE.orig.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 3 if the folder differs from what these answers produce now (for CI).",
)
@click.option("--no-scan", is_flag=True, help="Skip the checkov scan.")
@_report_format_option
@_checkov_option
@_sarif_base_option
@_scan_timeout_option
@_quiet_option
@_verbose_option
@click.pass_context
def generate(
    ctx: click.Context,
    answers_file: Path,
    out: Path,
    force: bool,
    check: bool,
    no_scan: bool,
    fmt: str,
    checkov: Path | None,
    sarif_root: Path | None,
    scan_timeout: float | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Render the hardened stack for an answers file, write it, and scan it with checkov."""
    where = ctx.ensure_object(Where)
    where.answers_file, where.fmt, where.sarif_root = answers_file, fmt, sarif_root
    if force and check:
        raise UsageProblem("--force and --check cannot be used together")
    if fmt == "sarif" and no_scan and not check:
        raise UsageProblem("--format sarif needs the scan; drop --no-scan")
    if quiet and verbose:
        raise UsageProblem("--quiet and --verbose cannot be used together")
    pipe = Pipeline(scan_timeout=scan_timeout)
    out = _out_dir(ctx, answers_file, out, quiet=quiet)
    loaded = pipe.load(answers_file)
    for notice in loaded.notices:
        _progress(f"guardform: {notice}")
    where.target = stack_dir(out, loaded.answers)
    if sarif_root is not None and fmt == "sarif":
        _check_sarif_root(pipe, where.target, sarif_root)  # before anything is written
    if check:
        where.action = "check"
        build = pipe.build_loaded(loaded, out_dir=out)
        report = pipe.check(build)
        if fmt == "json":
            document = report.as_dict()
            if not where.target.is_dir():  # as in text: the files it would create, not a diff of each from nothing
                document.update(diffs={}, would_create=sorted(build.files))
            _say_document(json.dumps(document, indent=2, sort_keys=True))
        elif report.up_to_date:
            _say(f"{where.target}: up to date")
        elif not where.target.is_dir():  # nothing to compare with: say so, not a diff of every file
            _say(report.format(diffs=False).rstrip("\n"))
            _say(_would_create(sorted(build.files)))
            _say(_where_expected(where.target, out, loaded.answers.project.name), err=True)
        else:
            _say(report.format().rstrip("\n"))
            if "missing" in report.categories:
                _say(_where_expected(where.target, out, loaded.answers.project.name), err=True)
        ctx.exit(EXIT_OK if report.up_to_date else EXIT_REFUSED)
    done = pipe.generate(
        loaded.answers,
        answers_yaml=stack_answers(loaded.answers, loaded.document, loaded.format),
        out_dir=out,
        force=force,
        scan=not no_scan,
        checkov=str(checkov) if checkov else None,
        observer=_Told(where, quiet=quiet),
    )
    if fmt == "text":
        _print_generation(done, answers_file, quiet=quiet, verbose=verbose)
    else:
        base = pipe.sarif_base(done.build.target, sarif_root) if fmt == "sarif" else None
        _say_document(_generation_document(done, fmt, base))
    if done.report is not None and not done.report.ok:
        ctx.exit(EXIT_FINDINGS)


def _out_dir(ctx: click.Context, answers_file: Path, out: Path, *, quiet: bool = False) -> Path:
    """--out as given; when it is not given and the answers file is a stack's own copy (guardform.answers.yaml
    beside the stack's manifest), the folder holding that stack, so that `generate --check --answers
    infra/ai/x/guardform.answers.yaml` checks infra/ai/x and not modules_out/x."""
    from click.core import ParameterSource

    from wizard.output import MANIFEST_NAME
    from wizard.render import ANSWERS_FILE

    if ctx.get_parameter_source("out") is not ParameterSource.DEFAULT:
        return out
    folder = answers_file.absolute().parent
    if answers_file.name != ANSWERS_FILE or not (folder / MANIFEST_NAME).is_file():
        return out
    if not quiet:
        _progress(
            f"guardform: {answers_file} is the answers copy of the stack in {folder}; using --out {folder.parent}"
        )
    return folder.parent


def _where_expected(target: Path, out: Path, name: str, prefix: str = "guardform: ") -> str:
    """Which folder was expected, and how to name another: for a stack that is not there."""
    return (
        f"{prefix}looked for the stack in {target} (--out {out}, project name {name}); if it lives elsewhere, "
        f"pass --out with the folder that holds it (for infra/ai/{name}/, --out infra/ai), or give its own "
        f"{name}/guardform.answers.yaml as --answers"
    )


def _would_create(paths: list[str], shown: int = 8) -> str:
    """One line for a stack folder that is not there: how many files generate would write, and the first few."""
    names = ", ".join(paths[:shown]) + (f", and {len(paths) - shown} more" if len(paths) > shown else "")
    return f"generate would create {len(paths)} file{'s' if len(paths) != 1 else ''} there: {names}"


def _check_sarif_root(pipe: Pipeline, folder: Path, sarif_root: Path) -> None:
    """--sarif-base must hold the folder whose findings are reported: refused as bad usage up front."""
    from wizard.scan import ScanError

    try:
        pipe.sarif_base(folder, sarif_root)
    except ScanError as exc:
        raise UsageProblem(str(exc)) from None


def _generation_document(done: Generation, fmt: str, base: SarifBase | None = None) -> str:
    """What `generate` prints on standard output in --format json or sarif."""
    stack_plan, result, report, target = done.build.plan, done.written, done.report, done.build.target
    if fmt == "sarif" and report is not None:
        return format_report(report, "sarif", base)
    on = sum(1 for c in stack_plan.controls if c.enabled)
    payload = {
        "stack": str(target),
        "sensitivity": stack_plan.sensitivity,
        "controls": {"on": on, "off": len(stack_plan.controls) - on},
        "write": result.as_dict(),
        "scan": json.loads(format_report(report, "json")) if report else None,
    }
    return json.dumps(payload, indent=2, sort_keys=True)


def _print_generation(done: Generation, answers_file: Path, *, quiet: bool, verbose: bool) -> None:
    """What `generate` prints on standard output in text: a summary, the scan, the next step."""
    stack_plan, result, report, target = done.build.plan, done.written, done.report, done.build.target
    if quiet:  # only problems: a scan that did not pass
        if report is not None and not report.ok:
            _print_report_text(scan_summary(report))
        return
    on = sum(1 for c in stack_plan.controls if c.enabled)
    _say(f"guardform {__version__}: {stack_plan.name} ({stack_plan.sensitivity} data) -> {target}", bold=True)
    _say(
        f"  controls: {on} on, {len(stack_plan.controls) - on} off  (guardform explain --answers "
        f"{shlex.quote(str(answers_file))} says why)"
    )
    if result.changed:
        _say(
            f"  files: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.removed)} removed"
        )
    else:
        _say(f"  files: {target} is up to date; nothing written")
    if report is None:
        _say("  scan: skipped (--no-scan)", fg="yellow")
    else:
        _print_report_text(format_report(report, "text") if verbose else scan_summary(report))
    if report is None or report.ok:
        _say("")
        _say(f"Next: cd {shlex.quote(str(target))} && terraform init", bold=True)


@cli.command("scan")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@_report_format_option
@_checkov_option
@_sarif_base_option
@_scan_timeout_option
@_verbose_option
@click.pass_context
def scan_cmd(
    ctx: click.Context,
    directory: Path,
    fmt: str,
    checkov: Path | None,
    sarif_root: Path | None,
    scan_timeout: float | None,
    verbose: bool,
) -> None:
    """Scan any Terraform folder with checkov and guardform's own checks (CKV_GF_*)."""
    where = ctx.ensure_object(Where)
    where.target, where.fmt, where.sarif_root, where.action = directory, fmt, sarif_root, "scan"
    pipe = Pipeline(scan_timeout=scan_timeout)
    if sarif_root is not None:
        _check_sarif_root(pipe, directory, sarif_root)
    program = pipe.resolve_checkov(str(checkov) if checkov else None, _progress)
    report = pipe.scan_folder(directory, program, _progress)
    if fmt == "text":
        _print_report_text(format_report(report, "text") if verbose else scan_summary(report))
    else:
        base = pipe.sarif_base(directory, sarif_root) if fmt == "sarif" and sarif_root is not None else None
        _say_document(format_report(report, fmt, base).rstrip())
    ctx.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@cli.command()
def setup() -> None:
    """Install guardform's pinned checkov now, instead of at the first scan, and print its path.

    In CI, cache ${XDG_CACHE_HOME:-~/.cache}/guardform and run this step: later runs find checkov there.
    Exit 4 when checkov cannot be installed.
    """
    _say(str(Pipeline().setup_checkov(_progress)))


@cli.command()
@click.option("--answers", "answers_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--access",
    "show_access",
    is_flag=True,
    help="Print who can do what instead: every flow the stack must allow and must deny (the access matrix the "
    "tests prove), as a Markdown table.",
)
@click.pass_obj
def explain(where: Where, answers_file: Path, fmt: str, show_access: bool) -> None:
    """List every control, on or off, and the answer that decided it (--access: who can do what)."""
    where.answers_file, where.fmt = answers_file, fmt
    pipe = Pipeline()
    stack_plan = pipe.plan(pipe.load(answers_file).answers)
    if show_access:
        from wizard.access import access_flows, format_access_table

        _say(format_access_table(access_flows(stack_plan)), nl=False)
        return
    if fmt == "json":
        listed = [
            {
                "id": c.id,
                "title": c.title,
                "enabled": c.enabled,
                "reason": c.reason,
                "module": c.module,
                "checks": list(c.checks),
            }
            for c in stack_plan.controls
        ]
        skips = [
            {"check": s.check_id, "module": s.module, "resource": s.resource, "reason": s.reason}
            for s in stack_plan.skips
        ]
        _say_document(
            json.dumps(
                {"stack": stack_plan.name, "sensitivity": stack_plan.sensitivity, "controls": listed, "skips": skips},
                indent=2,
            )
        )
        return
    from wizard.plan import MODULE_ORDER

    _say(
        f"{stack_plan.name} ({stack_plan.environment}): data is {stack_plan.sensitivity}"
        f"{stack_plan.tier_reason}; workloads: {', '.join(stack_plan.workloads)}"
    )
    for module in MODULE_ORDER:
        controls = [c for c in stack_plan.controls if c.module == module]
        if not controls:
            continue
        _say(f"\n{module}:")
        for c in controls:
            mark = "ON " if c.enabled else "off"
            checks = f"  [{', '.join(c.checks)}]" if c.checks and c.enabled else ""
            _say(f"  {mark} {c.title}{checks}")
            _say(f"      why: {c.reason}")
    if stack_plan.skips:
        _say("\ncheckov checks skipped where they do not apply:")
        for s in stack_plan.skips:
            _say(f"  {s.check_id} on {s.module}/{s.resource}: {s.reason}")
    _explain_cost(pipe, stack_plan, answers_file)


def _explain_cost(pipe: Pipeline, stack_plan: Any, answers_file: Path) -> None:
    from wizard.cost import format_summary

    given = len(stack_plan.usage.given)
    usage = f"{given} usage inputs from the answers' usage: section, the rest" if given else "every usage input"
    _say(f"\ncost: {format_summary(pipe.estimate(stack_plan))}")
    _say(f"      {usage} at the stated defaults; guardform cost --answers {answers_file} lists every line")


@cli.command("cost")
@_answers_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def cost_cmd(where: Where, answers_file: Path, fmt: str) -> None:
    """Estimate what the stack costs a month: every line item, its price and source, and the assumptions.

    The usage-driven lines price the answers' usage: section (each input left out at its stated default)."""
    from wizard.cost import format_json, format_text

    where.answers_file = answers_file
    pipe = Pipeline()
    estimate = pipe.estimate(pipe.plan(pipe.load(answers_file).answers))
    if fmt == "json":
        _say_document(format_json(estimate), nl=False)
    else:
        _say(format_text(estimate), nl=False)


@cli.command("report")
@_answers_option
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option(
    "--scan",
    "with_scan",
    is_flag=True,
    help="Scan the stack these answers produce with checkov and put each check's result in the document "
    "(exit 1 when the scan finds failed checks).",
)
@_checkov_option
@click.pass_context
def report_cmd(ctx: click.Context, answers_file: Path, fmt: str, with_scan: bool, checkov: Path | None) -> None:
    """Print the compliance evidence document: controls, the requirements they help meet, what stays yours, cost.

    Without --scan it is the EVIDENCE.md that generate writes beside the stack."""
    where = ctx.ensure_object(Where)
    where.answers_file = answers_file
    pipe = Pipeline()
    build = pipe.build_loaded(pipe.load(answers_file), out_dir=DEFAULT_OUT)
    scanned = None
    if with_scan:
        program = pipe.resolve_checkov(str(checkov) if checkov else None, _progress)
        scanned = pipe.scan(build.files, program, _progress)
    document = pipe.evidence(build.plan, build.digest, scan=scanned, fmt=fmt)
    if fmt == "json":
        _say_document(document, nl=False)
    else:
        _say(document, nl=False)
    if scanned is not None and not scanned.ok:
        ctx.exit(EXIT_FINDINGS)


@cli.command()
@click.option("--answers", "answers_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
@_out_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when regenerating would change something (as git diff does).")
@click.pass_context
def diff(ctx: click.Context, answers_file: Path, out: Path, exit_code: bool) -> None:
    """Show what regenerating from the answers would change in the stack folder (writes nothing)."""
    where = ctx.ensure_object(Where)
    where.answers_file, where.action = answers_file, "diff"
    pipe = Pipeline()
    out = _out_dir(ctx, answers_file, out)
    build = pipe.build_loaded(pipe.load(answers_file), out_dir=out)
    where.target = build.target
    text = pipe.diff(build)
    if not build.target.exists():
        hint = _where_expected(build.target, out, build.plan.name, "guardform: ").split("; ", 1)[1]
        _say(
            f"guardform: there is no stack in {build.target} yet, so the diff creates every file. "
            + hint[:1].upper()
            + hint[1:],
            err=True,
        )
    if text:
        _say(text, nl=False)
    else:
        _say(f"{build.target}: no changes", err=True)
    if exit_code and text:
        ctx.exit(EXIT_FINDINGS)


@cli.command("help")
@click.argument("command", required=False)
@click.pass_context
def help_cmd(ctx: click.Context, command: str | None) -> None:
    """Show guardform's help, or the help of one COMMAND (guardform help generate)."""
    group = ctx.parent
    assert group is not None and isinstance(group.command, click.Group)
    if command is None:
        click.echo(group.get_help())
        return
    found = group.command.get_command(group, command)
    if found is None:
        names = ", ".join(group.command.list_commands(group))
        raise UsageProblem(f"no command named {command!r}; the commands are: {names}")
    with click.Context(found, info_name=command, parent=group) as sub:
        click.echo(found.get_help(sub))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the answers file (for editor validation)."""
    from wizard.answers import answers_json_schema

    click.echo(json.dumps(answers_json_schema(), indent=2))


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not cut the clean-up short
    raise KeyboardInterrupt


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # nor a second SIGTERM
    raise Terminated


def _default_signals() -> None:
    if _on_main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _on_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def main(args: list[str] | None = None) -> None:
    """The `guardform` program. Runs the command outside click's standalone mode, which would print
    "Aborted!" and exit 1 (the scan-findings code) on Ctrl+C: interrupted is 130, SIGTERM 143, each with one
    line saying what was left, after the stack has unwound (temporary folders removed, checkov stopped)."""
    if _on_main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
        signal.signal(signal.SIGTERM, _on_sigterm)
    code: Any
    try:
        code = cli.main(args=args, prog_name="guardform", standalone_mode=False)
    except Interrupted as exc:
        _interrupt_line(exc.message)
        code = EXIT_INTERRUPTED
    except (click.exceptions.Abort, KeyboardInterrupt):  # outside a command: parsing the options
        _interrupt_line("guardform: interrupted; nothing was written.")
        code = EXIT_INTERRUPTED
    except Terminated as exc:
        _say(exc.message, err=True)
        code = EXIT_TERMINATED
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _interrupt_line(message: str) -> None:
    # On a terminal the line starts after the "^C" the terminal echoed.
    _say(("\n" if sys.stderr.isatty() else "") + message, err=True)


if __name__ == "__main__":
    main()
