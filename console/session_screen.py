"""The sessions screen: one tab per jump session the representative is in.

Each tab shows the item, which session policy applied and why (user present or not), the
permissions, who joined or is invited, strict-window warnings as they come, and the shell
when the Jump Client offers one. Sessions live in the app, not in this screen, so they
survive a reconnect of the live feed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from domain.session import SessionInfo

NO_SHELL = (
    "Command shell: this Jump Client offers no shell yet (real Jump Clients serve "
    "one; demo clients do not)."
)


def describe(info: SessionInfo, log: list[str], now: datetime) -> Text:
    text = Text()
    text.append(f"{info.item_name}\n", style="bold")
    presence = "a user is present" if info.present else "no user is present"
    text.append(f"Session policy: {info.session_policy_name} — {info.reason}.\n")
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
    text.append(f"Owner: {info.owner}; in the session: {', '.join(info.participants)}")
    if info.invited:
        text.append(f"; invited: {', '.join(info.invited)}")
    text.append(".\n")
    if info.strict and info.closes_at is not None:
        left = int((info.closes_at - now).total_seconds() // 60)
        text.append(
            f"Strict Jump Policy: the session ends at "
            f"{info.closes_at:%H:%M} UTC (in {max(0, left)} min).\n"
        )
    text.append("\n")
    text.append("Command shell: available.\n" if info.shell else NO_SHELL + "\n")
    if log:
        text.append("\nEvents\n", style="bold")
        for line in log[-20:]:
            text.append(f"  {line}\n")
    return text


class SessionsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v", "app.pop_screen", "Back to the list", id="sessions.back"),
        Binding("x", "end", "End session", id="sessions.end"),
        Binding("i", "invite", "Invite", id="sessions.invite"),
    ]

    DEFAULT_CSS = """
    SessionsScreen { background: $surface; }
    SessionsScreen Static.session-body { padding: 1 2; height: auto; }
    SessionsScreen #no-sessions { padding: 1 2; }
    """

    def __init__(
        self,
        sessions: Callable[[], dict[str, SessionInfo]],
        logs: Callable[[], dict[str, list[str]]],
        now: Callable[[], datetime],
        end: Callable[[str], None],
        invite: Callable[[str], None],
    ) -> None:
        super().__init__()
        self._sessions = sessions
        self._logs = logs
        self._now = now
        self._end = end
        self._invite = invite
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(
            "You are in no session. Press escape, highlight a Jump Item and press "
            "enter to start one.",
            id="no-sessions",
            markup=False,
        )
        yield TabbedContent(id="session-tabs")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_sessions()

    def refresh_sessions(self) -> None:
        sessions = self._sessions()
        tabs = self.query_one(TabbedContent)
        self.query_one("#no-sessions").display = not sessions
        tabs.display = bool(sessions)
        for sid in [s for s in self._shown if s not in sessions]:
            tabs.remove_pane(f"s-{sid}")
            self._shown.remove(sid)
        logs = self._logs()
        for sid, info in sessions.items():
            body = describe(info, logs.get(sid, []), self._now())
            if sid in self._shown:
                self.query_one(f"#body-{sid}", Static).update(body)
            else:
                pane = TabPane(
                    info.item_name,
                    Static(body, id=f"body-{sid}", classes="session-body"),
                    id=f"s-{sid}",
                )
                tabs.add_pane(pane)
                self._shown.append(sid)

    def _current(self) -> str | None:
        active = self.query_one(TabbedContent).active
        return active.removeprefix("s-") if active else None

    def action_end(self) -> None:
        sid = self._current()
        if sid:
            self._end(sid)

    def action_invite(self) -> None:
        sid = self._current()
        if sid:
            self._invite(sid)
