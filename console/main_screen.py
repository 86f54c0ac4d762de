"""``MainScreen``: the Jump Items by group and tag, with filter, sort, details and status.

The screen owns the list widgets (group tree, filter bar, table, details, the ``:`` line and the
status bar) and binds and carries out the keys that work on them: bound here, not on the app,
they act only while the list is shown. What it shows comes from the console it is given
(:class:`Console`, which the app is): the store, the session, the statistics history and the
highlighted item's record. The app tells the screen what changed through its methods; the
widgets' messages come up to the screen, and those about data go on up to the app.

A 100 ms timer repaints only the on-screen rows that changed, refreshes the tree counts when
items changed, and the details of the highlighted item.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.events import Key
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input

from console.command_line import CommandLine
from console.commands import CommandError, parse_command
from console.config import UiState, save_state
from console.details import build_details, with_live_stats
from console.registry import key_actions
from console.screen_console import Console
from console.store import LIVE_COLUMNS
from domain import AutomaticUpgrades, JumpGroupType, Statistic
from domain.columns import COLUMNS
from domain.statistics import hidden_columns, not_collected
from themes import SHORT_NAMES, SHORT_NAMES_TEXT, resolve
from widgets import ALL, DetailsPane, FilterBar, GroupTree, JumpTable, Scope, StatusBar, TreeGroup
from widgets.footer import KeysFooter

if TYPE_CHECKING:
    pass

REPAINT_S = 0.1
RESORT_S = 2.0

#: below this width (columns) the group tree hides itself, unless asked for (``T``, ``t``)
NARROW = 100


class MainScreen(Screen[None]):
    """Jump Items by group and tag with live statistics, filter, sort and details."""

    #: the keys about the list, from the one table of actions (console.registry): bound here,
    #: they act only while the list is on screen, and only this screen's footer shows them
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(a.keys, a.tui_action, a.label, id=a.binding_id, show=a.footer)
        for a in key_actions(app_wide=False)
    ]

    class Ready(Message):
        """The screen's widgets are mounted: the console may start filling them."""

    def __init__(
        self,
        console: Console,
        *,
        state: UiState,
        save_state: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self.console = console
        self.ui_state = state
        self._save_state = save_state
        #: the details pane is shown again at the next repaint
        self.details_due = False
        self._counts_dirty = False
        self._last_resort = 0.0
        self._listed_version = -1
        """The store's version the list last showed (a statistic can move a row in or out)."""
        self._last_countdown = 0.0
        self._retry_deadline: float | None = None
        self._tree_wanted: bool | None = None
        """The tree shown (True) or hidden (False) by the representative; None: by width."""

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="⇢")
        with Horizontal(id="main"):
            yield GroupTree(id="tree")
            with Vertical(id="right"):
                yield FilterBar(
                    key=self.console.key_name("app.filter"), typed=self.apply_filter, id="filter"
                )
                yield JumpTable(
                    self.console.store,
                    columns=self.ui_state.columns,
                    now=lambda: self.console.clock().timestamp(),
                    id="table",
                )
                yield DetailsPane(id="details")
        yield CommandLine(
            self._command_choices,
            placeholder=":command — Tab completes, ↑↓ earlier ones, :help lists them",
            id="command",
        )
        named = ("app.pause", "app.sessions", "app.reconnect", "table.select")
        yield StatusBar(keys={b: self.console.key_name(b) for b in named}, id="status")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#command", Input).display = False
        self.query_one(JumpTable).focus()
        self.set_interval(REPAINT_S, self._repaint_tick)
        self.post_message(self.Ready())

    # -- what the console tells the screen ---------------------------------------------------

    @property
    def highlighted_id(self) -> int | None:
        return self.query_one(JumpTable).highlighted_id

    def show_connection(self, state: str, retry_in: float | None, stale: str | None) -> None:
        """The feed's state; ``stale`` (when it was last heard) while it cannot be reached."""
        status = self.query_one(StatusBar)
        status.connection = state
        status.last_heard = stale or ""
        self.query_one(JumpTable).set_stale(stale is not None)
        self.details_due = True
        self._retry_deadline = None if retry_in is None else time.monotonic() + retry_in
        self._show_retry()

    def show_loading(self, received: int | None, total: int | None = None) -> None:
        """A snapshot is on its way: ``received`` items so far (None: it has come)."""
        self.query_one(StatusBar).receiving = None if received is None else (received, total)

    def show_demo(self, demo: bool) -> None:
        self.query_one(StatusBar).demo = demo

    def show_statistics(self, selected: list[Statistic]) -> None:
        """The site selects these statistics: the columns of the others are hidden."""
        self.query_one(JumpTable).set_hidden(hidden_columns(selected))
        self.details_due = True

    def show_user(self, username: str) -> None:
        self.query_one(StatusBar).user = username

    def show_paused(self, paused: bool) -> None:
        self.query_one(StatusBar).paused = paused

    def show_marks(self, marked: set[int]) -> None:
        table = self.query_one(JumpTable)
        table.marked = marked
        table.refresh_table(keep_id=table.highlighted_id)
        self.query_one(StatusBar).marked = len(marked)

    def show_session_count(self, count: int) -> None:
        self.query_one(StatusBar).sessions = count

    def refresh_table(self) -> None:
        table = self.query_one(JumpTable)
        table.refresh_table(keep_id=table.highlighted_id)

    def items_changed(self, keep: int | None) -> None:
        """Items came, went or changed: the table keeps ``keep`` highlighted, counts follow."""
        table = self.query_one(JumpTable)
        table.refresh_table(keep_id=keep)
        self._listed_version = self.console.store.version
        self._counts_dirty = True
        self._show_counts()

    def _show_retry(self) -> None:
        """Count down "reconnecting in N s" while waiting to reconnect."""
        deadline = self._retry_deadline
        left = None if deadline is None else max(0, round(deadline - time.monotonic()))
        self.query_one(StatusBar).retry_in = left

    # -- repaint -----------------------------------------------------------------------------

    def _repaint_tick(self) -> None:
        """At most every 100 ms: repaint changed rows on screen, counts and details."""
        with contextlib.suppress(NoMatches):  # the timer may fire during shutdown
            self._repaint()

    def _repaint(self) -> None:
        if self._retry_deadline is not None:
            self._show_retry()
        if self.console.paused:
            return
        store = self.console.store
        table = self.query_one(JumpTable)
        dirty = store.take_dirty()
        if store.version != self._listed_version:  # a new console user moved a row
            self.items_changed(table.highlighted_id)
        if dirty:
            table.refresh_rows(dirty)
            item = self.console.details_item
            if item is not None and store.row_of.get(item.id) in dirty:
                self.details_due = True
        now = time.monotonic()
        if store.sort_key in LIVE_COLUMNS and now - self._last_resort >= RESORT_S and dirty:
            self._last_resort = now
            keep = table.highlighted_id  # the highlight stays on its item, wherever it goes
            store.resort()
            table.refresh_table(keep_id=keep)
        if self._counts_dirty:
            self._show_counts()
        if self.console.actions.wake_tried and now - self._last_countdown >= 1.0:
            self._last_countdown = now  # "available in N s" counts down
            self.details_due = True
        if self.details_due:
            self.details_due = False
            self.show_details()

    def _show_counts(self) -> None:
        self._counts_dirty = False
        store = self.console.store
        counts = store.counts()
        groups = []
        known = dict(store.group_names)
        for key in counts:
            known.setdefault(key, store.group_label(key))

        def order(key: tuple[JumpGroupType, int]) -> tuple[int, str]:
            label = known[key]
            if key[0] is JumpGroupType.SHARED:
                return 0, label.lower()
            return (1, "") if label == "My personal list" else (2, label.lower())

        for key in sorted(known, key=order):
            count = counts.get(key)
            tags = sorted(count.tags.items()) if count else []
            groups.append(
                TreeGroup(
                    key,
                    known[key],
                    count.total if count else 0,
                    count.online if count else 0,
                    tuple((t, pair[0], pair[1]) for t, pair in tags),
                )
            )
        online, total = store.online_total()
        self.query_one(GroupTree).show_groups(groups, online, total)
        status = self.query_one(StatusBar)
        status.online, status.total, status.shown = online, total, len(store.view)

    # -- details -----------------------------------------------------------------------------

    def clear_details(self) -> None:
        self.query_one(DetailsPane).show(None)

    def show_details(self) -> None:
        """The highlighted item's record, with the newest live values the store holds."""
        console = self.console
        item = console.details_item
        pane = self.query_one(DetailsPane)
        if item is None or not pane.display:
            return
        store = console.store
        row = store.row_of.get(item.id)
        if row is not None:  # the store's live values are newer than the fetched record
            item = with_live_stats(item, store, row)
        thumb_id, thumbnail, _ = console.thumbnail
        if item.x_stats is not None and thumb_id == item.id:
            item = item.model_copy(
                update={"x_stats": item.x_stats.model_copy(update={"thumbnail": thumbnail})}
            )
        cpu, disk = console.history.history(item.id)
        group = store.group_label((item.jump_group_type, item.jump_group_id))
        pane.show(
            build_details(
                item,
                group_label=group,
                site=console.session.site if console.session else None,
                now=console.clock(),
                cpu_history=cpu,
                disk_history=disk,
                actions=list(console.actions.states(item).values()),
                stale=console.stale_since(),
                history=console.item_history.want(item.id),
            )
        )

    # -- the list's keys ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Upgrading by hand is offered only while the site's automatic upgrades are off."""
        session = self.console.session
        if action == "upgrade" and session is not None:
            return session.site.settings.automatic_upgrades is AutomaticUpgrades.DISABLED
        return True

    @on(JumpTable.Selected)
    def _selected(self, message: JumpTable.Selected) -> None:
        message.stop()
        self.console.actions.start()

    def action_start(self) -> None:
        self.console.actions.start()

    def action_mark(self) -> None:
        self.console.actions.toggle_mark()

    def action_wake(self) -> None:
        self.console.actions.wake()

    def action_upgrade(self) -> None:
        self.console.actions.upgrade()

    def action_edit(self) -> None:
        self.console.actions.edit()

    def action_copy(self) -> None:
        self.console.actions.copy()

    def action_remove(self) -> None:
        self.console.actions.remove()

    def action_invite(self) -> None:
        self.console.actions.invite()

    def action_sessions(self) -> None:
        self.console.show_sessions()

    def action_pause(self) -> None:
        self.console.set_paused(not self.console.paused)

    # -- scope, filter, sort -----------------------------------------------------------------

    @on(GroupTree.ScopeChanged)
    def _scope_changed(self, message: GroupTree.ScopeChanged) -> None:
        store = self.console.store
        keep = self.query_one(JumpTable).highlighted_id
        group, tag = message.scope
        store.set_scope(group, tag)
        self.query_one(JumpTable).refresh_table(keep_id=keep, else_top=True)  # as a filter
        self.query_one(StatusBar).shown = len(store.view)

    def apply_filter(self, text: str) -> None:
        """Filter the list; the highlight stays on its item if it matches, else goes to the
        first match."""
        store = self.console.store
        error = store.set_filter(text)
        bar = self.query_one(FilterBar)
        if error is not None:
            bar.error = f"Filter not applied — {error.message} (at position {error.position})."
            return
        bar.error = ""
        table = self.query_one(JumpTable)
        table.refresh_table(keep_id=table.highlighted_id, same_rows=True, else_top=True)
        self.query_one(StatusBar).shown = len(store.view)

    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.query_one(JumpTable).focus()

    def _set_sort(self, key: str, descending: bool) -> None:
        table = self.query_one(JumpTable)
        keep = table.highlighted_id
        self.console.store.set_sort(key, descending)
        table.refresh_table(keep_id=keep)
        self.ui_state = self.ui_state.model_copy(
            update={"columns": table.columns, "sort_key": key, "sort_descending": descending}
        )
        self._persist()

    def _persist(self) -> None:
        if self._save_state is not None:
            path = self._save_state()
            try:
                save_state(path, self.ui_state)  # type: ignore[arg-type]
            except OSError as err:
                self.notify(
                    f"The layout could not be saved: {err.strerror}.",
                    severity="warning",
                    markup=False,
                )

    def action_filter(self) -> None:
        self.query_one(FilterBar).focus_input()

    def action_focus_tree(self) -> None:
        tree = self.query_one(GroupTree)
        tree.display = True  # shown for as long as it has the focus, however narrow
        tree.focus()

    def action_toggle_tree(self) -> None:
        """Hide the groups (more room for the list) or show them; until the next toggle,
        whatever the width."""
        tree = self.query_one(GroupTree)
        self._tree_wanted = not tree.display
        self._place_tree()
        if not tree.display and tree.has_focus:
            self.query_one(JumpTable).focus()

    def _place_tree(self) -> None:
        """The tree shows as the representative asked, or else when the screen is wide
        enough (:data:`NARROW`) for it beside the list's name, status and CPU."""
        wanted = self._tree_wanted
        self.query_one(GroupTree).display = (
            wanted if wanted is not None else self.size.width >= NARROW
        )

    def on_resize(self) -> None:
        self._place_tree()

    def action_focus_list(self) -> None:
        self.query_one(JumpTable).focus()

    def action_sort_next(self) -> None:
        store = self.console.store
        columns = self.query_one(JumpTable).columns
        current = columns.index(store.sort_key) if store.sort_key in columns else -1
        self._set_sort(columns[(current + 1) % len(columns)], False)

    def action_sort_reverse(self) -> None:
        store = self.console.store
        self._set_sort(store.sort_key, not store.descending)

    def action_move_column(self, step: int) -> None:
        store = self.console.store
        table = self.query_one(JumpTable)
        columns = list(table.columns)
        key = store.sort_key
        if key not in columns:
            return
        index = columns.index(key)
        target = max(0, min(len(columns) - 1, index + step))
        columns.insert(target, columns.pop(index))
        table.set_columns(columns)
        self.ui_state = self.ui_state.model_copy(
            update={"columns": columns, "sort_key": key, "sort_descending": store.descending}
        )
        self._persist()

    def action_toggle_details(self) -> None:
        pane = self.query_one(DetailsPane)
        pane.display = not pane.display
        if pane.display:
            self.show_details()

    # -- the command line --------------------------------------------------------------------

    def action_command_line(self) -> None:
        line = self.query_one("#command", CommandLine)
        line.display = True
        line.begin()
        line.focus()

    def _command_choices(self, command: str) -> list[str]:
        """What Tab offers after ``command``: the groups and tags the tree shows, the
        themes, the columns."""
        tree = self.query_one(GroupTree)
        if command == "group":
            names = {
                self.console.store.group_label(key) for key, tag in tree.scopes() if tag is None
            }
            return sorted(names, key=str.lower)
        if command == "tag":
            return sorted({tag for _key, tag in tree.scopes() if tag is not None}, key=str.lower)
        if command == "theme":
            return list(SHORT_NAMES)
        if command in ("sort", "columns"):
            return [column.word for column in COLUMNS]
        return []

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = self.query_one("#command", CommandLine)
        line.remember(event.value)
        line.display = False
        self.query_one(JumpTable).focus()
        self.run_command(event.value)

    def on_key(self, event: Key) -> None:
        line = self.query_one("#command", Input)
        if event.key == "escape" and line.has_focus:
            line.display = False
            self.query_one(JumpTable).focus()

    def run_command(self, text: str) -> None:
        try:
            command = parse_command(text)
        except CommandError as err:
            self.notify(str(err), severity="error", markup=False)
            return
        arg = command.argument
        console = self.console
        match command.name:
            case "group" | "tag":
                scope = self.query_one(GroupTree).find(arg)
                if scope is None or (command.name == "tag" and scope[1] is None):
                    self.notify(
                        f"No {command.name} is called '{arg}'.", severity="error", markup=False
                    )
                else:
                    self.go_to_scope(scope)
            case "all":
                self.go_to_scope(ALL)
            case "filter":  # :filter alone clears it
                bar = self.query_one(FilterBar)
                if bar.value != arg:
                    bar.value = arg  # applied as it changes, as if typed
                else:
                    self.apply_filter(arg)
            case "sort":
                assert command.sort is not None
                self._set_sort(*command.sort)
            case "columns":
                columns = list(command.columns)
                self.query_one(JumpTable).set_columns(columns)
                if hidden := [c for c in columns if c in self.query_one(JumpTable).hidden]:
                    self.notify(not_collected(hidden), markup=False)
                self.ui_state = self.ui_state.model_copy(
                    update={
                        "columns": columns,
                        "sort_key": console.store.sort_key,
                        "sort_descending": console.store.descending,
                    }
                ).cleaned()
                self._persist()
            case "theme":
                resolved = resolve(arg)
                if resolved is None:
                    self.notify(
                        f"There is no theme '{arg}'; try {SHORT_NAMES_TEXT}.",
                        severity="error",
                        markup=False,
                    )
                else:
                    self.app.theme = resolved
                    # remembered: the next start without a chosen theme starts in this one
                    self.ui_state = self.ui_state.model_copy(update={"theme": resolved})
                    self._persist()
            case "start":
                console.actions.start_all_in_scope()
            case "sessions":
                console.show_sessions()
            case "end":
                console.actions.end_on_highlighted()
            case "pause":
                console.set_paused(not console.paused)
            case "requests":
                console.actions.support.answer()
            case "installers" | "deploy" | "settings":
                console.open_admin(command.name)
            case "audit":
                console.open_audit(arg)
            case "help":
                console.show_help()
            case "quit":
                self.app.call_later(self.app.action_quit)  # sessions open: asks first

    def go_to_scope(self, scope: Scope) -> None:
        if not self.query_one(GroupTree).focus_scope(scope):
            self.notify("That group is not in your list.", severity="error", markup=False)
