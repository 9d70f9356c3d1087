"""The one error hierarchy: every failure guardform reports to a user is a ``GuardformError``.

Each stage raises its own subclass (``AnswersError`` in answers, ``RenderError`` in render,
``OutputError`` in output, ``ScanError`` in scan); the faces (cli, tui) catch ``GuardformError`` and
decide what the user sees and which exit code it gets. Anything else is a bug and may show a traceback.
"""

from __future__ import annotations


class GuardformError(Exception):
    """A failure with a message meant for the user (no traceback needed)."""
