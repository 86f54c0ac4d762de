"""The ``:`` command line: Tab completes the command and its argument, ↑ and ↓ walk back
through the commands typed before in this run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from console.commands import complete
from widgets.ordered_input import OrderedInput

#: how many commands the line remembers
HISTORY = 100


class CommandLine(OrderedInput):
    """An :class:`Input` for ``:`` commands, with completion and history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "Complete", show=False, id="command.complete"),
        Binding("up", "history(-1)", "Earlier command", show=False, id="command.earlier"),
        Binding("down", "history(1)", "Later command", show=False, id="command.later"),
    ]

    def __init__(
        self,
        choices: Callable[[str], Sequence[str]],
        *,
        placeholder: str,
        id: str | None = None,  # noqa: A002 - Textual's keyword
    ) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self._choices = choices
        self.history: list[str] = []
        self._at = 0

    def begin(self) -> None:
        """A new command: an empty line, the history's walk from its end."""
        self.value = ""
        self._at = len(self.history)

    def remember(self, text: str) -> None:
        text = text.strip()
        if text and (not self.history or self.history[-1] != text):
            self.history = [*self.history, text][-HISTORY:]
        self._at = len(self.history)

    def action_history(self, step: int) -> None:
        at = min(max(self._at + step, 0), len(self.history))
        if at != self._at:
            self._at = at
            self.value = self.history[at] if at < len(self.history) else ""
            self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        completed, options = complete(self.value, self._choices)
        if completed != self.value:
            self.value = completed
            self.cursor_position = len(completed)
        if len(options) > 1:
            shown = ", ".join(options[:12]) + (", …" if len(options) > 12 else "")
            self.notify(f"Tab again after more letters: {shown}", markup=False, timeout=4)
