"""The hub's promises that need no network: bounded queues, visibility, resume window."""

from __future__ import annotations

import asyncio
import gc
import json
import logging

import pytest
from fastapi import FastAPI
from starlette.websockets import WebSocketDisconnect

from appliance._access import access_for
from appliance.grants import Grant
from appliance.live import _RESYNC, LiveHub, Subscriber
from domain import Statistic

pytestmark = pytest.mark.not_storage("the live hub's fan-out to consoles")


def _hub(app: FastAPI, **kwargs: int) -> LiveHub:
    return LiveHub(app.state.appliance.site, **kwargs)


async def _snapshot(hub: LiveHub, sub: Subscriber) -> list[str]:
    """A whole fresh snapshot's frames; the sub is then ready with its visible set."""
    return [frame async for frame in hub._snapshot(sub)]


async def _subscriber(hub: LiveHub, username: str, size: int) -> Subscriber:
    found = hub.site.repo.user_by_name(username)
    assert found is not None
    grant = Grant(found[0], f"token of {username}")
    sub = Subscriber(grant, access_for(hub.site, found[0]), asyncio.Queue(size))
    await _snapshot(hub, sub)
    hub.subscribers.add(sub)
    return sub


async def test_a_console_that_stops_reading_is_resynchronised_with_bounded_memory(
    app: FastAPI,
) -> None:
    hub = _hub(app, queue_size=8)
    sub = await _subscriber(hub, "carol", 8)
    visible = sorted(sub.visible)
    for _ in range(100):
        hub.publish_ids([visible[0]])
    assert sub.queue.qsize() <= 8
    frames = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert _RESYNC in frames
    assert sub.resyncs >= 1


async def test_deltas_and_stats_reach_only_those_who_may_see(app: FastAPI) -> None:
    hub = _hub(app)
    alice = await _subscriber(hub, "alice", 64)
    carol = await _subscriber(hub, "carol", 64)
    hidden = sorted(carol.visible - alice.visible)[0]
    hub.publish_ids([hidden])
    assert alice.queue.empty() and carol.queue.qsize() == 1
    hub.record_stats(hidden, (10.0, 20.0, "x", 5, "2026-11-24T10:00:00+00:00"))
    hub.tick(hub.site.clock.now())
    assert alice.queue.empty() and carol.queue.qsize() == 2


async def test_resume_window_is_the_ring(app: FastAPI) -> None:
    hub = _hub(app, ring_size=4)
    sub = await _subscriber(hub, "carol", 64)
    item = sorted(sub.visible)[0]
    for _ in range(10):
        hub.publish_ids([item])
    assert hub._resume_frames(sub, 6) is not None  # 7..10 are still in the ring
    assert hub._resume_frames(sub, 5) is None  # 6 fell out: a fresh snapshot is needed
    assert hub._resume_frames(sub, 11) is None  # from the future (another epoch)


class _DroppedConsole:
    """A console that subscribes, then drops off the network while its snapshot is sent: the
    first frame goes out, every later one fails as on a dropped connection, and nothing more
    arrives from it."""

    def __init__(self) -> None:
        self.sent = 0

    async def send_text(self, _text: str) -> None:
        self.sent += 1
        if self.sent > 1:
            raise WebSocketDisconnect(1006)

    async def receive_text(self) -> str:
        return '{"type": "subscribe"}'

    async def receive(self) -> dict[str, object]:
        await asyncio.Event().wait()  # never: the connection is dead, not closed
        raise AssertionError("unreachable")

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        return None


async def test_a_console_that_drops_off_leaves_no_task_error_in_the_log(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    hub = _hub(app)
    found = hub.site.repo.user_by_name("carol")
    assert found is not None
    console = _DroppedConsole()
    with caplog.at_level(logging.DEBUG):
        grant = Grant(found[0], token_hash="carol's")
        await asyncio.wait_for(hub.serve(console, grant), 10)  # type: ignore[arg-type]
        gc.collect()  # a task whose failure nobody read says so when it is collected
    assert console.sent > 1 and not hub.subscribers
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_new_statistics_selection_reaches_connected_consoles_as_a_fresh_snapshot(
    app: FastAPI,
) -> None:
    hub = _hub(app)
    carol = await _subscriber(hub, "carol", 64)
    before = hub.seq
    site = hub.site
    site.repo.save_settings(site.settings().model_copy(update={"statistics": [Statistic.CPU]}))
    site.refresh_settings()
    hub.site_changed()
    said = [carol.queue.get_nowait() for _ in range(carol.queue.qsize())]
    assert json.loads(said[0])["statistics"] == ["cpu"] and said[1] == _RESYNC
    frame = json.loads((await _snapshot(hub, carol))[0])
    assert all(item["console_user"] == "" for item in frame["items"])  # sent without it
    later = await _subscriber(hub, "carol", 64)
    assert hub._resume_frames(later, before) is None  # what it holds has the old selection
    hub.site_changed()  # the same selection again: nothing to resend
    assert later.queue.qsize() == 1 and later.queue.get_nowait() != _RESYNC
