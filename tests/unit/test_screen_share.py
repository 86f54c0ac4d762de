"""Screen sharing's rules without a display: the frames' bounds, the Jump Client's pace (acks,
a still screen) and its refusal to capture what the policy does not allow."""

from __future__ import annotations

import asyncio
import base64
import zlib
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from domain.enums import ScreenSharing
from domain.protocol.screen import (
    ACK_WINDOW,
    ScreenFrame,
    ScreenStart,
    Watch,
    read_agent_screen,
    read_viewer_frame,
)
from domain.protocol.screen_input import NO_INJECTION
from domain.screen import Picture, encode_tile
from domain.wording import NO_DISPLAY, SCREEN_NOT_ALLOWED
from jump_client.screen_share import ScreenShare, Shot

pytestmark = pytest.mark.not_storage("screen frames and the client's capture loop")


def test_frames_that_break_the_bounds_are_refused_whole() -> None:
    good = {"type": "screen.frame", "sid": "s", "seq": 1, "width": 40, "height": 20}
    good |= {"screen": [1920, 1080], "tiles": [[2, 1, encode_tile(bytes(8 * 4 * 3))]]}
    assert isinstance(read_agent_screen(good), ScreenFrame)
    for bad in (
        {"tiles": [[3, 0, "AAAA"]]},  # a column past the picture's 40 pixels
        {"tiles": [[0, 2, "AAAA"]]},  # a row past its 20
        {"tiles": [[0, 0, "A" * 5000]]},  # longer than any tile can be
        {"width": 4096},
        {"seq": -1},
        {"pointer": [1, 99999]},
    ):
        with pytest.raises(ValueError):
            read_agent_screen(good | bad)
    with pytest.raises(ValueError):
        read_viewer_frame({"type": "watch", "width": 10, "height": 10, "region": {"x": 9000}})
    assert read_viewer_frame({"type": "watch", "width": 10, "height": 10}) == Watch(
        width=10, height=10
    )


def test_a_tile_that_does_not_inflate_to_its_size_is_not_drawn() -> None:
    picture = Picture(20, 20)
    bomb = base64.b64encode(zlib.compress(bytes(10_000_000))).decode()
    short = base64.b64encode(zlib.compress(bytes(10))).decode()
    assert picture.apply([(0, 0, bomb), (0, 0, short), (1, 1, "not base64!")]) == 0
    assert picture.apply([(1, 1, encode_tile(b"\xff" * 4 * 4 * 3))]) == 1  # the corner: 4×4
    assert picture.pixel(19, 19) == (255, 255, 255) and picture.pixel(15, 15) == (0, 0, 0)


class FakeScreen:
    """A grabber whose pictures a test decides; it counts every capture."""

    def __init__(self, picture: Callable[[int], bytes] | None) -> None:
        self.picture = picture
        self.captures = 0
        self.taken = asyncio.Event()

    async def shot(self, most: tuple[int, int], _region: Any) -> Shot | None:
        self.captures += 1
        self.taken.set()
        if self.picture is None:
            return None
        return Shot((320, 180), (32, 18), self.picture(self.captures), None)

    async def png(self) -> bytes | None:
        self.captures += 1
        return None

    def close(self) -> None:
        return None


async def _share(picture: Callable[[int], bytes] | None) -> tuple[ScreenShare, FakeScreen, list]:
    sent: list[dict[str, Any]] = []
    grabber = FakeScreen(picture)

    async def send(text: str) -> None:
        sent.append(orjson.loads(text))

    return ScreenShare(send, grabber), grabber, sent  # type: ignore[arg-type]


async def _until(check: Callable[[], bool]) -> None:
    async def wait() -> None:
        while not check():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), 5)


START = ScreenStart(sid="s1", width=32, height=18)


async def test_nothing_is_captured_when_the_policy_does_not_allow_it() -> None:
    share, grabber, sent = await _share(lambda n: bytes(32 * 18 * 3))
    share.start(START, ScreenSharing.NOT_ALLOWED)
    share.start(START.model_copy(update={"sid": "unknown"}), None)  # no such session here
    await _until(lambda: len(sent) == 2)
    assert sent[0] == {"type": "screen.none", "sid": "s1", "reason": SCREEN_NOT_ALLOWED}
    with pytest.raises(ValueError, match="does not allow screen sharing"):
        await share.screenshot(ScreenSharing.NOT_ALLOWED)
    assert grabber.captures == 0 and not share.watches


