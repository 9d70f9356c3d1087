"""What every wizard screen shares, and the form screen the six question screens are made of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import DescendantBlur, ScreenResume
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Static

from wizard.tui import form as F
from wizard.tui.steps import WizardStep
from wizard.tui.widgets.fields import FormField, make_field
from wizard.tui.widgets.keybar import KeyBar
from wizard.tui.widgets.message import MessageLine
from wizard.tui.widgets.stepper import Stepper

if TYPE_CHECKING:
    from wizard.tui.app import WizardApp


def is_missing(message: str) -> bool:
    """The model's word for a question left empty (shown only once the user tried to go on)."""
    return message in ("is required", "must list at least one value")


class WizardScreen(Screen[Any]):
    """Header, step row, key row; Esc goes back. Built for one step of the registry (wizard/tui/steps.py)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, step: WizardStep) -> None:
        super().__init__(id=step.screen_id)
        self.wizard_step = step

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.sub_title = self.wizard_step.title

    @on(ScreenResume)
    def _switch_settled(self) -> None:
        self.wizard.switch_settled()

    def compose_top(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Stepper(self.wizard_step.id)

    def action_back(self) -> None:
        self.wizard.go_back()


class FormScreen(WizardScreen):
    """One group of questions (``form.py`` holds them per step). Values go into the app's form dict as
    they change; "Next" asks the answers model and stays here while a question on this screen has a problem."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
    ]

    def __init__(self, step: WizardStep) -> None:
        super().__init__(step)
        self.step = F.step(step.id)
        #: questions whose problems are on show (blurred once, or after a "Next")
        self.shown: set[str] = set()
        #: the user tried to go on from here (Next, or opened from a problem): "is required" shows too;
        #: before that, leaving a question empty is not yet a mistake
        self.tried = False

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="form", classes="form-scroll"):
            yield Static(self.step.intro, classes="intro", markup=False)
            yield Static("", id="section-errors", markup=False)
            for question in self.step.questions:
                yield make_field(question, self.wizard.form)
            yield from self.compose_extra()
        with Horizontal(id="nav"):
            yield MessageLine()
            yield Button("‹ Back", id="back")
            yield Button("Next ›", id="next", variant="primary")
        yield KeyBar()

    def compose_extra(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_visibility()
        if self.wizard.show_problems_on_arrival:
            self.shown = {q.path for q in self.step.questions}
            self.tried = True
        self.refresh_problems()
        self.focus_first()

    def reveal_all(self) -> None:
        """Show the form's current values and every problem (opened from a problem on the review)."""
        for f in self.fields():
            f.set_value(F.get(self.wizard.form, f.path))
        self.refresh_visibility()
        self.on_form_changed()
        self.shown = {q.path for q in self.step.questions}
        self.tried = True
        problems = self.refresh_problems()
        first = next((f for f in self.fields() if f.path in problems and f.display), None)
        if first is not None:
            first.focus_control()
            first.scroll_visible()

    def focus_first(self) -> None:
        for f in self.fields():
            if f.display:
                f.focus_control()
                return

    def fields(self) -> list[FormField]:
        return list(self.query(FormField))

    def field(self, path: str) -> FormField:
        return self.query_one(f"#{F.questions()[path].widget_id}", FormField)

    # -- changes -----------------------------------------------------------------------------------

    @on(FormField.Changed)
    def _field_changed(self, event: FormField.Changed) -> None:
        if F.get(self.wizard.form, event.field.path) == event.value:
            return
        F.put(self.wizard.form, event.field.path, event.value)
        self.refresh_visibility()
        self.on_form_changed()
        self.refresh_problems()

    def on_form_changed(self) -> None:
        """Hook for screens that show something derived from the answers."""

    @on(DescendantBlur)
    def _blurred(self, event: DescendantBlur) -> None:
        node = event.widget
        while node is not None and not isinstance(node, FormField):
            node = node.parent  # type: ignore[assignment]
        if isinstance(node, FormField) and node.path not in self.shown:
            self.shown.add(node.path)
            self.refresh_problems()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def refresh_visibility(self) -> None:
        for f in self.fields():
            f.display = f.question.is_visible(self.wizard.form)
            f.set_unavailable(F.unavailable(f.path, self.wizard.form))

    # -- problems ----------------------------------------------------------------------------------

    def my_problems(self) -> dict[str, list[str]]:
        """The model's problems that belong to this screen: its visible questions and its sections."""
        _, issues = F.validate(self.wizard.form)
        problems = F.issues_by_field(issues)
        visible = {q.path for q in self.step.questions if q.is_visible(self.wizard.form)}
        sections = {q.section for q in self.step.questions}
        return {k: v for k, v in problems.items() if k in visible or k in sections}

    def refresh_problems(self) -> dict[str, list[str]]:
        problems = self.my_problems()
        for f in self.fields():
            shown = problems.get(f.path) if f.path in self.shown else None
            if shown and not self.tried:
                shown = [m for m in shown if not is_missing(m)] or None
            f.set_error(shown)
        section_msgs = [m for k, v in problems.items() if k in {q.section for q in self.step.questions} for m in v]
        banner = self.query_one("#section-errors", Static)
        banner.update("\n".join(f"✗ {m}" for m in section_msgs))
        banner.display = bool(section_msgs)
        return problems

    # -- navigation --------------------------------------------------------------------------------

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()

    def action_next(self) -> None:
        self.shown = {q.path for q in self.step.questions}
        self.tried = True
        problems = self.refresh_problems()
        if problems:
            first = next((f for f in self.fields() if f.path in problems and f.display), None)
            if first is not None:
                first.focus_control()
                first.scroll_visible()
            count = sum(len(v) for v in problems.values())
            self.notify(
                f"{count} answer{'s' if count != 1 else ''} on this screen to fix (marked ✗)",
                severity="warning",
                timeout=6,
            )
            return
        self.wizard.go_next(self.wizard_step.id)
