"""The command line: wires answers → plan → render → write → scan. No decisions live here.

Exit codes: 0 ok, 1 scan findings, 2 bad usage or bad answers, 3 refused (drift or a stale tree).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from wizard import __version__

if TYPE_CHECKING:
    from wizard.answers import LoadedAnswers
    from wizard.plan import Plan
    from wizard.scan import ScanReport

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
DEFAULT_OUT = Path("modules_out")


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _progress(message: str) -> None:
    click.echo(message, err=True)


def load(answers_file: Path) -> LoadedAnswers:
    """Load and validate an answers file, or exit 2 with every problem listed."""
    from wizard.answers import AnswersError, load_answers

    try:
        return load_answers(answers_file)
    except AnswersError as exc:
        count = len(exc.issues)
        header = f"guardform: {answers_file} has {count} problem{'s' if count != 1 else ''}; nothing was written."
        _fail(header + "\n" + exc.format())


def build(loaded: LoadedAnswers) -> tuple[Plan, dict[str, str]]:
    """Plan and render: the pure middle of the pipeline."""
    from wizard.answers import stack_answers_yaml
    from wizard.plan import plan
    from wizard.render import RenderError, render

    stack_plan = plan(loaded.answers)
    answers_yaml = stack_answers_yaml(loaded.answers, loaded.document, loaded.format)
    try:
        return stack_plan, render(stack_plan, answers_yaml)
    except RenderError as exc:
        _fail(
            f"guardform: could not render the stack; nothing was written. This is a bug in guardform "
            f"{__version__}, please report it with your answers file.\n  {exc}"
        )


def resolve(checkov: str | None, progress: Callable[[str], None] = _progress) -> Path:
    """The checkov program to run, or exit 2 saying why there is none."""
    from wizard.scan import ScanError, resolve_checkov

    try:
        return resolve_checkov(checkov, progress)
    except ScanError as exc:
        _fail(f"guardform: the scan could not run: {exc}")


def _scanned(run: Callable[[], ScanReport]) -> ScanReport:
    from wizard.scan import ScanError

    try:
        return run()
    except ScanError as exc:
        _fail(f"guardform: the scan could not run: {exc}")


def format_report(report: ScanReport, fmt: str) -> str:
    from wizard.scan import format_json, format_sarif, format_text

    return {"text": format_text, "json": format_json, "sarif": format_sarif}[fmt](report)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder the stack is written under (<out>/<project name>/).",
)
def wizard_cmd(answers_file: Path | None, out: Path) -> None:
    """Answer the questions in an interactive terminal wizard, review every control, generate and scan."""
    if answers_file is not None and not answers_file.exists():
        _fail(f"guardform: {answers_file}: no such file")
    from wizard.tui.app import run_wizard

    sys.exit(run_wizard(answers_file, out))


@cli.command()
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The answers file (YAML or JSON).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder the stack is written under (<out>/<project name>/).",
)
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
@click.option(
    "--checkov",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="checkov program to use (default: $GUARDFORM_CHECKOV, PATH, else a managed install).",
)
def generate(
    answers_file: Path, out: Path, force: bool, check: bool, no_scan: bool, fmt: str, checkov: Path | None
) -> None:
    """Render the hardened stack for an answers file, write it, and scan it with checkov."""
    from wizard.answers import answers_digest
    from wizard.output import DriftError, OutputError, check_stack, write_stack

    if force and check:
        _fail("guardform: --force and --check cannot be used together")
    loaded = load(answers_file)
    for notice in loaded.notices:
        _progress(f"guardform: {notice}")
    stack_plan, files = build(loaded)
    target = out / stack_plan.name
    digest = answers_digest(loaded.answers)

    if check:
        try:
            report = check_stack(files, target, __version__, digest)
        except OutputError as exc:
            _fail(f"guardform: cannot check {target}: {exc}", EXIT_REFUSED)
        if fmt == "json":
            click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True))
        elif report.up_to_date:
            click.echo(f"{target}: up to date")
        else:
            click.echo(report.format())
        sys.exit(EXIT_OK if report.up_to_date else EXIT_REFUSED)

    try:
        result = write_stack(files, target, __version__, digest, force=force, progress=_progress)
    except DriftError as exc:
        _fail(exc.format(), EXIT_REFUSED)
    except OutputError as exc:
        _fail(f"guardform: refused to write {target}: {exc}", EXIT_REFUSED)
    except ValueError as exc:
        _fail(f"guardform: internal error, a generated path is unsafe: {exc}", EXIT_USAGE)
    for original, kept in result.kept:
        _progress(f"guardform: kept your edited {original} as {target / kept}")
    for warning in result.warnings:
        _progress(f"guardform: warning: {warning}")

    scan_report = None
    if not no_scan:
        from wizard.scan import scan_files

        executable = resolve(str(checkov) if checkov else None)
        scan_report = _scanned(lambda: scan_files(files, checkov=executable, progress=_progress))
    on = sum(1 for c in stack_plan.controls if c.enabled)
    if fmt == "sarif":
        if scan_report is None:
            _fail("guardform: --format sarif needs the scan; drop --no-scan")
        click.echo(format_report(scan_report, "sarif"))
    elif fmt == "json":
        payload = {
            "stack": str(target),
            "sensitivity": stack_plan.sensitivity,
            "controls": {"on": on, "off": len(stack_plan.controls) - on},
            "write": result.as_dict(),
            "scan": json.loads(format_report(scan_report, "json")) if scan_report else None,
        }
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
    else:
        created, updated = len(result.created), len(result.updated)
        click.echo(f"guardform {__version__}: {stack_plan.name} ({stack_plan.sensitivity} data) -> {target}")
        click.echo(
            f"  controls: {on} on, {len(stack_plan.controls) - on} off  (guardform explain --answers "
            f"{answers_file} says why)"
        )
        if result.changed:
            click.echo(
                f"  files: {created} created, {updated} updated, {len(result.unchanged)} unchanged, "
                f"{len(result.removed)} removed"
            )
        else:
            click.echo(f"  files: {target} is up to date; nothing written")
        if scan_report is not None:
            click.echo(format_report(scan_report, "text").rstrip())
        else:
            click.echo("  scan: skipped (--no-scan)")
    if scan_report is not None and not scan_report.ok:
        sys.exit(EXIT_FINDINGS)


@cli.command("scan")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option(
    "--checkov",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="checkov program to use (default: $GUARDFORM_CHECKOV, PATH, else a managed install).",
)
def scan_cmd(directory: Path, fmt: str, checkov: Path | None) -> None:
    """Scan any Terraform folder with checkov and guardform's own checks (CKV_GF_*)."""
    from wizard.scan import guardform_checks_dir, scan

    executable = resolve(str(checkov) if checkov else None)
    report = _scanned(
        lambda: scan(directory, checkov=executable, external_checks_dirs=[guardform_checks_dir()], progress=_progress)
    )
    click.echo(format_report(report, fmt).rstrip())
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@cli.command()
@click.option("--answers", "answers_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(answers_file: Path, fmt: str) -> None:
    """List every control, on or off, and the answer that decided it."""
    from wizard.plan import MODULE_ORDER, plan

    stack_plan = plan(load(answers_file).answers)
    if fmt == "json":
        controls = [
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
                {"stack": stack_plan.name, "sensitivity": stack_plan.sensitivity, "controls": controls, "skips": skips},
                indent=2,
            )
        )
        return
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


@cli.command()
@click.option("--answers", "answers_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True)
def diff(answers_file: Path, out: Path) -> None:
    """Show what regenerating from the answers would change in the stack folder (writes nothing)."""
    from wizard.output import OutputError, diff_stack

    stack_plan, files = build(load(answers_file))
    try:
        text = diff_stack(files, out / stack_plan.name)
    except OutputError as exc:
        _fail(f"guardform: cannot diff {out / stack_plan.name}: {exc}", EXIT_REFUSED)
    if text:
        click.echo(text, nl=False)
    else:
        click.echo(f"{out / stack_plan.name}: no changes", err=True)


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
