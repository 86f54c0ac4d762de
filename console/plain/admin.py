"""Plain mode's commands for site administrators: the audit log, installers and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.audit_view import log_lines
from domain.audit import AUDIT_FOR_ADMINS

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


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


async def admin(con: PlainConsole, verb: str) -> None:
    """Read-only views for site administrators (changes: jump-console settings set ...)."""
    if con.session is None or not con.session.is_admin:
        con.say(f"The {verb} are for site administrators; ask one to make the change.")
        return
    client = con.backend.client
    if verb == "settings":
        values = (await client.settings()).model_dump(mode="json")
        con.say(f"{len(values)} site settings:")
        for key, value in values.items():
            shown = (
                ", ".join(value)
                if isinstance(value, list)
                else ({True: "yes", False: "no"}[value] if isinstance(value, bool) else value)
            )
            con.say(f"{key.replace('_', ' ')}: {shown}")
        return
    installers = [i async for i in client.installers.iter()]
    con.say(f"{len(installers)} installers:")
    now = con.clock()
    for n, inst in enumerate(installers, start=1):
        expired = "expired" if inst.expiration_timestamp <= now else "valid"
        con.say(
            f"{n}. {inst.name or 'computer name'}; group {inst.jump_group_id}; "
            f"tag {inst.tag or 'none'}; {inst.connection_type.value}; {expired} until "
            f"{inst.expiration_timestamp:%Y-%m-%d %H:%M} UTC; id {inst.id}"
        )
