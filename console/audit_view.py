"""The audit log as the console shows it (no Textual): one entry's cells for the ``:audit``
screen, the command line and plain mode, and the recent history of the items a
representative looks at (fetched on demand, kept a while, forgotten when the item changes).

Everything in an entry may come from people or endpoints: every cell is passed through
:func:`domain.text.visible`, so no control character reaches a terminal.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from api_client import ApplianceClient
from domain.audit import AuditEntry, detail_text, parse_audit_filter
from domain.text import visible

COLUMNS = ("time (UTC)", "actor", "action", "item", "detail")


def when_text(entry: AuditEntry) -> str:
    return entry.at.strftime("%Y-%m-%d %H:%M:%S")


def item_text(entry: AuditEntry) -> str:
    """``PC-042 (42)`` for an item, the target otherwise."""
    if entry.item_id is None:
        return visible(entry.target)
    if entry.item_name is None:
        return f"item {entry.item_id}"
    return f"{visible(entry.item_name)} ({entry.item_id})"


def entry_cells(entry: AuditEntry, *, detail_width: int = 0) -> tuple[str, str, str, str, str]:
    """Time, actor, action, item and detail of one entry, safe to show."""
    detail = visible(detail_text(entry.detail))
    if detail_width and len(detail) > detail_width:
        detail = detail[: detail_width - 1] + "…"
    return (
        when_text(entry),
        visible(entry.actor),
        visible(entry.action),
        item_text(entry),
        detail,
    )


def entry_line(entry: AuditEntry, *, with_item: bool = True) -> str:
    """One entry on one line: ``2026-11-24 10:00:00 UTC: carol, session.start on PC-042 (42);
    sid=…`` (plain mode; the details pane leaves out the item it shows)."""
    when, actor, action, item, detail = entry_cells(entry)
    about = f" on {item}" if with_item else ""
    return f"{when} UTC: {actor}, {action}{about}" + (f"; {detail}" if detail else "")


async def log_lines(
    client: ApplianceClient, filter_text: str, now: datetime, *, count: int = 20
) -> list[str]:
    """The newest ``count`` entries matching the filter, as lines (plain mode's ``audit``).
    ``ValueError`` with a sentence for a filter that cannot be read."""
    page = await client.audit(parse_audit_filter(filter_text, now), per_page=max(5, count))
    if not page.items:
        return ["No audit entry matches."]
    shown = page.items[:count]
    lines = [f"Audit entries 1 to {len(shown)} of {page.total:,}, newest first:"]
    lines += [entry_line(e) for e in shown]
    if page.total > len(shown):
        lines.append("Narrow them with a filter: audit actor:NAME action:session item:ID since:1d.")
    return lines


async def history_lines(client: ApplianceClient, item_id: int, *, count: int = 5) -> list[str]:
    """The item's newest entries, as lines (plain mode's ``show``)."""
    entries = await client.item_audit(item_id, limit=count)
    if not entries:
        return ["History: nothing recorded yet."]
    return ["History, newest first:"] + [entry_line(e, with_item=False) for e in entries]


@dataclass(slots=True)
class _Kept:
    entries: list[AuditEntry]
    fetched: float


class ItemHistory:
    """The newest audit entries of the items looked at, each kept for ``ttl`` seconds and
    forgotten as soon as the item changes (bounded: the ``items`` most recently asked)."""

    def __init__(self, *, ttl: float = 60.0, items: int = 100) -> None:
        self.ttl = ttl
        self._items = items
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._refused: set[int] = set()

    def get(self, item_id: int) -> list[AuditEntry] | None:
        """What is known of the item's history (None: nothing yet)."""
        kept = self._kept.get(item_id)
        return None if kept is None else kept.entries

    def due(self, item_id: int, now: float) -> bool:
        """Whether the item's history should be fetched (never held, or held too long)."""
        if item_id in self._refused:
            return False
        kept = self._kept.get(item_id)
        return kept is None or now - kept.fetched >= self.ttl

    def keep(self, item_id: int, entries: Sequence[AuditEntry], now: float) -> None:
        self._kept[item_id] = _Kept(list(entries), now)
        self._kept.move_to_end(item_id)
        while len(self._kept) > self._items:
            self._kept.popitem(last=False)

    def refused(self, item_id: int) -> None:
        """The appliance would not say (the item went out of sight): do not ask again."""
        self._refused.add(item_id)

    def changed(self, item_ids: Sequence[int]) -> None:
        """These items changed: what was kept of them may be out of date (kept on screen
        until the new history arrives, but fetched again)."""
        for item_id in item_ids:
            kept = self._kept.get(item_id)
            if kept is not None:
                kept.fetched = float("-inf")
            self._refused.discard(item_id)
