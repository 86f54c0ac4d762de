"""A sessions screen with one session whose shell replays a recorded byte stream: the
session tab's terminal showing a full-screen program, the same picture on every run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App

from console.desk import Desk
from console.session_screen import SessionsScreen
from console.shells import ShellHub
from domain.session import SessionInfo
from domain.session_policy import ResolvedPermissions
from themes import VARIABLE_DEFAULTS
from themes.palettes import THEMES

RECORDINGS = Path(__file__).parent / "recordings"
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
SIZE = (120, 40)


class Replay:
    """A shell link that plays a recording, then stays open (the program still runs)."""

    exit_code: int | None = None
    ended_because: str | None = None

    def __init__(self, recording: bytes) -> None:
        self.recording = recording
        self.played = asyncio.Event()

    async def write(self, data: bytes) -> None:
        return None

    async def resize(self, cols: int, rows: int) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._play()

    async def _play(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.recording), 4096):
            yield self.recording[start : start + 4096]
        self.played.set()
        await asyncio.Event().wait()


def session(name: str) -> SessionInfo:
    return SessionInfo(
        sid="0123456789abcdef",
        item_id=42,
        item_name=name,
        owner="carol",
        participants=["carol"],
        present=False,
        session_policy_id=3,
        session_policy_name="User not present: full access",
        reason="no user is present",
        permissions=ResolvedPermissions(
            command_shell=True,
            file_transfer_upload=True,
            file_transfer_download=True,
            system_info=True,
            screen_sharing="not_allowed",
            prompt_end_user=False,
            prompt_timeout_s=30,
            prompt_default_answer="refuse",
        ),
        started_at=NOW,
        shell=True,
    )


class ReplayApp(App[None]):
    """The sessions screen over a session whose terminal replays ``recording``."""

    def __init__(self, recording: str) -> None:
        super().__init__()
        self.link = Replay((RECORDINGS / recording).read_bytes())
        self.desk = Desk(username="carol")
        self.desk.joined(session("SRV-PAR-0042"))

        @asynccontextmanager
        async def link_for(sid: str, cols: int, rows: int) -> AsyncIterator[Replay]:
            yield self.link

        self.hub = ShellHub(
            link_for, lambda name, job: self.run_worker(job, group=name, exit_on_error=False)
        )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "jump-dark"
        screen = SessionsScreen(
            self.desk, {}, lambda: NOW, self.hub, lambda _item_id: "srv-par-0042.example"
        )
        self.push_screen(screen)
