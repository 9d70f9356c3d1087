"""Step 4: a new private VPC, or the ids of an existing one."""

from __future__ import annotations

from wizard.tui.screens.base import FormScreen


class NetworkScreen(FormScreen):
    STEP = "network"
