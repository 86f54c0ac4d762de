"""``JumpTable``: a virtual table over the item store (line API: only visible rows render)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from domain import Status
from domain.columns import COLUMN_BY_KEY, COLUMNS, CRITICAL, WARN, fitting
from domain.text import visible


class TableSource(Protocol):
    """What the table reads: an ordered view of rows and the cells of each row."""

    @property
    def view(self) -> list[int]: ...

    @property
    def sort_key(self) -> str: ...

    @property
    def descending(self) -> bool: ...

    def id_at(self, index: int) -> int: ...

    def item_id(self, row: int) -> int: ...

    def index_of_id(self, item_id: int) -> int | None: ...

    def status_at(self, row: int) -> Status: ...

    def number(self, row: int, key: str) -> float: ...

    def cell(self, row: int, key: str, now: float) -> str: ...


#: A glyph for each status; the word is always shown beside it.
STATUS_GLYPH: dict[Status, str] = {
    Status.ONLINE: "●",
    Status.PASSIVE: "◐",
    Status.IN_SESSION: "▶",
    Status.OFFLINE: "○",
    Status.LOST: "✕",
    Status.UNINSTALLED: "⊘",
    Status.UPGRADING: "↻",
    Status.NEEDS_UPDATE: "↑",
    Status.DISABLED: "⊝",
}
STATUS_CLASS: dict[Status, str] = {
    Status.ONLINE: "jump-table--online",
    Status.PASSIVE: "jump-table--online",
    Status.IN_SESSION: "jump-table--session",
    Status.OFFLINE: "jump-table--offline",
    Status.LOST: "jump-table--lost",
    Status.UNINSTALLED: "jump-table--offline",
    Status.UPGRADING: "jump-table--attention",
    Status.NEEDS_UPDATE: "jump-table--attention",
    Status.DISABLED: "jump-table--attention",
}
GAP = "  "  # between columns


def fit(text: str, width: int, *, right: bool = False) -> str:
    """``text`` cut or padded to ``width`` cells (cut text ends with an ellipsis)."""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…" if width > 0 else ""
    return text.rjust(width) if right else text.ljust(width)


def with_arrow(title: str, arrow: str, width: int) -> str:
    """The sorted column's title with its arrow, which is never the part cut off: a space
    between them if it fits, else the title shortened."""
    if len(title) + 2 <= width:
        return f"{title} {arrow}"
    if len(title) + 1 <= width:
        return f"{title}{arrow}"
    return fit(title, width - 1) + arrow


class JumpTable(ScrollView, can_focus=True):
    """The Jump Item list.

    The parent sets ``store`` and calls :meth:`refresh_table` when the view changed and
    :meth:`refresh_rows` when rows' values changed; the table posts ``Highlighted`` when the
    cursor lands on another item and ``Selected`` on enter.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First", show=False, id="table.first"),
        Binding("end", "last", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Select", show=False, id="table.select"),
    ]

    COMPONENT_CLASSES = {
        "jump-table--header",
        "jump-table--cursor",
        "jump-table--online",
        "jump-table--offline",
        "jump-table--lost",
        "jump-table--attention",
        "jump-table--session",
        "jump-table--warn",
        "jump-table--critical",
        "jump-table--sorted",
    }

    DEFAULT_CSS = """
    JumpTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow-y: scroll;  /* always there: a filter that fits the list lays nothing out again */
        & > .jump-table--header { background: $panel; color: $foreground; text-style: bold; }
        & > .jump-table--sorted { background: $panel; color: $primary; text-style: bold; }
        & > .jump-table--cursor { background: $primary 30%;
                                   text-style: $list-cursor-blurred-style; }
        &:focus > .jump-table--cursor { background: $block-cursor-background;
                                         color: $block-cursor-foreground;
                                         text-style: $list-cursor-style; }
        & > .jump-table--online { color: $status-online; }
        & > .jump-table--offline { color: $status-offline; }
        & > .jump-table--lost { color: $status-lost; text-style: $status-lost-style; }
        & > .jump-table--attention { color: $status-attention; }
        & > .jump-table--session { color: $status-session; }
        & > .jump-table--warn { color: $level-warn; text-style: $level-warn-style; }
        & > .jump-table--critical { color: $level-critical; text-style: $level-critical-style; }
    }
    """

    cursor: reactive[int] = reactive(0, init=False, always_update=True)
    """Index of the highlighted row in the store's view."""

    class Highlighted(Message):
        """The cursor moved onto another item (``item_id`` None: the list is empty)."""

        def __init__(self, table: JumpTable, item_id: int | None) -> None:
            super().__init__()
            self.table = table
            self.item_id = item_id

        @property
        def control(self) -> JumpTable:
            return self.table

    class Selected(Message):
        """Enter was pressed on an item."""

        def __init__(self, table: JumpTable, item_id: int) -> None:
            super().__init__()
            self.table = table
            self.item_id = item_id

        @property
        def control(self) -> JumpTable:
            return self.table

    def __init__(
        self,
        store: TableSource,
        *,
        columns: Sequence[str] | None = None,
        now: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's keyword
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.store = store
        self.columns: list[str] = list(columns or [c.key for c in COLUMNS])
        """The columns the representative chose, in order (saved between runs)."""
        self.hidden: frozenset[str] = frozenset()
        """Columns of statistics the site does not select: not drawn, whatever was chosen."""
        self._shown: list[str] = list(self.columns)
        """Those of them the list draws: the ones that fit whole (see :attr:`shown`)."""
        self.now = now
        self._cache: dict[tuple[int, bool], Strip] = {}
        self._highlighted_id: int | None = None
        self.picked = False
        """The representative has moved the highlight (a key or a click): from then on it
        stays on its item; before, it is on the first row (as the rows stream in out of
        the list's order, the first row's item changes)."""
        self.marked: set[int] = set()
        """Item ids marked for a multi-start; shown with a check mark before the name."""
        self.stale = False
        """The rows are the last known values: statuses say "was", nothing says "now"."""
        self._base: Style | None = None
        self._styles: dict[str, Style] = {}

    def on_mount(self) -> None:
        # the cached rows carry the old theme's styles
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_table())

    # -- what the parent calls -----------------------------------------------------------------

    def set_columns(self, keys: Sequence[str]) -> None:
        self.columns = [k for k in keys if k in COLUMN_BY_KEY]
        self.refresh_table()

    def set_hidden(self, keys: frozenset[str]) -> None:
        """Hide these columns (the site stopped selecting their statistic), show the rest."""
        if keys != self.hidden:
            self.hidden = keys
            self.refresh_table(keep_id=self.highlighted_id)

    @property
    def shown(self) -> list[str]:
        """The chosen columns that fit whole in the width the list has (narrow: fewer), but
        never one the site hides (:attr:`hidden`)."""
        chosen = [k for k in self.columns if k not in self.hidden] or self.columns[:1]
        width = self.scrollable_content_region.width or self.size.width
        return fitting(chosen, width, len(GAP)) if width else chosen

    def refresh_table(
        self, keep_id: int | None = None, *, same_rows: bool = False, else_top: bool = False
    ) -> None:
        """The view changed: resize, keep the cursor (on ``keep_id`` when given), repaint.
        ``same_rows``: only which rows are shown, and where, changed (a filter, a scope, a
        sort), not what they hold: the rows drawn before are drawn again from the cache.
        ``else_top``: with ``keep_id`` gone from the view, the first row is highlighted (a
        filter's first match), not the one now at the cursor's line."""
        if not same_rows:
            self._cache.clear()
        self._shown = self.shown
        width = sum(COLUMN_BY_KEY[k].width + len(GAP) for k in self._shown)
        self._set_virtual_size(Size(width, len(self.store.view) + 1))
        target = None if keep_id is None or not self.picked else self.store.index_of_id(keep_id)
        if target is None:
            last = max(0, len(self.store.view) - 1)
            target = 0 if else_top or not self.picked else min(self.cursor, last)
        self.cursor = target
        self._follow_cursor()  # the same index may now hold another item
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """The list's scrollable size, without laying the screen out again when it can
        be helped: setting ``virtual_size`` does a layout (every widget placed and drawn
        again, most of a filter key's frame), which only a scroll bar that comes or goes
        needs; the list's own size never depends on its rows."""
        if size == self.virtual_size:
            return
        if not self.is_mounted or not self.container_size:
            self.virtual_size = size
            return
        self.set_reactive(JumpTable.virtual_size, size)
        # the scroll bars: shown or hidden (a layout, only then), their length, the offset
        self._scroll_update(size)

    def set_stale(self, stale: bool) -> None:
        """The rows are the last known values (True) or live again (False)."""
        if stale != self.stale:
            self.stale = stale
            self._cache.clear()
            self.refresh()

    def refresh_rows(self, rows: set[int]) -> None:
        """Repaint the on-screen lines of ``rows`` (store rows whose values changed)."""
        if not rows:
            return
        view = self.store.view
        top = int(self.scroll_offset.y)
        for line in range(1, self.size.height):
            index = top + line - 1
            if index >= len(view):
                break
            row = view[index]
            if row in rows:
                self._cache.pop((row, False), None)
                self._cache.pop((row, True), None)
                self.refresh_line(top + line)

    @property
    def highlighted_id(self) -> int | None:
        """The item the highlight is on: the one last highlighted. The store's rows can move
        beneath the cursor (a change, a new console user re-sorting the view) before the
        table is refreshed; the item is not whatever row now sits at the cursor's index."""
        return self._highlighted_id

    def _follow_cursor(self) -> None:
        """The item at the cursor is the highlighted one: told when it is another."""
        view = self.store.view
        item = self.store.id_at(self.cursor) if 0 <= self.cursor < len(view) else None
        if item != self._highlighted_id:
            self._highlighted_id = item
            self.post_message(self.Highlighted(self, item))

    # -- cursor ---------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        count = len(self.store.view)
        if count and not 0 <= new < count:
            self.cursor = max(0, min(new, count - 1))
            return
        top = int(self.scroll_offset.y)
        self._scroll_to_cursor()
        self._cache = {k: v for k, v in self._cache.items() if not k[1]}
        if int(self.scroll_offset.y) == top:  # only the two rows the cursor left and reached
            self.refresh_line(old + 1)  # (line 0 is the header)
            self.refresh_line(new + 1)
        else:
            self.refresh()
        self._follow_cursor()

    def _scroll_to_cursor(self) -> None:
        rows_visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows_visible:
            self.scroll_to(y=self.cursor - rows_visible + 1, animate=False, immediate=True)

    def _move(self, index: int) -> None:
        """The representative puts the highlight on the row at ``index``."""
        self.picked = True
        self.cursor = index

    def action_cursor_up(self) -> None:
        self._move(max(0, self.cursor - 1))

    def action_cursor_down(self) -> None:
        self._move(min(len(self.store.view) - 1, self.cursor + 1) if self.store.view else 0)

    def action_page_up(self) -> None:
        self._move(max(0, self.cursor - max(1, self.size.height - 2)))

    def action_page_down(self) -> None:
        last = max(0, len(self.store.view) - 1)
        self._move(min(last, self.cursor + max(1, self.size.height - 2)))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(max(0, len(self.store.view) - 1))

    def action_select(self) -> None:
        item = self.highlighted_id
        if item is not None:
            self.post_message(self.Selected(self, item))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            index = int(self.scroll_offset.y) + event.y - 1
            if index < len(self.store.view):
                self._move(index)

    def on_resize(self, _event: events.Resize) -> None:
        if self.shown != self._shown:  # the columns that fit changed
            self.refresh_table(keep_id=self.highlighted_id)
        self._scroll_to_cursor()

    # -- rendering --------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of one pass; the styles are read once for it, not once a row (a read
        walks the CSS: reading them for each of 50 rows took most of a frame)."""
        self._base = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base = None
            self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name, partial=True)
            if self._base is not None:  # within a pass
                self._styles[name] = style
        return style

    def _header(self) -> Strip:
        base = self._style("jump-table--header")
        sorted_style = self._style("jump-table--sorted")
        segments = []
        for key in self._shown:
            column = COLUMN_BY_KEY[key]
            title = fit(column.title, column.width, right=column.numeric)
            style = base
            if key == self.store.sort_key:  # the arrow stays whole; the title gives way
                arrow = "▼" if self.store.descending else "▲"
                title = fit(
                    with_arrow(column.title, arrow, column.width),
                    column.width,
                    right=column.numeric,
                )
                style = sorted_style
            segments.append(Segment(title, style))
            segments.append(Segment(GAP, base))
        return Strip(segments)

    def _row_strip(self, row: int, highlighted: bool) -> Strip:
        store = self.store
        now = self.now()
        status = store.status_at(row)
        segments = []
        for key in self._shown:
            column = COLUMN_BY_KEY[key]
            text = visible(store.cell(row, key, now))  # data is shown, never interpreted
            style = Style.null()
            if key == "name" and self.marked and store.item_id(row) in self.marked:
                text = f"✓ {text}"
            elif key == "status":
                glyph = "?" if self.stale else STATUS_GLYPH[status]
                text = f"{glyph} was {text}" if self.stale else f"{glyph} {text}"
                style = self._style(STATUS_CLASS[status])
            elif key == "last_seen" and self.stale and text == "now":
                text = "stale"
            elif key in ("cpu", "disk"):
                value = store.number(row, key)
                if not math.isnan(value):
                    if value >= CRITICAL[key]:
                        style = self._style("jump-table--critical")
                    elif value >= WARN[key]:
                        style = self._style("jump-table--warn")
            segments.append(Segment(fit(text, column.width, right=column.numeric), style))
            segments.append(Segment(GAP))
        strip = Strip(segments)
        if highlighted:
            strip = strip.apply_style(self._style("jump-table--cursor"))
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self._base or self.rich_style
        if y == 0:
            strip = self._header()
        else:
            index = int(scroll_y) + y - 1
            view = self.store.view
            if index >= len(view):
                return Strip.blank(width, base)
            row = view[index]
            highlighted = index == self.cursor
            key = (row, highlighted)
            strip = self._cache.get(key)  # type: ignore[assignment]
            if strip is None:
                strip = self._row_strip(row, highlighted)
                if len(self._cache) > 512:
                    self._cache.clear()
                self._cache[key] = strip
        line_width = max(width, strip.cell_length)
        strip = strip.extend_cell_length(
            line_width, base if y else self._style("jump-table--header")
        )
        return strip.crop(int(scroll_x), int(scroll_x) + width).apply_style(base)
