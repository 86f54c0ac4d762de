"""Running sessions: list them, end or leave one; move files to and from the endpoint; its
system information. As the TUI's session tabs, a transfer or system information needs a
session (``jump-console jump ITEM`` starts one) whose policy allows it."""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, datetime
from pathlib import Path

from api_client import (
    ApplianceClient,
    ApplianceError,
)
from console import transfers
from console.cli.common import (
    OK,
    REFUSED,
    CliError,
    Out,
    confirm,
    table,
)
from console.words import NO_SYSTEM_INFO, system_info_lines, transfer_refusal
from domain.rules import may_end_session
from domain.session import SessionInfo
from domain.wording import end_question, screen_refusal, until


async def cmd_sessions(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if args.action == "end":
        return await _end_session(client, args.sid, args.yes, out)
    if args.action == "invite":
        info = await client.invite(args.sid, args.invitee)
        said = f"Invited {args.invitee} to the session on '{info.item_name}'."
        out.emit(info, said)
        return OK
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
    if not confirm(question, yes, then):
        out.emit({"sid": sid, "ended": False}, "Nothing was ended.")
        return OK
    await client.end_session(sid)
    verb = "Ended" if ends else "Left"
    out.emit(
        {"sid": sid, "ended": ends, "left": not ends}, f"{verb} the session on '{found.item_name}'."
    )
    return OK


async def my_session(client: ApplianceClient, sid: str) -> SessionInfo:
    """A session this representative is in (files and system information need one)."""
    found = {s.sid: s for s in await client.sessions()}.get(sid)
    if found is None:
        raise CliError(
            f"You are in no session {sid}; jump-console sessions ls lists yours, "
            "jump-console jump ITEM starts one."
        )
    return found


async def cmd_sysinfo(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    session = await my_session(client, args.sid)
    if not session.permissions.system_info:
        raise CliError(NO_SYSTEM_INFO, REFUSED)
    info = await client.system_info(session.sid)
    lines = [f"'{session.item_name}':", *system_info_lines(info)]
    out.emit(info, "\n".join(lines))
    return OK


async def cmd_screenshot(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    """A PNG of the session's endpoint's screen, within the session's policy."""
    session = await my_session(client, args.sid)
    refusal = screen_refusal(session.permissions.screen_sharing)
    if refusal is not None:
        raise CliError(refusal, REFUSED)
    try:
        said = await transfers.screenshot(client, session.sid, session.item_name, args.path)
    except transfers.TransferFailed as err:
        raise CliError(str(err)) from None
    out.emit({"sid": session.sid, "message": said}, said)
    return OK


async def cmd_files(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    """A file from or to the session's endpoint, checked as the TUI's dialog checks it."""
    session = await my_session(client, args.sid)
    refusal = transfer_refusal(session.permissions, args.action)
    if refusal is not None:
        raise CliError(refusal, REFUSED)
    down = args.action == "download"
    problem = (
        transfers.check_download(args.remote, args.local)
        if down
        else transfers.check_upload(args.local, args.remote)
    )
    if problem:
        raise CliError(problem)
    try:
        if down:
            path = transfers.local_target(args.local, args.remote)
            said = await transfers.download(client, session.sid, args.remote, args.local)
        else:
            path = Path(args.local.strip()).expanduser()
            said = await transfers.upload(client, session.sid, args.local, args.remote)
    except transfers.TransferFailed as err:
        raise CliError(str(err)) from None
    document = {"sid": session.sid, "direction": args.action, "path": str(path), "message": said}
    out.emit(document, said)
    return OK


async def cmd_requests(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    """Support requests raised at endpoints: list them, or take one (its session starts)."""
    if args.action == "accept":
        started = await client.accept_support(args.id)
        info = started.session
        out.emit(
            started,
            f"Support session on '{info.item_name}' (session {info.sid}) with "
            f"{info.session_policy_name} — {info.reason}.",
        )
        return OK
    waiting = await client.support_requests()
    now = datetime.now(UTC)
    rows = [
        [
            r.id,
            r.item_name,
            r.console_user or "someone",
            f"{until(now - r.requested_at)} ago",
            "elevated" if r.elevated else "normal, view only",
            r.message[:60],
        ]
        for r in waiting
    ]
    header = ("id", "item", "asked by", "when", "kind", "message")
    out.emit(waiting, table(rows, header) if rows else "No support request is waiting.")
    return OK
