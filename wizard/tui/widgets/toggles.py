"""Choice widgets whose state is readable without colour (NO_COLOR): ``[x]``/``[ ]`` and ``(•)``/``( )``.

Textual's own toggles draw the same glyph for on and off and tell them apart by colour only.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import OptionList, RadioButton, RadioSet, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

from wizard.tui.widgets.burst import KeepsBurstOrder


class CheckList(KeepsBurstOrder, SelectionList[Any]):
    """A SelectionList drawing ``[x]`` for a chosen option and ``[ ]`` for the others."""

    DEFAULT_CSS = """
    CheckList > .selection-list--button-selected { text-style: bold; }
    """

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        chosen = selection.value in self.selected
        underlying = next(iter(line)).style or self.rich_style
        mark_style = underlying + Style(bold=chosen, meta={"option": index})
        return Strip([Segment("[x] " if chosen else "[ ] ", mark_style), *line])


class RadioChoice(RadioButton):
    """A radio button drawn as ``(•)`` when pressed and ``( )`` when not."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--label")
        return Content.assemble(("(•)" if self.value else "( )", style))


class Choices(KeepsBurstOrder, RadioSet):
    """A RadioSet of :class:`RadioChoice` buttons that carries the value of each button."""

    def __init__(self, options: list[tuple[Any, str]], value: Any, *, id: str | None = None) -> None:
        self.values = [v for v, _ in options]
        buttons = [RadioChoice(label, value=(v == value)) for v, label in options]
        super().__init__(*buttons, id=id)

    def on_mount(self) -> None:
        # Put the keyboard cursor on the chosen option, not on the first one.
        if self.pressed_index >= 0:
            self._selected = self.pressed_index

    @property
    def value(self) -> Any:
        index = self.pressed_index
        return self.values[index] if 0 <= index < len(self.values) else None
