"""Jump Items: groups, ls, show, jump, wake, upgrade, edit, copy, remove."""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from api_client import (
    ApplianceClient,
    NotFound,
)
from console.cli.common import (
    OK,
    REFUSED,
    CliError,
    Out,
    confirm,
    not_one_of,
    pick,
    say_error,
    table,
)
from console.cli.parser import LS_COLUMNS
from console.store_values import epoch, format_duration, format_last_seen
from console.words import copied, remove_question, removed
from domain import JumpClient, JumpGroupType, status_of
from domain.filters import FilterError, parse
from domain.jump_client import last_seen
from domain.session_policy import SITE_DEFAULT_SESSION_POLICY_ID
from domain.statistics import (
    column_hidden,
    filter_not_collected,
    not_collected,
    shows_statistic,
    without_hidden,
)
from domain.text import visible

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


def _cells(item: JumpClient, groups: dict[int, str], now: float) -> dict[str, str]:
    """An item's cells, as the list shows them (``now``: for how long ago it was seen)."""
    stats, status = item.x_stats, status_of(item)
    uptime = stats.uptime_s if stats is not None and stats.uptime_s is not None else math.nan
    return {
        "id": str(item.id),
        "name": item.name,
        "status": status.word,
        "group": groups.get(item.jump_group_id, str(item.jump_group_id))
        if item.jump_group_type.value == "shared"
        else "personal",
        "tag": item.tag,
        "cpu": "" if stats is None or stats.cpu_percent is None else f"{stats.cpu_percent:.0f}%",
        "disk": "" if stats is None or stats.disk_percent is None else f"{stats.disk_percent:.0f}%",
        "user": (stats.console_user if stats and stats.console_user else item.console_user) or "",
        "hostname": item.hostname,
        "uptime": format_duration(uptime),
        "os": item.operating_system,
        "last_seen": format_last_seen(epoch(last_seen(item)), status, now),
        "comments": item.comments,
    }


async def group_names(client: ApplianceClient) -> dict[int, str]:
    me = await client.me()
    return {g.jump_group_id: g.name for g in me.groups if g.jump_group_type is JumpGroupType.SHARED}


async def group_labels(client: ApplianceClient) -> dict[tuple[JumpGroupType, int], str]:
    """Every group and personal list this representative sees, as the tree names them."""
    return {(g.jump_group_type, g.jump_group_id): g.name for g in (await client.me()).groups}


def find_group(
    text: str, labels: dict[tuple[JumpGroupType, int], str]
) -> tuple[JumpGroupType, int]:
    """A group by the name the tree shows (``Servers``, ``My personal list``, ``Personal:
    Alice``) in any case, or a shared group's id; else a usage error naming them all."""
    wanted = text.strip().lower()
    for key, name in labels.items():
        if name.lower() == wanted:
            return key
    if wanted.isdigit() and (JumpGroupType.SHARED, int(wanted)) in labels:
        return JumpGroupType.SHARED, int(wanted)
    raise not_one_of(text, "a group you see", "the groups you see", sorted(labels.values()))


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
    if args.filter and "user" in args.filter:  # a statistic the site may not collect
        unread = filter_not_collected(args.filter, (await client.site()).settings.statistics)
        if unread:
            say_error(unread)
    items = [i async for i in client.iter_jump_items(args.filter)]
    groups = await group_names(client)
    now = time.time()
    rows = [[_cells(i, groups, now)[c] for c in columns] for i in items]
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


#: ``edit``'s options for the item's policies: option -> the field it sets
POLICY_OPTIONS = {
    "jump_policy": "jump_policy_id",
    "attended_policy": "attended_session_policy_id",
    "unattended_policy": "unattended_session_policy_id",
}


async def policy_choices(
    client: ApplianceClient,
) -> tuple[list[tuple[int, tuple[str, str]]], list[tuple[int, tuple[str, str]]]]:
    """The site's Jump Policies and the session policies an item or installer may name, as
    (id, (display name, code name))."""
    site = await client.site()
    jump = [(p.id, (p.display_name, p.code_name)) for p in site.jump_policies]
    session = [
        (p.id, (p.display_name, p.code_name))
        for p in site.session_policies
        if p.id != SITE_DEFAULT_SESSION_POLICY_ID  # the site's own, never named by an item
    ]
    return jump, session


async def policy_changes(client: ApplianceClient, args: argparse.Namespace) -> dict[str, Any]:
    """The policy fields the options name (``none``: the item's default)."""
    given = {k: getattr(args, k) for k in POLICY_OPTIONS if getattr(args, k, None) is not None}
    if not given:
        return {}
    jump, session = await policy_choices(client)
    changes: dict[str, Any] = {}
    for option, text in given.items():
        kind, choices = (
            ("Jump Policy", jump) if option == "jump_policy" else ("session policy", session)
        )
        changes[POLICY_OPTIONS[option]] = (
            None if text.strip().lower() == "none" else pick(text, choices, kind)
        )
    return changes


async def cmd_edit(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    """The properties the TUI's edit form has: name, tag, comments and the three policies."""
    changes: dict[str, Any] = {
        k: getattr(args, k) for k in ("name", "tag", "comments") if getattr(args, k) is not None
    }
    changes |= await policy_changes(client, args)
    if not changes:
        raise CliError(
            "Nothing to change: give --name, --tag, --comments, --jump-policy, "
            "--attended-policy or --unattended-policy."
        )
    item = await resolve(client, args.item)
    updated = await client.edit_item(item.id, changes)
    out.emit(updated, f"Saved {', '.join(sorted(changes))} of '{updated.name}'.")
    return OK


async def cmd_groups(client: ApplianceClient, _args: argparse.Namespace, out: Out) -> int:
    """The group tree: every group and personal list with its online and total counts."""
    labels = await group_labels(client)
    counts = {key: [0, 0] for key in labels}
    async for item in client.iter_jump_items(""):
        count = counts.setdefault((item.jump_group_type, item.jump_group_id), [0, 0])
        count[0] += int(bool(item.x_online))
        count[1] += 1
    rows = [
        [labels.get(key, f"group {key[1]}"), key[0].value, str(key[1]), str(on), str(total)]
        for key, (on, total) in counts.items()
    ]
    document = [
        {"name": r[0], "jump_group_type": r[1], "jump_group_id": key[1], "online": on, "total": n}
        for r, (key, (on, n)) in zip(rows, counts.items(), strict=True)
    ]
    header = ("group", "type", "id", "online", "total")
    out.emit(document, table(rows, header) if rows else "You see no group.")
    return OK


async def cmd_copy(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    item = await resolve(client, args.item)
    labels = await group_labels(client)
    kind, gid = find_group(args.to, labels)
    copy = await client.copy_item(item.id, {"jump_group_type": kind.value, "jump_group_id": gid})
    out.emit(copy, copied(item.name, labels[(kind, gid)], copy.id))
    return OK


async def cmd_remove(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    item = await resolve(client, args.item)
    labels = await group_labels(client)
    group = labels.get((item.jump_group_type, item.jump_group_id), "its group")
    if not confirm(remove_question(item, group), args.yes):
        out.emit({"id": item.id, "removed": False}, "Nothing was removed.")
        return OK
    await client.remove_item(item.id)
    out.emit({"id": item.id, "removed": True}, removed(item.name))
    return OK
