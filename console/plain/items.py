"""Plain mode's commands on one Jump Item (``show N``, ``wake N``, ``edit N``...): the full
screen's actions on the highlighted item, with its questions asked one line at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from console.audit_view import history_lines
from console.item_fields import item_sections, with_live_stats
from console.plain.ask import Cancelled, choose, confirm, model_check, parser_check
from console.plain.ask import ask as ask_line
from console.words import copied, remove_question, removed, saved_properties, secureon_hint
from domain import JumpClient, JumpClientUpdate, JumpGroupType
from domain.rules import parse_secureon
from domain.text import visible

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
        group_label=_group(con, item),
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


def _group(con: PlainConsole, item: JumpClient) -> str:
    return con.store.group_label((item.jump_group_type, item.jump_group_id))


async def _allowed(con: PlainConsole, item_id: int, action: str) -> JumpClient | None:
    """The item, when the rules allow ``action`` on it now; else None after saying why (the
    appliance's own sentence for the same state)."""
    item = await con.backend.item(item_id)
    if con.session is not None:
        state = con.desk.states(item, con.session, con.clock())[action]
        if state.reason is not None:
            con.say(state.reason)
            return None
    return item


async def wake(con: PlainConsole, item_id: int) -> None:
    """As the full screen: the appliance first says whether a peer can send the packet, then
    an optional SecureOn password is asked for (not echoed)."""
    item = await _allowed(con, item_id, "wake")
    if item is None:
        return
    client = con.backend.client
    via = (await client.can_wake(item.id)).via  # a refusal is said in the appliance's words
    con.say(f"Wake {item.name}: {via} on the same network sends the packet.")
    password = await ask_line(
        con,
        f"{secureon_hint('not shown as you type')}: ",
        parser_check(parse_secureon),
        blank="",
        secret=True,
    )
    con.desk.wake_tried[item.id] = con.clock()
    con.say((await client.wake(item.id, password or None)).message)


async def upgrade(con: PlainConsole, item_id: int) -> None:
    item = await _allowed(con, item_id, "upgrade")
    if item is not None:
        con.say((await con.backend.client.upgrade(item.id)).message)


_KEEP = object()

#: the properties form's text fields: (field, what the prompt asks)
TEXT_FIELDS = (
    ("name", "Name, 1 to 128 characters"),
    ("tag", "Tag, up to 64 characters"),
    ("comments", "Comments, up to 1024 characters"),
)


def _text_check(field: str) -> Callable[[str], str | None]:
    """The form's rule for a text field; ``-`` stands for empty."""
    check = model_check(JumpClientUpdate, field)
    return lambda text: check("" if text == "-" else text)


async def edit(con: PlainConsole, item_id: int) -> None:
    """The properties form, a question per field: Enter keeps the value shown."""
    item = await _allowed(con, item_id, "edit")
    if item is None:
        return
    site = con.session.site if con.session else None
    con.say(f"Properties of {item.name}: Enter keeps a value; cancel stops without saving.")
    changes: dict[str, Any] = {}
    for field, label in TEXT_FIELDS:
        now = visible(getattr(item, field))
        clears = "; a single - clears it" if field != "name" else ""
        answer = await ask_line(
            con,
            f"{label} (now {now or 'empty'}{clears}): ",
            _text_check(field),
            blank=now,
        )
        value = "" if answer == "-" and field != "name" else answer
        if value != now:
            changes[field] = value
    jump = [(p.display_name, p.id) for p in site.jump_policies] if site else []
    sessions = [(p.display_name, p.id) for p in site.session_policies if p.id >= 2] if site else []
    policy_fields: tuple[tuple[str, str, list[tuple[str, int]], str], ...] = (
        ("jump_policy_id", "Jump Policy", jump, "none (no restriction)"),
        ("attended_session_policy_id", "Session policy, user present", sessions, "site default"),
        (
            "unattended_session_policy_id",
            "Session policy, user not present",
            sessions,
            "site default",
        ),
    )
    for field, label, choices, none in policy_fields:
        current = getattr(item, field)
        shown = next((n for n, i in choices if i == current), none) if current else none
        chosen: Any = await choose(
            con, f"{label} (now {shown}):", choices, none=none, blank=_KEEP, blank_means="keeps it"
        )
        if chosen is not _KEEP and chosen != current:
            changes[field] = chosen
    if not changes:
        con.say("Nothing was changed.")
        return
    updated = await con.backend.client.edit_item(item.id, changes)
    con.say(saved_properties(updated.name))


async def copy(con: PlainConsole, item_id: int) -> None:
    """Copy the item into a group the user may add items to (asked by number)."""
    item = await _allowed(con, item_id, "copy")
    session = con.session
    if item is None or session is None:
        return
    targets = [
        (name, key)
        for key, name in session.groups.items()
        if "perm_add" in session.permissions.get(key, [])
    ]
    if not targets:
        con.say("You may not add Jump Items to any group.")
        return
    key: tuple[JumpGroupType, int] | None = await choose(
        con, f"Copy {item.name} to which group?", targets
    )
    if key is None:
        raise Cancelled
    copy_ = await con.backend.client.copy_item(
        item.id, {"jump_group_type": key[0].value, "jump_group_id": key[1]}
    )
    con.say(copied(item.name, dict((k, n) for n, k in targets)[key], copy_.id))


async def remove(con: PlainConsole, item_id: int) -> None:
    """Remove the item once the user said yes to the full screen's question."""
    item = await _allowed(con, item_id, "remove")
    if item is None:
        return
    await confirm(con, remove_question(item, _group(con, item)))
    await con.backend.client.remove_item(item.id)
    con.say(removed(item.name))


#: the commands that take one item of the list
ON_ONE_ITEM: dict[str, Callable[[PlainConsole, int], Awaitable[None]]] = {
    "show": show,
    "wake": wake,
    "upgrade": upgrade,
    "edit": edit,
    "copy": copy,
    "remove": remove,
}
