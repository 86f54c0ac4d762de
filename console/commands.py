"""The ``:`` command line: parsing (pure) and the words it knows."""

from __future__ import annotations

from dataclasses import dataclass

from console.store import COLUMN_KEYS

#: command → (argument description, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "group": ("NAME", "show one Jump Group or personal list (:group servers)"),
    "tag": ("NAME", "show one tag (:tag db)"),
    "all": ("", "show every Jump Item"),
    "filter": ("EXPR", "filter the list (:filter status:online tag:db)"),
    "sort": ("COLUMN [asc|desc]", "sort by a column (:sort cpu desc)"),
    "columns": ("COL,COL,...", "choose and order the columns (:columns name,status,cpu)"),
    "theme": ("NAME", "dark, light, high-contrast or 16"),
    "start": ("all", "start sessions on every item of the current group (10 at most)"),
    "sessions": ("", "show the sessions you are in"),
    "requests": ("", "answer a support request raised at an endpoint"),
    "pause": ("", "pause or resume live updates"),
    "follow": ("", "keep the cursor on the highlighted item when the order changes"),
    "installers": ("", "administrators: the Jump Client installers"),
    "deploy": ("", "administrators: create an installer (mass deployment wizard)"),
    "settings": ("", "administrators: the site's Jump Client settings"),
    "help": ("", "show every key and command"),
    "quit": ("", "leave the console"),
}


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
