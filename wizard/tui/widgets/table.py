"""A row table whose moving keys are shown on the key row (a DataTable hides them)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RowTable(DataTable[object]):
    """A DataTable for a list the user scrolls through: ↑↓ is on the key row while it has the focus and
    Home/End go to the first and last row, so a list taller than the screen (36 controls at 80x24) is
    seen to scroll."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Move", key_display="↑↓"),
        # PgUp/PgDn work as in any DataTable; at 80 columns the key row has room for one key more.
        # Home/End go to the first and last row (a DataTable's own scroll sideways)
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]
