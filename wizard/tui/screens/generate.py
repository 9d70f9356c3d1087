"""Step 8: render, write and scan in a worker thread, with every stage on screen; then checkov's results.

The worker runs the headless pipeline (``Pipeline.generate`` in wizard/pipeline.py) and hears each stage
through an observer that posts typed messages (:class:`StageChanged`, :class:`StackWritten`,
:class:`ScanFinished`, :class:`Failed`, plus progress lines) to this screen, which renders them on the UI
thread. Nothing reaches the stack folder until ``write_stack`` swaps the complete new folder in; a render
error or a refusal (hand edits) leaves the disk as it was.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from wizard.pipeline import Build, Observer, Stage, save_answers_file
from wizard.tui import form as F
from wizard.tui.screens.base import WizardScreen
from wizard.tui.steps import WizardStep
from wizard.tui.widgets.keybar import KeyBar
from wizard.tui.widgets.message import MessageLine
from wizard.tui.widgets.table import RowTable

if TYPE_CHECKING:  # pragma: no cover
    from wizard.output import DriftError, WriteResult
    from wizard.plan import Plan
    from wizard.scan import ScanReport


def safe(text: object) -> str:
    """Text from scanned files or checkov for the screen: control and escape sequences made visible
    (``wizard.scan.terminal_safe``); the widgets showing it take it as plain text, never as markup."""
    from wizard.scan import terminal_safe

    return terminal_safe(str(text))


def safe_lines(text: str) -> str:
    """:func:`safe` for each line of ``text`` (a diff): its line breaks kept, everything else made inert."""
    return "\n".join(safe(line) for line in text.splitlines())


#: The pipeline's stages as this screen lists them.
STAGES: tuple[tuple[Stage, str], ...] = (
    (Stage.PLAN, "Check the answers and decide the controls"),
    (Stage.RENDER, "Render the Terraform"),
    (Stage.WRITE, "Write the stack folder (all at once)"),
    (Stage.CHECKOV, "Get checkov ready"),
    (Stage.SCAN, "Scan the stack with checkov"),
)
MARKS = {"waiting": "·", "running": "▶", "done": "✓", "failed": "✗", "skipped": "-"}


# -- what the worker tells the screen --------------------------------------------------------------


class StageChanged(Message):
    """A stage started (``running``) or finished (``done``), with a line of detail."""

    def __init__(self, stage: Stage, state: str, detail: str | None = None) -> None:
        super().__init__()
        self.stage, self.state, self.detail = stage, state, detail


class Progressed(Message):
    """A progress line from a long stage (provisioning or running checkov)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AnswersNotSaved(Message):
    """The stack is written but the user's answers file could not be saved back."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__()
        self.path, self.error = path, error


class StackWritten(Message):
    """The stack folder is written; ``saved`` lists where the answers are now."""

    def __init__(self, result: WriteResult, saved: list[Path], snapshot: dict[str, Any]) -> None:
        super().__init__()
        self.result, self.saved, self.snapshot = result, saved, snapshot


class ScanFinished(Message):
    """checkov's findings for the written stack."""

    def __init__(self, report: ScanReport) -> None:
        super().__init__()
        self.report = report


class Failed(Message):
    """A stage raised ``error``; the stages after it did not run."""

    def __init__(self, stage: Stage, error: Exception) -> None:
        super().__init__()
        self.stage, self.error = stage, error


class _Cancelled(Exception):
    pass


@dataclass(frozen=True, kw_only=True)
class Job:
    answers: Any
    stack_yaml: str
    answers_path: Path | None
    answers_file_text: str | None
    out_dir: Path
    target: Path
    force: bool
    snapshot: dict[str, Any]


