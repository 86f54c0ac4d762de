"""The statistics the site selects (its setting *statistics shown*) decide what is sent and
what is shown: a statistic the site does not select leaves the appliance in no item body,
feed frame or statistics row, and no console shows a place for it (the list hides its
column, the details its line, plain mode and the CLI leave it out) rather than a blank.

One table here says which list column shows which statistic; the appliance strips items
with :func:`only_selected`; every console reads :func:`hidden_columns`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from domain.columns import COLUMN_BY_KEY, column_key
from domain.enums import Statistic
from domain.filters import FilterError, parse
from domain.jump_client import JumpClient

#: the statistic each list column shows (the other columns show none)
COLUMN_STATISTIC: dict[str, Statistic] = {
    "console_user": Statistic.CONSOLE_USER,
    "cpu": Statistic.CPU,
    "disk": Statistic.DISK_USAGE,
    "uptime": Statistic.UPTIME,
}

ALL_STATISTICS = frozenset(Statistic)

#: the statistic a labelled line of an item shows (plain mode's ``show``, the details)
LABEL_STATISTIC: dict[str, Statistic] = {
    "console user": Statistic.CONSOLE_USER,
    "cpu": Statistic.CPU,
    "disk": Statistic.DISK_USAGE,
    "uptime": Statistic.UPTIME,
}


def hidden_columns(selected: Collection[Statistic]) -> frozenset[str]:
    """The keys of the list columns whose statistic the site does not select."""
    return frozenset(key for key, stat in COLUMN_STATISTIC.items() if stat not in selected)


def column_hidden(word: str, selected: Collection[Statistic]) -> bool:
    """Whether the column ``word`` names (its title or key, any case) shows a statistic the
    site does not select (``user`` while *console user* is not selected)."""
    key = column_key(word)
    return key is not None and key in hidden_columns(selected)


def shows_statistic(word: str) -> bool:
    """Whether the column ``word`` names shows a statistic (the site may not select it)."""
    return column_key(word) in COLUMN_STATISTIC


def without_hidden(
    words: Sequence[str], selected: Collection[Statistic]
) -> tuple[list[str], list[str]]:
    """The columns of ``words`` kept, and those left out: the site does not select their
    statistic (plain mode and the CLI list them as the TUI does: without those)."""
    left_out = [w for w in words if column_hidden(w, selected)]
    return [w for w in words if w not in left_out], left_out


def selected_lines(
    selected: Collection[Statistic], lines: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The ``(label, value)`` lines of an item but those of a statistic the site does not
    select (a line for it would only say "none")."""
    kept = []
    for label, value in lines:
        statistic = LABEL_STATISTIC.get(label.lower())
        if statistic is None or statistic in selected:
            kept.append((label, value))
    return kept


def not_collected(words: Sequence[str]) -> str:
    """The sentence for columns asked for (by key or title) whose statistic the site does
    not select; they are named as the list titles them."""
    names = ", ".join(COLUMN_BY_KEY[column_key(w) or w].word for w in words)
    that = "that column is" if len(words) == 1 else "those columns are"
    return f"The site does not collect {names}; {that} not shown until it does."


def only_selected(item: JumpClient, selected: Collection[Statistic]) -> JumpClient:
    """``item`` holding only the statistics the site selects: the console user (the item's
    own field and its latest statistics), CPU, disk, uptime and thumbnail it does not select
    are taken out. The item itself when nothing is to be taken out (the common case)."""
    if ALL_STATISTICS.issubset(selected):
        return item
    changes: dict[str, object] = {}
    if Statistic.CONSOLE_USER not in selected and item.console_user:
        changes["console_user"] = ""
    stats = item.x_stats
    if stats is not None:
        kept = stats.model_copy(
            update={
                "cpu_percent": stats.cpu_percent if Statistic.CPU in selected else None,
                "disk_percent": stats.disk_percent if Statistic.DISK_USAGE in selected else None,
                "console_user": stats.console_user if Statistic.CONSOLE_USER in selected else None,
                "uptime_s": stats.uptime_s if Statistic.UPTIME in selected else None,
                "thumbnail": stats.thumbnail if Statistic.THUMBNAIL in selected else None,
            }
        )
        if kept != stats:
            changes["x_stats"] = kept
    return item.model_copy(update=changes) if changes else item


#: the filter fields that read a statistic (``user:`` reads the console user)
FILTER_STATISTIC: dict[str, Statistic] = {"user": Statistic.CONSOLE_USER}


def filter_not_collected(text: str, selected: Collection[Statistic]) -> str | None:
    """The sentence for a filter that names a statistic the site does not select (it can
    match nothing until the site collects it), else None; an unreadable filter is None (its
    own error says what is wrong)."""
    try:
        terms = parse(text).terms
    except FilterError:
        return None
    fields = sorted({t.field for t in terms if FILTER_STATISTIC.get(t.field) is not None})
    missing = [f for f in fields if FILTER_STATISTIC[f] not in selected]
    if not missing:
        return None
    named = ", ".join(f"{f}:" for f in missing)
    return f"The site does not collect what {named} reads, so it matches nothing until it does."
