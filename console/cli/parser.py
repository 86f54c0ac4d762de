"""The command line's words: its commands, options and help."""

from __future__ import annotations

import argparse
from pathlib import Path

COMMANDS = (
    "ls",
    "show",
    "jump",
    "wake",
    "upgrade",
    "edit",
    "installers",
    "settings",
    "sessions",
    "audit",
)
LS_COLUMNS = ("id", "name", "status", "group", "tag", "cpu", "disk", "user", "hostname")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jump-console",
        description="Script the Jump Console: exit 0 ok, 1 refused by a rule, 2 usage or "
        "input error, 3 the appliance cannot be reached or refused the sign-in.",
    )
    p.add_argument("--appliance", metavar="URL", help="the appliance (default: config)")
    p.add_argument("--user", dest="username", help="representative to sign in as")
    p.add_argument("--password-file", type=Path, help="read the password from this file")
    p.add_argument("--config", type=Path, help="config file (default: platform config dir)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("ls", help="list Jump Items (with the filter language)")
    ls.add_argument("filter", nargs="?", default="", help='e.g. "tag:db status:online"')
    ls.add_argument("--columns", help=f"comma-separated: {', '.join(LS_COLUMNS)}")
    show = sub.add_parser("show", help="every field of one Jump Item")
    show.add_argument("item", help="an id or a unique name")
    jump = sub.add_parser("jump", help="start sessions (at most 10 items)")
    jump.add_argument("items", nargs="+")
    wake = sub.add_parser("wake", help="wake an item through a peer on its network")
    wake.add_argument("item")
    wake.add_argument("--wol-password-file", type=Path, help="a file holding the SecureOn password")
    upgrade = sub.add_parser("upgrade", help="upgrade an item's Jump Client")
    upgrade.add_argument("item")
    edit = sub.add_parser("edit", help="change an item's properties")
    edit.add_argument("item")
    for name in ("name", "tag", "comments"):
        edit.add_argument(f"--{name}")
    inst = sub.add_parser("installers", help="installers: ls, create, extend, delete, download")
    inst_sub = inst.add_subparsers(dest="action", required=True)
    inst_sub.add_parser("ls")
    create = inst_sub.add_parser("create")
    create.add_argument("--group", required=True, help="a shared Jump Group's name or id")
    create.add_argument("--name", default="")
    create.add_argument("--tag", default="")
    create.add_argument("--comments", default="")
    create.add_argument("--valid-minutes", type=int, default=1440)
    create.add_argument("--passive", action="store_true")
    create.add_argument("--allow-override", default="", help="e.g. tag,name,comments")
    extend = inst_sub.add_parser("extend")
    extend.add_argument("id", type=int)
    extend.add_argument("--minutes", type=int, required=True)
    delete = inst_sub.add_parser("delete")
    delete.add_argument("id", type=int)
    download = inst_sub.add_parser("download")
    download.add_argument("id", type=int)
    download.add_argument("--to", type=Path, default=Path("."), help="folder (default: here)")
    settings = sub.add_parser("settings", help="site settings: get [KEY], set KEY=VALUE...")
    set_sub = settings.add_subparsers(dest="action", required=True)
    get = set_sub.add_parser("get")
    get.add_argument("key", nargs="?")
    put = set_sub.add_parser("set")
    put.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    sessions = sub.add_parser("sessions", help="running sessions: ls [--all], end SID [--yes]")
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
    audit = sub.add_parser("audit", help="the audit log, newest first (site administrators)")
    audit.add_argument("--item", help="an item's id (or the unique name of one you see)")
    audit.add_argument("--actor", help="who: a representative, api:ID, system:maintenance...")
    audit.add_argument("--action", help="an action (session.start) or a family (session)")
    audit.add_argument("--since", help="2h, 30m, 7d (ago) or an ISO time (UTC unless it says)")
    audit.add_argument("--until", help="as --since")
    audit.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    return p
