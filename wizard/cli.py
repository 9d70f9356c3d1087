"""The command line: parses options, calls the pipeline (wizard/pipeline.py), prints, maps errors to exit codes.

No stage is called from here directly and no decision lives here. Every failure a user can meet is a
``GuardformError``; :func:`failures` is the one table from its type to the exit code and the message.
Exit codes: 0 ok, 1 scan findings, 2 bad usage or bad answers, 3 refused (drift or a stale tree).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wizard import __version__
from wizard.errors import GuardformError
from wizard.pipeline import DEFAULT_OUT, Observer, Pipeline, stack_answers, stack_dir

if TYPE_CHECKING:
    from wizard.output import WriteResult
    from wizard.pipeline import Build, Generation
    from wizard.scan import ScanReport

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class UsageProblem(GuardformError):
    """Options that cannot be used together, or a file that is not there."""


@dataclass
class Where:
    """What an error message may name: filled in by the command as it learns it."""

    answers_file: Path | None = None
    target: Path | None = None
    #: what the command does to the stack folder: "write", "check" or "diff"
    action: str = "write"


Describe = Callable[[Any, Where], str]


def _answers_problems(exc: Any, where: Where) -> str:
    count = len(exc.issues)
    source = exc.source or where.answers_file
    return f"guardform: {source} has {count} problem{'s' if count != 1 else ''}; nothing was written.\n{exc.format()}"


def _refused(exc: Any, where: Where) -> str:
    verb = "refused to write" if where.action == "write" else f"cannot {where.action}"
    return f"guardform: {verb} {where.target}: {exc}"


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
    from wizard.output import DriftError, OutputError
    from wizard.pipeline import InternalError
    from wizard.render import RenderError
    from wizard.scan import ScanError

    return (
        (UsageProblem, EXIT_USAGE, lambda e, w: f"guardform: {e}"),
        (AnswersError, EXIT_USAGE, _answers_problems),
        (RenderError, EXIT_USAGE, _render_bug),
        (DriftError, EXIT_REFUSED, lambda e, w: e.format()),
        (OutputError, EXIT_REFUSED, _refused),
        (InternalError, EXIT_USAGE, lambda e, w: f"guardform: internal error, {e}"),
        (ScanError, EXIT_USAGE, lambda e, w: f"guardform: the scan could not run: {e}"),
    )


def exit_code_and_message(exc: GuardformError, where: Where) -> tuple[int, str]:
    for kind, code, describe in failures():
        if isinstance(exc, kind):
            return code, describe(exc, where)
    return EXIT_USAGE, f"guardform: {exc}"


class _Guardform(click.Group):
    """Turns a GuardformError from any command into its message on standard error and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GuardformError as exc:
            code, message = exit_code_and_message(exc, ctx.ensure_object(Where))
            click.echo(message, err=True)
            ctx.exit(code)


def _progress(message: str) -> None:
    click.echo(message, err=True)


class _Told(Observer):
    """What `generate` says while it runs: progress, and hand edits kept aside, on standard error."""

    def progress(self, message: str) -> None:
        _progress(message)

    def written(self, build: Build, result: WriteResult) -> None:
        for original, kept in result.kept:
            _progress(f"guardform: kept your edited {original} as {build.target / kept}")
        for warning in result.warnings:
            _progress(f"guardform: warning: {warning}")


def format_report(report: ScanReport, fmt: str) -> str:
    from wizard.scan import format_json, format_sarif, format_text

    return {"text": format_text, "json": format_json, "sarif": format_sarif}[fmt](report)


_checkov_option = click.option(
    "--checkov",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="checkov program to use (default: $GUARDFORM_CHECKOV, PATH, else a managed install).",
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

    Exit codes: 0 ok; 1 the scan found failed checks or unparseable files;
    2 bad usage or bad answers (nothing written); 3 refused: a generated file
    was edited by hand, or --check found the stack stale.
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

    ctx.exit(run_wizard(answers_file, out))


@cli.command()
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The answers file (YAML or JSON).",
)
@_out_option
@click.option("--force", is_flag=True, help="Overwrite hand-edited generated files, keeping each edit as FILE.orig.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 3 if the folder differs from what these answers produce now (for CI).",
)
@click.option("--no-scan", is_flag=True, help="Skip the checkov scan.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Report format on standard output.",
)
@_checkov_option
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
) -> None:
    """Render the hardened stack for an answers file, write it, and scan it with checkov."""
    if force and check:
        raise UsageProblem("--force and --check cannot be used together")
    if fmt == "sarif" and no_scan and not check:
        raise UsageProblem("--format sarif needs the scan; drop --no-scan")
    where = ctx.ensure_object(Where)
    where.answers_file = answers_file
    pipe = Pipeline()
    loaded = pipe.load(answers_file)
    for notice in loaded.notices:
        _progress(f"guardform: {notice}")
    where.target = stack_dir(out, loaded.answers)
    if check:
        where.action = "check"
        report = pipe.check(pipe.build_loaded(loaded, out_dir=out))
        if fmt == "json":
            click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True))
        elif report.up_to_date:
            click.echo(f"{where.target}: up to date")
        else:
            click.echo(report.format())
        ctx.exit(EXIT_OK if report.up_to_date else EXIT_REFUSED)
    done = pipe.generate(
        loaded.answers,
        answers_yaml=stack_answers(loaded.answers, loaded.document, loaded.format),
        out_dir=out,
        force=force,
        scan=not no_scan,
        checkov=str(checkov) if checkov else None,
        observer=_Told(),
    )
    click.echo(_generation_text(done, fmt, answers_file))
    if done.report is not None and not done.report.ok:
        ctx.exit(EXIT_FINDINGS)


