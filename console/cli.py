"""``jump-console <command>``: the console's capabilities for scripts.

Every command goes through the same appliance APIs and rules as the TUI. Output is aligned
text, or with ``--json`` one JSON document with the API's field names. Errors are one sentence
on stderr; exit codes: 0 ok, 1 refused by a rule, 2 usage or input error, 3 the appliance
cannot be reached or refused the sign-in. Passwords come from the config file, the
environment, ``--password-file`` or a prompt, never from an argument.

Text output shows data and never interprets it: a control character in a name or a
hostname is printed as an escape (``\\x1b``); JSON escapes it in its own way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from api_client import (
    ApplianceClient,
    ApplianceError,
    AuthenticationFailed,
    ConnectionFailed,
    Forbidden,
    NotFound,
    ProtocolError,
    RateLimited,
    Refused,
    RepCredentials,
    ServiceUnavailable,
    ValidationFailed,
)
from console.audit_view import COLUMNS, entry_cells
from console.config import ConfigError, ConsoleSettings
from console.embedded import start_embedded
from domain import JumpClient, JumpGroupType, status_of
from domain.audit import AuditFilter, actions_named, parse_when
from domain.filters import FilterError, parse
from domain.install_usage import usage_plain
from domain.rules import may_end_session
from domain.statistics import column_hidden, not_collected, shows_statistic, without_hidden
from domain.text import visible, visible_lines
from domain.wording import end_question

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
OK, REFUSED, USAGE, UNREACHABLE = 0, 1, 2, 3
LS_COLUMNS = ("id", "name", "status", "group", "tag", "cpu", "disk", "user", "hostname")


class CliError(Exception):
    """One sentence for stderr and the exit code that goes with it."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def exit_code(err: ApplianceError) -> int:
    if isinstance(err, ConnectionFailed | AuthenticationFailed | ServiceUnavailable):
        return UNREACHABLE
    if isinstance(err, ProtocolError):
        return UNREACHABLE
    if isinstance(err, ValidationFailed | NotFound):
        return USAGE
    if isinstance(err, Refused | Forbidden | RateLimited):
        return REFUSED
    return REFUSED


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


# -- output -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    rows = [[visible(str(c)) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)


class Out:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, document: Any, text: str) -> None:
        print(json.dumps(_plain(document), indent=2) if self.as_json else visible_lines(text))


def say_error(message: str) -> None:
    """An error on stderr: one sentence, which may name an item (shown, not interpreted)."""
    print(f"jump-console: {visible(message)}", file=sys.stderr)


# -- items ------------------------------------------------------------------------------------


