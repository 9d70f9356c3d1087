"""Step 3: the data's sensitivity, categories and compliance regimes, with the tier they add up to and
what that tier's Macie jobs cost a month (issue 11)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from wizard.tui import form as F
from wizard.tui.screens.base import FormScreen

SENSITIVITY_PATH = "data.sensitivity"


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
        help_line = self.field(SENSITIVITY_PATH).query_one(".field-help", Static)
        help_line.update(f"{F.questions()[SENSITIVITY_PATH].help_text()} {self.macie_cost()}")

    def macie_cost(self) -> str:
        """The tier decides Macie's job (none, once, weekly, daily); its lines of the estimate say the cost."""
        plan = self.wizard.plan_of_form()
        if plan is None:
            return "What the tier's Macie jobs cost is shown here once the answers are complete, and on the review."
        from wizard.cost import format_macie, macie_cost

        return format_macie(macie_cost(plan))
