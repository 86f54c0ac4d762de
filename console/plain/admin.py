"""Plain mode's commands for site administrators: who may use them, and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.audit_view import log_lines
from domain.audit import AUDIT_FOR_ADMINS

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


def for_admins(con: PlainConsole, what: str) -> bool:
    """Whether the user administers the site; if not, say so and whom to ask."""
    if con.session is not None and con.session.is_admin:
        return True
    con.say(f"The {what} are for site administrators; ask one to make the change.")
    return False


async def audit(con: PlainConsole, text: str) -> None:
    if con.session is None or not con.session.is_admin:
        con.say(AUDIT_FOR_ADMINS)
        return
    try:
        lines = await log_lines(con.backend.client, text, con.clock())
    except ValueError as err:
        lines = [str(err)]
    for line in lines:
        con.say(line)
