"""The session tab's Screen view says why it shows nothing: the policy does not allow screen
sharing (nothing is even asked of the appliance), or the endpoint has no screen to share (a
demo Jump Client: the appliance's refusal, as it came). Where the policy allows control, the
view owns the keys as the terminal does: all to the endpoint until the leave chord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.app import App, ComposeResult

from api_client import ApplianceClient, RepCredentials
from domain.protocol.screen import FULL, Region, ScreenNotice, ToViewer, ViewerPicture
from domain.protocol.screen_input import NO_INJECTION, ButtonInput, KeyInput
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
        self.sent: list[dict[str, Any]] = []

    async def watch(self, width: int, height: int, region: Region = FULL) -> None:
        self.asked.append((width, height, region))

    async def ack(self, seq: int) -> None:
        self.acked.append(seq)

    async def send(self, frame: dict[str, Any]) -> None:
        self.sent.append(frame)

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


def _sent(link: FakeLink) -> list[object]:
    kinds = {"input.key": KeyInput, "input.button": ButtonInput}
    return [kinds[f["type"]].model_validate(f) for f in link.sent if f["type"] in kinds]


async def test_in_control_every_key_and_click_goes_to_the_endpoint_until_the_leave_chord() -> None:
    links = {True: FakeLink(), False: FakeLink()}

    class Headless(App[None]):
        def compose(self) -> ComposeResult:
            for control, link in links.items():

                @asynccontextmanager
                async def opener(link: FakeLink = link) -> AsyncIterator[FakeLink]:
                    yield link

                yield ScreenView(opener, control=control, id=f"view-{control}")  # type: ignore[arg-type]

    app = Headless()
    async with app.run_test(size=(32, 34)) as pilot:
        view = app.query_one("#view-True", ScreenView)
        for shown in app.query(ScreenView).results(ScreenView):
            shown.styles.height = 17
            shown.watch_screen(True)
        await until(pilot, lambda: all(link.asked for link in links.values()))
        link = links[True]
        link.frames.put_nowait(_frame(1, 32, 32, []))  # a 320 × 320 screen, whole
        await until(pilot, lambda: view.picture is not None)
        view.focus()
        await pilot.press("h", "plus", "enter", "s")  # all the endpoint's, even + and enter
        await pilot.click(view, offset=(3, 2))
        assert "control · ^] gives the keys back" in view.status()
        await until(pilot, lambda: len(link.sent) == 6)
        assert _sent(link) == [
            KeyInput(text="h"),
            KeyInput(text="+"),
            KeyInput(key="Return"),
            KeyInput(text="s"),
            ButtonInput(button=1, down=True, x=35, y=50),  # the middle of cell (3, 2): 10×20 px
            ButtonInput(button=1, down=False, x=35, y=50),
        ]
        assert len(link.asked) == 1  # + zoomed nothing
        await pilot.press("ctrl+right_square_bracket", "plus", "h")  # the view's keys now
        await until(pilot, lambda: len(link.asked) == 2)
        assert not view.in_control and "view · enter takes control" in view.status()
        await pilot.click(view, offset=(3, 2))
        await pilot.press("enter", "x")  # control again
        await until(pilot, lambda: len(link.sent) == 7)
        assert _sent(link)[-1] == KeyInput(text="x")
        link.frames.put_nowait(ScreenNotice(reason=NO_INJECTION))  # the client cannot inject
        await until(pilot, lambda: view.cannot == NO_INJECTION)
        assert NO_INJECTION in view.status()

        watcher = app.query_one("#view-False", ScreenView)  # a view only session
        links[False].frames.put_nowait(_frame(1, 32, 32, []))
        await until(pilot, lambda: watcher.picture is not None)
        watcher.focus()
        await pilot.press("h", "enter", "plus")  # the console's keys: + zooms
        await until(pilot, lambda: len(links[False].asked) == 2)
        assert links[False].sent == [] and "view only" in watcher.status()
        await pilot.click(watcher, offset=(3, 2))  # a click goes, for the appliance to refuse
        await until(pilot, lambda: len(links[False].sent) == 2)
        assert [f["type"] for f in links[False].sent] == ["input.button"] * 2
