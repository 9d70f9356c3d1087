"""The guardform wizard: a Textual app that produces Answers and drives plan, render, write and scan.

Entry point for the command line: :func:`run_wizard`. The form state is a plain dict mirroring the
answers file (``self.form``); ``wizard.answers`` validates it. Heavy modules (jinja2, plan, render,
scan) are imported only when a screen needs them, so the first screen appears at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from wizard.pipeline import (
    AnswersFormat,
    Pipeline,
    answers_file_text,
    save_answers_file,
    stack_answers,
    stack_dir,
)
from wizard.tui import form as F
from wizard.tui import steps
from wizard.tui.screens.start import StartScreen
from wizard.tui.widgets.message import MessageLine, Notice


class WizardApp(App[int]):
    """guardform's interactive wizard."""

    CSS_PATH = "wizard.tcss"
    TITLE = "guardform"
    ENABLE_COMMAND_PALETTE = False
    #: below 30 rows (80x24) the header goes and the nav buttons are one row high: the step row says
    #: where the user is, and the rows go to the questions, the control list and the results
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 (typed by Textual)
    #: below 100 columns the key row puts less space between keys, so every key of the review fits in 80
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (typed by Textual)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+q", "request_quit", "Quit", priority=True),
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        answers_path: Path | str | None = None,
        out_dir: Path | str = "modules_out",
        *,
        checkov: str | None = None,
        prewarm: bool = True,
        pipeline: Pipeline | None = None,
    ) -> None:
        super().__init__()
        self.initial_answers = Path(answers_path) if answers_path is not None else None
        self.out_dir = Path(out_dir)
        self.checkov = checkov
        self.pipeline = pipeline or Pipeline()
        self.prewarm_enabled = prewarm
        self.prewarm_thread: Any = None
        self.prewarm_message = ""
        #: the answers being edited, shaped like the answers file (built when the user starts or opens
        #: answers, so the first screen does not wait for pydantic)
        self.form: dict[str, Any] = {}
        self.has_form = False
        #: the ruamel document the answers were loaded from (comments, key order), or None
        self.document: Any = None
        self.fmt: AnswersFormat = "yaml"
        self.answers_path: Path | None = None
        self.saved_snapshot: dict[str, Any] = {}
        self.show_problems_on_arrival = False
        self.generating = False
        self.last_generation: Any = None
        self.exit_code = 0
        #: a screen switch was asked for and the new screen is not shown yet: further navigation (a
        #: key typed in the same burst, a button's message that arrives late) is ignored until it is
        self.navigating = False
        #: the message on show in every screen's message line (see wizard/tui/widgets/message.py)
        self.message: Notice | None = None
        #: screen switches begun so far (a message lasts until the next one, see ``say``)
        self.switches = 0

    # -- messages ----------------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every message of the wizard goes to the screens' message line, never to a toast: at 80x24 a
        toast lands on a question's help text (issue 10). Same signature as Textual's, so a widget's
        ``self.notify`` ends here too."""
        from textual.content import Content

        text = Content.from_markup(message).plain if markup else message
        self.say(f"{title}: {text}" if title else text, severity, timeout)

    def say(self, text: str, severity: str = "information", timeout: float | None = None) -> None:
        """Show ``text`` in the message line. A warning or an error stays until the next message or until
        the user goes to another screen; a confirmation also goes after ``timeout`` seconds (default 10)."""
        shown = Notice(text, severity, self.switches)
        self.message = shown
        self._show_message()
        if severity != "information":
            return

        def expire() -> None:
            if self.message is shown:
                self.message = None
                self._show_message()

        self.set_timer(timeout if timeout is not None else 10.0, expire)

    def _show_message(self) -> None:
        for screen in self.screen_stack:
            for line in screen.query(MessageLine):
                line.show(self.message)

    # -- start-up ----------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return StartScreen(path=str(self.initial_answers) if self.initial_answers else "")

    def on_mount(self) -> None:
        if self.initial_answers is not None:
            self.open_answers(str(self.initial_answers))
        if self.prewarm_enabled:
            self.call_after_refresh(self._start_prewarm)

    def _start_prewarm(self) -> None:
        if self.prewarm_thread is not None:
            return

        def progress(message: str) -> None:  # called on the warm-up thread
            self.prewarm_message = message

        try:
            self.prewarm_thread = self.pipeline.prewarm(self.checkov, progress)
        except Exception as exc:  # a warm-up must never stop the wizard
            self.prewarm_message = f"could not start: {exc}"

    @property
    def checkov_status(self) -> str:
        thread = self.prewarm_thread
        if thread is None:
            return f"checkov: {self.prewarm_message}" if self.prewarm_message else ""
        if thread.is_alive():
            return "checkov: " + (self.prewarm_message or "getting ready in the background…")
        if getattr(thread, "checkov", None) is not None:
            return f"checkov: ready ({self.display_path(thread.checkov)})"
        error = str(getattr(thread, "error", "") or "unknown error").strip().splitlines()
        return f"checkov: not available yet ({error[0] if error else 'unknown error'}); the scan will retry"

    # -- answers -----------------------------------------------------------------------------------

    def start_new(self) -> None:
        self.form = F.initial_form()
        self.document = None
        self.fmt = "yaml"
        self.answers_path = None
        self.saved_snapshot = F.form_to_data(self.form)
        self.show_problems_on_arrival = False
        self.has_form = True
        self._restart_at("project")

    def continue_form(self) -> None:
        self._restart_at("project")

    def open_answers(self, path_text: str) -> None:
        """Load an answers file and go to the first question screen, prefilled. A file that is valid
        YAML/JSON but has invalid answers is opened too, with the model's problems on show."""
        from wizard.answers import AnswersError
        from wizard.errors import GuardformError

        path = Path(path_text).expanduser()
        problems = False
        try:
            loaded = self.pipeline.load(path)
            document, fmt = loaded.document, loaded.format
            notices = list(loaded.notices)
        except AnswersError as exc:
            file_level = [i for i in exc.issues if i.field in ("", "version")]
            document = None if file_level else self._read_document(path)
            if document is None:
                self._start_problem(exc.format())
                return
            fmt = "json" if path.suffix.lower() == ".json" else "yaml"
            notices = []
            problems = True
        except GuardformError as exc:
            self._start_problem(f"✗ {exc}")
            return
        except (RecursionError, ValueError) as exc:  # until every loader error is an AnswersError
            self._start_problem(f"✗ {self.display_path(path)} cannot be read as answers: {type(exc).__name__}")
            return
        form, ignored = F.form_from_document(document)
        for dotted in ignored:
            self._drop_from_document(document, dotted)
        self.form = form
        self.document = document
        self.fmt = fmt
        self.answers_path = path
        self.saved_snapshot = F.form_to_data(form)
        self.show_problems_on_arrival = problems
        self.has_form = True
        self._restart_at("project")  # first: what is said below is about the screen that arrives
        # one message (the line shows one at a time): the loader's notices, then what needs the user's eye
        said = list(notices)
        if ignored:
            said.append("Unknown fields left out (saving removes them): " + ", ".join(ignored) + ".")
        if problems:
            said.append(f"{self.display_path(path)} has answers to fix; each is marked on its screen.")
        if said:
            self.notify(" ".join(said), severity="warning" if ignored or problems else "information", markup=False)

    @staticmethod
    def _read_document(path: Path) -> Any:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            document = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLError, RecursionError, ValueError):
            return None
        return document if isinstance(document, dict) else None

    @staticmethod
    def _drop_from_document(document: Any, dotted: str) -> None:
        node = document
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and parts[-1] in node:
            del node[parts[-1]]

    def _start_problem(self, text: str) -> None:
        self._restart_at(None)
        start = self.screen_stack[0]
        if isinstance(start, StartScreen):
            start.show_problem(text)

    @property
    def dirty(self) -> bool:
        return self.has_form and F.form_to_data(self.form) != self.saved_snapshot

    def mark_saved(self, snapshot: dict[str, Any] | None = None) -> None:
        self.saved_snapshot = snapshot if snapshot is not None else F.form_to_data(self.form)

    def answers_yaml(self, answers: Any) -> str:
        """The answers file inside the stack: YAML, keeping a loaded YAML file's comments and order."""
        from wizard.tui.drafts import strip_draft_mark

        return strip_draft_mark(stack_answers(answers, self.document, self.fmt))

    def answers_file_text(self, answers: Any) -> str:
        """The text saved back to the answers file the wizard was opened with (its own format)."""
        from wizard.tui.drafts import strip_draft_mark

        return strip_draft_mark(answers_file_text(answers, self.document, self.fmt))

    def stack_dir(self, answers: Any) -> Path:
        return stack_dir(self.out_dir, answers)

    def plan_or_refusal(self, answers: Any) -> tuple[Any, str | None]:
        """The plan of valid answers, or why the plan refuses them (a policy over AWS's size limit, naming the
        answers that make it grow); (None, None) for no answers."""
        from wizard.plan import PlanError

        if answers is None:
            return None, None
        try:
            return self.pipeline.plan(answers), None
        except PlanError as exc:
            return None, str(exc)

    def plan_of_form(self) -> Any:
        """The plan of the answers as the form holds them, or None while they are incomplete or the plan
        refuses them (the review lists why). For hints that price a choice."""
        return self.plan_or_refusal(F.validate(self.form)[0])[0]

    @staticmethod
    def display_path(path: Path | str | None) -> str:
        if path is None:
            return ""
        p = Path(path)
        try:
            return str(p.resolve().relative_to(Path.cwd().resolve())) or "."
        except (ValueError, OSError):
            return str(p)

    # -- navigation --------------------------------------------------------------------------------

    def _begin_switch(self) -> bool:
        """Claim the one pending screen switch; False while another is under way."""
        if self.navigating:
            return False
        self.navigating = True
        self.switches += 1
        # the shown screen's resume handler ends the switch; this timer only guards against a switch
        # that never shows a screen (it cannot, but a stuck flag would freeze every key)
        self.set_timer(2.0, self.switch_settled)
        return True

    def switch_settled(self) -> None:
        """The screen asked for is on show (called from its ScreenResume)."""
        self.navigating = False
        if self.message is not None and self.message.switch < self.switches:
            self.message = None  # said about the screen the user left
        self._show_message()

    def _restart_at(self, step: str | None) -> None:
        if not self._begin_switch():
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if step is not None:
            self.push_screen(steps.step(step).make_screen())

    def go_next(self, current: str) -> None:
        """Show the step after ``current`` (the registry's order), if ``current`` is the one on show."""
        if self.screen.id != steps.step(current).screen_id or not self._begin_switch():
            return
        self.push_screen(steps.after(current).make_screen())

    def go_back(self) -> None:
        if self.navigating:
            return
        if len(self.screen_stack) > 1:
            self._begin_switch()
            self.pop_screen()
        else:
            self.action_request_quit()

    def go_to_step(self, step: str) -> None:
        """Pop back to the screen of an earlier step (e.g. from a problem listed on the review)."""
        ids = [s.id for s in self.screen_stack]
        target = steps.step(step).screen_id
        if target not in ids or not self._begin_switch():
            return
        while self.screen_stack[-1].id != target:
            self.pop_screen()
        screen = self.screen_stack[-1]
        if hasattr(screen, "reveal_all"):
            screen.reveal_all()

    # -- save and quit -----------------------------------------------------------------------------

    def action_save(self, then_quit: bool = False) -> None:
        if not self.has_form:
            self.notify("Nothing to save yet.")
            return
        answers, issues = F.validate(self.form)
        if self.answers_path is not None:
            self._save_to(self.answers_path, answers, issues, then_quit)
            return
        from wizard.tui.screens.dialogs import SaveAsScreen

        name = answers.project.name if answers is not None else F.get(self.form, "project.name")
        default = Path(f"{name or 'draft'}.answers.yaml")

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            self.fmt = "json" if path.suffix.lower() == ".json" else "yaml"
            self.document = None
            self.answers_path = path
            self._save_to(path, answers, issues, then_quit)

        self.push_screen(SaveAsScreen(default), chosen)

    def _save_to(self, path: Path, answers: Any, issues: Any, then_quit: bool) -> None:
        """Save valid answers to ``path``, or a draft (marked, with what is left) when they have problems."""
        from wizard.tui.drafts import draft_path, draft_text

        if answers is not None:
            target, text = path, self.answers_file_text(answers)
        else:
            target = draft_path(path)
            document = self.document if self.fmt == "yaml" else None
            text = draft_text(F.form_to_data(self.form), document, issues)
        try:
            save_answers_file(target, text)
        except OSError as exc:
            self.notify(f"Could not save {target}: {exc}", severity="error", timeout=10, markup=False)
            return
        self.mark_saved()
        if answers is not None:
            self.notify(f"Answers saved to {self.display_path(target)}", markup=False)
        else:
            # the draft lists every problem in a comment at its top, and the review lists them too
            count = f"{len(issues)} answer{'s' if len(issues) != 1 else ''}"
            self.notify(
                f"Draft saved to {self.display_path(target)}; {count} still to fix (listed in the file).",
                severity="warning",
                timeout=10,
                markup=False,
            )
        if then_quit:
            self.leave()

    def leave(self) -> None:
        """Exit with the wizard's exit code (1 when the last generated stack has scan problems)."""
        message = None
        if self.generating:
            message = (
                "guardform: stopped; the stack folder is either complete or as it was before "
                "(a running checkov scan was stopped)."
            )
        for screen in self.screen_stack:
            stop = getattr(screen, "stop", None)
            if callable(stop):
                stop()
        self.exit(self.exit_code, return_code=self.exit_code, message=message)

    def action_request_quit(self) -> None:
        from wizard.tui.screens.dialogs import QuitScreen

        if isinstance(self.screen, QuitScreen):
            self.leave()
            return
        if self.generating:
            message = (
                "A stack is being generated. If the folder is not written yet, quitting leaves it as it "
                "was; if it is, only the scan is stopped."
            )
            can_save = False
        elif self.dirty:
            message = "Your answers have changes that are not saved."
            can_save = True
        else:
            self.leave()
            return

        def chosen(choice: str | None) -> None:
            if choice == "quit":
                self.leave()
            elif choice == "save":
                self.action_save(then_quit=True)

        self.push_screen(QuitScreen(message, can_save=can_save), chosen)


def run_wizard(answers_path: Path | None, out_dir: Path, *, checkov: str | None = None) -> int:
    """Run the wizard in the terminal. Returns the exit code: 0 (nothing generated, or generated and
    checkov found nothing), 1 (the last generated stack has failed checks or could not be scanned)."""
    app = WizardApp(answers_path, out_dir, checkov=checkov)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)


def main(argv: list[str] | None = None) -> int:
    """``python -m wizard.tui [--answers FILE] [--out DIR] [--checkov PATH]`` (the CLI calls run_wizard)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m wizard.tui", description="guardform's interactive wizard")
    parser.add_argument("--answers", type=Path, default=None, help="prefill from this answers file")
    parser.add_argument("--out", type=Path, default=Path("modules_out"), help="output folder (default modules_out)")
    parser.add_argument(
        "--checkov", default=None, help="the checkov program to run (else $GUARDFORM_CHECKOV, PATH, or guardform's own)"
    )
    args = parser.parse_args(argv)
    return run_wizard(args.answers, args.out, checkov=args.checkov)
