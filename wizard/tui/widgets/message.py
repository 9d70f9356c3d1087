"""The wizard's message line: confirmations and warnings in the screen's own layout, never a toast.

A toast floats over whatever is under it (at 80x24: a question's help text, the nav buttons). The
message line takes its own place on each screen (left of the nav buttons; under the buttons of the
start screen), so a message is read beside the text it is about and hides none of it. The app holds
the last message (``WizardApp.message``) and every line shows it, so a message said while a screen
switch is under way is seen on the screen that arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Static

#: said in text as well as colour, so the line reads the same without colour (NO_COLOR)
MARKS = {"information": "✓", "warning": "!", "error": "✗"}


@dataclass(frozen=True)
class Notice:
    text: str
    severity: str = "information"
    #: the app's screen-switch count when it was said: a later switch takes it away
    switch: int = 0

    def line(self) -> str:
        return f"{MARKS.get(self.severity, '·')} {self.text}"


class MessageLine(Static):
    """Shows the app's current message (or nothing); updated by ``WizardApp.say``."""

    DEFAULT_CLASSES = "message-line"

    def __init__(self, *, id: str = "message") -> None:
        super().__init__("", id=id, markup=False)

    def on_mount(self) -> None:
        self.show(getattr(self.app, "message", None))

    def show(self, message: Notice | None) -> None:
        for severity in MARKS:
            self.set_class(message is not None and message.severity == severity, f"-{severity}")
        self.update(message.line() if message is not None else "")
