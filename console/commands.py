"""The ``:`` command line: parsing and completion (pure), and the words it knows.

An argument in double quotes is one name (``:group "Point of Sale"``); ``:filter`` keeps its
quotes, which are the filter language's. An argument in brackets in the table of actions
(``[EXPR]``) may be left out.
"""

from __future__ import annotations

import os.path
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.registry import COMMANDS
from domain.columns import parse_columns, parse_sort


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argument: str
    columns: tuple[str, ...] = ()
    """``:columns``: the column keys, in order."""
    sort: tuple[str, bool] | None = None
    """``:sort``: the column key and whether descending."""


#: the commands whose argument is in a language of its own, quotes and all
KEEPS_QUOTES = frozenset({"filter", "audit"})


class CommandError(ValueError):
    """One sentence saying what is wrong with the command and what would work."""


def parse_command(text: str) -> Command:
    words = text.strip().removeprefix(":").strip()
    if not words:
        raise CommandError("Type a command, for example :group servers; :help lists them.")
    name, _, argument = words.partition(" ")
    name = name.lower()
    if name in ("q", "exit"):
        name = "quit"
    matches = [c for c in COMMANDS if c.startswith(name)]
    if name not in COMMANDS:
        if len(matches) != 1:
            known = ", ".join(COMMANDS)
            raise CommandError(f"'{name}' is not a command; the commands are {known}.")
        name = matches[0]
    argument = argument.strip()
    if name not in KEEPS_QUOTES and len(argument) >= 2 and argument[0] == argument[-1] == '"':
        argument = argument[1:-1].strip()
    needs = COMMANDS[name][0]
    if needs and not needs.startswith("[") and not argument:
        raise CommandError(f":{name} needs {needs}: {COMMANDS[name][1]}.")
    try:
        if name == "columns":
            return Command(name, argument, columns=tuple(parse_columns(argument)))
        if name == "sort":
            return Command(name, argument, sort=parse_sort(argument))
    except ValueError as err:  # an unknown column: one sentence naming the columns
        raise CommandError(str(err)) from None
    return Command(name, argument)


def _quoted(choice: str) -> str:
    return f'"{choice}"' if " " in choice else choice


def complete(text: str, choices: Callable[[str], Sequence[str]]) -> tuple[str, list[str]]:
    """Tab on the command line: ``text`` completed as far as it is unambiguous, and the
    choices that remain when more than one does. ``choices(command)``: the arguments that
    command takes (group names, tags, themes, columns); the command names are the table's."""
    typed = text.lstrip().removeprefix(":")
    name, space, argument = typed.partition(" ")
    if not space:
        options = [c for c in COMMANDS if c.startswith(name.lower())]
        done = [f"{o} " for o in options]
    else:
        try:
            name = parse_command(f"{name} x").name  # a known prefix: :gr -> group
        except CommandError:
            return text, []
        wanted = argument.strip().strip('"').lower()
        options = [c for c in choices(name) if c.lower().startswith(wanted)]
        done = [f"{name} {_quoted(o)}" for o in options]
    if len(done) == 1:
        return done[0], options
    if not done:
        return text, []
    common = os.path.commonprefix([d.lower() for d in done])
    longest = done[0][: len(common)] if len(common) > len(typed) else typed
    return longest, options
