"""The key row at the bottom of every wizard screen: the keys that work here, one row of text.

It shows what Textual's ``Footer`` shows (each action once, its key as the app displays it, its
description; a key that does not work right now dimmed) but as one text row instead of a widget per
key. The footer rebuilt those widgets on every focus change, and at 80x24 that was more than half the
work of moving from one question to the next. A click on a key presses it, as in Textual's footer.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

#: between two keys on a wide screen, and below NARROW_BELOW columns (where every key of the review must fit 80)
GAP_WIDE = "   "
GAP_NARROW = "  "
#: the app's horizontal breakpoint (WizardApp.HORIZONTAL_BREAKPOINTS; wizard.tcss drops the row's padding below it)
NARROW_BELOW = 100


@dataclass(frozen=True)
class KeyHint:
    """One key on the row: what to press, what it shows, what it does, and whether it works now."""

    key: str
    shown: str
    description: str
    enabled: bool

    @property
    def label(self) -> str:
        return f"{self.shown} {self.description}"


class KeyBar(Static):
    """The screen's active bindings (``show=True``), each action once, in the order Textual ranks them."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="keys", markup=False)
        self.hints: tuple[KeyHint, ...] = ()
        self.gap = ""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.show_hints()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.show_hints()

    def on_resize(self) -> None:
        self.show_hints()

    def current_hints(self) -> tuple[KeyHint, ...]:
        seen: set[str] = set()
        hints: list[KeyHint] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            hints.append(KeyHint(binding.key, self.app.get_key_display(binding), binding.description, active.enabled))
        return tuple(hints)

    def show_hints(self) -> None:
        """Redraw the row when the keys or the spacing changed (a focus change that keeps them costs nothing)."""
        hints, gap = self.current_hints(), GAP_NARROW if self.app.size.width < NARROW_BELOW else GAP_WIDE
        if (hints, gap) == (self.hints, self.gap):
            return
        self.hints, self.gap = hints, gap
        parts: list[tuple[str, str] | str] = []
        for index, hint in enumerate(hints):
            if index:
                parts.append(gap)
            key_style = "bold" if hint.enabled else "dim"
            parts.append((hint.shown, f"{key_style} $footer-key-foreground"))
            parts.append((f" {hint.description}", "" if hint.enabled else "dim"))
        self.update(Content.assemble(*parts))

    def hint_at(self, x: int) -> KeyHint | None:
        """The hint under column ``x`` of the row's content (padding excluded)."""
        start = 0
        for hint in self.hints:
            if start <= x < start + len(hint.label):
                return hint
            start += len(hint.label) + len(self.gap)
        return None

    def on_click(self, event: events.Click) -> None:
        hint = self.hint_at(event.x - self.styles.padding.left)
        if hint is None:
            return
        event.stop()
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()

    def plain_text(self) -> str:
        """The row as plain text (what a screen reader or a test reads)."""
        return self.gap.join(h.label for h in self.hints)
