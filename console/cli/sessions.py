"""Running sessions: list them, end or leave one."""

from __future__ import annotations

import argparse
import contextlib
import sys

from api_client import (
    ApplianceClient,
    ApplianceError,
)
from console.cli.common import (
    OK,
    CliError,
    Out,
    table,
)
from domain.rules import may_end_session
from domain.text import visible
from domain.wording import end_question


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
