"""Step 1: the stack's name, environment, owner and regions."""

from __future__ import annotations

from wizard.tui.screens.base import FormScreen


class ProjectScreen(FormScreen):
    STEP = "project"