def _generation_text(done: Generation, fmt: str, answers_file: Path) -> str:
    """What `generate` prints on standard output, in the chosen format."""
    stack_plan, result, report, target = done.build.plan, done.written, done.report, done.build.target
    on = sum(1 for c in stack_plan.controls if c.enabled)
    if fmt == "sarif" and report is not None:
        return format_report(report, "sarif")
    if fmt == "json":
        payload = {
            "stack": str(target),
            "sensitivity": stack_plan.sensitivity,
            "controls": {"on": on, "off": len(stack_plan.controls) - on},
            "write": result.as_dict(),
            "scan": json.loads(format_report(report, "json")) if report else None,
        }
        return json.dumps(payload, indent=2, sort_keys=True)
    lines = [
        f"guardform {__version__}: {stack_plan.name} ({stack_plan.sensitivity} data) -> {target}",
        f"  controls: {on} on, {len(stack_plan.controls) - on} off  (guardform explain --answers "
        f"{answers_file} says why)",
    ]
    if result.changed:
        lines.append(
            f"  files: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.removed)} removed"
        )
    else:
        lines.append(f"  files: {target} is up to date; nothing written")
    lines.append(format_report(report, "text").rstrip() if report is not None else "  scan: skipped (--no-scan)")
    return "\n".join(lines)


@cli.command("scan")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@_checkov_option
@click.pass_context
def scan_cmd(ctx: click.Context, directory: Path, fmt: str, checkov: Path | None) -> None:
    """Scan any Terraform folder with checkov and guardform's own checks (CKV_GF_*)."""
    pipe = Pipeline()
    program = pipe.resolve_checkov(str(checkov) if checkov else None, _progress)
    report = pipe.scan_folder(directory, program, _progress)
    click.echo(format_report(report, fmt).rstrip())
    ctx.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@cli.command()
@click.option("--answers", "answers_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def explain(where: Where, answers_file: Path, fmt: str) -> None:
    """List every control, on or off, and the answer that decided it."""
    where.answers_file = answers_file
    pipe = Pipeline()
    stack_plan = pipe.plan(pipe.load(answers_file).answers)
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
        click.echo(
            json.dumps(
                {"stack": stack_plan.name, "sensitivity": stack_plan.sensitivity, "controls": listed, "skips": skips},
                indent=2,
            )
        )
        return
    from wizard.plan import MODULE_ORDER

    click.echo(
        f"{stack_plan.name} ({stack_plan.environment}): data is {stack_plan.sensitivity}"
        f"{stack_plan.tier_reason}; workloads: {', '.join(stack_plan.workloads)}"
    )
    for module in MODULE_ORDER:
        controls = [c for c in stack_plan.controls if c.module == module]
        if not controls:
            continue
        click.echo(f"\n{module}:")
        for c in controls:
            mark = "ON " if c.enabled else "off"
            checks = f"  [{', '.join(c.checks)}]" if c.checks and c.enabled else ""
            click.echo(f"  {mark} {c.title}{checks}")
            click.echo(f"      why: {c.reason}")
    if stack_plan.skips:
        click.echo("\ncheckov checks skipped where they do not apply:")
        for s in stack_plan.skips:
            click.echo(f"  {s.check_id} on {s.module}/{s.resource}: {s.reason}")
    _explain_cost(pipe, stack_plan, answers_file)


def _explain_cost(pipe: Pipeline, stack_plan: Any, answers_file: Path) -> None:
    from wizard.cost import format_summary

    click.echo(f"\ncost: {format_summary(pipe.estimate(stack_plan))}")
    click.echo(f"      at the stated usage defaults; guardform cost --answers {answers_file} lists every line")


@cli.command("cost")
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The answers file (YAML or JSON).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def cost_cmd(where: Where, answers_file: Path, fmt: str) -> None:
    """Estimate what the stack costs a month: every line item, its price and source, and the assumptions."""
    from wizard.cost import format_json, format_text

    where.answers_file = answers_file
    pipe = Pipeline()
    estimate = pipe.estimate(pipe.plan(pipe.load(answers_file).answers))
    click.echo((format_json if fmt == "json" else format_text)(estimate), nl=False)


@cli.command("report")
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The answers file (YAML or JSON).",
)
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
    click.echo(pipe.evidence(build.plan, build.digest, scan=scanned, fmt=fmt), nl=False)
    if scanned is not None and not scanned.ok:
        ctx.exit(EXIT_FINDINGS)


@cli.command()
@click.option("--answers", "answers_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
@_out_option
@click.pass_obj
def diff(where: Where, answers_file: Path, out: Path) -> None:
    """Show what regenerating from the answers would change in the stack folder (writes nothing)."""
    where.answers_file, where.action = answers_file, "diff"
    pipe = Pipeline()
    build = pipe.build_loaded(pipe.load(answers_file), out_dir=out)
    where.target = build.target
    text = pipe.diff(build)
    if text:
        click.echo(text, nl=False)
    else:
        click.echo(f"{build.target}: no changes", err=True)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the answers file (for editor validation)."""
    from wizard.answers import answers_json_schema

    click.echo(json.dumps(answers_json_schema(), indent=2))


def main() -> None:
    try:
        cli.main(prog_name="guardform", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("guardform: interrupted; nothing half-written was left behind.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
