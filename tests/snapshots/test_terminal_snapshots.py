"""Snapshots of the session tab's terminal: full-screen programs (vi, top) as recorded once
from a real PTY (recordings/record.py) and replayed, so the picture never changes. The live
PTY tests are tests/app/test_terminal.py."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.terminal_app import SIZE, ReplayApp
from tests.support.console import until
from widgets.terminal import Terminal


async def _played(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, ReplayApp)
    await until(pilot, lambda: bool(app.screen.query(Terminal)))
    await until(pilot, lambda: app.link.played.is_set())
    terminal = app.screen.query_one(Terminal)
    await until(pilot, lambda: app.focused is terminal)  # its tab in front, the keys in it
    await until(pilot, lambda: not terminal._paint_due)
    await pilot.pause()


def test_vi_in_the_session_tab(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ReplayApp("vi.bin"), run_before=_played, terminal_size=SIZE)


def test_top_in_the_session_tab(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ReplayApp("top.bin"), run_before=_played, terminal_size=SIZE)


def test_scroll_mode_gives_the_keys_back_to_the_console(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await _played(pilot)
        await pilot.press("ctrl+right_square_bracket", "up", "up")
        await pilot.pause()

    assert snap_compare(ReplayApp("top.bin"), run_before=run_before, terminal_size=SIZE)
