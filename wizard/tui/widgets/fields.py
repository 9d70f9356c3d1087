"""One question of the form: label, control, a help line on its security meaning, and an error line.

Each field posts :class:`FormField.Changed` with the value in answers-file form (text, int, list of
strings); the screen stores it in the form dict. The error line shows the model's own message.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, RadioSet, Select, SelectionList, Static

from wizard.tui import form as F
from wizard.tui.widgets.burst import KeepsBurstOrder
from wizard.tui.widgets.toggles import CheckList, Choices, RadioChoice


class FieldInput(KeepsBurstOrder, Input):
    """The text box of a question (keys typed in a burst stay in order across Tab)."""


class FormField(Vertical):
    """Base class: subclasses provide the control and translate its value."""

    class Changed(Message):
        def __init__(self, field: FormField, value: Any) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> FormField:
            return self.field

    DEFAULT_CSS = """
    FormField { height: auto; }
    """

    def __init__(self, question: F.Question, value: Any) -> None:
        super().__init__(id=question.widget_id, classes="form-field")
        self.question = question
        self.initial = value

    @property
    def path(self) -> str:
        return self.question.path

    def compose(self) -> ComposeResult:
        yield Static(self.question.label, classes="field-label", markup=False)
        yield self.make_control()
        yield Static(self.question.help_text(), classes="field-help", markup=False)
        yield Static("", classes="field-error", markup=False)

    def set_unavailable(self, reasons: dict[Any, str]) -> None:
        """Mark the choices the current answers always refuse (only choice questions have any)."""

    def make_control(self) -> Widget:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def control_widget(self) -> Widget:
        return self.query_one(".field-control")

    def focus_control(self) -> None:
        self.control_widget.focus()

    def set_error(self, messages: list[str] | None) -> None:
        error = self.query_one(".field-error", Static)
        if messages:
            error.update("✗ " + "\n✗ ".join(messages))
            self.add_class("-invalid")
        else:
            error.update("")
            self.remove_class("-invalid")

    @property
    def error_text(self) -> str:
        return str(self.query_one(".field-error", Static).render())

    def emit(self, value: Any) -> None:
        self.post_message(self.Changed(self, value))

    def set_value(self, value: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class TextField(FormField):
    def make_control(self) -> Widget:
        q = self.question
        suggester = SuggestFromList(q.suggestions, case_sensitive=False) if q.suggestions else None
        value = "" if self.initial is None else str(self.initial)
        return FieldInput(
            value, placeholder=q.placeholder, classes="field-control", suggester=suggester, select_on_focus=False
        )

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.emit(self.convert(event.value))

    def convert(self, text: str) -> Any:
        return text.strip() or None

    def set_value(self, value: Any) -> None:
        self.query_one(Input).value = "" if value is None else str(value)


class IntField(TextField):
    def convert(self, text: str) -> Any:
        return F.parse_int(text) if text.strip() else None


class ListField(TextField):
    def make_control(self) -> Widget:
        return FieldInput(
            F.format_list(self.initial),
            placeholder=self.question.placeholder,
            classes="field-control",
            select_on_focus=False,
        )

    def convert(self, text: str) -> Any:
        return F.parse_list(text)

    def set_value(self, value: Any) -> None:
        self.query_one(Input).value = F.format_list(value)


class ChoiceField(FormField):
    """One of a few values, all visible (a radio set): arrows move, Enter or Space choose."""

    def make_control(self) -> Widget:
        options = list(self.question.options)
        if self.initial is not None and all(v != self.initial for v, _ in options):
            options.append((self.initial, f"{self.initial} (from your file)"))
        return Choices(options, self.initial, id=None).add_class("field-control")

    @on(RadioSet.Changed)
    def _changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.emit(self.query_one(Choices).value)

    def set_value(self, value: Any) -> None:
        choices = self.query_one(Choices)
        if value in choices.values and choices.value != value:
            choices.query(RadioChoice)[choices.values.index(value)].value = True

    def set_unavailable(self, reasons: dict[Any, str]) -> None:
        """Grey out the choices the answers always refuse, the reason in the label (the one chosen stays
        choosable away from, and its problem shows under the question)."""
        choices = self.query_one(Choices)
        labels = dict(self.question.options)
        for value, button in zip(choices.values, choices.query(RadioChoice), strict=False):
            base = labels.get(value, str(value))
            reason = reasons.get(value)
            button.label = f"{value} — {reason}" if reason else base
            button.disabled = reason is not None and not button.value


class MultiField(FormField):
    """Any of a few values (a check list): arrows move, Space toggles."""

    def make_control(self) -> Widget:
        chosen = self.initial if isinstance(self.initial, list) else []
        options = list(self.question.options)
        options += [(v, f"{v} (from your file)") for v in chosen if all(v != o for o, _ in options)]
        return CheckList(*[(label, value, value in chosen) for value, label in options], classes="field-control")

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged[Any]) -> None:
        event.stop()
        checklist = self.query_one(CheckList)
        order = [checklist.get_option_at_index(i).value for i in range(checklist.option_count)]
        self.emit([v for v in order if v in checklist.selected])

    def set_value(self, value: Any) -> None:
        checklist = self.query_one(CheckList)
        wanted = value if isinstance(value, list) else []
        if sorted(map(str, checklist.selected)) != sorted(map(str, wanted)):
            checklist.deselect_all()
            for v in wanted:
                checklist.select(v)


class SelectField(FormField):
    """One of many values in a drop-down (Enter opens it, type to search)."""

    def __init__(self, question: F.Question, value: Any, options: list[tuple[Any, str]]) -> None:
        super().__init__(question, value)
        self.options = options

    def make_control(self) -> Widget:
        # Select cannot hold None as a value; index the options instead.
        index = next((i for i, (v, _) in enumerate(self.options) if v == self.initial), 0)
        return Select(
            [(label, i) for i, (_, label) in enumerate(self.options)],
            value=index,
            allow_blank=False,
            classes="field-control",
        )

    def set_options(self, options: list[tuple[Any, str]], value: Any) -> None:
        self.options = options
        select = self.query_one(Select)
        index = next((i for i, (v, _) in enumerate(options) if v == value), 0)
        with select.prevent(Select.Changed):
            select.set_options([(label, i) for i, (_, label) in enumerate(options)])
            select.value = index

    def set_value(self, value: Any) -> None:
        self.set_options(self.options, value)

    def set_unavailable(self, reasons: dict[Any, str]) -> None:
        """The refused values are not offered; the help line says which and why."""
        help_line = self.query_one(".field-help", Static)
        text = self.question.help_text()
        # the values a select would offer (a year and more), not every value the model knows
        refused = sorted(v for v in reasons if isinstance(v, int) and v >= 365)
        if refused:
            text += f" Not offered: {', '.join(f'{v} days' for v in refused)} ({reasons[refused[0]]})."
        help_line.update(text)

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int) and 0 <= event.value < len(self.options):
            self.emit(self.options[event.value][0])


def make_field(question: F.Question, form: dict[str, Any]) -> FormField:
    value = F.get(form, question.path)
    if question.kind == "text":
        return TextField(question, value)
    if question.kind == "int":
        return IntField(question, value)
    if question.kind == "list":
        return ListField(question, value)
    if question.kind == "choice":
        return ChoiceField(question, value)
    if question.kind == "multi":
        return MultiField(question, value)
    if question.kind == "select":
        return SelectField(question, value, F.retention_options(form))
    raise ValueError(question.kind)
