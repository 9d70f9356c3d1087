"""Step 3: the data's sensitivity, categories and compliance regimes, with the tier they add up to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from wizard.tui import form as F
from wizard.tui.screens.base import FormScreen


class DataScreen(FormScreen):
    def compose_extra(self) -> ComposeResult:
        yield Static("", id="effective", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.on_form_changed()

    def on_form_changed(self) -> None:
        eff = F.effective_data(self.wizard.form)
        text = ""
        if eff is not None:
            tier, why, days = eff
            text = f"Controls are decided for {tier} data" + (f" ({why})" if why else "")
            text += f"; logs are kept at least {days} days."
        self.query_one("#effective", Static).update(text)
