"""Step 2: what runs (SageMaker training, inference, notebooks, Bedrock) and, for Bedrock, which models."""

from __future__ import annotations

from wizard.tui.screens.base import FormScreen


class WorkloadScreen(FormScreen):
    STEP = "workload"
