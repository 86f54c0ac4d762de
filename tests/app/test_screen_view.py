"""The session tab's Screen view says why it shows nothing: the policy does not allow screen
sharing (nothing is even asked of the appliance), or the endpoint has no screen to share (a
demo Jump Client: the appliance's refusal, as it came)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.app import App, ComposeResult

from api_client import ApplianceClient, RepCredentials
from domain.protocol.screen import FULL, Region, ScreenNotice, ToViewer, ViewerPicture
from domain.screen import encode_tile
from domain.wording import NO_CLIENT_SCREEN, SCREEN_NOT_ALLOWED
from tests.support.console import SIZE, Site, appliance_state, loaded, make_item, until
from widgets.screen_view import ScreenView

pytestmark = pytest.mark.not_storage("the console's screens and keys")


def _screen_sharing(site: Site, policy: int, value: str) -> None:
    repo = appliance_state(site).site.repo

    def change() -> None:
        with repo.transaction():
            repo.session_policies.update(policy, {"permissions": {"screen_sharing": value}})

    site.appliance.call(change)


def _text(view: ScreenView) -> str:
    return "".join(segment.text for y in range(view.size.height) for segment in view.render_line(y))


async def test_the_screen_view_says_why_it_shows_nothing(site: Site) -> None:
    _screen_sharing(site, 3, "not_allowed")  # not present: the demo items' sessions
    _screen_sharing(site, 2, "view_only")
    denied = make_item(site)
    no_screen = make_item(site, unattended_session_policy_id=2)
    async with ApplianceClient(
        site.appliance.url, credentials=RepCredentials("carol", "demo")
    ) as api:
        first = (await api.start_session(denied.id)).session.sid
        second = (await api.start_session(no_screen.id)).session.sid
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: {first, second} <= set(app.actions.desk.sessions))
        app.show_sessions(first)
        await until(pilot, lambda: bool(app.screen.query(f"#screen-{first}")))
        await pilot.pause()
        await pilot.press("s")
        view = app.screen.query_one(f"#screen-{first}", ScreenView)
        await until(pilot, lambda: view.display and view.size.height > 2)
        assert SCREEN_NOT_ALLOWED in _text(view)
        assert view._worker is None  # nothing opened: nothing asked of the appliance
        await pilot.press("2", "s")
        other = app.screen.query_one(f"#screen-{second}", ScreenView)
        await until(pilot, lambda: other.display and NO_CLIENT_SCREEN in _text(other))


class FakeLink:
    """A screen link a test feeds frames to; it records the acks and the size asked."""

    def __init__(self) -> None:
        self.received = 0
        self.frames: asyncio.Queue[ToViewer] = asyncio.Queue()
        self.acked: list[int] = []
        self.asked: list[tuple[int, int, Region]] = []

    async def watch(self, width: int, height: int, region: Region = FULL) -> None:
        self.asked.append((width, height, region))

    async def ack(self, seq: int) -> None:
        self.acked.append(seq)

    async def send(self, frame: dict[str, Any]) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[ToViewer]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[ToViewer]:
        while True:
            yield await self.frames.get()


def _frame(seq: int, width: int, height: int, tiles: list[tuple[int, int, bytes]]) -> ViewerPicture:
    return ViewerPicture(
        seq=seq,
        width=width,
        height=height,
        screen=(width * 10, height * 10),
        tiles=[(tx, ty, encode_tile(raw)) for tx, ty, raw in tiles],
    )


async def test_the_view_redraws_what_a_frame_changes_acks_it_and_zooms_by_asking() -> None:
    link = FakeLink()

    @asynccontextmanager
    async def opener() -> AsyncIterator[FakeLink]:
        yield link

    class Headless(App[None]):
        def compose(self) -> ComposeResult:
            yield ScreenView(opener, id="view")  # type: ignore[arg-type]

    app = Headless()
    async with app.run_test(size=(32, 17)) as pilot:
        view = app.query_one(ScreenView)
        view.watch_screen(True)
        await until(pilot, lambda: bool(link.asked))
        assert link.asked[0] == (32, 32, FULL)  # the view's size: 32 cells, 16 lines × 2
        red, green = b"\xc8\x14\x14" * 256, b"\x14\xc8\x14" * 256
        everything = [(tx, ty, red) for tx in range(2) for ty in range(2)]
        link.frames.put_nowait(_frame(1, 32, 32, everything))
        await until(pilot, lambda: link.acked == [1])
        assert _colours(view, 3, 2) == ((200, 20, 20), (200, 20, 20))
        link.frames.put_nowait(_frame(2, 32, 32, [(0, 0, green)]))  # one corner changes
        await until(pilot, lambda: link.acked == [1, 2])
        assert _colours(view, 3, 2) == ((20, 200, 20), (20, 200, 20))
        assert _colours(view, 20, 2) == ((200, 20, 20), (200, 20, 20))  # the rest stays
        link.frames.put_nowait(ScreenNotice(reason="Keys are not sent: view only."))
        await until(pilot, lambda: "view only" in view.status())
        assert view.picture is not None and not view.message  # the picture stays
        await pilot.press("plus")  # zoom: the same size of a quarter of the screen
        await until(pilot, lambda: len(link.asked) == 2)
        assert link.asked[1] == (32, 32, Region(x=2500, y=2500, w=5000, h=5000))
        assert view.screen_point(0, 0) == (82, 85)  # the zoomed region's top-left cell's middle


def _colours(view: ScreenView, x: int, y: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    at = 0
    for segment in view.render_line(y):
        if at <= x < at + len(segment.text):
            style = segment.style
            assert style is not None and style.color and style.bgcolor
            return tuple(style.color.get_truecolor()), tuple(style.bgcolor.get_truecolor())
        at += len(segment.text)
    raise AssertionError(f"no cell at {x}")
