"""Step 4: the network, with what one more availability zone costs a month (issue 11)."""

from __future__ import annotations

from textual.widgets import Static

from wizard.tui import form as F
from wizard.tui.screens.base import FormScreen

AZ_PATH = "network.availability_zones"


class NetworkScreen(FormScreen):
    def on_mount(self) -> None:
        super().on_mount()
        self.on_form_changed()

    def on_form_changed(self) -> None:
        question = F.questions()[AZ_PATH]
        help_line = self.field(AZ_PATH).query_one(".field-help", Static)
        help_line.update(f"{question.help_text()} {self.zone_cost()}")

    def zone_cost(self) -> str:
        """What one zone adds: every interface endpoint has one network interface per zone, billed by the hour."""
        plan = self.wizard.plan_of_form()
        if plan is None:
            return (
                "Each zone adds one interface to every VPC endpoint, billed by the hour; the figure is shown "
                "here once the answers are complete, and on the review."
            )
        from wizard.cost import endpoint_cost_per_az

        per_az = endpoint_cost_per_az(plan)
        return f"Each zone adds about ${per_az:,.2f} a month (one interface per VPC endpoint, every hour)."
