"""The appliance's screen relay, in-process: each viewer is paced by its own acks, and a slow
one is never queued frames: it gets the latest tiles of what changed once it acks. A viewer's
input reaches the client within the policy, at a bounded pace, while it is in the session."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from appliance.grants import Grant
from appliance.screen_input import ScreenInputs
from appliance.screens import ScreenRelay, ScreenViewer
from domain.enums import ScreenSharing
from domain.protocol.screen import ACK_WINDOW, ScreenFrame, ScreenSaid
from domain.screen import encode_tile
from domain.screen_rules import INPUT_FLOOD, INPUT_PER_S, MOVE_GAP_S, VIEW_ONLY_INPUT
from tests.unit.test_screen_rules import permissions

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


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


async def test_input_goes_to_the_client_at_a_bounded_pace_and_stops_when_the_viewer_left() -> None:
    clock, audited = Clock(), []
    site = SimpleNamespace(clock=clock, audit_now=lambda *a, **k: audited.append((a, k)))
    perms = permissions(ScreenSharing.VIEW_AND_CONTROL)
    info = SimpleNamespace(item_id=7, participants=["carol"], permissions=perms)
    sessions = {"s": SimpleNamespace(info=info)}
    relay = ScreenRelay(lambda _user, _item: True)
    inputs = ScreenInputs(site, sessions, relay)  # type: ignore[arg-type]
    ws, agent = FakeSocket(), FakeAgent()
    user = SimpleNamespace(username="carol", id=1)
    viewer = ScreenViewer(ws, Grant(user, "token"), 7, control=True)  # type: ignore[arg-type]

    async def send(*frames: dict[str, Any]) -> None:
        for raw in frames:
            await inputs("s", viewer, agent, raw)  # type: ignore[arg-type]

    await send({"type": "input.key", "text": "a"}, {"type": "input.key", "text": ""})
    assert agent.frames == [  # the one that is not a frame is dropped
        {
            "type": "screen.input",
            "sid": "s",
            "input": {"type": "input.key", "key": None, "text": "a", "mods": []},
        }
    ]
    moves = [{"type": "input.move", "x": x, "y": 5} for x in range(10)]
    await send(*moves)  # a drag's moves at one instant: the first passes, the rest thinned
    clock.now += MOVE_GAP_S * 1.5
    await send(moves[9])
    sent_moves = [f["input"]["x"] for f in agent.frames if f["input"]["type"] == "input.move"]
    assert sent_moves == [0, 9] and ws.sent == []
    agent.frames.clear()
    flood = [{"type": "input.key", "text": "x"}] * int(INPUT_PER_S * 3)
    await send(*flood)  # all at once: a burst passes, the rest is dropped, said once
    assert len(agent.frames) == INPUT_PER_S  # a second's worth (the bucket refilled meanwhile)
    assert ws.sent == [{"type": "notice", "reason": INPUT_FLOOD}]
    clock.now += 1.0  # a second later the bucket is full again
    agent.frames.clear()
    await send({"type": "input.key", "text": "y"})
    assert len(agent.frames) == 1
    info.participants = []  # they left the session: nothing more reaches the endpoint
    await send({"type": "input.key", "text": "z"})
    assert len(agent.frames) == 1 and audited == []


async def test_view_only_input_is_refused_said_once_and_never_sent() -> None:
    audited: list[Any] = []
    site = SimpleNamespace(clock=Clock(), audit_now=lambda *a, **k: audited.append(k))
    info = SimpleNamespace(
        item_id=7, participants=["carol"], permissions=permissions(ScreenSharing.VIEW_ONLY)
    )
    relay = ScreenRelay(lambda _user, _item: True)
    inputs = ScreenInputs(site, {"s": SimpleNamespace(info=info)}, relay)  # type: ignore[arg-type]
    ws, agent = FakeSocket(), FakeAgent()
    user = SimpleNamespace(username="carol", id=1)
    viewer = ScreenViewer(ws, Grant(user, "token"), 7)  # type: ignore[arg-type]
    for x in range(20):
        await inputs(
            "s",
            viewer,
            agent,
            {
                "type": "input.button",
                "button": 1,
                "down": True,  # type: ignore[arg-type]
                "x": x,
                "y": 1,
            },
        )
    assert agent.frames == []
    assert ws.sent == [{"type": "notice", "reason": VIEW_ONLY_INPUT}]
    assert [k["dropped"] for k in audited] == [1]
