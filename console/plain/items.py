"""Plain mode's commands on one Jump Item: ``show``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.audit_view import history_lines
from console.item_fields import item_sections, with_live_stats

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


async def show(con: PlainConsole, item_id: int) -> None:
    """Every field the details pane shows, one ``Label: value`` line each, under a line
    naming its section; then what the user may do with the item and its history."""
    item = await con.backend.item(item_id)
    store = con.store
    row = store.row_of.get(item_id)
    if row is not None:  # the live values the list line shows are newer than the record
        item = with_live_stats(item, store, row)
    session = con.session
    now = con.clock()
    actions = list(con.desk.states(item, session, now).values()) if session else []
    con.say(f"{item.name}; status {item.x_status.value.replace('_', ' ')}")
    for title, facts in item_sections(
        item,
        group_label=store.group_label((item.jump_group_type, item.jump_group_id)),
        site=session.site if session else None,
        now=now,
        actions=actions,
    ):
        if title == "History":  # said below, with the dates in full
            continue
        con.say(f"{title}:")
        for fact in facts:
            con.say(f"{fact.label}: {fact.value}")
    for line in await history_lines(con.backend.client, item_id):
        con.say(line)
