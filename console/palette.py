"""The command palette's choices: every key's action (the list's only over the list), and
those that are not keys: over the list, every group and tag and the ``:`` commands no key
runs; everywhere, every theme. And the help screen's entries, in the registry's order."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

from console.main_screen import MainScreen
from console.registry import ACTIONS, key_actions
from console.screens import HelpEntry, PaletteChoice, help_entries, shown_keys
from themes import SHORT_NAMES
from widgets import GroupTree, JumpTable, Scope

if TYPE_CHECKING:
    from console.app import JumpConsoleApp
    from console.store import ItemStore


def help_entries_of(app: JumpConsoleApp, keymap: dict[str, str]) -> list[HelpEntry]:
    """Every key of the app and the list, in the registry's order, as ``keymap`` sets them."""
    order = {a.binding_id: n for n, a in enumerate(key_actions())}
    ours = sorted(
        [*app.BINDINGS, *MainScreen.BINDINGS],
        key=lambda b: order.get(b.id or "", 0) if isinstance(b, Binding) else 0,
    )
    return help_entries([*ours, *JumpTable.BINDINGS], keymap)


def action_for(
    app: JumpConsoleApp, binding_id: str, screen: Screen[object]
) -> Callable[[], object] | None:
    """What a key does, run from the palette over ``screen``: the list's keys only over
    the main screen."""
    for node, bindings in ((app, app.BINDINGS), (app.main, MainScreen.BINDINGS)):
        if node is app.main and screen is not app.main:
            continue
        for binding in bindings:
            assert isinstance(binding, Binding)
            if binding.id == binding_id:
                return partial(app.run_action, binding.action, node)
    return None


def choices(app: JumpConsoleApp, screen: Screen[object]) -> list[PaletteChoice]:
    """Every key's action, every group, the ``:`` commands no key runs and every theme,
    for the command palette over ``screen`` (the list's, its groups and commands only over
    the list)."""
    found: list[PaletteChoice] = []
    for entry in app.help_entries():
        action = action_for(app, entry.binding_id, screen)
        if action is not None:
            keys = shown_keys(entry.keys)
            found.append(PaletteChoice(entry.description, f"key {keys}", action))
    return found + other_choices(app.main, app.store, over_list=screen is app.main)


def other_choices(main: MainScreen, store: ItemStore, *, over_list: bool) -> list[PaletteChoice]:
    """The choices besides the keys' actions (``over_list``: the palette is over the list)."""
    choices: list[PaletteChoice] = []
    for key in store.group_names if over_list else ():
        scope: Scope = (key, None)
        label = f"Show {store.group_label(key)}"
        go = partial(main.go_to_scope, scope)
        choices.append(PaletteChoice(label, "narrow the list to this group", go))
    for key, tag in main.query_one(GroupTree).scopes() if over_list else ():
        if tag is not None:
            label = f"Show tag {tag} in {store.group_label(key)}"
            go = partial(main.go_to_scope, (key, tag))
            choices.append(PaletteChoice(label, "narrow the list to this tag", go))
    for command in ACTIONS if over_list else ():  # the : commands keys lack
        if command.command and not command.argument and not command.keys:
            run = partial(main.run_command, command.command)
            choices.append(PaletteChoice(f":{command.command}", command.command_help, run))
    for theme in SHORT_NAMES:
        use = partial(main.run_command, f"theme {theme}")
        choices.append(PaletteChoice(f"Theme: {theme}", "change the colours", use))
    return choices
