"""Modal dialogs: confirm quitting with unsaved answers, and choose where to save new answers."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class QuitScreen(ModalScreen[str]):
    """Dismissed with "save", "quit" or "cancel"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('cancel')", "Stay"),
        Binding("ctrl+c", "choose('quit')", "Quit now", priority=True),
    ]

    def __init__(self, message: str, *, can_save: bool) -> None:
        super().__init__(id="quit-dialog")
        self.message = message
        self.can_save = can_save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Quit guardform?", classes="dialog-title")
            yield Static(self.message, classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                if self.can_save:
                    yield Button("Save and quit", id="save", variant="primary")
                yield Button("Quit without saving", id="quit", variant="error")
                yield Button("Stay", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class SaveAsScreen(ModalScreen[Path | None]):
    """Ask for the path of a new answers file."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path, problem: str = "") -> None:
        super().__init__(id="save-dialog")
        self.default = default
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Save answers", classes="dialog-title")
            yield Static(
                "The answers file (YAML, or JSON if the name ends in .json). `guardform generate "
                "--answers FILE` rebuilds the same stack from it.",
                classes="dialog-text",
                markup=False,
            )
            yield Input(str(self.default), id="save-path")
            yield Static(self.problem, id="save-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        text = self.query_one("#save-path", Input).value.strip()
        if not text:
            self.query_one("#save-error", Static).update("✗ enter a file name")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self.query_one("#save-error", Static).update("✗ that is a folder; add a file name")
            return
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
