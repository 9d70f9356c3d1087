"""Step 6: log retention and the security alert address."""

from __future__ import annotations

from wizard.tui.screens.base import FormScreen


class MonitoringScreen(FormScreen):
    STEP = "monitoring"