class _Relay(Observer):
    """Runs on the worker thread: turns what the pipeline does into messages for the screen, and stops the
    pipeline (by raising) once the worker is cancelled or the app has closed."""

    def __init__(self, screen: GenerateScreen, worker: Worker[None], job: Job) -> None:
        self.screen, self.worker, self.job = screen, worker, job
        self.current = Stage.PLAN

    def post(self, message: Message) -> None:
        if self.worker.is_cancelled:
            raise _Cancelled
        try:
            self.screen.post_message(message)
        except RuntimeError:  # the app has closed its event loop
            raise _Cancelled from None

    def stage(self, stage: Stage) -> None:
        self.current = stage
        self.post(StageChanged(stage, "running"))

    def progress(self, message: str) -> None:
        self.post(Progressed(message))

    def planned(self, plan: Plan) -> None:
        on = sum(1 for c in plan.controls if c.enabled)
        self.post(StageChanged(Stage.PLAN, "done", f"{on} of {len(plan.controls)} controls on"))

    def rendered(self, files: Mapping[str, str]) -> None:
        self.post(StageChanged(Stage.RENDER, "done", f"{len(files)} files"))

    def written(self, build: Build, result: WriteResult) -> None:
        from wizard.render import ANSWERS_FILE

        job = self.job
        saved = [build.target / ANSWERS_FILE]
        if job.answers_path is not None and job.answers_file_text is not None:
            try:
                save_answers_file(job.answers_path, job.answers_file_text)
                saved.append(job.answers_path)
            except OSError as exc:
                self.post(AnswersNotSaved(job.answers_path, exc))
        self.post(StackWritten(result, saved, job.snapshot))

    def checkov_found(self, checkov: Path) -> None:
        self.post(StageChanged(Stage.CHECKOV, "done", str(checkov)))

    def scanned(self, report: ScanReport) -> None:
        self.post(ScanFinished(report))


class GenerateScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "finish", "Finish"),
        Binding("f", "results('tab-failed')", "Failed"),
        Binding("s", "results('tab-skipped')", "Skipped"),
        Binding("p", "results('tab-passed')", "Passed"),
        Binding("e", "results('tab-errors')", "Errors"),
    ]

    def __init__(self, step: WizardStep) -> None:
        super().__init__(step)
        self.running = False
        self.state = dict.fromkeys((s.value for s, _ in STAGES), "waiting")
        self.detail: dict[str, str] = {}
        self.job: Job | None = None
        self.report: Any = None
        self.write_result: Any = None
        self.saved: list[Path] = []
        self.findings: dict[str, list[Any]] = {"failed": [], "skipped": [], "passed": []}
        self.written = False
        #: set to stop a running scan (quitting the wizard, or this screen going away)
        self.cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="gen-top"):
            yield Static("", id="steps", markup=False)
            yield ProgressBar(total=len(STAGES), show_eta=False, id="progress")
            yield Static("", id="status", markup=False)
            yield Static("", id="problem", markup=False)
        with Horizontal(id="problem-actions"):
            yield Button("Overwrite and keep my copy as .orig", id="force", variant="warning")
            yield Button("Try again", id="retry")
        yield Static("", id="scan-summary", markup=False)
        with TabbedContent(id="results"):
            for kind in ("failed", "skipped", "passed"):
                with TabPane(kind.capitalize(), id=f"tab-{kind}"):
                    yield RowTable(id=f"table-{kind}", cursor_type="row")
            with TabPane("Errors", id="tab-errors"), VerticalScroll():
                yield Static("", id="scan-errors", markup=False)
        yield Static("", id="finding", markup=False)
        with Horizontal(id="nav"):
            yield MessageLine()
            yield Button("‹ Back", id="back")
            yield Button("Finish ›", id="finish", variant="primary", disabled=True)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        for kind in ("failed", "skipped", "passed"):
            table = self.query_one(f"#table-{kind}", DataTable)
            table.add_column("Check", key="check")
            table.add_column("Where", key="where")
            table.add_column("Resource", key="resource")
            if kind == "skipped":
                table.add_column("Why skipped", key="why")
        self.start(force=False)

    # -- running -----------------------------------------------------------------------------------

    def start(self, *, force: bool) -> None:
        app = self.wizard
        answers, issues = F.validate(app.form)
        self._reset()
        if answers is None:
            self._set(Stage.PLAN.value, "failed")
            self._problem("The answers are not valid:\n" + "\n".join(f"  {i.field}: {i.message}" for i in issues))
            return
        self.job = Job(
            answers=answers,
            stack_yaml=app.answers_yaml(answers),
            answers_path=app.answers_path,
            answers_file_text=app.answers_file_text(answers) if app.answers_path is not None else None,
            out_dir=app.out_dir,
            target=app.stack_dir(answers),
            force=force,
            snapshot=F.form_to_data(app.form),
        )
        self.cancel = threading.Event()
        self.running = True
        app.generating = True
        self._status(f"Generating {app.display_path(self.job.target)}/ …")
        self._work(self.job)

    def _reset(self) -> None:
        self.state = dict.fromkeys((s.value for s, _ in STAGES), "waiting")
        self.detail = {}
        self.report = None
        self.refresh_bindings()
        self.write_result = None
        self.written = False
        self.saved = []
        self.query_one("#gen-top").display = True
        self.query_one("#steps").display = True
        self.query_one("#progress", ProgressBar).update(progress=0)
        self.query_one("#progress").display = True
        self.query_one("#problem", Static).update("")
        self.query_one("#problem").display = False
        self.query_one("#problem-actions").display = False
        self.query_one("#scan-summary").display = False
        self.query_one("#results").display = False
        self.query_one("#finding").display = False
        self._allow_finish(False)
        self._render_steps()

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def _work(self, job: Job) -> None:
        from wizard.scan import ScanCancelled

        worker: Worker[None] = get_current_worker()
        relay = _Relay(self, worker, job)
        try:
            self.wizard.pipeline.generate(
                job.answers,
                answers_yaml=job.stack_yaml,
                out_dir=job.out_dir,
                force=job.force,
                find_checkov=lambda progress: self._get_checkov(worker, progress),
                observer=relay,
                cancel=self.cancel,
            )
        except _Cancelled:
            return
        except ScanCancelled:
            return
        except Exception as exc:
            with contextlib.suppress(_Cancelled):
                relay.post(Failed(relay.current, exc))

    def _get_checkov(self, worker: Worker[None], progress: Callable[[str], None]) -> Path:
        app = self.wizard
        thread = app.prewarm_thread
        if thread is not None:
            if thread.is_alive():
                progress("Waiting for checkov, which was started in the background…")
            while thread.is_alive():
                thread.join(0.2)
                if worker.is_cancelled or self.cancel.is_set():
                    raise _Cancelled
            warm: Path | None = getattr(thread, "checkov", None)
            if warm is not None:
                return warm
        return app.pipeline.resolve_checkov(app.checkov, progress)

    # -- messages from the worker (UI thread) ------------------------------------------------------

    @on(StageChanged)
    def _stage_changed(self, message: StageChanged) -> None:
        self._set(message.stage.value, message.state, message.detail)

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        self._status(message.text)

    @on(AnswersNotSaved)
    def _answers_not_saved(self, message: AnswersNotSaved) -> None:
        self._warn(f"Could not save {message.path}: {message.error}")

    @on(StackWritten)
    def _stack_written(self, message: StackWritten) -> None:
        self._written(message.result, message.saved, message.snapshot)

    @on(ScanFinished)
    def _scan_finished(self, message: ScanFinished) -> None:
        self._scanned(message.report)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        from wizard.output import DriftError
        from wizard.scan import ScanError

        stage, exc = message.stage, message.error
        if stage is Stage.WRITE and isinstance(exc, DriftError):
            self._drift(exc)
            return
        if stage is Stage.RENDER:
            text = f"Rendering failed, so nothing was written.\n{type(exc).__name__}: {exc}"
        elif stage is Stage.WRITE:
            text = f"Writing failed; the folder was left as it was.\n{type(exc).__name__}: {exc}"
        else:
            what = "checkov could not run" if isinstance(exc, ScanError) else f"{type(exc).__name__}"
            after = ""
            if stage in (Stage.CHECKOV, Stage.SCAN) and self.job is not None:
                after = (
                    " The stack is written; scan it later with `guardform scan "
                    f"{self.wizard.display_path(self.job.target)}`."
                )
            text = f"{what}:{after}\n{exc}"
        self._fail(stage.value, text)

    # -- UI updates (UI thread) --------------------------------------------------------------------

    def _render_steps(self) -> None:
        lines = []
        for stage, title in STAGES:
            state = self.state[stage.value]
            text = f" {MARKS[state]} {title}"
            if stage.value in self.detail:
                text += f" — {self.detail[stage.value]}"
            lines.append(text)
        self.query_one("#steps", Static).update("\n".join(lines))
        done = sum(1 for s in self.state.values() if s == "done")
        self.query_one("#progress", ProgressBar).update(progress=done)

    def _set(self, step: str, state: str, detail: str | None = None) -> None:
        self.state[step] = state
        if detail:
            self.detail[step] = detail
        self._render_steps()

    def _status(self, message: str) -> None:
        status = self.query_one("#status", Static)
        status.update(message)
        status.display = bool(message)

    def _warn(self, message: str) -> None:
        self.notify(message, severity="warning", timeout=8, markup=False)

    def _problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(text)
        problem.display = True

    def _allow_finish(self, allowed: bool) -> None:
        """Finish (button and Ctrl+N) only once something was written."""
        self.query_one("#finish", Button).disabled = not allowed
        self.refresh_bindings()

    def _finish_run(self) -> None:
        self.running = False
        self.wizard.generating = False

    def _fail(self, step: str, message: str) -> None:
        self._set(step, "failed")
        for s in self.state:
            if self.state[s] == "waiting":
                self.state[s] = "skipped"
        self._render_steps()
        self._status("")
        self._problem(message)
        actions = self.query_one("#problem-actions")
        actions.display = True
        self.query_one("#force").display = False
        self._allow_finish(self.written)
        self.wizard.exit_code = 1 if self.written else self.wizard.exit_code
        self._finish_run()
        self.query_one("#retry", Button).focus()

    def _drift(self, exc: DriftError) -> None:
        self._set("write", "failed", "stopped: files changed by hand")
        for s in ("checkov", "scan"):
            self.state[s] = "skipped"
        self._render_steps()
        self._status("")
        target = self.wizard.display_path(self.job.target) if self.job else str(exc.out_dir)
        width = max(len(i.path) for i in exc.items)
        lines = [
            f"Nothing was written: {len(exc.items)} file(s) in {target}/ changed since guardform wrote them.",
            *(f"  {i.path.ljust(width)}  {i.problem}" for i in exc.items),
            "",
            "guardform rewrites these files every time; to keep a change, change the answers instead.",
            "Overwrite writes the new stack and keeps each of your files beside it as FILE.orig.",
            "",
            "What Overwrite would change (your file → the new one):",
        ]
        diff = safe_lines("".join(i.diff for i in exc.items))
        self._problem("\n".join(lines) + "\n" + (diff or "  (no difference in content)"))
        self.query_one("#problem-actions").display = True
        self.query_one("#force").display = True
        self._allow_finish(False)
        self._finish_run()
        self.query_one("#force", Button).focus()
        # the refusal and its diff, not the stage list, is what the user reads now (the box scrolls)
        self.call_after_refresh(
            lambda: self.query_one("#gen-top").scroll_to_widget(self.query_one("#problem"), top=True)
        )

    def _written(self, result: Any, saved: list[Path], snapshot: dict[str, Any]) -> None:
        self.write_result = result
        self.written = True
        self.saved = saved
        self.wizard.mark_saved(snapshot)
        self.wizard.last_generation = self
        if result.changed:
            detail = (
                f"{len(result.created)} new, {len(result.updated)} updated, {len(result.removed)} removed, "
                f"{len(result.unchanged)} unchanged"
            )
        else:
            detail = f"already up to date ({len(result.unchanged)} files unchanged)"
        if result.kept_as_orig:
            detail += f"; your edits kept as {', '.join(result.kept_as_orig)}"
        self._set("write", "done", detail)
        for warning in result.warnings:  # the stack is written; something beside it needs the user's eye
            self._warn(safe(warning))
        self._allow_finish(True)

    def _scanned(self, report: Any) -> None:
        self.report = report
        self.refresh_bindings()
        self._set("scan", "done", "no failed checks" if report.ok else "problems found")
        self._finish_run()
        self.wizard.exit_code = 0 if report.ok else 1
        self._status("")
        self.query_one("#gen-top").display = False
        target = self.wizard.display_path(self.job.target) if self.job else ""
        summary = (
            f"✓ Wrote {target}/ ({self.detail.get('write', '')}).\n"
            f"checkov {report.checkov_version}: {len(report.passed)} passed, {len(report.failed)} failed, "
            f"{len(report.skipped)} skipped, {report.resource_count} resources"
        )
        if report.parse_errors or report.check_errors:
            summary += f", {len(report.parse_errors)} parse errors, {len(report.check_errors)} check errors"
        summary += " — " + ("PASSED" if report.ok else "FAILED")
        if report.notes:
            summary += "\n" + "\n".join(f"note: {safe(n)}" for n in report.notes)
        if self.write_result is not None and self.write_result.warnings:
            summary += "\n" + "\n".join(f"warning: {safe(w)}" for w in self.write_result.warnings)
        self.query_one("#scan-summary", Static).update(summary)
        self.query_one("#scan-summary").display = True
        self.findings = {"failed": list(report.failed), "skipped": list(report.skipped), "passed": list(report.passed)}
        tabs = self.query_one("#results", TabbedContent)
        tabs.display = True
        for kind, items in self.findings.items():
            table = self.query_one(f"#table-{kind}", DataTable)
            table.clear()
            for i, f in enumerate(items):
                row = [Text(safe(f.check_id)), Text(safe(f.location)), Text(safe(f.resource))]
                if kind == "skipped":
                    row.append(Text(safe(f.skip_reason or "(no reason given)")))
                table.add_row(*row, key=str(i))
            tabs.get_tab(f"tab-{kind}").label = f"{kind.capitalize()} ({len(items)})"
        errors = [
            *(f"parse error: {safe(p)}" for p in report.parse_errors),
            *(f"check error: {safe(e)}" for e in report.check_errors),
        ]
        self.query_one("#scan-errors", Static).update("\n".join(errors) or "none")
        tabs.get_tab("tab-errors").label = f"Errors ({len(errors)})"
        tabs.show_tab("tab-errors") if errors else tabs.hide_tab("tab-errors")
        first = "errors" if errors and not report.failed else ("failed" if report.failed else "skipped")
        if first == "skipped" and not report.skipped:
            first = "passed"
        tabs.active = f"tab-{first}"
        self.query_one("#finding").display = True
        if first != "errors":
            table = self.query_one(f"#table-{first}", DataTable)
            table.focus()
            self._show_finding(first, table.cursor_row)
        else:
            self.query_one("#finish", Button).focus()

    # -- findings ----------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _row(self, event: DataTable.RowHighlighted) -> None:
        kind = (event.data_table.id or "").removeprefix("table-")
        if self.query_one("#results", TabbedContent).active == f"tab-{kind}":
            self._show_finding(kind, event.cursor_row)

    @on(TabbedContent.TabActivated, "#results")
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        kind = (event.pane.id or "").removeprefix("tab-")
        if kind in self.findings:
            self._show_finding(kind, self.query_one(f"#table-{kind}", DataTable).cursor_row)

    def _show_finding(self, kind: str, index: int) -> None:
        items = self.findings.get(kind, [])
        panel = self.query_one("#finding", Static)
        if not 0 <= index < len(items):
            panel.update("No findings of this kind." if not items else "")
            return
        f = items[index]
        lines = [
            f"{f.result.upper()} {safe(f.check_id)}: {safe(f.check_name)}",
            f"resource: {safe(f.resource)}",
            f"file: {safe(f.location)}",
        ]
        if f.skip_reason is not None or f.result == "skipped":
            lines.append(f"why skipped: {safe(f.skip_reason or '(no reason given)')}")
        if f.guideline:
            lines.append(f"guide: {safe(f.guideline)}")
        if f.result == "failed":
            lines += self._snippet(f)
        panel.update(Text("\n".join(lines)))

    def _snippet(self, finding: Any) -> list[str]:
        if self.job is None or finding.lines[0] <= 0:
            return []
        path = self.job.target / finding.file
        try:
            text = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        start, end = finding.lines
        end = max(end, start)
        shown = text[start - 1 : min(end, start + 11)]
        out = [f"{n:>5} │ {safe(line)}" for n, line in enumerate(shown, start)]
        if end > start + 11:
            out.append("      │ …")
        return out

    # -- navigation --------------------------------------------------------------------------------

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#finish")
    def _finish_pressed(self) -> None:
        self.action_finish()

    @on(Button.Pressed, "#force")
    def _force_pressed(self) -> None:
        self.start(force=True)

    @on(Button.Pressed, "#retry")
    def _retry_pressed(self) -> None:
        self.start(force=False)

    def stop(self) -> None:
        """Stop a running scan (checkov is killed within a fraction of a second); a write is let finish."""
        self.cancel.set()

    def on_unmount(self) -> None:
        self.stop()

    def action_back(self) -> None:
        if self.running:
            self.notify(
                "Generation is running. The folder is replaced only when everything is written.", severity="warning"
            )
            return
        super().action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "finish":  # dimmed on the key row until the stack is written
            return None if self.running or not self.written else True
        if action == "results":  # the result tabs' keys show once there are results
            if self.report is None:
                return False
            return parameters[0] != "tab-errors" or bool(self.report.parse_errors or self.report.check_errors)
        return True

    def action_results(self, pane: str) -> None:
        tabs = self.query_one("#results", TabbedContent)
        tabs.active = pane
        kind = pane.removeprefix("tab-")
        if kind in self.findings:
            self.query_one(f"#table-{kind}", DataTable).focus()

    def action_finish(self) -> None:
        if self.running or not self.written:
            return
        self.wizard.go_next(self.wizard_step.id)
