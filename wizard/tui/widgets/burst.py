"""Keys typed in a burst (a paste, scripted input) land where the user meant, across Tab.

Textual hands every key of a burst to the focused widget's queue at once, and Tab moves the focus only
once it has bubbled up to the screen, so the keys after a Tab would land in the field being left. A
control with :class:`KeepsBurstOrder` moves the focus itself on Tab, and passes on the keys that reach
it after the focus has left it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:  # pragma: no cover
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object


class KeepsBurstOrder(_Base):
    """Mix in before a Textual widget class."""

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not None and focused is not self:
            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))
            return
        if event.key in ("tab", "shift+tab"):
            event.stop()
            event.prevent_default()
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        await super()._on_key(event)
