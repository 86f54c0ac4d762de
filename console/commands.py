"""The ``:`` command line: parsing (pure) and the words it knows."""

from __future__ import annotations

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
    needs = COMMANDS[name][0]
    if needs and not argument:
        raise CommandError(f":{name} needs {needs}: {COMMANDS[name][1]}.")
    try:
        if name == "columns":
            return Command(name, argument, columns=tuple(parse_columns(argument)))
        if name == "sort":
            return Command(name, argument, sort=parse_sort(argument))
    except ValueError as err:  # an unknown column: one sentence naming the columns
        raise CommandError(str(err)) from None
    return Command(name, argument)
