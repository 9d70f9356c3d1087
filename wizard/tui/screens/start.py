"""The first screen: start with new answers, or open an answers file."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from wizard.tui.screens.base import WizardScreen
from wizard.tui.steps import START
from wizard.tui.widgets.keybar import KeyBar
from wizard.tui.widgets.message import MessageLine

INTRO = (
    "guardform writes hardened Terraform for AI workloads on AWS (SageMaker, Bedrock).\n"
    "Answer a few questions about the workload and its data. guardform decides every security control, "
    "shows you each one and why, writes the stack to {out}/<name>/ and proves it with checkov."
)
KEYS = "Tab moves · Enter chooses · Space toggles · Esc goes back · Ctrl+S saves the answers · Ctrl+Q quits"


class StartScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Quit", show=False),
        Binding("ctrl+n", "new", "New answers"),
        Binding("ctrl+o", "open", "Open file"),
    ]

    def __init__(self, path: str = "", problem: str = "") -> None:
        super().__init__(START)
        self.initial_path = path
        self.initial_problem = problem

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="start-body"):
            yield Static(INTRO.format(out=self.wizard.display_path(self.wizard.out_dir)), id="intro", markup=False)
            with Horizontal(id="start-buttons"):
                yield Button("Continue with these answers", id="continue", variant="primary")
                yield Button("Start with new answers", id="new", variant="primary")
            yield Static("Or open an answers file (YAML or JSON) to change it:", classes="field-label")
            with Horizontal(id="open-row"):
                yield Input(self.initial_path, placeholder="path/to/answers.yaml", id="open-path")
                yield Button("Open", id="open")
            yield Static(self.initial_problem, id="open-error", classes="field-error", markup=False)
            yield MessageLine()
            yield Static(KEYS, classes="field-help", markup=False)
            yield Static("", id="checkov-status", classes="field-help", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        if self.initial_problem:
            self.query_one("#open-path", Input).focus()
        else:
            self.query_one("#new", Button).focus()
        self.update_checkov_status()
        self.set_interval(0.5, self.update_checkov_status)

    def on_screen_resume(self) -> None:
        has_form = self.wizard.has_form
        self.query_one("#continue").display = has_form
        new = self.query_one("#new", Button)
        new.variant = "default" if has_form else "primary"
        new.label = "Start over (discard these answers)" if has_form else "Start with new answers"
        if has_form:
            self.query_one("#continue", Button).focus()

    def update_checkov_status(self) -> None:
        self.query_one("#checkov-status", Static).update(self.wizard.checkov_status)

    def show_problem(self, text: str) -> None:
        self.initial_problem = text
        if self.is_mounted:
            self.query_one("#open-error", Static).update(text)
            self.query_one("#open-path", Input).focus()

    @on(Button.Pressed, "#new")
    def action_new(self) -> None:
        self.wizard.start_new()

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.wizard.continue_form()

    @on(Button.Pressed, "#open")
    @on(Input.Submitted, "#open-path")
    def _open(self) -> None:
        text = self.query_one("#open-path", Input).value.strip()
        if not text:
            self.show_problem("✗ enter the path of an answers file")
            self.query_one("#open-path", Input).focus()
            return
        self.wizard.open_answers(text)

    def action_open(self) -> None:
        self.query_one("#open-path", Input).focus()

    def action_back(self) -> None:
        self.wizard.action_request_quit()
