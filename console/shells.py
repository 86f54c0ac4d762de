"""The shells of the sessions open in this console, kept while each session is open.

A session's terminal (its shell websocket, emulator and scrollback) belongs here, not to the
sessions screen: leaving that screen, or switching tabs, only detaches a view, and coming back
finds the same shell. A terminal closes when its session is no longer open in the console
(ended, left, or the console quits).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from api_client import ApplianceError, open_shell
from widgets.terminal_session import ShellLink, TerminalSession

if TYPE_CHECKING:
    from console.app import JumpConsoleApp


class Job(Protocol):
    def cancel(self) -> None: ...


LinkFor = Callable[[str, int, int], AbstractAsyncContextManager[ShellLink]]
"""Opens the shell of a session (sid) for a terminal of (columns, lines)."""
Spawn = Callable[[str, Coroutine[Any, Any, None]], Job]
"""Runs a job in the background under a name (the app's workers); returns a handle."""


class ShellHub:
    """One terminal per session with a shell, opened on first view, closed with the session."""

    def __init__(self, link_for: LinkFor, spawn: Spawn) -> None:
        self._link_for = link_for
        self._spawn = spawn
        self.terminals: dict[str, TerminalSession] = {}
        self._jobs: dict[str, Job] = {}

    @classmethod
    def of(cls, app: JumpConsoleApp) -> ShellHub:
        """The console's hub: shells through the appliance, pumped by the app's workers."""
        return cls(
            lambda sid, cols, rows: open_shell(app.client, sid, cols=cols, rows=rows),
            lambda name, job: app.run_worker(job, group=name, exit_on_error=False),
        )

    def terminal(self, sid: str, title: str) -> TerminalSession:
        """The session's terminal, opening its shell the first time."""
        terminal = self.terminals.get(sid)
        if terminal is None:
            terminal = TerminalSession(title, lambda cols, rows: self._link_for(sid, cols, rows))
            terminal.restart = lambda: self._start(sid)
            self.terminals[sid] = terminal
            self._start(sid)
        return terminal

    def _start(self, sid: str) -> None:
        terminal = self.terminals.get(sid)
        if terminal is not None and sid not in self._jobs:
            self._jobs[sid] = self._spawn(f"shell-{sid}", self._pump(sid, terminal))

    async def _pump(self, sid: str, terminal: TerminalSession) -> None:
        try:
            await terminal.run()
        except ApplianceError as err:
            what = "was closed" if terminal.state == "open" else "could not be opened"
            terminal.end(f"The shell {what}: {err.message}")
        finally:
            self._jobs.pop(sid, None)
            terminal.end("The shell is closed.")  # (whatever stopped it; said once)

    def reopen(self, sids: Collection[str]) -> list[str]:
        """After a reconnect: open again the shells of sessions still open (``sids``) whose
        link was lost, not those whose program exited. The appliance replays the screen as
        it is now. Answers the sessions reopened."""
        lost = [
            sid
            for sid, terminal in self.terminals.items()
            if sid in sids
            and sid not in self._jobs
            and terminal.state == "ended"
            and terminal.exit_code is None
        ]
        for sid in lost:
            self._start(sid)
        return lost

    def keep_only(self, sids: Collection[str]) -> None:
        """Close the terminals of sessions no longer open here."""
        for sid in [s for s in self.terminals if s not in sids]:
            job = self._jobs.pop(sid, None)
            if job is not None:
                job.cancel()
            self.terminals.pop(sid).end("The session is over.")


__all__ = ["LinkFor", "ShellHub", "Spawn"]
