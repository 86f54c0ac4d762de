"""Plain mode's commands on one Jump Item: ``show``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.audit_view import history_lines

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


async def show(con: PlainConsole, item_id: int) -> None:
    item = await con.backend.item(item_id)
    session = con.session
    row = con.store.row_of.get(item_id)
    group = (
        con.store.group_label(con.store.groups[con.store.group_index[row]])
        if row is not None
        else ""
    )
    status = item.x_status.value.replace("_", " ")
    con.say(f"{item.name}; status {status}")
    for label, value in (
        ("Group", group),
        ("Hostname", item.hostname),
        ("Tag", item.tag or "none"),
        ("Comments", item.comments or "none"),
        ("Console user", item.console_user or "none"),
        ("Operating system", item.operating_system or "unknown"),
        ("Version", item.x_version or "unknown"),
    ):
        con.say(f"{label}: {value}")
    if session is not None:
        states = con.desk.states(item, session, con.clock())
        for state in states.values():
            verdict = "available" if state.available else f"not available: {state.reason}"
            con.say(f"{state.label}: {verdict}")
    for line in await history_lines(con.backend.client, item_id):
        con.say(line)
