"""Overlays of the console: the help (filters as you type) and the command palette provider."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from console.registry import COMMANDS

if TYPE_CHECKING:
    from console.app import JumpConsoleApp


@dataclass(frozen=True, slots=True)
class HelpEntry:
    keys: str
    description: str
    binding_id: str


class HelpScreen(ModalScreen[None]):
    """Every key (with its binding id, for remapping) and every ``:`` command."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close help", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > Vertical { width: 90; height: 80%; background: $surface; border: round $primary;
                       padding: 0 1; }
        & Input, & Input:focus { height: 1; border: none; background: $panel; margin-bottom: 1; }
        & #help-body { height: 1fr; overflow-y: auto; }
    }
    """

    def __init__(self, entries: Iterable[HelpEntry]) -> None:
        super().__init__()
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Help — type to filter, escape to close", markup=False)
            yield Input(placeholder="filter keys and commands", id="help-filter")
            yield Static("", id="help-body", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-filter", Input).focus()
        self._show("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        words = query.lower().split()
        text = Text()
        keys = [
            e
            for e in self.entries
            if all(w in f"{e.keys} {e.description} {e.binding_id}".lower() for w in words)
        ]
        commands = [
            (name, arg, what)
            for name, (arg, what) in COMMANDS.items()
            if all(w in f":{name} {arg} {what}".lower() for w in words)
        ]
        if keys:
            text.append("Keys\n", style="bold")
            width = max(len(e.keys) for e in keys)
            for e in keys:
                text.append(f"  {e.keys.ljust(width)}  {e.description}  ")
                text.append(f"[{e.binding_id}]\n", style="dim")
        if commands:
            text.append("\nCommands (press : first)\n", style="bold")
            for name, arg, what in commands:
                text.append(f"  :{name} {arg}".ljust(24) + f"  {what}\n")
        if not keys and not commands:
            text.append(f"Nothing matches '{query}'.")
        self.query_one("#help-body", Static).update(text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class ConsoleCommands(Provider):
    """Every console action, every group and every theme, in the command palette."""

    @property
    def console(self) -> JumpConsoleApp:
        from console.app import JumpConsoleApp

        app = self.app
        assert isinstance(app, JumpConsoleApp)
        return app

    def _choices(self) -> list[tuple[str, str, object]]:
        app = self.console
        choices: list[tuple[str, str, object]] = []
        for entry in app.help_entries():
            action = app.action_for(entry.binding_id)
            if action is not None:
                choices.append((entry.description, f"key {entry.keys}", action))
        for label, scope in app.scopes():
            choices.append(
                (
                    f"Show {label}",
                    "narrow the list to this group",
                    lambda s=scope: app.go_to_scope(s),
                )
            )
        for theme in ("dark", "light", "high-contrast", "16"):
            choices.append(
                (
                    f"Theme: {theme}",
                    "change the colours",
                    lambda t=theme: app.run_command(f"theme {t}"),
                )
            )
        return choices

    async def discover(self) -> Hits:
        for title, help_text, callback in self._choices():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._choices():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    callback,  # type: ignore[arg-type]
                    help=help_text,
                )
