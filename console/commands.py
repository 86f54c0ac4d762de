"""The ``:`` command line: parsing (pure) and the words it knows."""

from __future__ import annotations

from dataclasses import dataclass

from console.registry import COMMANDS
from console.store import COLUMN_KEYS


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argument: str


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
    if name == "columns":
        columns = [c.strip() for c in argument.replace(" ", ",").split(",") if c.strip()]
        unknown = [c for c in columns if c not in COLUMN_KEYS]
        if unknown:
            raise CommandError(
                f"'{unknown[0]}' is not a column; the columns are {', '.join(COLUMN_KEYS)}."
            )
    if name == "sort":
        parts = argument.split()
        if parts[0] not in COLUMN_KEYS or (len(parts) > 1 and parts[1] not in ("asc", "desc")):
            raise CommandError(f"Sort by one of {', '.join(COLUMN_KEYS)}, then asc or desc.")
    return Command(name, argument)
