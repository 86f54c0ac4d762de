"""``FilterBar``: the filter input, with its syntax error shown inline."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static

from widgets.ordered_input import OrderedInput


class FilterInput(OrderedInput):
    """The filter's one line: an ``Input`` whose text's width is not a layout.

    ``Input`` sets its virtual size (the text's width) at every key, and Textual's widgets
    lay the whole screen out again when theirs changes: one full frame a key, on top of the
    list's. The line's size never depends on its text (a full-width row, one line high,
    no scroll bar), so here the text's width only sets how far it scrolls."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class FilterBar(Vertical):
    """Type a filter: ``typed`` is called with the text at every keystroke, ``Done`` is
    posted on enter or escape.

    ``typed`` is a call, not a message: it runs in the same turn as the key, so the filtered
    list is drawn in the same frame as the key. A message bubbles up one parent per turn of
    the event loop, and a frame showing only the input came first (two frames a key)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Back to list", show=False, id="filter.done"),
    ]

    #: the examples after "words," each filter the demo fleet (tests/unit/test_vocabulary.py);
    #: the key that opens the filter is the user's
    PLACEHOLDER = 'Filter ({key}): words, tag:db status:online os:linux !status:lost "front desk"'

    DEFAULT_CSS = """
    FilterBar {
        height: auto;
        background: $surface;
        & > Input, & > Input:focus { border: none; height: 1; padding: 0 1; }
        & > Input { background: $panel; }
        & > Input:focus { background: $primary 20%; }
        & > .filter-error { color: $error; height: auto; padding: 0 1; display: none; }
        &.-has-error > .filter-error { display: block; }
    }
    """

    error: reactive[str] = reactive("")
    """The parse error to show under the input ("" hides the line)."""

    class Done(Message):
        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(
        self,
        *,
        key: str,
        typed: Callable[[str], None] = lambda _text: None,
        id: str | None = None,  # noqa: A002 - Textual's
    ) -> None:
        super().__init__(id=id)
        self.key = key
        self._typed = typed

    def on_mount(self) -> None:
        self.watch(self.query_one(Input), "value", self._typed, init=False)

    def compose(self) -> ComposeResult:
        yield FilterInput(
            placeholder=self.PLACEHOLDER.format(key=self.key),
            id="filter-input",
        )
        yield Static("", classes="filter-error", id="filter-error", markup=False)

    @property
    def value(self) -> str:
        return self.query_one(Input).value

    @value.setter
    def value(self, text: str) -> None:
        self.query_one(Input).value = text

    def focus_input(self) -> None:
        self.query_one(Input).focus()

    def watch_error(self, error: str) -> None:
        self.set_class(bool(error), "-has-error")
        self.query_one("#filter-error", Static).update(error)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the value went to ``typed`` as it changed

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done(self))

    def action_done(self) -> None:
        self.post_message(self.Done(self))