async def test_no_display_is_said_in_one_sentence() -> None:
    share, _grabber, sent = await _share(None)
    share.start(START, ScreenSharing.VIEW_ONLY)
    await _until(lambda: bool(sent))
    assert sent == [{"type": "screen.none", "sid": "s1", "reason": NO_DISPLAY}]


async def test_frames_wait_for_acks_and_a_still_screen_sends_nothing() -> None:
    changing = {"on": True}

    def picture(n: int) -> bytes:
        shade = n % 250 if changing["on"] else 7
        return bytes([shade]) * (32 * 18 * 3)

    share, grabber, sent = await _share(picture)
    share.start(START, ScreenSharing.VIEW_ONLY)
    await _until(lambda: len(sent) == ACK_WINDOW)
    waited = grabber.captures
    grabber.taken.clear()
    with pytest.raises(TimeoutError):  # two frames out: no capture until an ack
        await asyncio.wait_for(grabber.taken.wait(), 0.5)
    assert grabber.captures == waited and [f["seq"] for f in sent] == [1, 2]
    assert len(sent[0]["tiles"]) == 2 * 2  # every tile of 32×18 at first
    share.ack("s1", 1)
    await _until(lambda: len(sent) == 3)
    changing["on"] = False  # the screen goes still: one more frame shows it, then nothing
    share.ack("s1", 3)
    await _until(lambda: len(sent) == 4)
    share.ack("s1", 4)
    before = grabber.captures
    await _until(lambda: grabber.captures >= before + 3)  # it keeps looking...
    assert len(sent) == 4  # ...and sends nothing
    share.close()


async def test_input_is_played_only_under_view_and_control_and_no_display_is_said_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)  # no display: the injector cannot open
    share, _grabber, sent = await _share(None)
    key = orjson.dumps(
        {"type": "screen.input", "sid": "s1", "input": {"type": "input.key", "text": "a"}}
    )
    view_only = {"s1": {"screen_sharing": "view_only"}}
    assert await share.obey(key, view_only)  # taken, and dropped: nothing tried, nothing said
    assert sent == [] and not share.controls
    control = {"s1": {"screen_sharing": "view_and_control"}}
    for _ in range(3):
        assert await share.obey(key, control)
    assert sent == [{"type": "screen.notice", "sid": "s1", "reason": NO_INJECTION}]  # once
    # the last viewer went: the control is let go (what it held released), taken again after
    assert await share.obey(b'{"type": "screen.stop", "sid": "s1"}', control)
    assert not share.controls
    assert await share.obey(key, control)
    assert share.controls
    share.end("s1")  # the session ended: its control goes
    assert not share.controls
    assert not await share.obey(b'{"type": "screen.input", "sid": "s1"}', control)


def test_a_full_resolution_picture_is_the_same_whichever_way_it_is_shrunk() -> None:
    from domain.screen import shrink
    from jump_client.screen_share import FULL_RESOLUTION_PIXELS, _shrink

    width, height = 1920, 1080
    rows = []
    for y in range(height):  # bands of colour, BGRA
        colour = bytes(((y // 40) * 9 % 256, (y // 60) * 23 % 256, (y // 90) * 37 % 256, 255))
        rows.append(colour * width)
    bgra = b"".join(rows)
    size, box = (1778, 1000), (0, 0, width, height)
    assert size[0] * size[1] >= FULL_RESOLUTION_PIXELS  # taken by Pillow
    fast, pure = _shrink(bgra, (width, height), box, size), shrink(bgra, (width, height), box, size)
    assert len(fast) == len(pure) == size[0] * size[1] * 3
    same = sum(fast[i : i + 3] == pure[i : i + 3] for i in range(0, len(pure), 3 * 97))
    assert same / (len(pure) // (3 * 97) + 1) > 0.98  # the same picture (rounding at an edge aside)
    assert fast[:3] == bytes((bgra[2], bgra[1], bgra[0]))  # RGB, from BGRA
