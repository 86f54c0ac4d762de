"""What the details pane shows for one item: every field (:mod:`console.item_fields`), live
statistics and their history."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from datetime import datetime

from console.explain import ActionState
from console.item_fields import item_sections, with_live_stats
from domain import JumpClient, Statistic, status_of
from domain.audit import AuditEntry
from domain.protocol.live import StatsRow
from domain.site import RepSite
from widgets import DetailField, DetailsView

__all__ = ["DETAILS_SETTLE_S", "HistoryBook", "build_details", "with_live_stats"]

#: the highlight rests this long before its record is fetched: typing a filter or holding an
#: arrow key moves it many times a second, and each fetch repaints the details pane
DETAILS_SETTLE_S = 0.12


class HistoryBook:
    """Recent CPU and disk samples of the items a representative looked at (bounded)."""

    def __init__(self, *, items: int = 200, samples: int = 60) -> None:
        self._items = items
        self._samples = samples
        self._book: OrderedDict[int, tuple[deque[float], deque[float]]] = OrderedDict()

    def watch(self, item_id: int) -> None:
        if item_id in self._book:
            self._book.move_to_end(item_id)
            return
        self._book[item_id] = (deque(maxlen=self._samples), deque(maxlen=self._samples))
        while len(self._book) > self._items:
            self._book.popitem(last=False)

    def record(self, rows: Sequence[StatsRow]) -> None:
        book = self._book
        for item_id, cpu, disk, _user, _uptime, _at in rows:
            entry = book.get(item_id)
            if entry is not None:
                if cpu is not None:
                    entry[0].append(cpu)
                if disk is not None:
                    entry[1].append(disk)

    def history(self, item_id: int) -> tuple[list[float], list[float]]:
        entry = self._book.get(item_id)
        return (list(entry[0]), list(entry[1])) if entry else ([], [])


def build_details(
    item: JumpClient,
    *,
    group_label: str,
    site: RepSite | None,
    now: datetime,
    cpu_history: Sequence[float] = (),
    disk_history: Sequence[float] = (),
    actions: Sequence[ActionState] = (),
    stale: str | None = None,
    history: Sequence[AuditEntry] | None = None,
) -> DetailsView:
    """What the details pane shows of ``item``: the fields of
    :func:`console.item_fields.item_sections` (plain mode's ``show`` says the same ones), the
    CPU and disk history and the screen thumbnail."""
    sections = item_sections(
        item,
        group_label=group_label,
        site=site,
        now=now,
        actions=actions,
        stale=stale,
        history=history,
    )
    stats = item.x_stats
    selected = site.settings.statistics if site is not None else list(Statistic)
    return DetailsView(
        title=item.name,
        status=status_of(item),
        sections=[
            (title, [DetailField(f.label, f.value, f.level) for f in facts])
            for title, facts in sections
        ],
        cpu_history=cpu_history if Statistic.CPU in selected else (),
        disk_history=disk_history if Statistic.DISK_USAGE in selected else (),
        thumbnail=stats.thumbnail if stats else None,
    )
