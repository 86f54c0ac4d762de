"""Modal dialogs of the console: confirm, prompt (masked when asked), choose, edit properties.

Each says what it expects, validates inline, and never loses what was typed on an error.
What they show of items, groups and people is data: shown with control characters as
escapes (``domain.text.visible``), never interpreted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from domain import JumpClient, JumpClientUpdate
from domain.text import visible
from widgets.ordered_input import OrderedInput

DIALOG_CSS = """
    align: center middle;
    & > Vertical { width: 72; height: auto; max-height: 90%; background: $surface;
                   border: round $primary; padding: 1 2; }
    & Input, & Input:focus { border: none; height: 1; background: $panel; margin: 0 0 1 0; }
    & .error { color: $error; height: auto; }
    & .hint { color: $foreground 70%; height: auto; }
    & .title { text-style: bold; height: auto; margin-bottom: 1; }
    & Select { margin: 0 0 1 0; }
    & OptionList { height: auto; max-height: 16; }
"""


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no to one sentence (destructive actions name what they destroy)."""

    DEFAULT_CSS = f"ConfirmScreen {{ {DIALOG_CSS} }}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible(self.question), classes="title", markup=False)
            yield Static("Press y to confirm, n or escape to cancel.", classes="hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def refusal_of(parse: Callable[[str], object]) -> Callable[[str], str | None]:
    """A dialog check from a parser: the sentence of its ValueError, or None when it reads."""

    def check(text: str) -> str | None:
        try:
            parse(text)
        except ValueError as err:
            return str(err)
        return None

    return check


class PromptScreen(ModalScreen[str | None]):
    """One line of input; ``check`` returns an error sentence or None; escape cancels."""

    DEFAULT_CSS = f"PromptScreen {{ {DIALOG_CSS} }}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self,
        title: str,
        hint: str,
        *,
        password: bool = False,
        check: Callable[[str], str | None] | None = None,
        value: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.password = password
        self.check = check
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible(self.title_text), classes="title", markup=False)
            yield OrderedInput(value=self.value, password=self.password, id="prompt-input")
            yield Static("", classes="error", id="prompt-error", markup=False)
            yield Static(visible(self.hint), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.check(event.value) if self.check else None
        if error:
            self.query_one("#prompt-error", Static).update(error)
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PathsScreen(ModalScreen[tuple[str, str] | None]):
    """Two labelled lines (for a transfer: from, to); enter moves on, then checks and sends.

    ``check(first, second)`` answers an error sentence or None; on an error both values stay.
    """

    DEFAULT_CSS = f"PathsScreen {{ {DIALOG_CSS} }}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="paths.cancel"),
    ]

    def __init__(
        self,
        title: str,
        labels: tuple[str, str],
        values: tuple[str, str],
        hint: str,
        check: Callable[[str, str], str | None],
    ) -> None:
        super().__init__()
        self.title_text = title
        self.labels = labels
        self.values = values
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible(self.title_text), classes="title", markup=False)
            for n, (label, value) in enumerate(zip(self.labels, self.values, strict=True)):
                yield Static(visible(label), markup=False)
                yield OrderedInput(value=value, id=f"path-{n}")
            yield Static("", classes="error", id="paths-error", markup=False)
            yield Static(self.hint, classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#path-0", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "path-0":
            self.query_one("#path-1", Input).focus()
            return
        first = self.query_one("#path-0", Input).value
        second = self.query_one("#path-1", Input).value
        error = self.check(first, second)
        if error:
            self.query_one("#paths-error", Static).update(error)
            return
        self.dismiss((first, second))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[Any]):
    """Pick one of several labelled values; escape cancels."""

    DEFAULT_CSS = f"ChoiceScreen {{ {DIALOG_CSS} }}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, Any]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible(self.title_text), classes="title", markup=False)
            yield OptionList(
                *[Option(visible(label), id=str(i)) for i, (label, _v) in enumerate(self.choices)],
                markup=False,
            )
            yield Static(
                "Arrows to choose, enter to confirm, escape to cancel.",
                classes="hint",
                markup=False,
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditScreen(ModalScreen[dict[str, Any] | None]):
    """The properties form: name, tag, comments, Jump Policy, the two session policies.

    Values are checked against DOMAIN.md's limits before anything is sent; errors show
    under their field (also those the appliance answers with, via :meth:`show_errors`).
    """

    DEFAULT_CSS = f"EditScreen {{ {DIALOG_CSS} }}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
        Binding("ctrl+s", "save", "Save", id="edit.save"),
    ]
    TEXT_FIELDS = (
        ("name", "Name (1–128)"),
        ("tag", "Tag (0–64)"),
        ("comments", "Comments (0–1024)"),
    )
    SELECT_FIELDS = (
        ("jump_policy_id", "Jump Policy"),
        ("attended_session_policy_id", "Session policy, user present"),
        ("unattended_session_policy_id", "Session policy, user not present"),
    )

    def __init__(
        self,
        item: JumpClient,
        *,
        jump_policies: Sequence[tuple[str, int]],
        session_policies: Sequence[tuple[str, int]],
        errors: dict[str, list[str]] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.item = item
        self.jump_policies = [(visible(n), i) for n, i in jump_policies]
        self.session_policies = [(visible(n), i) for n, i in session_policies if i >= 2]
        self.initial = values or {}
        self.errors = errors or {}

    def compose(self) -> ComposeResult:
        item = self.item
        with Vertical():
            yield Static(f"Properties of {visible(item.name)}", classes="title", markup=False)
            for field, label in self.TEXT_FIELDS:
                yield Static(label, markup=False)
                value = self.initial.get(field, self.shown(field))
                yield OrderedInput(value=str(value), id=f"edit-{field}")
                yield Static(
                    "; ".join(self.errors.get(field, [])),
                    classes="error",
                    id=f"error-{field}",
                    markup=False,
                )
            for field, label in self.SELECT_FIELDS:
                options = (
                    self.jump_policies if field == "jump_policy_id" else (self.session_policies)
                )
                current = self.initial.get(field, getattr(item, field))
                yield Static(label, markup=False)
                yield Select(
                    options,
                    value=current if current is not None else Select.NULL,
                    prompt="none (site default / no restriction)",
                    id=f"edit-{field}",
                )
                yield Static(
                    "; ".join(self.errors.get(field, [])),
                    classes="error",
                    id=f"error-{field}",
                    markup=False,
                )
            yield Static(
                "ctrl+s saves (enter in a field too); escape cancels.", classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#edit-name", Input).focus()

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field, _label in self.TEXT_FIELDS:
            values[field] = self.query_one(f"#edit-{field}", Input).value
        for field, _label in self.SELECT_FIELDS:
            chosen = self.query_one(f"#edit-{field}", Select).value
            values[field] = None if chosen is Select.NULL else chosen
        return values

    def shown(self, field: str) -> Any:
        """The item's value as the form shows it: text with control characters (an
        endpoint's, or stored before they were refused) as escapes."""
        value = getattr(self.item, field)
        return visible(value) if isinstance(value, str) else value

    def changes(self) -> dict[str, Any]:
        """What the user changed. A field left as shown is not sent: saving another field
        never rewrites a name into its escaped form."""
        values = self._values()
        return {k: v for k, v in values.items() if v != self.shown(k)}

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for field, _label in (*self.TEXT_FIELDS, *self.SELECT_FIELDS):
            self.query_one(f"#error-{field}", Static).update("; ".join(errors.get(field, [])))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        changes = self.changes()
        try:
            JumpClientUpdate.model_validate(changes)
        except ValidationError as err:
            errors: dict[str, list[str]] = {}
            for error in err.errors():
                field = str(error["loc"][0]) if error["loc"] else "name"
                message = error["msg"].removeprefix("Value error, ")
                errors.setdefault(field, []).append(message[:1].lower() + message[1:])
            self.show_errors(errors)
            return
        self.dismiss(changes)

    def action_cancel(self) -> None:
        self.dismiss(None)
