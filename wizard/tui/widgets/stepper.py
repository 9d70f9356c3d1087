"""The row of step names under the header; the current step is bold and reversed (readable without colour)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from wizard.tui.steps import on_bar


class Stepper(Static):
    DEFAULT_CSS = """
    Stepper { height: 1; padding: 0 1; }
    """

    def __init__(self, current: str | None) -> None:
        super().__init__(self._content(current), id="stepper")
        self.current = current

    @staticmethod
    def _content(current: str | None) -> Content:
        bar = on_bar()
        ids = [s.id for s in bar]
        here = ids.index(current) if current in ids else -1
        parts: list[tuple[str, str] | str] = []
        for i, step in enumerate(bar):
            title = step.label or step.title
            if i:
                parts.append((" › ", "dim"))
            if step.id == current:
                parts.append((f" {title} ", "bold reverse"))
            elif i < here:
                parts.append(title)
            else:
                parts.append((title, "dim"))
        return Content.assemble(*parts)
