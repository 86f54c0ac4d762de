"""Every action of the console, once: its keys, its footer label, its ``:`` command, its
plain-mode word and its ``jump-console`` command.

The TUI's key bindings and footer, the ``?`` help, the command palette, the ``:`` command
line and plain mode's commands (and their help and completion) are all derived from
:data:`ACTIONS`. The README's table of every action in the three front ends is
:func:`markdown_table` (a test keeps the two equal, and fails for an action without a
plain-mode or CLI form that does not say why). No Textual import: plain mode and the CLI
read it too.
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
    cli: str = ""
    """The ``jump-console`` command that does it, as the README's table shows it ('' =
    none); forms separated by ``, ``."""
    tui: str = ""
    """Where the full screen offers it when no key of the list or ``:`` command says so
    (another screen's keys, a pane)."""
    elsewhere: tuple[str, ...] = ()
    """The bindings of other screens (``sessions.end``) that run it; ``tui`` names their keys."""
    only: str = ""
    """Why it has no plain-mode or no CLI form (focus, sort keys, theme, column moves: they
    arrange the full screen)."""

    @property
    def binding_id(self) -> str:
        return f"app.{self.id}"

    @property
    def tui_action(self) -> str:
        return self.action or self.id


SCREEN = "only the full screen has it: "

ACTIONS: tuple[ConsoleAction, ...] = (
    ConsoleAction("filter", "Filter", "slash", plain=("filter",), cli='ls "EXPR"'),
    ConsoleAction(
        "command",
        "Command",
        "colon",
        action="command_line",
        only=SCREEN + "its command line; each : command has its own row",
    ),
    ConsoleAction(
        "help",
        "Help",
        "question_mark",
        app_wide=True,
        plain=("help", "?"),
        plain_usage="help, quit",
        cli="--help, COMMAND --help",
    ),
    ConsoleAction(
        "tree", "Groups", "t", action="focus_tree", footer=False, only=SCREEN + "moves the focus"
    ),
    ConsoleAction("toggle_tree", "Tree", "T", footer=False, only=SCREEN + "hides a pane"),
    ConsoleAction(
        "list", "List", "l", action="focus_list", footer=False, only=SCREEN + "moves the focus"
    ),
    ConsoleAction(
        "sort",
        "Sort",
        "s",
        action="sort_next",
        plain=("sort",),
        only="ls gives the API's order (sort it in the script)",
    ),
    ConsoleAction(
        "sort_reverse",
        "Reverse",
        "S",
        footer=False,
        plain=("sort",),
        only="ls gives the API's order (sort it in the script)",
    ),
    ConsoleAction(
        "column_left",
        "Col ←",
        "ctrl+left",
        action="move_column(-1)",
        footer=False,
        only=SCREEN + "moves a column (ls --columns orders them)",
    ),
    ConsoleAction(
        "column_right",
        "Col →",
        "ctrl+right",
        action="move_column(1)",
        footer=False,
        only=SCREEN + "moves a column (ls --columns orders them)",
    ),
    ConsoleAction(
        "groups",
        plain=("groups",),
        plain_usage="groups",
        plain_help="number the groups and personal lists with their counts",
        cli="groups",
        tui="the group tree (`t`)",
    ),
    ConsoleAction(
        "group",
        command="group",
        argument="NAME",
        command_help="show one Jump Group or personal list (:group servers)",
        plain=("group", "tag", "all"),
        plain_usage="group NAME or N",
        plain_help="show one group; tag NAME shows one tag; all shows everything",
        cli='ls "group:NAME"',
    ),
    ConsoleAction(
        "tag",
        command="tag",
        argument="NAME",
        command_help="show one tag (:tag db)",
        plain=("tag",),
        cli='ls "tag:NAME"',
    ),
    ConsoleAction(
        "all", command="all", command_help="show every Jump Item", plain=("all",), cli="ls"
    ),
    ConsoleAction(
        "filter_by",
        command="filter",
        argument="[EXPR]",
        command_help="filter the list (:filter status:online tag:db); :filter alone clears it",
        plain=("filter",),
        plain_usage="filter EXPR",
        plain_help="narrow the list (e.g. filter tag:db status:online); filter alone clears it",
        cli='ls "EXPR"',
    ),
    ConsoleAction(
        "page",
        plain=("list", "next", "back"),
        plain_usage="list, next, back",
        plain_help="the current page, the next one, the one before",
        cli="ls",
        tui="the arrows, page up and page down",
    ),
    ConsoleAction(
        "show",
        plain=("show",),
        plain_usage="show N",
        plain_help="every field of item N of the list, and what you may do with it",
        cli="show ITEM",
        tui="the details pane (`d`)",
    ),
    ConsoleAction(
        "sort_by",
        command="sort",
        argument="COLUMN [asc|desc]",
        command_help="sort by a column (:sort cpu desc)",
        plain=("sort",),
        plain_usage="sort COLUMN",
        plain_help="order the list by a column, asc or desc after it (sort cpu desc)",
        only="ls gives the API's order (sort it in the script)",
    ),
    ConsoleAction(
        "columns",
        command="columns",
        argument="COL,COL,...",
        command_help="choose and order the columns (:columns name,user,last seen)",
        cli="ls --columns COL,COL,...",
        only="plain mode says every field in words, not in columns",
    ),
    ConsoleAction(
        "theme",
        command="theme",
        argument="NAME",
        command_help=SHORT_NAMES_TEXT,
        only=SCREEN + "its colours",
    ),
    ConsoleAction(
        "start_all",
        command="start",
        argument="all",
        command_help="start sessions on every item of the current group (10 at most)",
        plain=("jump",),
        cli="jump ITEM ITEM ...",
    ),
    ConsoleAction(
        "start",
        "Jump",
        "j",
        plain=("jump",),
        plain_usage="jump N [N ...]",
        plain_help="start a session (up to 10 items)",
        cli="jump ITEM [ITEM ...]",
    ),
    ConsoleAction(
        "mark",
        "Mark",
        "space",
        only=SCREEN + "marks rows for one jump; the others name the items (jump N N)",
    ),
    ConsoleAction(
        "wake",
        "Wake",
        "w",
        plain=("wake", "upgrade"),
        plain_usage="wake N, upgrade N",
        plain_help="wake an item through a peer (asks for an optional SecureOn\n"
        "password, not shown); upgrade its Jump Client",
        cli="wake ITEM [--wol-password-file FILE]",
    ),
    ConsoleAction("upgrade", "Upgrade", "u", plain=("upgrade",), cli="upgrade ITEM"),
    ConsoleAction(
        "edit",
        "Edit",
        "e",
        plain=("edit",),
        plain_usage="edit N",
        plain_help="change item N's name, tag, comments and policies, a question each",
        cli="edit ITEM --name --tag --comments --jump-policy --attended-policy --unattended-policy",
    ),
    ConsoleAction(
        "copy",
        "Copy",
        "c",
        plain=("copy",),
        plain_usage="copy N",
        plain_help="copy item N into another group (asks which)",
        cli="copy ITEM --to GROUP",
    ),
    ConsoleAction(
        "remove",
        "Remove",
        "delete",
        plain=("remove",),
        plain_usage="remove N",
        plain_help="remove item N from the list (names it and asks you to confirm)",
        cli="remove ITEM [--yes]",
    ),
    ConsoleAction(
        "invite",
        "Invite",
        "i",
        plain=("invite",),
        cli="sessions invite SID USER",
        tui="`i` / `f8` on the sessions screen",
        elsewhere=("sessions.invite",),
    ),
    ConsoleAction(
        "sessions",
        "Sessions",
        "v",
        command="sessions",
        command_help="show the sessions you are in",
        plain=("sessions", "end", "invite"),
        plain_usage="sessions",
        plain_help="your sessions; end [N] leaves one; invite NAME invites to the last one",
        cli="sessions ls [--all]",
        tui="on its screen `1`…`9` pick a tab, `escape` / `v` go back",
        elsewhere=("sessions.back", "sessions.tab"),
    ),
    ConsoleAction(
        "end_session",
        command="end",
        command_help="end the session on the highlighted item (yours, one on your personal "
        "item, any for an administrator; a joined one you leave)",
        plain=("end",),
        cli="sessions end SID [--yes]",
        tui="`x` / `f10` on the sessions screen",
        elsewhere=("sessions.end",),
    ),
    # the session screen's keys (its own bindings); plain mode acts on the current session
    ConsoleAction(
        "transfer",
        plain=("download", "upload"),
        plain_usage="download, upload",
        plain_help="a file from or to the current session's endpoint (asks for the paths)",
        cli="files download SID REMOTE [LOCAL], files upload SID LOCAL REMOTE",
        tui="`g` / `f5` download, `p` / `f6` upload on the sessions screen",
        elsewhere=("sessions.download", "sessions.upload"),
    ),
    ConsoleAction(
        "system_info",
        plain=("sysinfo",),
        plain_usage="sysinfo",
        plain_help="the current session's endpoint: processes, disks, memory, services",
        cli="sysinfo SID",
        tui="`y` / `f7` on the sessions screen",
        elsewhere=("sessions.system_info",),
    ),
    ConsoleAction(
        "screen",
        plain=("screenshot", "screen"),
        plain_usage="screenshot [N] PATH",
        plain_help="save a PNG of session N's screen (the live view is the full screen's)",
        cli="screenshot SID PATH",
        tui="`s` / `f4` on the sessions screen: the live screen in place of the terminal "
        "(`+` / `=` zoom in, `-` out, `←` `→` `↑` `↓` pan, `0` whole screen); where the "
        "session's policy allows control, every key and click goes to the endpoint, "
        "`ctrl+]` gives the keys back (zoom, pan, session keys), `enter` takes them again",
        elsewhere=(
            "sessions.screen",
            "screen.zoom_in",
            "screen.zoom_out",
            "screen.fit",
            "screen.pan_left",
            "screen.pan_right",
            "screen.pan_up",
            "screen.pan_down",
            "screen.leave",
            "screen.control",
        ),
    ),
    ConsoleAction(
        "shell",
        plain=("shell",),
        plain_usage="shell [N]",
        plain_help="the session's shell in this terminal; Control and ] comes back",
        tui="the session's terminal tab (`v`, `1`…`9`; `ctrl+]` leaves it)",
        only="a terminal is interactive: scripts use files and sysinfo",
    ),
    ConsoleAction(
        "details", "Details", "d", action="toggle_details", plain=("show",), cli="show ITEM"
    ),
    ConsoleAction(
        "reconnect",
        "Reconnect now",
        "r",
        footer=False,
        app_wide=True,
        only=SCREEN + "its live feed (plain mode reconnects by itself; each command connects anew)",
    ),
    ConsoleAction(
        "requests",
        command="requests",
        command_help="answer a support request raised at an endpoint",
        plain=("requests", "accept"),
        plain_usage="requests",
        plain_help="the waiting support requests; accept N starts its session",
        cli="requests [ls], requests accept ID",
    ),
    ConsoleAction(
        "pause",
        "Pause",
        "Z",
        command="pause",
        command_help="pause or resume live updates",
        only=SCREEN + "holds its live updates",
    ),
    # The list always keeps its highlight on the item, so the full screen has no "follow";
    # plain mode's follow announces an item's changes.
    ConsoleAction(
        "follow",
        plain=("follow", "unfollow", "quiet"),
        plain_usage="follow N",
        plain_help="announce changes of item N; unfollow N; quiet on or quiet off",
        tui="the list and details change live",
        only="announces live changes; a script asks again (show ITEM)",
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
        cli="installers ls, installers show ID, installers extend ID --minutes N, "
        "installers email ID ADDRESS ..., installers download ID, installers delete ID [--yes]",
        tui="its list: `enter` / `v` view, `l` link, `k` key, `d` download, `m` e-mail, "
        "`x` extend, `delete`, `r` reload, `escape` back",
        elsewhere=(
            "installers.view",
            "installers.link",
            "installers.key",
            "installers.download",
            "installers.email",
            "installers.extend",
            "installers.delete",
            "installers.reload",
            "installers.back",
        ),
    ),
    ConsoleAction(
        "audit",
        command="audit",
        command_help="administrators: the audit log (:audit actor:bob action:session since:1d)",
        plain=("audit",),
        plain_usage="audit [FILTER]",
        plain_help="for site administrators: the newest audit entries\n"
        "(e.g. audit action:session since:1d; show N gives an item's history)",
        cli="audit [--item --actor --action --since --until --limit]",
    ),
    ConsoleAction(
        "deploy",
        command="deploy",
        command_help="administrators (and the installer permission): create an installer (wizard)",
        plain=("deploy",),
        plain_usage="deploy",
        plain_help="administrators (and the installer permission): create an installer,\n"
        "a question per field",
        cli="installers create --group GROUP [--jump-policy ... every field]",
        tui="`a` / `n` in the installer list",
        elsewhere=("installers.add",),
    ),
    ConsoleAction(
        "install_here",
        tui="`i` in the installer list",
        elsewhere=("installers.install_here",),
        only="it installs on this machine; a script downloads the installer and runs it "
        "(installers download ID; python3 jump-client-installer-linux-64.pyz)",
    ),
    ConsoleAction(
        "settings",
        command="settings",
        command_help="administrators: the site's Jump Client settings",
        plain=("settings", "set"),
        plain_usage="settings, set [N]",
        plain_help="for site administrators: the site's settings, numbered; set N\n"
        "changes one (asks for the value and checks it first)",
        cli="settings get [KEY], settings set KEY=VALUE ...",
    ),
    ConsoleAction(
        "help_command",
        command="help",
        command_help="show every key and command",
        plain=("help",),
        cli="--help",
    ),
    ConsoleAction(
        "quit",
        "Quit",
        "ctrl+q",
        app_wide=True,
        command="quit",
        command_help="leave the console",
        plain=("quit",),
        only="each command ends by itself",
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

#: every word plain mode understands (for completion), once; each action's first word leads
PLAIN_WORDS: tuple[str, ...] = tuple(dict.fromkeys(w for a in ACTIONS for w in a.plain))


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


# -- the README's table --------------------------------------------------------------------------

#: how the table shows a key the bindings spell out
_KEY_NAMES = {
    "slash": "/",
    "colon": ":",
    "question_mark": "?",
    "ctrl+left": "ctrl+←",
    "ctrl+right": "ctrl+→",
    "plus": "+",
    "equals_sign": "=",
    "minus": "-",
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
    "ctrl+right_square_bracket": "ctrl+]",
}


def key_name(key: str) -> str:
    """A binding's key as the README's table shows it (``ctrl+right_square_bracket``:
    ``ctrl+]``)."""
    return _KEY_NAMES.get(key, key)


TABLE_HEADER = ("action (id)", "full screen", "plain mode", "`jump-console` (scripts)", "why not")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def table_row(action: ConsoleAction) -> tuple[str, str, str, str, str]:
    """One action in the three front ends: (id, full screen, plain mode, CLI, reason)."""
    screen = []
    if action.keys:
        screen.append(" / ".join(_code(key_name(k)) for k in keys_of(action.keys)))
    if action.command:
        screen.append(_code(f":{action.command} {action.argument}".strip()))
    if action.tui:
        screen.append(action.tui)
    usage = action.plain_usage if action.plain_usage and action.plain_help else ""
    plain = usage.split(", ") if usage else list(action.plain)
    cli = action.cli.split(", ") if action.cli else []
    cells = (
        action.id,  # not as code: a test reads the README's audit table by its code names
        ", ".join(screen),
        ", ".join(map(_code, plain)),
        ", ".join(map(_code, cli)),
        action.only,
    )
    return tuple(cell.replace("|", "\\|") for cell in cells)  # type: ignore[return-value]


def markdown_table() -> str:
    """Every action of the full screen with its plain-mode and ``jump-console`` commands (the
    README's table; a test keeps the two equal)."""
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(table_row(a)) + " |" for a in ACTIONS]
    return "\n".join(lines)
