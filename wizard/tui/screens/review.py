"""Step 7: every control of the plan, on or off and why; the files that will be written; the answers as YAML.

Recomputed each time the screen is shown, so it follows every change made on the earlier screens.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from wizard.tui import form as F
from wizard.tui.screens.base import WizardScreen
from wizard.tui.steps import STEPS, WizardStep
from wizard.tui.widgets.keybar import KeyBar
from wizard.tui.widgets.message import MessageLine
from wizard.tui.widgets.table import RowTable


class ReviewScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "generate", "Generate"),
        Binding("c", "tab('tab-controls')", "Controls"),
        Binding("f", "tab('tab-files')", "Files"),
        Binding("a", "tab('tab-answers')", "Answers"),
    ]

    def __init__(self, step: WizardStep) -> None:
        super().__init__(step)
        self.controls: list[Any] = []
        self.problem_steps: list[str] = []
        #: the Files tab: each path and what Generate would do to it (new, changed, unchanged, ...)
        self.file_marks: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("", id="review-summary", markup=False)
        yield OptionList(id="problems")
        with TabbedContent(id="review-tabs"):
            with TabPane("Controls", id="tab-controls"):
                yield RowTable(id="controls", cursor_type="row", zebra_stripes=False)
                yield Static("", id="control-detail", markup=False)
            with TabPane("Files", id="tab-files"), VerticalScroll(id="files-scroll"):
                yield Static("", id="files", markup=False)
            with TabPane("Answers", id="tab-answers"), VerticalScroll():
                yield Static("", id="answers-yaml", markup=False)
        with Horizontal(id="nav"):
            yield MessageLine()
            yield Button("‹ Back", id="back")
            yield Button("Generate ›", id="generate", variant="primary")
        yield KeyBar()

    #: below this width the table shows only on/off and the title (wrapped, so it is read in full);
    #: the reason and module of the highlighted control are in the panel below. Titles run to 120
    #: characters and reasons longer, so three columns need a wide terminal to be read without cuts
    NARROW = 140
    MODULE_WIDTH = 12

    def on_mount(self) -> None:
        super().on_mount()
        self.narrow: bool | None = None
        self.table_width: int | None = None
        self._set_columns()

    def on_resize(self) -> None:
        if self._set_columns() and self.controls:
            self._fill_controls()

    def _set_columns(self) -> bool:
        """Columns for the screen's width; True when they changed (or the width did)."""
        width = self.size.width
        narrow = width < self.NARROW
        if (narrow, width) == (self.narrow, self.table_width):
            return False
        self.narrow, self.table_width = narrow, width
        table = self.query_one("#controls", DataTable)
        table.clear(columns=True)
        table.add_column("On", key="on", width=3)
        # what is left of the width after the on/off column, the cells' padding and the scrollbar
        room = max(20, width - 12)
        if narrow:
            table.add_column("Control", key="title", width=room)
        else:
            room -= self.MODULE_WIDTH + 4
            table.add_column("Control", key="title", width=room // 2)
            table.add_column("Why", key="reason", width=room - room // 2)
            table.add_column("Module", key="module", width=self.MODULE_WIDTH)
        return True

    def on_screen_resume(self) -> None:
        self.refresh_review()

    # -- content -----------------------------------------------------------------------------------

    def refresh_review(self) -> None:
        answers, issues = F.validate(self.wizard.form)
        problems = self.query_one("#problems", OptionList)
        tabs = self.query_one("#review-tabs", TabbedContent)
        generate = self.query_one("#generate", Button)
        summary = self.query_one("#review-summary", Static)
        problems.clear_options()
        self.problem_steps = []
        plan, refusal = self.wizard.plan_or_refusal(answers)
        if plan is None:
            titles = {s.id: s.title for s in STEPS}
            for issue in issues:
                step = F.step_of(F.field_of(issue.field)) if issue.field else None
                where = titles.get(step, "Answers") if step else "Answers"
                label = f"{where} › {issue.field}: {issue.message}" if issue.field else f"{where}: {issue.message}"
                problems.add_option(Option(Content(label)))
                self.problem_steps.append(step or "project")
            if refusal is not None:
                # valid answers the plan cannot turn into a stack AWS accepts (a policy over its size limit):
                # the message names the answers that make it grow; Enter opens the access screen's step.
                problems.add_option(Option(Content(f"Answers: {refusal}")))
                self.problem_steps.append(F.step_of("access") or "project")
            count = len(issues) + (refusal is not None)
            summary.update(
                f"{count} answer(s) need attention before anything can be generated. "
                "Enter on a problem opens its screen."
            )
            problems.display = True
            problems.highlighted = 0
            tabs.display = False
            generate.disabled = True
            problems.focus()
            return
        problems.display = False
        tabs.display = True
        generate.disabled = False
        assert answers is not None
        self.controls = list(plan.controls)
        on = sum(1 for c in self.controls if c.enabled)
        target = self.wizard.display_path(self.wizard.stack_dir(answers))
        tier = plan.sensitivity + (
            f" (declared {plan.declared_sensitivity})" if plan.sensitivity != plan.declared_sensitivity else ""
        )
        summary.update(
            f"{plan.name} ({plan.environment}, {plan.region}) · {tier} data · {on} of {len(self.controls)} controls "
            f"on\nCost: {self._cost(plan)}\n"
            f"Generate writes {target}/ and scans it with checkov. {self.wizard.checkov_status}"
        )
        self._fill_controls()
        self._fill_files(answers, target)
        self.query_one("#answers-yaml", Static).update(self.wizard.answers_yaml(answers))
        tabs.get_tab("tab-controls").label = f"Controls ({on}/{len(self.controls)} on)"
        if not self.query_one("#controls", DataTable).has_focus:
            self.query_one("#controls", DataTable).focus()

    def _fill_controls(self) -> None:
        table = self.query_one("#controls", DataTable)
        row = table.cursor_row
        table.clear()
        for i, c in enumerate(self.controls):
            state = Text("on" if c.enabled else "off", style="bold" if c.enabled else "")
            if self.narrow:
                table.add_row(state, Text(c.title), key=str(i), height=None)
            else:
                table.add_row(state, Text(c.title), Text(c.reason), Text(c.module), key=str(i), height=None)
        if self.controls:
            table.move_cursor(row=min(max(row, 0), len(self.controls) - 1))
            self._show_control(table.cursor_row)

    @staticmethod
    def _cost(plan: Any) -> str:
        from wizard.cost import estimate, format_summary

        est = estimate(plan)
        given = sum(1 for _, _, mine in est.inputs if mine)
        # the inputs the answers file's usage: section gave (the wizard does not ask them); else all defaults
        return format_summary(est) + (f"; usage: {given} of {len(est.inputs)} inputs from the file" if given else "")

    def _fill_files(self, answers: Any, target: str) -> None:
        """What Generate would do to each file, from the pipeline's own check and diff (nothing is written)."""
        from wizard.errors import GuardformError
        from wizard.output import MANIFEST_NAME
        from wizard.tui.screens.generate import safe_lines

        app = self.wizard
        lines: list[str] = []
        try:
            build = app.pipeline.build(answers, answers_yaml=app.answers_yaml(answers), out_dir=app.out_dir)
            report = app.pipeline.check(build)
        except GuardformError as exc:
            self.file_marks = {}
            self.query_one("#files", Static).update(f"{target}/: cannot compare with the folder on disk: {exc}")
            return
        hand = {f.split(" ", 1)[0] for r in report.reasons if r.category == "hand edit" for f in r.files}
        marks: dict[str, str] = {}
        for path in [*sorted(build.files), MANIFEST_NAME]:
            on_disk = (build.target / path).is_file()
            if path in hand:
                marks[path] = "edited by hand (stops the write)"
            elif path in report.diffs or (path == MANIFEST_NAME and not report.up_to_date):
                marks[path] = "changed" if on_disk else "new"
            else:
                marks[path] = "unchanged" if on_disk else "new"
        self.file_marks = marks
        counts = {k: sum(1 for m in marks.values() if m == k) for k in ("new", "changed", "unchanged")}
        lines.append(f"modules: {', '.join(build.plan.modules)}")
        lines.append(
            f"{target}/   ({len(marks)} files: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged" + (f", {len(hand)} edited by hand" if hand else "") + ")"
        )
        lines.append("")
        width = max(len(p) for p in marks)
        lines += [f"  {p.ljust(width)}  {m}" for p, m in marks.items()]
        lines += [
            "",
            "The folder is replaced in one step when everything is ready; files you added beside these are",
            "kept. A generated file you changed by hand stops the write, and you choose whether to overwrite it.",
        ]
        if app.answers_path is not None:
            lines.append(f"Your answers are also saved back to {app.display_path(app.answers_path)}.")
        diff = "".join(report.diffs[p] for p in sorted(report.diffs) if (build.target / p).is_file())
        if diff:
            lines += ["", "What Generate changes in the files on disk:", "", safe_lines(diff)]
        self.query_one("#files", Static).update("\n".join(lines))

    @on(DataTable.RowHighlighted, "#controls")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_control(event.cursor_row)

    def _show_control(self, index: int) -> None:
        if not 0 <= index < len(self.controls):
            return
        c = self.controls[index]
        checks = ", ".join(c.checks) if c.checks else "none (verified by the plan tests)"
        # narrow, the title is in full in the table row above (wrapped): the panel gives what the row lacks
        head = "" if self.narrow else f"{'ON ' if c.enabled else 'OFF'} {c.title}\n"
        self.query_one("#control-detail", Static).update(
            f"{head}why: {c.reason}\nmodule: {c.module} · checks: {checks}"
        )

    # -- actions -----------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#problems")
    def _problem_selected(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.problem_steps):
            self.wizard.go_to_step(self.problem_steps[event.option_index])

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#generate")
    def _generate_pressed(self) -> None:
        self.action_generate()

    def action_tab(self, pane: str) -> None:
        tabs = self.query_one("#review-tabs", TabbedContent)
        if tabs.display:
            tabs.active = pane

    def action_generate(self) -> None:
        answers, _issues = F.validate(self.wizard.form)
        if answers is None:
            self.notify("Fix the answers listed first.", severity="warning")
            return
        self.wizard.go_next(self.wizard_step.id)
