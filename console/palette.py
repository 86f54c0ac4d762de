"""The command palette's choices that are not keys: over the list, every group and tag and
the ``:`` commands no key runs; everywhere, every theme."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from console.registry import ACTIONS
from console.screens import PaletteChoice
from themes import SHORT_NAMES
from widgets import GroupTree, Scope

if TYPE_CHECKING:
    from console.main_screen import MainScreen
    from console.store import ItemStore


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
