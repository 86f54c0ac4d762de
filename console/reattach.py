"""Reattaching to running sessions when the console starts or its connection comes back.

The appliance keeps a session, and its shell, while no console of its representatives is
attached, for the site's grace period. When the console signs in, or its live feed comes
back, the appliance's list of our sessions is the truth: the sessions running that this
console did not have open are ours again. At start their tabs open at once, and with them
their shells, whose screen the appliance replays as it is now; on a reconnect the console
says which it found (``v`` shows them).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from console.desk import Desk
from domain.session import SessionInfo

if TYPE_CHECKING:
    from console.action_runner import ActionRunner


def found_running(before: Collection[str], desk: Desk) -> list[SessionInfo]:
    """The sessions of ``desk`` (just synced) that were not open here before."""
    return [info for sid, info in desk.sessions.items() if sid not in before]


def notice(found: list[SessionInfo], *, shown: bool, key: str) -> str:
    """What the console says of the running sessions it found; ``key`` shows them."""
    names = ", ".join(f"'{s.item_name}'" for s in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    count = f"{len(found)} running session{'s' if len(found) != 1 else ''}"
    return f"Reattached to {count}: {names}{more}" + ("." if shown else f"; {key} shows them.")


async def reattach(runner: ActionRunner, *, starting: bool) -> list[SessionInfo]:
    """Sync our sessions with the appliance; at start, open the tabs (and shells) of those
    running. Answers the sessions found."""
    desk = runner.desk
    before = set(desk.sessions)
    desk.username = runner.username
    desk.sync(await runner.app.client.sessions())
    found = found_running(before, desk)
    runner.app.sessions_changed()
    if found:
        key = runner.app.key_name("app.sessions")
        runner.say(notice(found, shown=starting, key=key))
        if starting:
            runner.app.show_sessions()
    return found


__all__ = ["found_running", "notice", "reattach"]
