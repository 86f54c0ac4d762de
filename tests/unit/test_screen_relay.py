"""The appliance's screen relay, in-process: each viewer is paced by its own acks, and a slow
one is never queued frames: it gets the latest tiles of what changed once it acks."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from appliance.grants import Grant
from appliance.screens import ScreenRelay
from domain.protocol.screen import ACK_WINDOW, ScreenFrame, ScreenSaid
from domain.screen import encode_tile

pytestmark = pytest.mark.not_storage("the relay's pacing, in memory")


class FakeSocket:
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self.got = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send_text(self, text: str) -> None:
        self.sent.append(orjson.loads(text))
        self.got.set()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None

    def say(self, frame: dict[str, Any]) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": orjson.dumps(frame).decode()})


class FakeAgent:
    shell = True

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)


def tile(shade: int) -> str:
    return encode_tile(bytes([shade]) * (16 * 16 * 3))


def frame(seq: int, *tiles: tuple[int, int, int]) -> ScreenFrame:
    return ScreenFrame(
        sid="s",
        seq=seq,
        width=32,
        height=32,
        screen=(64, 64),
        tiles=[(tx, ty, tile(shade)) for tx, ty, shade in tiles],
    )


async def _settle(check: Any) -> None:
    async def wait() -> None:
        while not check():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(wait(), 5)


async def test_a_slow_viewer_gets_fewer_fuller_frames_and_the_fast_one_paces_the_client() -> None:
    assert ACK_WINDOW == 2
    relay = ScreenRelay(lambda _user, _item: True)
    agent = FakeAgent()
    fast, slow = FakeSocket(), FakeSocket()
    served = [
        asyncio.create_task(
            relay.serve(
                ws,  # type: ignore[arg-type]
                Grant(object(), "token"),  # type: ignore[arg-type]
                sid="s",
                item_id=1,
                agent=agent,  # type: ignore[arg-type]
                refusal=lambda: None,
            )
        )
        for ws in (fast, slow)
    ]
    for ws in (fast, slow):
        ws.say({"type": "watch", "width": 32, "height": 32})
    await _settle(lambda: len(relay.screens["s"].viewers) == 2)
    await _settle(lambda: all(v.watching for v in relay.screens["s"].viewers))
    assert [f["type"] for f in agent.frames] == ["screen.start"]  # one capture for both
    await relay.from_agent(frame(1, (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1)))
    await relay.from_agent(frame(2, (0, 0, 2)))
    await relay.from_agent(frame(3, (1, 0, 3)))  # both have two frames out: held back
    await relay.from_agent(frame(4, (0, 0, 4)))
    for ws in (fast, slow):
        assert [len(f["tiles"]) for f in ws.sent] == [4, 1]  # ACK_WINDOW frames out, no more
    fast.say({"type": "ack", "seq": 1})
    await _settle(lambda: len(fast.sent) == 3)
    latest = {(tx, ty): data for tx, ty, data in fast.sent[2]["tiles"]}
    assert latest == {(0, 0): tile(4), (1, 0): tile(3)}  # the places that changed, latest
    assert fast.sent[2]["seq"] == 4
    await _settle(lambda: any(f["type"] == "screen.ack" for f in agent.frames))
    assert agent.frames[-1] == {"type": "screen.ack", "sid": "s", "seq": 1}
    assert len(slow.sent) == 2  # the slow one never acked: nothing more, nothing queued
    await relay.from_agent(ScreenSaid(sid="s", reason="No XTEST here."))  # not paced
    for ws in (fast, slow):
        assert ws.sent[-1] == {"type": "notice", "reason": "No XTEST here."}
    slow.say({"type": "stop"})
    fast.inbox.put_nowait({"type": "websocket.disconnect"})
    await asyncio.wait_for(asyncio.gather(*served), 5)
    assert agent.frames[-1] == {"type": "screen.stop", "sid": "s"}  # the last one gone
    assert not relay.screens
