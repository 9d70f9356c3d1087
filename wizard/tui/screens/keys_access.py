"""Step 5: the KMS key strategy, rotation and deletion window, and the roles exempt from the data perimeter."""

from __future__ import annotations

from wizard.tui.screens.base import FormScreen


class KeysAccessScreen(FormScreen):
    STEP = "keys"