async def resolve(client: ApplianceClient, text: str) -> JumpClient:
    """An item by id, or by a name that names exactly one (else a sentence with candidates)."""
    if text.isdigit():
        try:
            return await client.jump_item(int(text))
        except NotFound:
            raise CliError(f"No Jump Item has the id {text}, or you may not see it.") from None
    quoted = text.replace('"', "")
    page = await client.jump_items(f'"{quoted}"', per_page=100)
    exact = [i for i in page.items if i.name.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        ids = ", ".join(f"{i.name} (id {i.id})" for i in exact[:10])
        raise CliError(f"'{text}' names {len(exact)} Jump Items: {ids}; give an id.")
    near = ", ".join(i.name for i in page.items[:5])
    hint = f"; did you mean {near}?" if near else "."
    raise CliError(f"No Jump Item is called '{text}'{hint}")


def _cells(item: JumpClient, groups: dict[int, str]) -> dict[str, str]:
    stats = item.x_stats
    return {
        "id": str(item.id),
        "name": item.name,
        "status": status_of(item).word,
        "group": groups.get(item.jump_group_id, str(item.jump_group_id))
        if item.jump_group_type.value == "shared"
        else "personal",
        "tag": item.tag,
        "cpu": "" if stats is None or stats.cpu_percent is None else f"{stats.cpu_percent:.0f}%",
        "disk": "" if stats is None or stats.disk_percent is None else f"{stats.disk_percent:.0f}%",
        "user": (stats.console_user if stats and stats.console_user else item.console_user) or "",
        "hostname": item.hostname,
    }


async def _group_names(client: ApplianceClient) -> dict[int, str]:
    me = await client.me()
    return {g.jump_group_id: g.name for g in me.groups if g.jump_group_type is JumpGroupType.SHARED}


async def cmd_ls(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    try:
        parse(args.filter)
    except FilterError as err:
        raise CliError(f"The filter cannot be read: {err.message} (at {err.position}).") from None
    columns = [c.strip() for c in (args.columns or ",".join(LS_COLUMNS[:7])).split(",") if c]
    unknown = [c for c in columns if c not in LS_COLUMNS]
    if unknown:
        raise CliError(f"'{unknown[0]}' is not a column; the columns are {', '.join(LS_COLUMNS)}.")
    if any(shows_statistic(c) for c in columns):  # none the site does not select
        columns, left_out = without_hidden(columns, (await client.site()).settings.statistics)
        if left_out and args.columns:
            say_error(not_collected(left_out))
        columns = columns or ["id", "name"]
    items = [i async for i in client.iter_jump_items(args.filter)]
    groups = await _group_names(client)
    rows = [[_cells(i, groups)[c] for c in columns] for i in items]
    text = table(rows, columns) if rows else "No Jump Item matches."
    out.emit(items, text)
    return OK


async def cmd_show(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    item = await resolve(client, args.item)
    data = item.model_dump(mode="json")
    data.pop("x_stats", None)
    if column_hidden("user", (await client.site()).settings.statistics):
        data.pop("console_user", None)  # not collected: no line, rather than a blank one
    width = max(len(k) for k in data)
    lines = [f"{k.ljust(width)}  {'' if v is None else visible(str(v))}" for k, v in data.items()]
    lines.insert(0, f"{'status'.ljust(width)}  {status_of(item).word}")
    if item.x_stats is not None:
        stats = item.x_stats.model_dump(mode="json", exclude={"thumbnail"})
        lines += [
            f"{('stats.' + k).ljust(width)}  {visible(str(v))}"
            for k, v in stats.items()
            if v is not None
        ]
    out.emit(item, "\n".join(lines))
    return OK


async def cmd_jump(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    items = [await resolve(client, text) for text in args.items]
    if len(items) == 1:
        started = await client.start_session(items[0].id)
        info = started.session
        verb = "Joined the session on" if started.joined else "Session started on"
        out.emit(
            started,
            f"{verb} '{info.item_name}' (session {info.sid}) with "
            f"{info.session_policy_name} — {info.reason}.",
        )
        return OK
    results = await client.start_sessions([i.id for i in items])
    lines = []
    for result in results:
        if result.started is not None:
            session = result.started.session
            lines.append(f"{session.item_name}: started (session {session.sid}).")
        else:
            lines.append(f"item {result.id}: {result.message}")
    out.emit([r.model_dump(mode="json") for r in results], "\n".join(lines))
    return OK if all(r.started is not None for r in results) else REFUSED


async def cmd_wake(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    item = await resolve(client, args.item)
    password = None
    if args.wol_password_file is not None:
        try:
            password = args.wol_password_file.read_text().strip()
        except OSError as err:
            raise CliError(f"The password file cannot be read: {err.strerror}.") from None
    said = (await client.wake(item.id, wol_password=password)).message
    out.emit({"id": item.id, "message": said}, said)
    return OK


async def cmd_upgrade(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    item = await resolve(client, args.item)
    said = (await client.upgrade(item.id)).message
    out.emit({"id": item.id, "message": said}, said)
    return OK


async def cmd_edit(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    changes = {
        k: getattr(args, k) for k in ("name", "tag", "comments") if getattr(args, k) is not None
    }
    if not changes:
        raise CliError("Nothing to change: give --name, --tag or --comments.")
    item = await resolve(client, args.item)
    updated = await client.edit_item(item.id, changes)
    out.emit(updated, f"Saved {', '.join(sorted(changes))} of '{updated.name}'.")
    return OK


async def cmd_sessions(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if args.action == "end":
        return await _end_session(client, args.sid, args.yes, out)
    sessions = await client.sessions(endable=bool(getattr(args, "all", False)))
    rows = [
        [
            s.sid,
            s.item_name,
            s.owner,
            ", ".join(s.participants),
            f"nobody attached: ends {s.unattended_until:%H:%M:%S} UTC"
            if s.unattended_until
            else "attached",
        ]
        for s in sessions
    ]
    header = ("sid", "item", "started by", "in it", "consoles")
    out.emit(sessions, table(rows, header) if rows else "You are in no session.")
    return OK


async def _end_session(client: ApplianceClient, sid: str, yes: bool, out: Out) -> int:
    """End the session for everyone when the rule lets us (else leave it), once confirmed:
    the question names the item and who is in the session."""
    found = {s.sid: s for s in await client.sessions(endable=True)}.get(sid)
    if found is None:  # not one we may end or leave: the appliance says why
        await client.end_session(sid)
        raise CliError(f"No session {sid} is running that you may see.")
    me = (await client.me()).user
    group = None  # the rule needs the item's group only for a personal one, which we see
    if not me.is_admin and me.username != found.owner:
        with contextlib.suppress(ApplianceError):
            item = await client.jump_item(found.item_id)
            group = (item.jump_group_type, item.jump_group_id)
    ends = may_end_session(me, owner=found.owner, group=group)
    question, then = end_question(f"'{found.item_name}'", found.participants, ends=ends)
    if not yes:
        if not sys.stdin.isatty():
            raise CliError(f"{question} Say --yes to do it from a script.")
        answer = input(f"{visible(question)} {then} [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            out.emit({"sid": sid, "ended": False}, "Nothing was ended.")
            return OK
    await client.end_session(sid)
    verb = "Ended" if ends else "Left"
    out.emit(
        {"sid": sid, "ended": ends, "left": not ends}, f"{verb} the session on '{found.item_name}'."
    )
    return OK


async def cmd_audit(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if not 0 < args.limit <= 100_000:
        raise CliError("--limit takes a number from 1 to 100000.")
    now = datetime.now(UTC)
    try:
        if args.action is not None:
            actions_named(args.action)
        since = parse_when(args.since, now) if args.since is not None else None
        until = parse_when(args.until, now) if args.until is not None else None
    except ValueError as err:
        raise CliError(str(err)) from None
    item_id = None
    if args.item is not None:
        item_id = int(args.item) if args.item.isdigit() else (await resolve(client, args.item)).id
    filters = AuditFilter(item_id, args.actor, args.action, since, until)
    entries = []
    pages = client.iter_audit(filters, per_page=max(5, min(args.limit, 100)))
    async with contextlib.aclosing(pages):
        async for entry in pages:
            entries.append(entry)
            if len(entries) >= args.limit:
                break
    rows = [entry_cells(e) for e in entries]
    out.emit(entries, table(rows, COLUMNS) if rows else "No audit entry matches.")
    return OK


def _setting_value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered.lstrip("-").isdigit():
        return int(lowered)
    if "," in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text.strip()


async def cmd_settings(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if args.action == "get":
        current = (await client.settings()).model_dump(mode="json")
        if args.key:
            if args.key not in current:
                raise CliError(
                    f"'{args.key}' is not a setting; the settings are {', '.join(current)}."
                )
            out.emit({args.key: current[args.key]}, f"{args.key} = {current[args.key]}")
            return OK
        width = max(len(k) for k in current)
        out.emit(current, "\n".join(f"{k.ljust(width)}  {v}" for k, v in current.items()))
        return OK
    changes: dict[str, Any] = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"'{pair}' is not KEY=VALUE.")
        changes[key.strip()] = _setting_value(value)
    if "statistics" in changes and not isinstance(changes["statistics"], list):
        changes["statistics"] = [changes["statistics"]]
    saved = await client.update_settings(changes)
    out.emit(saved, f"Saved {', '.join(sorted(changes))}.")
    return OK


async def cmd_installers(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    api = client.installers
    if args.action == "ls":
        found = [i async for i in api.iter()]
        rows = [
            [
                str(i.id),
                i.name or "(computer name)",
                str(i.jump_group_id),
                i.tag,
                i.connection_type.value,
                str(i.expiration_timestamp)[:16],
            ]
            for i in found
        ]
        header = ("id", "name", "group", "tag", "connection", "expires (UTC)")
        out.emit(found, table(rows, header) if rows else "No installer.")
        return OK
    if args.action == "create":
        groups = {name.lower(): gid for gid, name in (await _group_names(client)).items()}
        gid = int(args.group) if args.group.isdigit() else groups.get(args.group.lower())
        if gid is None:
            raise CliError(f"No shared Jump Group is called '{args.group}'.")
        body: dict[str, Any] = {
            "jump_group_id": gid,
            "name": args.name,
            "tag": args.tag,
            "comments": args.comments,
            "valid_duration": args.valid_minutes,
            "connection_type": "passive" if args.passive else "active",
        }
        for field in (f.strip() for f in args.allow_override.split(",") if f.strip()):
            body[f"allow_override_{field.replace('-', '_')}"] = True
        created = await api.create(body)
        usage = usage_plain(created, created.installer_id, client.base_url)  # the TUI's text
        out.emit(created, f"Created installer {created.id}; key {created.installer_id}.\n{usage}")
        return OK
    if args.action == "extend":
        extended = await api.extend(args.id, args.minutes)
        out.emit(extended, f"Installer {args.id} now expires {extended.expiration_timestamp}.")
        return OK
    if args.action == "delete":
        await api.delete(args.id)
        out.emit(
            {"id": args.id, "deleted": True}, f"Deleted installer {args.id}; its clients stay."
        )
        return OK
    installer = await api.get(args.id)
    data = await client.download_installer(installer.installer_id)
    target = args.to / "jump-client-installer-linux-64.pyz"
    if target.exists():
        raise CliError(f"{target} exists; choose another folder with --to.")
    try:
        target.write_bytes(data)
    except OSError as err:
        raise CliError(f"The installer cannot be saved to {target}: {err.strerror}.") from None
    out.emit({"id": args.id, "path": str(target), "size": len(data)}, f"Saved {target}.")
    return OK


HANDLERS: dict[str, Callable[[ApplianceClient, argparse.Namespace, Out], Awaitable[int]]] = {
    "ls": cmd_ls,
    "show": cmd_show,
    "jump": cmd_jump,
    "wake": cmd_wake,
    "upgrade": cmd_upgrade,
    "edit": cmd_edit,
    "sessions": cmd_sessions,
    "settings": cmd_settings,
    "installers": cmd_installers,
    "audit": cmd_audit,
}


def _password(settings: ConsoleSettings, path: Path | None) -> str:
    if path is not None:
        try:
            return path.read_text().strip()
        except OSError as err:
            raise CliError(f"The password file cannot be read: {err.strerror}.") from None
    if settings.password is not None:
        return settings.password.get_secret_value()
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {settings.username}: ")
    raise CliError(
        "No password: set JUMP_CONSOLE_PASSWORD or the config file, or give --password-file."
    )


async def run(args: argparse.Namespace, url: str, username: str, password: str) -> int:
    out = Out(args.json)
    async with ApplianceClient(url, credentials=RepCredentials(username, password)) as client:
        return await HANDLERS[args.command](client, args, out)


def main(argv: list[str], load: Callable[..., ConsoleSettings]) -> int:
    """Run one command; ``load`` reads the console's settings (config file and environment)."""
    args = parser().parse_args(argv)
    embedded = None
    try:
        settings = load(args.config, appliance=args.appliance, username=args.username)
        if settings.appliance:
            url, username = settings.appliance, settings.username or ""
            if not username:
                raise CliError(
                    "Say who signs in: --user NAME, JUMP_CONSOLE_USERNAME or the config."
                )
            password = _password(settings, args.password_file)
        else:
            embedded, url = start_embedded(settings)
            username, password = settings.demo_user, "demo"
        return asyncio.run(run(args, url, username, password))
    except CliError as err:
        say_error(err.message)
        return err.code
    except ConfigError as err:
        say_error(str(err))
        return USAGE
    except ApplianceError as err:
        say_error(err.message)
        return exit_code(err)
    except ValidationError as err:
        say_error(f"{err.errors()[0]['msg']}.")
        return USAGE
    except BrokenPipeError:  # the reader stopped (`| head`): that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK
    finally:
        if embedded is not None:
            embedded.stop()
