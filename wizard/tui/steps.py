"""The one registry of the wizard's steps: id, title, step-bar label and screen, in the order they are walked.

The app navigates with it, the step bar draws it, the review names a problem's screen with it, and the
question groups of ``form.py`` are ordered by it. A screen is named as ``"module:Class"`` and imported
the first time its step is shown, so the first screen does not wait for the later ones.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from wizard.tui.screens.base import WizardScreen


@dataclass(frozen=True, kw_only=True)
class WizardStep:
    id: str
    #: the screen's subtitle, and the name the review gives a problem's screen
    title: str
    #: the short name on the step bar; None: not on the bar
    label: str | None
    #: the screen class, as "module:Class"; it is constructed with this step
    screen: str

    @property
    def screen_id(self) -> str:
        return f"step-{self.id}"

    def screen_class(self) -> type[WizardScreen]:
        module, _, name = self.screen.partition(":")
        cls: type[WizardScreen] = getattr(importlib.import_module(module), name)
        return cls

    def make_screen(self) -> WizardScreen:
        return self.screen_class()(self)


_FORM = "wizard.tui.screens.base:FormScreen"

#: The first screen (new answers or open a file): shown before the steps, not one of them.
START = WizardStep(id="start", title="Start", label=None, screen="wizard.tui.screens.start:StartScreen")

STEPS: tuple[WizardStep, ...] = (
    WizardStep(id="project", title="Project", label="Project", screen=_FORM),
    WizardStep(id="workload", title="Workload", label="Workload", screen=_FORM),
    WizardStep(id="data", title="Data", label="Data", screen="wizard.tui.screens.data:DataScreen"),
    WizardStep(id="network", title="Network", label="Network", screen="wizard.tui.screens.network:NetworkScreen"),
    WizardStep(id="keys", title="Keys and access", label="Keys", screen=_FORM),
    WizardStep(id="monitoring", title="Monitoring", label="Monitoring", screen=_FORM),
    WizardStep(id="review", title="Review", label="Review", screen="wizard.tui.screens.review:ReviewScreen"),
    WizardStep(id="generate", title="Generate", label="Generate", screen="wizard.tui.screens.generate:GenerateScreen"),
    WizardStep(id="done", title="Done", label=None, screen="wizard.tui.screens.done:DoneScreen"),
)

_BY_ID = {s.id: s for s in STEPS}


def step(step_id: str) -> WizardStep:
    """The step with this id (KeyError names it when there is none)."""
    return _BY_ID[step_id]


def after(step_id: str) -> WizardStep:
    """The step that follows ``step_id``."""
    index = STEPS.index(step(step_id))
    return STEPS[index + 1]


def on_bar() -> tuple[WizardStep, ...]:
    """The steps the step bar shows, in order."""
    return tuple(s for s in STEPS if s.label is not None)
