"""Every action of the console, once: its keys, its footer label, its ``:`` command and its
plain-mode word.

The TUI's key bindings and footer, the ``?`` help, the command palette, the ``:`` command
line and plain mode's commands (and their help and completion) are all derived from
:data:`ACTIONS`. No Textual import: plain mode and the CLI read it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from themes import SHORT_NAMES_TEXT


def keys_of(text: str) -> tuple[str, ...]:
    """The keys of a binding's key text: ``"f6, ctrl+f"`` -> ``("f6", "ctrl+f")``."""
    return tuple(k.strip() for k in text.split(",") if k.strip())


@dataclass(frozen=True, slots=True)
class ConsoleAction:
    """One thing a representative can do from the console."""

    id: str
    """Stable name: the binding id is ``app.<id>`` (users remap keys by it, wherever it is
    bound)."""
    label: str = ""
    """Short label: the footer, the help's key list, the command palette."""
    keys: str = ""
    """Default keys in the main list ('' = no key)."""
    action: str = ""
    """The TUI action the keys run (default: the id)."""
    footer: bool = True
    app_wide: bool = False
    """Bound on the app (works on every screen); the others act on the list and are bound on
    the main screen, so they never reach through another screen to the hidden list."""
    command: str = ""
    """The ``:`` command word ('' = none)."""
    argument: str = ""
    """What the ``:`` command needs after it ('' = nothing)."""
    command_help: str = ""
    plain: tuple[str, ...] = ()
    """Plain mode's words for it (the first is the one its help shows)."""
    plain_usage: str = ""
    plain_help: str = ""

    @property
    def binding_id(self) -> str:
        return f"app.{self.id}"

    @property
    def tui_action(self) -> str:
        return self.action or self.id


