"""``JumpConsoleApp``: the representative console.

Data flow (ARCHITECTURE.md, "hot path"): the feed worker posts one message per feed event;
the app applies it to the store; a 100 ms timer repaints only the on-screen rows that
changed, refreshes the tree counts when items changed, and the details of the highlighted
item. Everything the user can do is a binding with an id (remappable), in the footer, in
the help overlay and in the command palette.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerCancelled, WorkerState

from api_client import (
    ApplianceClient,
    ApplianceError,
    AuthenticationFailed,
    FeedState,
    FeedStatus,
    ItemDelta,
    SnapshotLoaded,
)
from console.action_runner import ActionRunner
from console.admin import open as admin
from console.backend import Backend, Session
from console.commands import CommandError, parse_command
from console.config import UiState, save_state
from console.details import HistoryBook, build_details
from console.login import LoginScreen
from console.messages import FeedEventArrived, SessionReady
from console.screens import ConsoleCommands, HelpEntry, HelpScreen
from console.session_screen import SessionsScreen
from console.store import COLUMN_KEYS, LIVE_COLUMNS, ItemStore
from domain import AutomaticUpgrades, JumpClient, JumpGroupType, Statistic, Stats
from domain.protocol.live import Hello, SiteChanged, StatsBatch
from domain.session import SessionEvent
from domain.support import SupportEvent
from themes import DEFAULT_THEME, THEMES, VARIABLE_DEFAULTS, resolve
from widgets import (
    ALL,
    DetailsPane,
    FilterBar,
    GroupTree,
    JumpTable,
    Scope,
    StatusBar,
    TreeGroup,
)

Clock = Callable[[], datetime]
REPAINT_S = 0.1
RESORT_S = 2.0


class JumpConsoleApp(App[int]):
    """Jump Items by group and tag with live statistics, filter, sort and details."""

    TITLE = "Jump Console"
    CSS_PATH = "console.tcss"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("colon", "command_line", "Command", id="app.command"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("t", "focus_tree", "Groups", id="app.tree", show=False),
        Binding("l", "focus_list", "List", id="app.list", show=False),
        Binding("s", "sort_next", "Sort", id="app.sort"),
        Binding("S", "sort_reverse", "Reverse", id="app.sort_reverse", show=False),
        Binding("ctrl+left", "move_column(-1)", "Col ←", id="app.column_left", show=False),
        Binding("ctrl+right", "move_column(1)", "Col →", id="app.column_right", show=False),
        Binding("j", "start", "Jump", id="app.start"),
        Binding("space", "mark", "Mark", id="app.mark"),
        Binding("w", "wake", "Wake", id="app.wake"),
        Binding("u", "upgrade", "Upgrade", id="app.upgrade"),
        Binding("e", "edit", "Edit", id="app.edit"),
        Binding("c", "copy", "Copy", id="app.copy"),
        Binding("delete", "remove", "Remove", id="app.remove"),
        Binding("i", "invite", "Invite", id="app.invite"),
        Binding("v", "sessions", "Sessions", id="app.sessions"),
        Binding("d", "toggle_details", "Details", id="app.details"),
        Binding("Z", "pause", "Pause", id="app.pause"),
        Binding("F", "follow", "Follow", id="app.follow"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        backend: Backend | None,
        *,
        connect: Callable[[str, str], Backend] | None = None,
        appliance: str = "",
        username: str = "",
        state: UiState | None = None,
        state_path: Callable[[], object] | None = None,
        theme: str = DEFAULT_THEME,
        keymap: dict[str, str] | None = None,
        clock: Clock | None = None,
        notices: Iterable[str] = (),
    ) -> None:
        super().__init__()
        if backend is None and connect is None:
            raise ValueError("give a backend, or a way to connect after signing in")
        self.backend = backend
        self._connect = connect
        self._appliance = appliance
        self._username = username
        self.ui_state = (state or UiState()).cleaned()
        self._save_state = state_path
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.store = ItemStore()
        self.store.sort_key = self.ui_state.sort_key
        self.store.descending = self.ui_state.sort_descending
        self.history = HistoryBook()
        self.session: Session | None = None
        self.paused = False
        self.follow = False
        self.loaded = False
        self._pending_stats: dict[int, tuple[object, ...]] = {}
        self._pending_deltas: list[ItemDelta] = []
        self._counts_dirty = False
        self._details_item: JumpClient | None = None
        self._details_due = False
        #: the highlighted item's screen thumbnail: (item id, thumbnail, when fetched)
        self._thumbnail: tuple[int, str | None, float] = (0, None, 0.0)
        self._thumbnails_on = False
        self._stats_interval = 30.0
        self._last_resort = 0.0
        self._last_countdown = 0.0
        self._retry_deadline: float | None = None
        self._wanted_theme = theme
        self._user_keymap = dict(keymap or {})
        self._notices = list(notices)
        self.actions = ActionRunner(self)

    # -- layout ------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="⇢")
        with Horizontal(id="main"):
            yield GroupTree(id="tree")
            with Vertical(id="right"):
                yield FilterBar(id="filter")
                yield JumpTable(
                    self.store,
                    columns=self.ui_state.columns,
                    now=lambda: self.clock().timestamp(),
                    id="table",
                )
                yield DetailsPane(id="details")
        yield Input(placeholder=":command — :help lists them, escape closes", id="command")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._pick_theme(self._wanted_theme)
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        self.query_one("#command", Input).display = False
        self.query_one(JumpTable).focus()
        for notice in self._notices:
            self.notify(notice, severity="warning", markup=False)
        self.set_interval(REPAINT_S, self._repaint_tick)
        if self.backend is None:
            self._ask_login("")
        else:
            self.follow_feed()

    def _ask_login(self, error: str) -> None:
        def signed_in(answer: tuple[str, str] | None) -> None:
            if answer is None or self._connect is None:
                self.exit(2, message="jump-console: not signed in.")
                return
            self._username = answer[0]
            self.backend = self._connect(*answer)
            self.follow_feed()

        self.push_screen(LoginScreen(self._appliance, self._username, error), signed_in)

    async def on_unmount(self) -> None:
        """Close the feed and the HTTP client cleanly (the socket must not outlive us)."""
        workers = list(self.workers)
        for worker in workers:
            worker.cancel()
        with contextlib.suppress(TimeoutError, WorkerCancelled):
            await asyncio.wait_for(self.workers.wait_for_complete(workers), timeout=5)
        if self.backend is not None:
            await self.backend.close()

    def _pick_theme(self, name: str) -> str:
        resolved = resolve(name)
        if resolved is None:
            self.notify(
                f"There is no theme '{name}'; using the default theme.",
                severity="warning",
                markup=False,
            )
            return DEFAULT_THEME
        return resolved

    # -- the feed ----------------------------------------------------------------------------

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def follow_feed(self) -> None:
        backend = self.backend
        assert backend is not None
        try:
            session = await backend.start()
        except AuthenticationFailed as err:
            if self._connect is None:
                raise
            await backend.close()
            self.call_later(self._ask_login, err.message)
            return
        self.post_message(SessionReady(session))
        async with contextlib.aclosing(aiter(backend.feed())) as events:
            async for event in events:
                self.post_message(FeedEventArrived(event))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for worker errors: each goes to the right surface."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "feed":
            message = (
                error.message
                if isinstance(error, ApplianceError)
                else ("The console lost its connection to the appliance and could not recover.")
            )
            self.exit(return_code=2, message=f"jump-console: {message}")
        elif isinstance(error, ApplianceError):
            self.notify(error.message, severity="error", markup=False)
        else:
            self.notify(
                "Something went wrong; the action was not completed.",
                severity="error",
                markup=False,
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Upgrading by hand is offered only while the site's automatic upgrades are off."""
        if action == "upgrade" and self.session is not None:
            return self.session.site.settings.automatic_upgrades is AutomaticUpgrades.DISABLED
        return True

    @work(exclusive=True, group="site", exit_on_error=False)
    async def reload_site(self) -> None:
        """An administrator changed the site: what the console explains follows at once."""
        if self.backend is None or self.session is None:
            return
        site = await self.backend.client.site()
        self.session = dataclasses.replace(self.session, site=site)
        self._details_due = True
        self.refresh_bindings()  # e.g. the upgrade key comes and goes with automatic upgrades
        self.notify("The site's settings changed; the console follows them.", markup=False)

    def on_session_ready(self, message: SessionReady) -> None:
        session = message.session
        self.session = session
        self.store.group_names = dict(session.groups)
        self.store.policy_names = session.policy_names
        self.sub_title = f"{session.display_name} ({session.username})"
        self.query_one(StatusBar).user = session.username
        self.run_worker(self.actions.sync(), group="sessions", exit_on_error=False)
        self.refresh_bindings()

    def on_feed_event_arrived(self, message: FeedEventArrived) -> None:
        # Events can still arrive while the app shuts down and its widgets are gone.
        with contextlib.suppress(NoMatches):
            self._feed_event(message)

    def _feed_event(self, message: FeedEventArrived) -> None:
        event = message.event
        status = self.query_one(StatusBar)
        if isinstance(event, FeedStatus):
            status.connection = event.state.value
            self._retry_deadline = (
                None if event.retry_in is None else time.monotonic() + event.retry_in
            )
            self._show_retry()
            if event.final:
                self.notify(event.message, severity="error", markup=False, timeout=30)
            elif event.state in (FeedState.RECONNECTING, FeedState.OFFLINE) and event.retry_in:
                self.notify(event.message, severity="warning", markup=False)
        elif isinstance(event, Hello):
            status.demo = event.demo
            self._stats_interval = event.interval_s
            self._thumbnails_on = Statistic.THUMBNAIL in event.statistics
        elif isinstance(event, SnapshotLoaded):
            keep = self.query_one(JumpTable).highlighted_id
            self.store.load(event.items)
            gc.freeze()  # the loaded items stay: full collections would rescan them (frame spikes)
            self._after_items_changed(keep)
            if self.loaded:  # a reconnect: the appliance's session list is the truth
                self.run_worker(self.actions.sync(), group="sessions", exit_on_error=False)
            self.loaded = True
        elif isinstance(event, ItemDelta):
            if self.paused:
                self._pending_deltas.append(event)
            else:
                self._apply_delta(event)
        elif isinstance(event, SessionEvent):
            self.actions.on_event(event)
        elif isinstance(event, SupportEvent):
            self.actions.on_support(event)
        elif isinstance(event, SiteChanged):
            self._stats_interval = event.interval_s
            self._thumbnails_on = Statistic.THUMBNAIL in event.statistics
            self.reload_site()
        elif isinstance(event, StatsBatch):
            self.history.record(event.rows)
            self._maybe_refresh_thumbnail(event.rows)
            if self.paused:
                for row in event.rows:
                    self._pending_stats[row[0]] = row
            else:
                self.store.apply_stats(event.rows)

    def _apply_delta(self, delta: ItemDelta) -> None:
        keep = self.query_one(JumpTable).highlighted_id
        if delta.upserts:
            self.store.upsert(delta.upserts)
        if delta.removes:
            self.store.remove(delta.removes)
        for item in delta.upserts:
            if self._details_item is not None and item.id == self._details_item.id:
                self._details_item = item
                self._details_due = True
        self._after_items_changed(keep)

    def _after_items_changed(self, keep: int | None) -> None:
        table = self.query_one(JumpTable)
        table.refresh_table(keep_id=keep if self.follow or keep is not None else None)
        self._counts_dirty = True
        self._show_counts()

    def _show_retry(self) -> None:
        """Count down "reconnecting in N s" while waiting to reconnect."""
        deadline = self._retry_deadline
        left = None if deadline is None else max(0, round(deadline - time.monotonic()))
        self.query_one(StatusBar).retry_in = left

    def _repaint_tick(self) -> None:
        """At most every 100 ms: repaint changed rows on screen, counts and details."""
        with contextlib.suppress(NoMatches):  # the timer may fire during shutdown
            self._repaint()

    def _repaint(self) -> None:
        if self._retry_deadline is not None:
            self._show_retry()
        if self.paused:
            return
        table = self.query_one(JumpTable)
        dirty = self.store.take_dirty()
        if dirty:
            table.refresh_rows(dirty)
            item = self._details_item
            if item is not None and self.store.row_of.get(item.id) in dirty:
                self._details_due = True
        now = time.monotonic()
        if self.store.sort_key in LIVE_COLUMNS and now - self._last_resort >= RESORT_S and dirty:
            self._last_resort = now
            keep = table.highlighted_id if self.follow else None
            self.store.resort()
            table.refresh_table(keep_id=keep)
        if self._counts_dirty:
            self._show_counts()
        if self.actions.wake_tried and now - self._last_countdown >= 1.0:
            self._last_countdown = now  # "available in N s" counts down
            self._details_due = True
        if self._details_due:
            self._details_due = False
            self._show_details()

    def _show_counts(self) -> None:
        self._counts_dirty = False
        counts = self.store.counts()
        groups = []
        known = dict(self.store.group_names)
        for key in counts:
            known.setdefault(key, self.store.group_label(key))
        me = self.session.username if self.session else ""

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
        online, total = self.store.online_total()
        self.query_one(GroupTree).show_groups(groups, online, total)
        status = self.query_one(StatusBar)
        status.online, status.total, status.shown = online, total, len(self.store.view)
        del me

    # -- details -------------------------------------------------------------------------------

    @on(JumpTable.Highlighted)
    def _highlighted(self, message: JumpTable.Highlighted) -> None:
        if message.item_id is None:
            self._details_item = None
            self.query_one(DetailsPane).show(None)
            return
        self.history.watch(message.item_id)
        self.load_details(message.item_id)

    @work(exclusive=True, group="details", exit_on_error=False)
    async def load_details(self, item_id: int) -> None:
        if self.backend is None:
            return
        item = await self.backend.item(item_id)
        self._details_item = item
        self._thumbnail = (
            item.id,
            item.x_stats.thumbnail if item.x_stats else None,
            time.monotonic(),
        )
        self._show_details()

    def _maybe_refresh_thumbnail(self, rows: Sequence[tuple[object, ...]]) -> None:
        """Fetch the highlighted item's thumbnail again, at most once an interval."""
        item = self._details_item
        if item is None or not self._thumbnails_on or not item.x_online:
            return
        if time.monotonic() - self._thumbnail[2] < self._stats_interval * 0.9:
            return
        if any(row[0] == item.id for row in rows):
            self._thumbnail = (item.id, self._thumbnail[1], time.monotonic())
            self.refresh_thumbnail(item.id)

    @work(exclusive=True, group="thumbnail", exit_on_error=False)
    async def refresh_thumbnail(self, item_id: int) -> None:
        if self.backend is None:
            return
        item = await self.backend.item(item_id)
        self._thumbnail = (
            item_id,
            item.x_stats.thumbnail if item.x_stats else None,
            time.monotonic(),
        )
        self._details_due = True

    def _show_details(self) -> None:
        item = self._details_item
        pane = self.query_one(DetailsPane)
        if item is None or not pane.display:
            return
        row = self.store.row_of.get(item.id)
        if row is not None:  # the store's live values are newer than the fetched record
            item = self._with_live_stats(item, row)
        thumb_id, thumbnail, _ = self._thumbnail
        if item.x_stats is not None and thumb_id == item.id:
            item = item.model_copy(
                update={"x_stats": item.x_stats.model_copy(update={"thumbnail": thumbnail})}
            )
        cpu, disk = self.history.history(item.id)
        group = self.store.group_label((item.jump_group_type, item.jump_group_id))
        pane.show(
            build_details(
                item,
                group_label=group,
                site=self.session.site if self.session else None,
                now=self.clock(),
                cpu_history=cpu,
                disk_history=disk,
                actions=list(self.actions.states(item).values()),
            )
        )

    def _with_live_stats(self, item: JumpClient, row: int) -> JumpClient:
        store = self.store
        seen = store.last_seen[row]
        if seen != seen or not item.x_online:  # NaN: no statistics
            return item

        def number(value: float) -> float | None:
            return None if value != value else value

        uptime = number(store.uptime[row])
        stats = Stats(
            cpu_percent=number(store.cpu[row]),
            disk_percent=number(store.disk[row]),
            console_user=store.console_user[row] or None,
            uptime_s=None if uptime is None else int(uptime),
            thumbnail=item.x_stats.thumbnail if item.x_stats else None,
            at=datetime.fromtimestamp(seen, UTC),
        )
        return item.model_copy(update={"x_stats": stats})

    # -- hooks for the action runner -------------------------------------------------------------

    @property
    def client(self) -> ApplianceClient:
        assert self.backend is not None
        return self.backend.client

    def highlighted_id(self) -> int | None:
        return self.query_one(JumpTable).highlighted_id

    def highlighted_item(self) -> JumpClient | None:
        """The full record of the highlighted item (None while it is being fetched)."""
        item, wanted = self._details_item, self.highlighted_id()
        if item is None or item.id != wanted:
            return None
        row = self.store.row_of.get(item.id)
        return self._with_live_stats(item, row) if row is not None else item

    def marks_changed(self, marked: set[int]) -> None:
        table = self.query_one(JumpTable)
        table.marked = marked
        table.refresh_table(keep_id=table.highlighted_id)
        self.query_one(StatusBar).marked = len(marked)

    def sessions_changed(self) -> None:
        with contextlib.suppress(NoMatches):  # a session event during shutdown
            self.query_one(StatusBar).sessions = len(self.actions.sessions)
        for screen in self.screen_stack:
            if isinstance(screen, SessionsScreen):
                screen.refresh_sessions()
        self._details_due = True

    def show_sessions(self) -> None:
        if not isinstance(self.screen, SessionsScreen):
            self.push_screen(self.actions.screen())

    def refresh_details(self) -> None:
        self._details_due = True

    @on(JumpTable.Selected)
    def _selected(self, _message: JumpTable.Selected) -> None:
        self.actions.start()

    def action_start(self) -> None:
        self.actions.start()

    def action_mark(self) -> None:
        self.actions.toggle_mark()

    def action_wake(self) -> None:
        self.actions.wake()

    def action_upgrade(self) -> None:
        self.actions.upgrade()

    def action_edit(self) -> None:
        self.actions.edit()

    def action_copy(self) -> None:
        self.actions.copy()

    def action_remove(self) -> None:
        self.actions.remove()

    def action_invite(self) -> None:
        self.actions.invite()

    def action_sessions(self) -> None:
        self.show_sessions()

    # -- scope, filter, sort ---------------------------------------------------------------------

    @on(GroupTree.ScopeChanged)
    def _scope_changed(self, message: GroupTree.ScopeChanged) -> None:
        keep = self.query_one(JumpTable).highlighted_id
        group, tag = message.scope
        self.store.set_scope(group, tag)
        self.query_one(JumpTable).refresh_table(keep_id=keep)
        self.query_one(StatusBar).shown = len(self.store.view)

    @on(FilterBar.Changed)
    def _filter_changed(self, message: FilterBar.Changed) -> None:
        self.apply_filter(message.value)

    def apply_filter(self, text: str) -> None:
        error = self.store.set_filter(text)
        bar = self.query_one(FilterBar)
        if error is not None:
            bar.error = f"Filter not applied — {error.message} (at position {error.position})."
            return
        bar.error = ""
        self.query_one(JumpTable).refresh_table(keep_id=self.query_one(JumpTable).highlighted_id)
        self.query_one(StatusBar).shown = len(self.store.view)

    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.query_one(JumpTable).focus()

    def _set_sort(self, key: str, descending: bool) -> None:
        table = self.query_one(JumpTable)
        keep = table.highlighted_id
        self.store.set_sort(key, descending)
        table.refresh_table(keep_id=keep)
        self.ui_state = UiState(columns=table.columns, sort_key=key, sort_descending=descending)
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

    # -- actions -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).focus_input()

    def action_focus_tree(self) -> None:
        self.query_one(GroupTree).focus()

    def action_focus_list(self) -> None:
        self.query_one(JumpTable).focus()

    def action_sort_next(self) -> None:
        columns = self.query_one(JumpTable).columns
        current = columns.index(self.store.sort_key) if self.store.sort_key in columns else -1
        self._set_sort(columns[(current + 1) % len(columns)], False)

    def action_sort_reverse(self) -> None:
        self._set_sort(self.store.sort_key, not self.store.descending)

    def action_move_column(self, step: int) -> None:
        table = self.query_one(JumpTable)
        columns = list(table.columns)
        key = self.store.sort_key
        if key not in columns:
            return
        index = columns.index(key)
        target = max(0, min(len(columns) - 1, index + step))
        columns.insert(target, columns.pop(index))
        table.set_columns(columns)
        self.ui_state = UiState(
            columns=columns, sort_key=key, sort_descending=self.store.descending
        )
        self._persist()

    def action_toggle_details(self) -> None:
        pane = self.query_one(DetailsPane)
        pane.display = not pane.display
        if pane.display:
            self._show_details()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.query_one(StatusBar).paused = self.paused
        if not self.paused:
            for delta in self._pending_deltas:
                self._apply_delta(delta)
            self._pending_deltas.clear()
            if self._pending_stats:
                self.store.apply_stats(list(self._pending_stats.values()))  # type: ignore[arg-type]
                self._pending_stats.clear()
            self.query_one(JumpTable).refresh_table(
                keep_id=self.query_one(JumpTable).highlighted_id
            )
        self.notify(
            "Live updates paused; press Z to resume." if self.paused else "Live updates resumed.",
            markup=False,
        )

    def action_follow(self) -> None:
        self.follow = not self.follow
        self.query_one(StatusBar).follow = self.follow
        self.notify(
            "Following the highlighted item."
            if self.follow
            else "No longer following the highlighted item.",
            markup=False,
        )

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_entries()))

    def action_command_line(self) -> None:
        line = self.query_one("#command", Input)
        line.display = True
        line.value = ""
        line.focus()

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = self.query_one("#command", Input)
        line.display = False
        self.query_one(JumpTable).focus()
        self.run_command(event.value)

    def on_key(self, event: object) -> None:
        line = self.query_one("#command", Input)
        key = getattr(event, "key", "")
        if key == "escape" and line.has_focus:
            line.display = False
            self.query_one(JumpTable).focus()

    # -- commands --------------------------------------------------------------------------------

    def run_command(self, text: str) -> None:
        try:
            command = parse_command(text)
        except CommandError as err:
            self.notify(str(err), severity="error", markup=False)
            return
        arg = command.argument
        match command.name:
            case "group" | "tag":
                tree = self.query_one(GroupTree)
                scope = tree.find(arg)
                if scope is None or (command.name == "tag" and scope[1] is None):
                    self.notify(
                        f"No {command.name} is called '{arg}'.", severity="error", markup=False
                    )
                else:
                    self.go_to_scope(scope)
            case "all":
                self.go_to_scope(ALL)
            case "filter":
                self.query_one(FilterBar).value = arg
                self.apply_filter(arg)
            case "sort":
                parts = arg.split()
                self._set_sort(parts[0], len(parts) > 1 and parts[1] == "desc")
            case "columns":
                columns = [c.strip() for c in arg.replace(" ", ",").split(",") if c.strip()]
                self.query_one(JumpTable).set_columns(columns)
                self.ui_state = UiState(
                    columns=columns,
                    sort_key=self.store.sort_key,
                    sort_descending=self.store.descending,
                ).cleaned()
                self._persist()
            case "theme":
                resolved = resolve(arg)
                if resolved is None:
                    self.notify(
                        f"There is no theme '{arg}'; try dark, light, high-contrast or 16.",
                        severity="error",
                        markup=False,
                    )
                else:
                    self.theme = resolved
            case "start":
                self.actions.start_all_in_scope()
            case "sessions":
                self.show_sessions()
            case "pause":
                self.action_pause()
            case "follow":
                self.action_follow()
            case "requests":
                self.actions.answer_support()
            case "installers":
                admin.open_installers(self)
            case "deploy":
                admin.open_deploy(self)
            case "settings":
                admin.open_settings(self)
            case "help":
                self.action_help()
            case "quit":
                self.exit(0)

    def go_to_scope(self, scope: Scope) -> None:
        tree = self.query_one(GroupTree)
        if not tree.focus_scope(scope):
            self.notify("That group is not in your list.", severity="error", markup=False)

    def scopes(self) -> list[tuple[str, Scope]]:
        return [(self.store.group_label(key), (key, None)) for key in self.store.group_names]

    def help_entries(self) -> list[HelpEntry]:
        entries = []
        keymap = self._user_keymap
        for binding in [*self.BINDINGS, *JumpTable.BINDINGS]:
            assert isinstance(binding, Binding)
            keys = keymap.get(binding.id or "", binding.key)
            entries.append(HelpEntry(keys, binding.description, binding.id or ""))
        entries.append(HelpEntry("ctrl+p", "Command palette: every action", "app.palette"))
        return entries

    def action_for(self, binding_id: str) -> Callable[[], object] | None:
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.id == binding_id:
                action = binding.action
                return lambda: self.run_action(action)
        return None


__all__ = ["COLUMN_KEYS", "JumpConsoleApp"]
