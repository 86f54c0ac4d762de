"""``AuditScreen``: the site's audit log for administrators (``:audit [FILTER]``).

Newest first, 100 entries at a time: the next ones load as the cursor nears the end (each
page follows the last entry read, so entries written meanwhile neither repeat nor shift
the list). ``/`` edits the filter (checked as typed is submitted: a filter that cannot be
read says why and keeps the list), ``r`` reloads from the newest, ``escape`` goes back.
Every cell is shown, never interpreted (:mod:`console.audit_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from api_client import ApplianceClient, ApplianceError
from console.audit_view import COLUMNS, entry_cells
from domain.audit import AuditFilter, parse_audit_filter
from widgets.footer import KeysFooter
from widgets.ordered_input import OrderedInput

PAGE = 100
#: load the next page when the cursor comes this close to the last row
NEAR_END = 10
DETAIL_WIDTH = 90


class AuditScreen(Screen[None]):
    """The audit log: a filter line, a table of entries, and what is shown of how many."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("slash", "edit_filter", "Filter", id="audit.filter"),
        Binding("r", "reload", "Reload", id="audit.reload"),
    ]
    AUTO_FOCUS = "DataTable"
    DEFAULT_CSS = """
    AuditScreen { background: $surface; }
    AuditScreen #audit-filter { margin: 0 1; }
    AuditScreen #audit-state { padding: 0 1; height: auto; }
    AuditScreen DataTable { height: 1fr; }
    """

    def __init__(
        self, client: ApplianceClient, now: Callable[[], datetime], filter_text: str = ""
    ) -> None:
        super().__init__()
        self.client = client
        self.now = now
        self.filter_text = filter_text.strip()
        self.filters = parse_audit_filter(self.filter_text, now())
        self.total = 0
        self.loaded = 0
        self.more = False
        self.loading = False
        self._last_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield OrderedInput(
            self.filter_text,
            placeholder="actor:bob action:session item:42 since:2h until:2026-11-24T10:00Z",
            id="audit-filter",
        )
        yield Static("Loading the audit log…", id="audit-state", markup=False)
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield KeysFooter()

    def on_mount(self) -> None:
        self.title = "Audit log"
        table = self.query_one(DataTable)
        table.focus()
        self.watch(table, "scroll_y", self._scrolled, init=False)  # the wheel moves no cursor
        self.load(reset=True)

    def _state(self, text: str) -> None:
        self.query_one("#audit-state", Static).update(text)

    # -- keys ---------------------------------------------------------------------------------

    def action_back(self) -> None:
        field = self.query_one("#audit-filter", Input)
        if field.has_focus:  # escape leaves the filter line first, as it came
            field.value = self.filter_text
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def action_edit_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_reload(self) -> None:
        self.load(reset=True)

    @on(Input.Submitted, "#audit-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            filters = parse_audit_filter(event.value, self.now())
        except ValueError as err:
            self._state(f"{err} The list still shows the last filter.")
            return
        self.filter_text, self.filters = event.value.strip(), filters
        self.query_one(DataTable).focus()
        self.load(reset=True)

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.loaded - NEAR_END:
            self._more()

    def _scrolled(self, scroll_y: float) -> None:
        if scroll_y >= self.query_one(DataTable).max_scroll_y - NEAR_END:
            self._more()

    def _more(self) -> None:
        if self.more and not self.loading:
            self.loading = True  # one page at a time, whatever asks meanwhile
            self.load(reset=False)

    # -- loading ------------------------------------------------------------------------------

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def load(self, *, reset: bool) -> None:
        self.loading = True
        if reset:
            self.more = False  # a page of the old filter must not ask for more meanwhile
        filters: AuditFilter = self.filters
        try:
            page = await self.client.audit(
                filters, per_page=PAGE, before=None if reset else self._last_id
            )
        except ApplianceError as err:
            self._state(f"The audit log could not be loaded: {err.message}")
            return
        finally:
            self.loading = False
        table = self.query_one(DataTable)
        if reset:
            table.clear()
            self.loaded, self.total = 0, page.total
        for entry in page.items:  # Text: a cell's brackets are shown, never read as markup
            cells = entry_cells(entry, detail_width=DETAIL_WIDTH)
            table.add_row(*(Text(cell) for cell in cells), key=str(entry.id))
        self.loaded += len(page.items)
        if page.items:
            self._last_id = page.items[-1].id
        self.more = len(page.items) == PAGE and page.total > len(page.items)
        self._show_state()

    def _show_state(self) -> None:
        if not self.loaded:
            what = "No audit entry matches" if self.filter_text else "The audit log is empty"
            self._state(f"{what}. / edits the filter; r reloads; escape goes back.")
            return
        scope = f" matching {self.filter_text}" if self.filter_text else ""
        more = "; more load as you reach the end" if self.more else ""
        self._state(
            f"{self.loaded:,} of {self.total:,} entries{scope}, newest first{more}. "
            "/ filters (actor:bob action:session item:42 since:2h); r reloads."
        )
