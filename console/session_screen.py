"""The sessions screen: one tab per jump session the representative is in.

Each tab (numbered, with the item's name and host) shows which session policy applied and why
(user present or not), the permissions, who joined or is invited, a strict window's live
countdown above it (one timer for the screen, running only while a strict session is open),
strict-window warnings as they come, and the endpoint's terminal when the Jump Client offers
a shell. Sessions and their terminals live in the app, not in this screen: they survive a
reconnect of the live feed, and leaving this screen only hides them. Tabs follow the feed's
frames however fast they come (a session may end before its tab is on screen).

The terminal takes every key but its leave chord (``ctrl+]``); after it, the screen's keys
work: ``1``–``9`` show a tab (and go into its terminal), ``x`` ends, ``i`` invites, ``y``
system info, ``g``/``p`` files, ``s`` the endpoint's screen instead of the terminal (and
back), ``v`` back to the list. The screen is captured only while its view is shown. Where the
policy allows control, the screen view takes every key as the terminal does (``ctrl+]``
gives them back, ``enter`` takes them again).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, Static, TabbedContent, TabPane, Tabs

from domain.enums import ScreenSharing
from domain.session import SessionInfo
from domain.text import visible
from domain.wording import screen_refusal, strict_countdown
from widgets.footer import KeysFooter
from widgets.screen_view import ScreenOpener, ScreenView
from widgets.terminal import Terminal

if TYPE_CHECKING:
    from console.desk import Desk
    from console.shells import ShellHub

NO_SHELL = "Command shell: not allowed by this session's policy."
NO_CLIENT_SHELL = (
    "Command shell: this Jump Client offers none (demo clients do not; installed Jump Clients do)."
)


def _names(names: list[str]) -> str:
    return ", ".join(visible(n) for n in names)


def describe(info: SessionInfo, log: list[str], *, events: int = 20) -> Text:
    """The session's tab. Names, reasons and events come from the appliance, the item and
    other representatives: each is shown, never interpreted. (A strict window's countdown
    is a line of its own above, live: :meth:`SessionsScreen.tick`.)"""
    text = Text()
    text.append(f"{visible(info.item_name)}\n", style="bold")
    presence = "a user is present" if info.present else "no user is present"
    text.append(f"Session policy: {visible(info.session_policy_name)} — {visible(info.reason)}.\n")
    text.append(f"Presence when it started: {presence}.\n")
    perms = info.permissions
    switches = (
        ("command shell", perms.command_shell),
        ("file upload", perms.file_transfer_upload),
        ("file download", perms.file_transfer_download),
        ("system info", perms.system_info),
    )
    allowed = [name for name, on in switches if on]
    denied = [name for name, on in switches if not on]
    text.append(
        f"Allowed: {', '.join(allowed) or 'nothing'}; denied: "
        f"{', '.join(denied) or 'nothing'}; screen sharing: "
        f"{perms.screen_sharing.value.replace('_', ' ')}; prompt the user: "
        f"{'yes' if perms.prompt_end_user else 'no'}.\n"
    )
    text.append(f"Owner: {visible(info.owner)}; in the session: {_names(info.participants)}")
    if info.invited:
        text.append(f"; invited: {_names(info.invited)}")
    text.append(".\n")
    text.append("\n")
    if info.shell:
        text.append(
            "Command shell: below; every key goes to it, ctrl+] leaves it (scroll back, tabs, "
            "session keys).\n"
        )
    elif not info.permissions.command_shell:
        text.append(NO_SHELL + "\n")
    else:
        text.append(NO_CLIENT_SHELL + "\n")
    if log:
        text.append("\nEvents\n", style="bold")
        for line in log[-events:]:
            text.append(f"  {visible(line)}\n")
    return text


class SessionsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v", "app.pop_screen", "Back to the list", id="sessions.back"),
        # letters when the shell line is not focused; function keys work from the shell too
        Binding("x,f10", "end", "End session", id="sessions.end"),
        Binding("i,f8", "invite", "Invite", id="sessions.invite"),
        Binding("y,f7", "system_info", "System info", id="sessions.system_info"),
        Binding("g,f5", "download", "Download file", id="sessions.download"),
        Binding("p,f6", "upload", "Upload file", id="sessions.upload"),
        Binding("s,f4", "screen", "Screen", id="sessions.screen"),
        Binding("1", "tab(1)", "Tab", id="sessions.tab_1", key_display="1…9"),
        *(
            Binding(str(n), f"tab({n})", f"Tab {n}", id=f"sessions.tab_{n}", show=False)
            for n in range(2, 10)
        ),
    ]

    DEFAULT_CSS = """
    SessionsScreen { background: $surface; }
    SessionsScreen Static.session-body { padding: 1 2; height: auto; }
    SessionsScreen Static.session-body.-above-terminal { padding: 0 1; }
    SessionsScreen #no-sessions { padding: 1 2; }
    SessionsScreen Static.session-strict {
        padding: 0 1; height: 1; color: $warning; text-style: bold;
    }
    SessionsScreen TabPane { padding: 0; }
    """

    SessionAction = Literal["end", "invite", "system_info", "download", "upload"]

    class Requested(Message):
        """The representative asked for ``action`` on the session ``sid`` (its owner, the
        app, carries it out)."""

        def __init__(self, action: SessionsScreen.SessionAction, sid: str) -> None:
            super().__init__()
            self.action = action
            self.sid = sid

    def __init__(
        self,
        desk: Desk,
        logs: Mapping[str, list[str]],
        now: Callable[[], datetime],
        shells: ShellHub | None = None,
        host_of: Callable[[int], str] = lambda _item_id: "",
        screens: Callable[[str], ScreenOpener] | None = None,
    ) -> None:
        """``screens``: opens the screen of a session (sid) for its Screen view."""
        super().__init__()
        self._screens = screens
        self._desk = desk
        self._logs = logs
        self._now = now
        self._shells = shells
        self._host_of = host_of
        self._shown: list[str] = []
        self._added: dict[str, AwaitComplete] = {}
        """The tab of each session shown, being added or added (done)."""
        self._bodies: dict[str, Static] = {}
        self._wanted: str | None = None
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(
            "You are in no session. Press escape, highlight a Jump Item and press "
            "enter to start one.",
            id="no-sessions",
            markup=False,
        )
        yield TabbedContent(id="session-tabs")
        yield KeysFooter()

    def on_mount(self) -> None:
        current = self._desk.current_session()
        if self._wanted is None and current is not None:
            self._wanted = current.sid  # the session looked at last, its terminal ready
        self._ticker = self.set_interval(1.0, self.tick, pause=True)  # one for every tab
        self.refresh_sessions()

    def _label(self, number: int, info: SessionInfo) -> Content:
        host = self._host_of(info.item_id)
        where = f" ({host})" if host and host != info.item_name else ""
        return Content(visible(f"{number} {info.item_name}{where}"))  # not markup: data

    def refresh_sessions(self) -> None:
        if self._ticker is None:
            return  # not mounted yet (a frame right after a push): on_mount shows them all
        sessions = self._desk.sessions
        tabs = self.query_one(TabbedContent)
        self.query_one("#no-sessions").display = not sessions
        tabs.display = bool(sessions)
        gone = [s for s in self._shown if s not in sessions]
        for sid in gone:
            self._shown.remove(sid)
            self._bodies.pop(sid, None)
            adding = self._added.pop(sid)
            if adding.is_done:
                tabs.remove_pane(f"s-{sid}")
            else:  # ended before its tab was on screen: removed once it is
                self.run_worker(self._remove_later(sid, adding), group="tabs")
        logs = self._logs
        for sid, info in sessions.items():
            terminal = info.shell and self._shells is not None
            body = describe(info, logs.get(sid, []), events=3 if terminal else 20)
            if sid in self._shown:  # (its tab may still be on its way: the widget, not a query)
                self._bodies[sid].update(body)
                continue
            classes = "session-body -above-terminal" if terminal else "session-body"
            self._bodies[sid] = Static(body, id=f"body-{sid}", classes=classes)
            parts: list[Widget] = [self._bodies[sid]]
            countdown = strict_countdown(info.closes_at if info.strict else None, self._now())
            if countdown is not None:  # its header: the time left, live (tick)
                line = Static(countdown, id=f"strict-{sid}", classes="session-strict", markup=False)
                parts.insert(0, line)
            if terminal and self._shells is not None:
                host = self._host_of(info.item_id)
                title = visible(f"{info.item_name} ({host})" if host else info.item_name)
                parts.append(Terminal(self._shells.terminal(sid, title), id=f"term-{sid}"))
            opener = self._screens(sid) if self._screens is not None else None
            refusal = screen_refusal(info.permissions.screen_sharing)
            control = info.permissions.screen_sharing is ScreenSharing.VIEW_AND_CONTROL
            view = ScreenView(opener, refusal=refusal, control=control, id=f"screen-{sid}")
            view.display = False  # shown with s; captured only while shown
            parts.append(view)
            pane = TabPane(self._label(len(self._shown) + 1, info), *parts, id=f"s-{sid}")
            self._added[sid] = tabs.add_pane(pane)
            self._shown.append(sid)
        if gone:
            self._renumber()
        if self._wanted is not None:
            self.call_later(self._show_wanted)
        strict = any(self._closes_at(sid) for sid in self._shown)
        self._ticker.resume() if strict else self._ticker.pause()  # none: no work each second

    async def _remove_later(self, sid: str, adding: AwaitComplete) -> None:
        with contextlib.suppress(Exception):  # (its add failing is its own error, told there)
            await adding
        await self.query_one(TabbedContent).remove_pane(f"s-{sid}")

    def _renumber(self) -> None:
        """The numbers of the tabs after one went (those on their way too: their tabs are in
        place at once)."""
        tabs, sessions = self.query_one(TabbedContent), self._desk.sessions
        for number, sid in enumerate(self._shown, start=1):
            with contextlib.suppress(NoMatches, ValueError, KeyError):
                tabs.get_tab(f"s-{sid}").label = self._label(number, sessions[sid])

    def _closes_at(self, sid: str) -> datetime | None:
        info = self._desk.sessions.get(sid)
        return info.closes_at if info is not None and info.strict else None

    def tick(self) -> None:
        """Once a second while a strict session is open: its header says how long is left."""
        now = self._now()
        for sid in self._shown:
            closes_at = self._closes_at(sid)
            if closes_at is None:
                continue
            for line in self.query(f"#strict-{sid}").results(Static):
                line.update(strict_countdown(closes_at, now) or "")

    def show_session(self, sid: str) -> None:
        """Bring the tab of session ``sid`` forward and put the keys in its terminal (once it
        is on screen: right after a start, its tab may still be on its way)."""
        self._wanted = sid
        if self.is_mounted:
            self.call_later(self._show_wanted)

    async def _show_wanted(self) -> None:
        for adding in list(self._added.values()):
            # a tab whose add failed is not shown (quitting while it was on its way takes it
            # away mid-add; a crash on the way out would hide how the console ended)
            with contextlib.suppress(Exception):
                await adding
        if not self.is_attached:
            return
        sid = self._wanted
        if sid is None or sid not in self._shown:
            return  # not known here yet: shown when refresh_sessions adds it
        self._wanted = None
        self._activate(sid)

    def _activate(self, sid: str) -> None:
        self.query_one(TabbedContent).active = f"s-{sid}"
        self._desk.current = sid
        self._focus_pane(sid)

    def _focus_pane(self, sid: str) -> None:
        for view in self.query(ScreenView).results(ScreenView):  # only the tab shown watches
            view.watch_screen(view.display and view.id == f"screen-{sid}")
        shown = [v for v in self.query(f"#screen-{sid}").results(ScreenView) if v.display]
        terminals = self.query(f"#term-{sid}")
        if shown:
            shown[0].focus()
        elif terminals:
            terminals.first().focus()
        else:
            self.query_one(TabbedContent).query_one(Tabs).focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Whichever way a tab comes forward, the keys go to its own terminal, never to a
        terminal of another tab."""
        pane = event.pane.id or ""
        if pane == self.query_one(TabbedContent).active and self._wanted is None:
            self._desk.current = pane.removeprefix("s-")  # (a stale activation is ignored)
            self._focus_pane(self._desk.current)

    def action_tab(self, number: int) -> None:
        if 1 <= number <= len(self._shown):
            self._activate(self._shown[number - 1])

    def _current(self) -> str | None:
        active = self.query_one(TabbedContent).active
        return active.removeprefix("s-") if active else None

    def _request(self, action: SessionsScreen.SessionAction) -> None:
        sid = self._current()
        if sid:
            self.post_message(self.Requested(action, sid))

    def action_end(self) -> None:
        self._request("end")

    def action_invite(self) -> None:
        self._request("invite")

    def action_screen(self) -> None:
        """The endpoint's screen in place of the terminal (or the body), and back."""
        sid = self._current()
        views = self.query(f"#screen-{sid}").results(ScreenView) if sid else iter(())
        view = next(views, None)
        if sid is None or view is None:
            return
        view.display = not view.display
        for terminal in self.query(f"#term-{sid}"):
            terminal.display = not view.display
        self._focus_pane(sid)

    def action_system_info(self) -> None:
        self._request("system_info")

    def action_download(self) -> None:
        self._request("download")

    def action_upload(self) -> None:
        self._request("upload")
