"""The command line's words: its commands, options and help."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from console.installer_text import OVERRIDES as _OVERRIDES
from domain.installer import DEFAULT_VALID_MINUTES, MAX_VALID_MINUTES, MIN_VALID_MINUTES

#: each command and what it does: its help, the overview in ``jump-console --help``
COMMAND_HELP: dict[str, str] = {
    "groups": "every group and personal list you see, with online and total counts",
    "ls": "list Jump Items (with the filter language)",
    "show": "every field of one Jump Item",
    "jump": "start sessions (at most 10 items)",
    "wake": "wake an item through a peer on its network",
    "upgrade": "upgrade an item's Jump Client",
    "edit": "change an item's properties",
    "copy": "copy an item to another group or personal list",
    "remove": "remove an item from the console (asks first; --yes for scripts)",
    "sessions": "running sessions: ls [--all], end SID [--yes], invite SID USER",
    "files": "in a session: download SID REMOTE [LOCAL], upload SID LOCAL REMOTE",
    "sysinfo": "in a session: the endpoint's processes, memory, disks and services",
    "screenshot": "in a session: save a PNG of the endpoint's screen (policy permitting)",
    "requests": "support requests raised at endpoints: ls, accept ID (its session starts)",
    "installers": "installers: ls, show, create, extend, email, download, delete [--yes]",
    "settings": "site settings: get [KEY], set KEY=VALUE...",
    "audit": "the audit log, newest first (site administrators)",
}
COMMANDS = tuple(COMMAND_HELP)
LS_COLUMNS = (
    *("id", "name", "status", "group", "tag", "cpu", "disk", "user", "hostname"),
    *("uptime", "os", "last_seen", "comments"),  # the rest of the list's columns
)
EXIT_CODES = (
    "0 ok, 1 refused by a rule, 2 usage or input error, 3 the appliance cannot be reached or "
    "refused the sign-in"
)
OPTIONS = (
    ("--json", "one JSON document on stdout, with the API's field names"),
    ("--password-file FILE", "read the password from this file (never from an argument)"),
)


def overview() -> str:
    """What ``jump-console --help`` says about the commands for scripts."""
    width = max(len(name) for name in (*COMMANDS, *(o for o, _ in OPTIONS)))
    lines = [
        "commands for scripts (jump-console [OPTIONS] COMMAND ...; "
        "jump-console COMMAND --help for one):"
    ]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMAND_HELP.items()]
    lines.append("their options, before the command:")
    lines += [f"  {name.ljust(width)}  {text}" for name, text in OPTIONS]
    lines.append("--appliance, --user and --config as above; without a command the console starts.")
    lines += textwrap.wrap(f"A command's exit status: {EXIT_CODES}.", 92)
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jump-console",
        description=f"Script the Jump Console: exit {EXIT_CODES}.",
    )
    p.add_argument("--appliance", metavar="URL", help="the appliance (default: config)")
    p.add_argument("--user", dest="username", help="representative to sign in as")
    p.add_argument("--password-file", type=Path, help="read the password from this file")
    p.add_argument("--config", type=Path, help="config file (default: platform config dir)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=COMMAND_HELP[name], description=COMMAND_HELP[name])

    command("groups")
    ls = command("ls")
    ls.add_argument("filter", nargs="?", default="", help='e.g. "tag:db status:online"')
    ls.add_argument("--columns", help=f"comma-separated: {', '.join(LS_COLUMNS)}")
    command("show").add_argument("item", help="an id or a unique name")
    command("jump").add_argument("items", nargs="+", metavar="item")
    wake = command("wake")
    wake.add_argument("item")
    wake.add_argument("--wol-password-file", type=Path, help="a file holding the SecureOn password")
    command("upgrade").add_argument("item")
    edit = command("edit")
    edit.add_argument("item")
    for name in ("name", "tag", "comments"):
        edit.add_argument(f"--{name}")
    edit.add_argument("--jump-policy", metavar="POLICY", help="a name or id; none: no policy")
    edit.add_argument(
        "--attended-policy", metavar="POLICY", help="session policy, user present (none: default)"
    )
    edit.add_argument(
        "--unattended-policy",
        metavar="POLICY",
        help="session policy, user not present (none: default)",
    )
    copy = command("copy")
    copy.add_argument("item")
    copy.add_argument(
        "--to",
        required=True,
        metavar="GROUP",
        help="a group as the console names it (Servers, 'My personal list') or a group's id",
    )
    remove = command("remove")
    remove.add_argument("item")
    remove.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    _sessions(command("sessions"))
    _files(command("files"))
    command("sysinfo").add_argument("sid", help="a session you are in (sessions ls)")
    shot = command("screenshot")
    shot.add_argument("sid", help="a session you are in (sessions ls)")
    shot.add_argument("path", help="a new PNG file, or a folder to save it in")
    requests = command("requests").add_subparsers(dest="action")
    requests.add_parser("ls", help="the waiting support requests you may take")
    requests.add_parser("accept", help="take one: its session starts").add_argument("id")
    _installers(command("installers"))
    settings = command("settings")
    set_sub = settings.add_subparsers(dest="action", required=True)
    get = set_sub.add_parser("get")
    get.add_argument("key", nargs="?")
    put = set_sub.add_parser("set")
    put.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    audit = command("audit")
    audit.add_argument("--item", help="an item's id (or the unique name of one you see)")
    audit.add_argument("--actor", help="who: a representative, api:ID, system:maintenance...")
    audit.add_argument("--action", help="an action (session.start) or a family (session)")
    audit.add_argument("--since", help="2h, 30m, 7d (ago) or an ISO time (UTC unless it says)")
    audit.add_argument("--until", help="as --since")
    audit.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    return p


def _sessions(sessions: argparse.ArgumentParser) -> None:
    ses_sub = sessions.add_subparsers(dest="action")
    ls_sessions = ses_sub.add_parser("ls", help="the sessions you are in or invited to")
    ls_sessions.add_argument(
        "--all", action="store_true", help="also every other one you may end (administrators: all)"
    )
    end = ses_sub.add_parser(
        "end", help="end a session (yours, on your item, or any for an administrator); else leave"
    )
    end.add_argument("sid")
    end.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    invite = ses_sub.add_parser("invite", help="invite a representative to your session")
    invite.add_argument("sid")
    invite.add_argument("invitee", metavar="USER", help="their username")


def _files(files: argparse.ArgumentParser) -> None:
    way = files.add_subparsers(dest="action", required=True)
    down = way.add_parser("download", help="a file from the endpoint (nothing is overwritten)")
    down.add_argument("sid", help="a session you are in (sessions ls)")
    down.add_argument("remote", help="the file on the endpoint (an absolute path)")
    down.add_argument(
        "local", nargs="?", default="./", help="a folder or a new file here (default: this folder)"
    )
    up = way.add_parser("upload", help="a file to the endpoint")
    up.add_argument("sid", help="a session you are in (sessions ls)")
    up.add_argument("local", help="the file on this machine")
    up.add_argument("remote", help="where on the endpoint (a path ending in / keeps the name)")


def _installers(inst: argparse.ArgumentParser) -> None:
    inst_sub = inst.add_subparsers(dest="action", required=True)
    inst_sub.add_parser("ls", help="every installer, its group by name; expired ones marked")
    show = inst_sub.add_parser("show", help="every field, its key and its direct download link")
    show.add_argument("id", type=int)
    create = inst_sub.add_parser("create", help="a new installer: every field of the wizard")
    create.add_argument(
        "--group",
        required=True,
        help="where its clients go: a shared group or a personal list, as the console names it "
        "(Servers, 'My personal list', 'Personal: Alice'), or a shared group's id",
    )
    create.add_argument("--name", default="", help="blank: the computer's name")
    create.add_argument("--tag", default="")
    create.add_argument("--comments", default="")
    create.add_argument(
        "--valid-minutes",
        type=int,
        default=DEFAULT_VALID_MINUTES,
        help=f"{MIN_VALID_MINUTES} to {MAX_VALID_MINUTES} (a year); default "
        f"{DEFAULT_VALID_MINUTES} (a day)",
    )
    create.add_argument("--jump-policy", metavar="POLICY", help="a Jump Policy's name or id")
    create.add_argument(
        "--attended-policy", metavar="POLICY", help="session policy when a user is present"
    )
    create.add_argument(
        "--unattended-policy", metavar="POLICY", help="session policy when no user is present"
    )
    create.add_argument(
        "--connection", choices=("active", "passive"), help="default: the site's setting"
    )
    create.add_argument("--passive", action="store_true", help="as --connection passive")
    create.add_argument(
        "--site", metavar="ADDRESS", help="public site address (default: the default site)"
    )
    create.add_argument(
        "--max-offline-minutes", type=int, default=0, help="0 (default): the site's settings"
    )
    create.add_argument("--jumpoint", help="connect through this Jumpoint (name or id)")
    create.add_argument(
        "--no-elevate", action="store_true", help="do not attempt an elevated install"
    )
    create.add_argument(
        "--no-elevate-prompt", action="store_true", help="do not prompt for elevation credentials"
    )
    create.add_argument(
        "--start-mode",
        choices=("normal", "minimized", "hidden"),
        default="normal",
        help="the end-user client at session start",
    )
    create.add_argument(
        "--allow-override",
        default="",
        metavar="FIELD,...",
        help="what an install command line may change: " + ", ".join(_OVERRIDES),
    )
    extend = inst_sub.add_parser("extend", help="valid for N more minutes from now")
    extend.add_argument("id", type=int)
    extend.add_argument("--minutes", type=int, required=True)
    email = inst_sub.add_parser("email", help="e-mail its direct download link")
    email.add_argument("id", type=int)
    email.add_argument("recipients", nargs="+", metavar="ADDRESS")
    email.add_argument("--note", default="", help="a line to add to the message")
    delete = inst_sub.add_parser("delete", help="its key stops working; its clients stay")
    delete.add_argument("id", type=int)
    delete.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    download = inst_sub.add_parser("download", help="save the installer file")
    download.add_argument("id", type=int)
    download.add_argument("--to", type=Path, default=Path("."), help="folder (default: here)")
