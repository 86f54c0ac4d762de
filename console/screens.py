"""Overlays of the console: the help (filters as you type) and the command palette provider."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from console.registry import COMMANDS, key_name, keys_of
from domain.filters import FILTER_COMBINES, FILTER_SYNTAX
from widgets.ordered_input import OrderedInput


@dataclass(frozen=True, slots=True)
class HelpEntry:
    keys: str
    description: str
    binding_id: str


def shown_keys(keys: str) -> str:
    """A binding's keys as the README's table shows them (``/``, ``?``, ``ctrl+]``), not by
    the names a keymap gives them (``slash``, ``question_mark``)."""
    return ", ".join(key_name(key) for key in keys_of(keys))


def help_entries(bindings: Iterable[BindingType], keymap: Mapping[str, str]) -> list[HelpEntry]:
    """One entry per key binding (as the user's keymap remaps it), then the palette's key."""
    entries = []
    for binding in bindings:
        assert isinstance(binding, Binding)
        keys = keymap.get(binding.id or "", binding.key)
        entries.append(HelpEntry(keys, binding.description, binding.id or ""))
    entries.append(HelpEntry("ctrl+p", "Command palette: every action", "app.palette"))
    return entries


@dataclass(frozen=True, slots=True)
class PaletteChoice:
    """One line of the command palette: what it says, its help, and what it runs."""

    title: str
    help: str
    run: Callable[[], object]


@runtime_checkable
class PaletteSource(Protocol):
    """An app whose palette offers its own choices (the console's app is one)."""

    def palette_choices(self, screen: Screen[object]) -> list[PaletteChoice]: ...


class HelpScreen(ModalScreen[None]):
    """Every key (with its binding id, for remapping), every ``:`` command and the filter
    language. The typing stays in the filter; the arrows and page keys scroll the text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close help", id="help.close"),
        Binding("down", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("up", "scroll(-1)", "Scroll up", show=False, id="help.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="help.page_up"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > Vertical { width: 90; height: 80%; background: $surface; border: round $primary;
                       padding: 0 1; }
        & Input, & Input:focus { height: 1; border: none; background: $panel; margin-bottom: 1; }
        & #help-scroll { height: 1fr; }
    }
    """

    def __init__(self, entries: Iterable[HelpEntry]) -> None:
        super().__init__()
        self.entries = list(entries)
        self._shown = {e.keys: shown_keys(e.keys) for e in self.entries}  # as typed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Help — type to filter, ↑↓ PgUp PgDn scroll, escape closes", markup=False)
            yield OrderedInput(
                placeholder="filter keys, commands and the filter language", id="help-filter"
            )
            with VerticalScroll(id="help-scroll", can_focus=False):
                yield Static("", id="help-body", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-filter", Input).focus()
        self._show("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        words = query.lower().split()
        text = Text()
        shown = self._shown
        keys = [
            e
            for e in self.entries
            if all(
                w in f"{shown[e.keys]} {e.keys} {e.description} {e.binding_id}".lower()
                for w in words
            )
        ]
        commands = [
            (name, arg, what)
            for name, (arg, what) in COMMANDS.items()
            if all(w in f":{name} {arg} {what}".lower() for w in words)
        ]
        if keys:
            text.append("Keys\n", style="bold")
            width = max(len(shown[e.keys]) for e in keys)
            for e in keys:
                text.append(f"  {shown[e.keys].ljust(width)}  {e.description}  ")
                text.append(f"[{e.binding_id}]\n", style="dim")
        if commands:
            text.append("\nCommands (press : first)\n", style="bold")
            for name, arg, what in commands:
                text.append(f"  :{name} {arg}".ljust(24) + f"  {what}\n")
        syntax = [
            (example, what)
            for example, what in FILTER_SYNTAX
            if all(w in f"filter {example} {what}".lower() for w in words)
        ]
        if syntax:
            text.append("\nThe filter language (press / first)\n", style="bold")
            width = max(len(example) for example, _ in syntax)
            for example, what in syntax:
                text.append(f"  {example.ljust(width)}  {what}\n")
            text.append(f"  {FILTER_COMBINES}\n")
        if not keys and not commands and not syntax:
            text.append(f"Nothing matches '{query}'.")
        self.query_one("#help-body", Static).update(text)
        self.query_one("#help-scroll", VerticalScroll).scroll_home(animate=False)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_page(self, pages: int) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.scroll_relative(y=pages * max(1, scroll.size.height - 1), animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class ConsoleCommands(Provider):
    """Every console action, every group and every theme, in the command palette."""

    def _choices(self) -> list[PaletteChoice]:
        app = self.app
        return app.palette_choices(self.screen) if isinstance(app, PaletteSource) else []

    async def discover(self) -> Hits:
        for choice in self._choices():
            yield DiscoveryHit(choice.title, choice.run, help=choice.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for choice in self._choices():
            score = matcher.match(choice.title)
            if score > 0:
                yield Hit(score, matcher.highlight(choice.title), choice.run, help=choice.help)
