"""``JumpConsoleApp``: the representative console.

The app signs in, follows the live feed, keeps what the console knows (the store, the session,
the statistics history, the highlighted item's record) and is the one place worker errors go;
it registers the themes and the user's keymap. The :class:`~console.main_screen.MainScreen`
shows all of it and owns the keys that work on the list.

Data flow (ARCHITECTURE.md, "hot path"): the feed worker posts one message per feed event;
the app applies it to the store and tells the main screen what changed; the screen's 100 ms
timer repaints only the on-screen rows that changed. Everything the user can do is a binding
with an id (remappable), in the footer, in the help overlay and in the command palette.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerState

from api_client import (
    ApplianceClient,
    ApplianceError,
    AuthenticationFailed,
    FeedState,
    FeedStatus,
    ItemDelta,
    SnapshotLoaded,
    SnapshotPart,
)
from console import palette
from console.action_runner import ActionRunner
from console.backend import Backend, SignIn
from console.config import UiState
from console.details import DETAILS_SETTLE_S, HistoryBook, with_live_stats
from console.history_loader import HistoryLoader
from console.live_items import LiveItems
from console.login import LoginScreen
from console.main_screen import MainScreen
from console.messages import FeedEventArrived, SessionReady
from console.registry import key_actions, keys_of
from console.screen_console import AdminScreen
from console.screens import ConsoleCommands, HelpEntry, HelpScreen, PaletteChoice
from console.session_ending import ask_before_quitting
from console.session_screen import SessionsScreen
from console.store import COLUMN_KEYS, ItemStore
from console.thumbnail_watch import ThumbnailWatch
from domain import JumpClient, Statistic
from domain.protocol.live import Hello, SiteChanged, StatsBatch
from domain.session import SessionEvent
from domain.support import SupportEvent
from domain.text import visible, visible_lines
from themes import DEFAULT_THEME, NO_COLOR_THEME, VARIABLE_DEFAULTS, resolve
from themes.palettes import THEMES, colour_filters
from widgets import DropControls, JumpTable

Clock = Callable[[], datetime]
DROP_CONTROLS = DropControls()


class JumpConsoleApp(App[int]):
    """Jump Items by group and tag with live statistics, filter, sort and details."""

    TITLE = "Jump Console"
    CSS_PATH = "console.tcss"
    COMMANDS = {ConsoleCommands}  # ours only: not Textual's own quit, keys, themes
    ENABLE_COMMAND_PALETTE = True

    #: the keys of every screen, from the one table of actions (console.registry); the keys
    #: about the list are the main screen's
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(a.keys, a.tui_action, a.label, id=a.binding_id, show=a.footer)
        for a in key_actions(app_wide=True)
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
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        clock: Clock | None = None,
        notices: Iterable[str] = (),
    ) -> None:
        super().__init__()
        ui_state = (state or UiState()).cleaned()
        theme = theme or ui_state.theme or DEFAULT_THEME  # none given: the one last picked
        self.no_color = resolve(theme) == NO_COLOR_THEME  # Textual's widgets follow it too
        if backend is None and connect is None:
            raise ValueError("give a backend, or a way to connect after signing in")
        self.backend = backend
        self._connect = connect
        self._appliance = appliance
        self._username = username
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.store = ItemStore()
        self.store.sort_key = ui_state.sort_key
        self.store.descending = ui_state.sort_descending
        self.history = HistoryBook()
        self.session: SignIn | None = None
        self.items = LiveItems(self.store)
        #: the live feed's state; while it is not live what the console shows is stale
        self.feed_state = FeedState.CONNECTING
        self.last_heard: datetime | None = None
        self._details_item: JumpClient | None = None
        self._details_timer: Timer | None = None
        self.thumbs = ThumbnailWatch()  # the highlighted item's screen thumbnail
        self._thumbnail_timer: Timer | None = None  # a fetch put off (fetched too lately)
        self._thumbnails_on = False
        self._stats_interval = 30.0
        self._wanted_theme = theme
        self._user_keymap = dict(keymap or {})
        self._notices = list(notices)
        self._screen_ready = False
        #: what the feed said before the list was on screen, told to it once it is
        self._held: list[SessionReady | FeedEventArrived] = []
        self.actions = ActionRunner(self)
        self.item_history = HistoryLoader(
            self,
            lambda item_id, count: self.client.item_audit(item_id, limit=count),
            lambda item_id: self.highlighted_id() == item_id,
            self.refresh_details,
        )
        self.main = MainScreen(
            self,
            state=ui_state,
            save_state=state_path,
        )

    # -- start and stop ----------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Every line drawn goes through ``DropControls`` last: no control character from
        data reaches the terminal, even where no widget escaped it. The no-colour theme
        draws every colour as the terminal's default."""
        return [*colour_filters(super().get_line_filters(), self.theme), DROP_CONTROLS]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast: the appliance's sentences name items, so each is shown, never
        interpreted (control characters as escapes)."""
        super().notify(
            visible_lines(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._pick_theme(self._wanted_theme)
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        for notice in self._notices:
            self.notify(notice, severity="warning", markup=False)
        if self.backend is None:
            self._ask_login("")
        else:  # connecting and the first chunk's way overlap the first screen's drawing
            self.follow_feed()

    @on(MainScreen.Ready)
    def _main_screen_ready(self) -> None:
        """The list is on screen: the feed fills it with what it said meanwhile, and more."""
        self._screen_ready = True
        for message in self._held:
            self.post_message(message)
        self._held.clear()

    def _from_feed(self, message: SessionReady | FeedEventArrived) -> None:
        if self._screen_ready:
            self.post_message(message)
        else:
            self._held.append(message)

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
            async with asyncio.timeout(5):
                await self.workers.wait_for_complete(workers)
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
        self._from_feed(SessionReady(session))
        ended = ""
        async with contextlib.aclosing(aiter(backend.feed(compact=True))) as events:
            async for event in events:
                arrived = FeedEventArrived(event)
                self._from_feed(arrived)
                if self._screen_ready:  # one at a time: keys typed meanwhile come between
                    await arrived.handled.wait()
                if isinstance(event, FeedStatus) and event.final:
                    ended = event.message
        if ended and self._connect is not None:  # the sign-in ended: the person signs in again
            await backend.close()
            self.call_later(self._ask_login, ended)

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

    @work(exclusive=True, group="site", exit_on_error=False)
    async def reload_site(self) -> None:
        """An administrator changed the site: what the console explains follows at once."""
        if self.backend is None or self.session is None:
            return
        site = await self.backend.client.site()
        self.session = dataclasses.replace(self.session, site=site)
        self.main.details_due = True
        self.refresh_bindings()  # e.g. the upgrade key comes and goes with automatic upgrades
        self.notify("The site's settings changed; the console follows them.", markup=False)

    def on_session_ready(self, message: SessionReady) -> None:
        session = message.session
        self.session = session
        self.store.group_names = dict(session.groups)
        self.store.policy_names = session.policy_names
        self.sub_title = visible(f"{session.display_name} ({session.username})")
        self.main.show_user(session.username)
        self.run_worker(self.actions.sync(), group="sessions", exit_on_error=False)
        self.refresh_bindings()

    def on_feed_event_arrived(self, message: FeedEventArrived) -> None:
        # Events can still arrive while the app shuts down and its widgets are gone.
        try:
            with contextlib.suppress(NoMatches):
                self._feed_event(message)
        finally:
            message.handled.set()

    def _feed_event(self, message: FeedEventArrived) -> None:
        event = message.event
        if isinstance(event, FeedStatus):
            if self.feed_state is FeedState.LIVE and event.state is not FeedState.LIVE:
                self.last_heard = self.clock()
            if event.state in (FeedState.RECONNECTING, FeedState.OFFLINE) and self.items.streaming:
                self.items.cut_short()  # the next snapshot starts afresh
                self.main.items_changed(self.main.highlighted_id)
            self.feed_state = event.state
            self.main.show_connection(event.state.value, event.retry_in, self.stale_since())
            if event.final:
                self.notify(event.message, severity="error", markup=False, timeout=30)
            elif event.state in (FeedState.RECONNECTING, FeedState.OFFLINE) and event.retry_in:
                self.notify(event.message, severity="warning", markup=False)
        elif isinstance(event, Hello):
            self.main.show_demo(event.demo)
            self._stats_interval = event.interval_s
            self._thumbnails_on = Statistic.THUMBNAIL in event.statistics
            self.main.show_statistics(event.statistics)
        elif isinstance(event, SnapshotPart):
            if self.items.part(event, time.monotonic()):  # the list fills as it streams
                self.main.items_changed(self.main.highlighted_id)
            self.main.show_loading(event.received, event.total)
        elif isinstance(event, SnapshotLoaded):
            self.main.show_loading(None)
            keep = self.main.highlighted_id
            reconnect = self.items.loaded
            self.items.whole(event)
            gc.freeze()  # the loaded items stay: full collections would rescan them (frame spikes)
            self.main.items_changed(keep)
            if reconnect:  # the appliance's session list is the truth
                self.run_worker(self.actions.sync(), group="sessions", exit_on_error=False)
        elif isinstance(event, ItemDelta):
            if self.items.delta(event):
                self._delta_shown(event)
        elif isinstance(event, SessionEvent):
            self.actions.on_event(event)
        elif isinstance(event, SupportEvent):
            self.actions.support.on_event(event)
        elif isinstance(event, SiteChanged):
            self._stats_interval = event.interval_s
            self._thumbnails_on = Statistic.THUMBNAIL in event.statistics
            self.main.show_statistics(event.statistics)
            self.reload_site()
        elif isinstance(event, StatsBatch):
            self.history.record(event.rows)
            self._maybe_refresh_thumbnail(event.rows)
            if self.items.stats(event.rows):  # at once: no frame shows it on another row
                self.main.items_changed(self.main.highlighted_id)

    def _delta_shown(self, delta: ItemDelta) -> None:
        """A change is in the list's store: the list and the open details follow it."""
        self.item_history.changed([item.id for item in delta.upserts])
        for item in delta.upserts:
            if self._details_item is not None and item.id == self._details_item.id:
                self._details_item = item
                self.main.details_due = True
        self.main.items_changed(self.main.highlighted_id)

    @property
    def paused(self) -> bool:
        return self.items.paused

    @property
    def loaded(self) -> bool:
        return self.items.loaded

    def set_paused(self, paused: bool) -> None:
        """Hold live updates back, or apply everything held back and carry on."""
        self.main.show_paused(paused)
        if paused:
            self.items.paused = True
        else:
            for delta in self.items.resume():
                self._delta_shown(delta)
            self.main.refresh_table()
        resume = f"Live updates paused; press {self.key_name('app.pause')} to resume."
        self.notify(resume if paused else "Live updates resumed.", markup=False)

    def stale_since(self) -> str | None:
        """While the appliance cannot be reached: when it was last heard (HH:MM, local)."""
        if self.feed_state not in (FeedState.RECONNECTING, FeedState.OFFLINE):
            return None
        heard = self.last_heard
        return heard.astimezone().strftime("%H:%M") if heard is not None else "never"

    def action_reconnect(self) -> None:
        if self.backend is not None and self.backend.retry_now():
            self.notify("Trying to reach the appliance now.", markup=False)
        else:
            self.notify("The console is connected to the appliance.", markup=False)

    # -- the highlighted item's record -------------------------------------------------------

    @property
    def details_item(self) -> JumpClient | None:
        return self._details_item

    @property
    def thumbnail(self) -> tuple[int, str | None, float]:
        return self.thumbs.shown

    @on(SessionsScreen.Requested)
    def _session_requested(self, request: SessionsScreen.Requested) -> None:
        self.actions.on_session_request(request)

    @on(JumpTable.Highlighted)
    def _highlighted(self, message: JumpTable.Highlighted) -> None:
        for timer in (self._details_timer, self._thumbnail_timer):
            if timer is not None:
                timer.stop()
        self._thumbnail_timer = None  # the screen of the item left is not fetched
        if message.item_id is None:
            self._details_item = None
            self.main.clear_details()
            return
        self.history.watch(message.item_id)
        self._details_timer = self.set_timer(
            DETAILS_SETTLE_S, partial(self.load_details, message.item_id)
        )

    def load_details_now(self, item_id: int) -> None:
        """An action waits on this item's record: fetch it without waiting for the rest."""
        if self._details_timer is not None:
            self._details_timer.stop()
        self.load_details(item_id)

    @work(exclusive=True, group="details", exit_on_error=False)
    async def load_details(self, item_id: int) -> None:
        if self.backend is None:
            return
        asked = self.thumbs.ask()
        item = await self.backend.item(item_id)
        self._details_item = item
        self.thumbs.answer(item, asked, item.id)
        self.main.show_details()
        self.actions.details_arrived(item.id)
        if not item.x_online and item.x_mac:  # wake is explained as the appliance decides it
            await self.actions.ask_wake(item.id)

    def _maybe_refresh_thumbnail(self, rows: Sequence[tuple[object, ...]]) -> None:
        """Fetch the highlighted item's thumbnail again when its statistics arrive, at most
        once an interval: a row that comes sooner after the last fetch puts the fetch off
        until the interval allows, rather than dropping it (the screen shown would otherwise
        stay an interval behind the endpoint's)."""
        item = self._details_item
        if item is None or not self._thumbnails_on or not item.x_online:
            return
        if not any(row[0] == item.id for row in rows):
            return
        wait = self.thumbs.due_in(item.id, self._stats_interval)
        if wait <= 0:
            self._fetch_thumbnail()
        elif self._thumbnail_timer is None:
            self._thumbnail_timer = self.set_timer(wait, self._fetch_thumbnail)

    def _fetch_thumbnail(self) -> None:
        self._thumbnail_timer = None
        item = self._details_item
        if item is not None and item.x_online:
            self.thumbs.asking(item.id)
            self.refresh_thumbnail(item.id)

    @work(exclusive=True, group="thumbnail", exit_on_error=False)
    async def refresh_thumbnail(self, item_id: int) -> None:
        if self.backend is None:
            return
        asked = self.thumbs.ask()
        item = await self.backend.item(item_id)
        showing = self._details_item.id if self._details_item is not None else None
        if self.thumbs.answer(item, asked, showing):
            self.main.details_due = True

    # -- hooks for the action runner -------------------------------------------------------------

    @property
    def client(self) -> ApplianceClient:
        assert self.backend is not None
        return self.backend.client

    def highlighted_id(self) -> int | None:
        return self.main.highlighted_id

    def highlighted_item(self) -> JumpClient | None:
        """The full record of the highlighted item (None while it is being fetched)."""
        item, wanted = self._details_item, self.highlighted_id()
        if item is None or item.id != wanted:
            return None
        row = self.store.row_of.get(item.id)
        return with_live_stats(item, self.store, row) if row is not None else item

    def marks_changed(self, marked: set[int]) -> None:
        self.main.show_marks(marked)

    def sessions_changed(self) -> None:
        self.actions.shells.keep_only(self.actions.sessions)  # a shell lives with its session
        with contextlib.suppress(NoMatches):  # a session event during shutdown
            self.main.show_session_count(len(self.actions.sessions))
        for screen in self.screen_stack:
            if isinstance(screen, SessionsScreen):
                screen.refresh_sessions()
        self.main.details_due = True

    def show_sessions(self, sid: str | None = None) -> None:
        """The sessions screen; with ``sid``, that session's tab and terminal in front."""
        screen = self.screen if isinstance(self.screen, SessionsScreen) else None
        if screen is None:
            screen = self.actions.screen()
            self.push_screen(screen)
        if sid is not None:
            screen.show_session(sid)

    def refresh_details(self) -> None:
        self.main.details_due = True

    # -- administration and the command palette ----------------------------------------------

    def open_admin(self, screen: AdminScreen) -> None:
        """Open an administration screen; it says so when the representative may not."""
        from console.admin import open as admin  # loaded when first opened, not at start

        match screen:
            case "installers":
                admin.open_installers(self)
            case "deploy":
                admin.open_deploy(self)
            case "settings":
                admin.open_settings(self)

    def open_audit(self, filter_text: str) -> None:
        from console.admin import open as admin

        admin.open_audit(self, filter_text)

    def on_installers_screen_add_requested(self) -> None:
        self.open_admin("deploy")

    # -- keys, help and the command palette ---------------------------------------------------
    # Help and quit are bound on the app; the keys about the list are the main screen's.

    def action_help(self) -> None:
        self.show_help()

    async def action_quit(self) -> None:
        ask_before_quitting(self)  # with sessions open: end them, keep them running, or cancel

    def show_help(self) -> None:
        self.push_screen(HelpScreen(self.help_entries()))

    def key_name(self, binding_id: str) -> str:
        """The (first) key of ``binding_id`` as the user's keymap sets it, as the footer shows
        keys: ``Z``, ``/``, ``^q``. What the status bar, toasts and placeholders name."""
        for entry in self.help_entries():
            if entry.binding_id == binding_id:
                return self.get_key_display(Binding(keys_of(entry.keys)[0], ""))
        return binding_id

    def help_entries(self) -> list[HelpEntry]:
        return palette.help_entries_of(self, self._user_keymap)

    def palette_choices(self, screen: Screen[object]) -> list[PaletteChoice]:
        """The command palette's choices over ``screen`` (see :func:`palette.choices`)."""
        return palette.choices(self, screen)


__all__ = ["COLUMN_KEYS", "JumpConsoleApp"]
