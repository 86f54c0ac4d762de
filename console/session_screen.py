"""The sessions screen: one tab per jump session the representative is in.

Each tab shows the item, which session policy applied and why (user present or not), the
permissions, who joined or is invited, strict-window warnings as they come, and the shell
when the Jump Client offers one. Sessions live in the app, not in this screen, so they
survive a reconnect of the live feed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, RichLog, Static, TabbedContent, TabPane

from api_client import ApplianceError, ShellConnection
from domain.session import SessionInfo
from domain.text import visible

if TYPE_CHECKING:
    from console.desk import Desk

NO_SHELL = "Command shell: not allowed by this session's policy."
NO_CLIENT_SHELL = (
    "Command shell: this Jump Client offers none (demo clients do not; installed Jump Clients do)."
)


def _names(names: list[str]) -> str:
    return ", ".join(visible(n) for n in names)


def describe(info: SessionInfo, log: list[str], now: datetime) -> Text:
    """The session's tab. Names, reasons and events come from the appliance, the item and
    other representatives: each is shown, never interpreted."""
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
    if info.strict and info.closes_at is not None:
        left = int((info.closes_at - now).total_seconds() // 60)
        text.append(
            f"Strict Jump Policy: the session ends at "
            f"{info.closes_at:%H:%M} UTC (in {max(0, left)} min).\n"
        )
    text.append("\n")
    if info.shell:
        text.append("Command shell: below (enter runs a line; ctrl+t sends Ctrl-C).\n")
    elif not info.permissions.command_shell:
        text.append(NO_SHELL + "\n")
    else:
        text.append(NO_CLIENT_SHELL + "\n")
    if log:
        text.append("\nEvents\n", style="bold")
        for line in log[-20:]:
            text.append(f"  {visible(line)}\n")
    return text


def terminal_text(chunk: bytes) -> Text:
    """Terminal output as text: colours kept, PTY line endings (``\\r\\n``) made plain."""
    decoded = chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
    # The log starts a line per write: a chunk's own final newline would double it.
    return Text.from_ansi(decoded.replace("\r", "").removesuffix("\n"))


ShellOpener = Callable[[str], AbstractAsyncContextManager[ShellConnection]]


class ShellView(Vertical):
    """The session's command shell: output as it comes, a line to type into.

    Enter sends the line; ``ctrl+t`` sends Ctrl-C (ctrl+c copies in Textual inputs).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "interrupt", "Send Ctrl-C", id="shell.interrupt"),
    ]

    DEFAULT_CSS = """
    ShellView { height: 1fr; border-top: solid $panel; }
    ShellView RichLog { height: 1fr; background: $background; }
    ShellView Input, ShellView Input:focus { border: none; height: 1; background: $panel; }
    """

    def __init__(self, sid: str, opener: ShellOpener) -> None:
        super().__init__()
        self.sid = sid
        self._opener = opener
        self._shell: ShellConnection | None = None
        self._sent_size = (0, 0)

    def compose(self) -> ComposeResult:
        yield RichLog(wrap=True, max_lines=5000, markup=False, id=f"shell-log-{self.sid}")
        yield Input(
            placeholder="shell: type a command, enter runs it; ctrl+t sends Ctrl-C; "
            "F5 download, F6 upload, F7 system info, F10 end",
            id=f"shell-input-{self.sid}",
        )

    def on_mount(self) -> None:
        self.run_worker(
            self._pump(), group=f"shell-{self.sid}", exclusive=True, exit_on_error=False
        )
        self.query_one(Input).focus()  # typing goes to the shell, not to the console's keys

    async def _pump(self) -> None:
        log = self.query_one(RichLog)
        try:
            async with self._opener(self.sid) as shell:
                self._shell = shell
                await self._send_size()
                async for chunk in shell:
                    log.write(terminal_text(chunk))
                ending = (
                    f"the shell exited with code {shell.exit_code}"
                    if shell.exit_code is not None
                    else f"the shell ended: {shell.ended_because or 'session over'}"
                )
                log.write(Text(f"[{ending}]", style="bold"))
        except ApplianceError as err:
            log.write(Text(f"[the shell could not be opened: {err.message}]", style="bold"))
        finally:
            self._shell = None

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._shell is not None:
            await self._shell.write((event.value + "\n").encode())
            event.input.value = ""

    def _terminal_size(self) -> tuple[int, int]:
        log = self.query_one(RichLog).size
        return max(20, log.width - 1), max(5, log.height)

    async def _send_size(self) -> None:
        """Tell the endpoint's terminal how big the shell's view is (programs wrap to it)."""
        shell = self._shell
        if shell is not None and self._terminal_size() != self._sent_size:
            self._sent_size = self._terminal_size()
            await shell.resize(*self._sent_size)

    async def on_resize(self, _event: events.Resize) -> None:
        await self._send_size()

    async def action_interrupt(self) -> None:
        if self._shell is not None:
            await self._shell.write(b"\x03")


class SessionsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v", "app.pop_screen", "Back to the list", id="sessions.back"),
        # letters when the shell line is not focused; function keys work from the shell too
        Binding("x,f10", "end", "End session", id="sessions.end"),
        Binding("i,f8", "invite", "Invite", id="sessions.invite"),
        Binding("y,f7", "system_info", "System info", id="sessions.system_info"),
        Binding("g,f5", "download", "Download file", id="sessions.download"),
        Binding("p,f6", "upload", "Upload file", id="sessions.upload"),
    ]

    DEFAULT_CSS = """
    SessionsScreen { background: $surface; }
    SessionsScreen Static.session-body { padding: 1 2; height: auto; }
    SessionsScreen #no-sessions { padding: 1 2; }
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
        opener: ShellOpener | None = None,
    ) -> None:
        super().__init__()
        self._desk = desk
        self._logs = logs
        self._now = now
        self._opener = opener
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
        sessions = self._desk.sessions
        tabs = self.query_one(TabbedContent)
        self.query_one("#no-sessions").display = not sessions
        tabs.display = bool(sessions)
        for sid in [s for s in self._shown if s not in sessions]:
            tabs.remove_pane(f"s-{sid}")
            self._shown.remove(sid)
        logs = self._logs
        for sid, info in sessions.items():
            body = describe(info, logs.get(sid, []), self._now())
            if sid in self._shown:
                self.query_one(f"#body-{sid}", Static).update(body)
            else:
                parts: list[Widget] = [Static(body, id=f"body-{sid}", classes="session-body")]
                if info.shell and self._opener is not None:
                    parts.append(ShellView(sid, self._opener))
                title = Content(visible(info.item_name))  # not markup: a name is data
                pane = TabPane(title, *parts, id=f"s-{sid}")
                tabs.add_pane(pane)
                self._shown.append(sid)

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

    def action_system_info(self) -> None:
        self._request("system_info")

    def action_download(self) -> None:
        self._request("download")

    def action_upload(self) -> None:
        self._request("upload")