ACTIONS: tuple[ConsoleAction, ...] = (
    ConsoleAction("filter", "Filter", "slash"),
    ConsoleAction("command", "Command", "colon", action="command_line"),
    ConsoleAction(
        "help",
        "Help",
        "question_mark",
        app_wide=True,
        plain=("help", "?"),
        plain_usage="help, quit",
    ),
    ConsoleAction("tree", "Groups", "t", action="focus_tree", footer=False),
    ConsoleAction("toggle_tree", "Tree", "T", footer=False),
    ConsoleAction("list", "List", "l", action="focus_list", footer=False),
    ConsoleAction("sort", "Sort", "s", action="sort_next"),
    ConsoleAction("sort_reverse", "Reverse", "S", footer=False),
    ConsoleAction("column_left", "Col ←", "ctrl+left", action="move_column(-1)", footer=False),
    ConsoleAction("column_right", "Col →", "ctrl+right", action="move_column(1)", footer=False),
    ConsoleAction(
        "groups",
        plain=("groups",),
        plain_usage="groups",
        plain_help="number the groups and personal lists with their counts",
    ),
    ConsoleAction(
        "group",
        command="group",
        argument="NAME",
        command_help="show one Jump Group or personal list (:group servers)",
        plain=("group", "tag", "all"),
        plain_usage="group NAME or N",
        plain_help="show one group; tag NAME shows one tag; all shows everything",
    ),
    ConsoleAction("tag", command="tag", argument="NAME", command_help="show one tag (:tag db)"),
    ConsoleAction("all", command="all", command_help="show every Jump Item"),
    ConsoleAction(
        "filter_by",
        command="filter",
        argument="[EXPR]",
        command_help="filter the list (:filter status:online tag:db); :filter alone clears it",
        plain=("filter",),
        plain_usage="filter EXPR",
        plain_help="narrow the list (e.g. filter tag:db status:online); filter alone clears it",
    ),
    ConsoleAction(
        "page",
        plain=("list", "next", "back"),
        plain_usage="list, next, back",
        plain_help="the current page, the next one, the one before",
    ),
    ConsoleAction(
        "show",
        plain=("show",),
        plain_usage="show N",
        plain_help="every field of item N of the list, and what you may do with it",
    ),
    ConsoleAction(
        "sort_by",
        command="sort",
        argument="COLUMN [asc|desc]",
        command_help="sort by a column (:sort cpu desc)",
        plain=("sort",),
        plain_usage="sort COLUMN",
        plain_help="order the list by a column, asc or desc after it (sort cpu desc)",
    ),
    ConsoleAction(
        "columns",
        command="columns",
        argument="COL,COL,...",
        command_help="choose and order the columns (:columns name,user,last seen)",
    ),
    ConsoleAction("theme", command="theme", argument="NAME", command_help=SHORT_NAMES_TEXT),
    ConsoleAction(
        "start_all",
        command="start",
        argument="all",
        command_help="start sessions on every item of the current group (10 at most)",
    ),
    ConsoleAction(
        "start",
        "Jump",
        "j",
        plain=("jump",),
        plain_usage="jump N [N ...]",
        plain_help="start a session (up to 10 items)",
    ),
    ConsoleAction("mark", "Mark", "space"),
    ConsoleAction(
        "wake",
        "Wake",
        "w",
        plain=("wake", "upgrade"),
        plain_usage="wake N, upgrade N",
        plain_help="wake an item through a peer (asks for an optional SecureOn\n"
        "password, not shown); upgrade its Jump Client",
    ),
    ConsoleAction("upgrade", "Upgrade", "u"),
    ConsoleAction(
        "edit",
        "Edit",
        "e",
        plain=("edit",),
        plain_usage="edit N",
        plain_help="change item N's name, tag, comments and policies, a question each",
    ),
    ConsoleAction(
        "copy",
        "Copy",
        "c",
        plain=("copy",),
        plain_usage="copy N",
        plain_help="copy item N into another group (asks which)",
    ),
    ConsoleAction(
        "remove",
        "Remove",
        "delete",
        plain=("remove",),
        plain_usage="remove N",
        plain_help="remove item N from the list (names it and asks you to confirm)",
    ),
    ConsoleAction("invite", "Invite", "i"),
    ConsoleAction(
        "sessions",
        "Sessions",
        "v",
        command="sessions",
        command_help="show the sessions you are in",
        plain=("sessions", "end", "invite"),
        plain_usage="sessions",
        plain_help="your sessions; end [N] leaves one; invite NAME invites to the last one",
    ),
    ConsoleAction(
        "end_session",
        command="end",
        command_help="end the session on the highlighted item (yours, one on your personal "
        "item, any for an administrator; a joined one you leave)",
    ),
    # the session screen's keys (its own bindings); plain mode acts on the current session
    ConsoleAction(
        "transfer",
        plain=("download", "upload"),
        plain_usage="download, upload",
        plain_help="a file from or to the current session's endpoint (asks for the paths)",
    ),
    ConsoleAction(
        "system_info",
        plain=("sysinfo",),
        plain_usage="sysinfo",
        plain_help="the current session's endpoint: processes, disks, memory, services",
    ),
    ConsoleAction(
        "shell",
        plain=("shell",),
        plain_usage="shell [N]",
        plain_help="the session's shell in this terminal; Control and ] comes back",
    ),
    ConsoleAction("details", "Details", "d", action="toggle_details"),
    ConsoleAction("reconnect", "Reconnect now", "r", footer=False, app_wide=True),
    ConsoleAction(
        "requests",
        command="requests",
        command_help="answer a support request raised at an endpoint",
        plain=("requests", "accept"),
        plain_usage="requests",
        plain_help="the waiting support requests; accept N starts its session",
    ),
    ConsoleAction(
        "pause",
        "Pause",
        "Z",
        command="pause",
        command_help="pause or resume live updates",
    ),
    # The list always keeps its highlight on the item, so the full screen has no "follow";
    # plain mode's follow announces an item's changes.
    ConsoleAction(
        "follow",
        plain=("follow", "unfollow", "quiet"),
        plain_usage="follow N",
        plain_help="announce changes of item N; unfollow N; quiet on or quiet off",
    ),
    ConsoleAction(
        "installers",
        command="installers",
        command_help="administrators (and the installer permission): the Jump Client installers",
        plain=("installers", "installer"),
        plain_usage="installers",
        plain_help="administrators (and the installer permission): the installers, numbered;\n"
        "installer N usage, extend, email, download, link, key or delete acts on one\n"
        "(usage: the install commands, as the full screen shows them; delete asks)",
    ),
    ConsoleAction(
        "audit",
        command="audit",
        command_help="administrators: the audit log (:audit actor:bob action:session since:1d)",
        plain=("audit",),
        plain_usage="audit [FILTER]",
        plain_help="for site administrators: the newest audit entries\n"
        "(e.g. audit action:session since:1d; show N gives an item's history)",
    ),
    ConsoleAction(
        "deploy",
        command="deploy",
        command_help="administrators (and the installer permission): create an installer (wizard)",
        plain=("deploy",),
        plain_usage="deploy",
        plain_help="administrators (and the installer permission): create an installer,\n"
        "a question per field",
    ),
    ConsoleAction(
        "settings",
        command="settings",
        command_help="administrators: the site's Jump Client settings",
        plain=("settings", "set"),
        plain_usage="settings, set [N]",
        plain_help="for site administrators: the site's settings, numbered; set N\n"
        "changes one (asks for the value and checks it first)",
    ),
    ConsoleAction("help_command", command="help", command_help="show every key and command"),
    ConsoleAction(
        "quit",
        "Quit",
        "ctrl+q",
        app_wide=True,
        command="quit",
        command_help="leave the console",
        plain=("quit",),
    ),
)


def key_actions(*, app_wide: bool | None = None) -> list[ConsoleAction]:
    """The actions with keys, in the order the footer and the help show them (``app_wide``
    True or False: only the app's, or only the list's)."""
    return [a for a in ACTIONS if a.keys and app_wide in (None, a.app_wide)]


#: ``:`` command → (what it needs, what it does), in the order the help lists them
COMMANDS: dict[str, tuple[str, str]] = {
    a.command: (a.argument, a.command_help) for a in ACTIONS if a.command
}

#: every word plain mode understands (for completion); each action's first word leads
PLAIN_WORDS: tuple[str, ...] = tuple(w for a in ACTIONS for w in a.plain)


def plain_help() -> list[str]:
    """Plain mode's ``help``: one line per action (continuation lines indented)."""
    lines = ["Commands:"]
    entries = [a for a in ACTIONS if a.plain_usage and a.plain_help]
    entries += [a for a in ACTIONS if a.plain_usage and not a.plain_help]  # "help, quit" last
    for a in entries:
        first, *more = a.plain_help.split("\n")
        usage = a.plain_usage
        lines.append(f"  {usage.ljust(17)} {first}".rstrip())
        lines.extend(f"  {'':17} {line}" for line in more)
    return lines
