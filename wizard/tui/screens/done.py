"""The end: where the stack is, where the answers were saved, and what to run next."""

from __future__ import annotations

import shlex
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.keybar import KeyBar
from wizard.tui.widgets.message import MessageLine


class DoneScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "quit_wizard", "Quit", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="done-body"):
            yield Static(self._text(), id="done-text", markup=False)
        with Horizontal(id="nav"):
            yield MessageLine()
            yield Button("‹ Back to the results", id="back")
            yield Button("Quit", id="quit", variant="primary")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#quit", Button).focus()

    def _text(self) -> str:
        app = self.wizard
        gen = app.last_generation
        if gen is None or gen.job is None:
            return "Nothing was generated."
        target = app.display_path(gen.job.target)
        out = app.display_path(app.out_dir)
        report = gen.report
        if report is None:
            verdict = (
                "checkov did not run (see the previous screen); scan the stack yourself:\n"
                f"  guardform scan {shlex.quote(target)}"
            )
        elif report.ok:
            verdict = (
                f"checkov {report.checkov_version}: {len(report.passed)} checks passed, none failed, "
                f"{len(report.skipped)} skipped with a reason."
            )
        else:
            failed = len(report.failed) + len(report.parse_errors) + len(report.check_errors)
            verdict = (
                f"checkov {report.checkov_version}: {failed} problem{'s' if failed != 1 else ''} "
                f"(failed checks or files it could not read), {len(report.passed)} checks passed. "
                "Review them on the previous screen before you apply this stack."
            )
        saved = "\n".join(f"  {app.display_path(p)}" for p in gen.saved)
        in_stack = shlex.quote(f"{target}/guardform.answers.yaml")
        out_arg = shlex.quote(out)
        if app.answers_path is not None and app.display_path(app.answers_path) != f"{target}/guardform.answers.yaml":
            mine = shlex.quote(app.display_path(app.answers_path))
            change = [
                f"After editing {mine}, regenerate (and in CI, prove the folder is current):",
                f"  guardform generate --answers {mine} --out {out_arg}",
                f"  guardform generate --answers {mine} --out {out_arg} --check",
            ]
        else:
            change = [
                "In CI, prove the folder is current:",
                f"  guardform generate --answers {in_stack} --out {out_arg} --check",
                "To change the answers, run the wizard on them (it regenerates the stack):",
                f"  guardform wizard --answers {in_stack} --out {out_arg}",
            ]
        return "\n".join(
            [
                f"Your stack is in {target}/",
                "",
                verdict,
                "",
                "Answers saved to:",
                saved,
                "",
                "Next:",
                f"  cd {shlex.quote(target)}",
                "  terraform init",
                "  terraform plan",
                "",
                *change,
                "",
                "Generated files are rewritten on every regeneration, and guardform refuses to overwrite hand edits: "
                "change the answers instead. Files you add beside the stack (a backend.tf, say) are never touched.",
            ]
        )

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#quit")
    def _quit_pressed(self) -> None:
        self.action_quit_wizard()

    def action_quit_wizard(self) -> None:
        self.wizard.action_request_quit()
