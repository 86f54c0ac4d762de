"""A Jump Client told to stop (``systemctl stop``: SIGTERM) stops, whatever it was doing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import jump_client.agent as agent_module
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from jump_client.__main__ import until_stopped
from jump_client.agent import Agent
from jump_client.config import ClientConfig
from tests.support.agents import register_clients

pytestmark = pytest.mark.integration


def _stop_as_a_frame_arrives(stop: Callable[[], None]) -> Any:
    """The agent's ``connect``, whose connection calls ``stop`` the moment a frame arrives
    after the appliance's answer to hello, before the client has taken the frame."""
    real = agent_module.connect

    @contextlib.asynccontextmanager
    async def connect(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with real(*args, **kwargs) as ws:
            receive, received = ws.recv, 0

            async def recv(*a: Any, **k: Any) -> Any:
                nonlocal received
                frame = await receive(*a, **k)
                received += 1
                if received == 2:  # the first is the answer to hello
                    stop()
                return frame

            ws.recv = recv
            yield ws

    return connect


@pytest.mark.not_storage("the Jump Client's own stopping")
async def test_a_stop_that_comes_as_a_frame_arrives_still_stops_the_client(
    embedded: EmbeddedAppliance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop signal cancels the client's work; a cancel that came just as a frame was
    received was lost (the receive's timeout swallowed it, Python 3.11's asyncio.wait_for),
    so the client went on running and 'systemctl stop' waited it out, then killed it."""
    state: Services = embedded.app.state.appliance
    [(item_id, secret)] = await asyncio.to_thread(embedded.call, lambda: register_clients(state, 1))
    config = ClientConfig(
        appliance=embedded.url,
        key="0" * 32,
        install_dir=str(tmp_path),
        state="registered",
        register_until=datetime.now(UTC) + timedelta(days=1),
        jump_client_id=item_id,
        secret=secret,
        last_contact=datetime.now(UTC),
    )
    agent = Agent(config, remove=lambda: None)

    def stop() -> None:  # what the client's SIGTERM handler does: cancel its work
        work = [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__name__", "") == "run"]
        assert len(work) == 1
        work[0].cancel()

    monkeypatch.setattr(agent_module, "connect", _stop_as_a_frame_arrives(stop))
    running = asyncio.create_task(until_stopped(agent.run()))

    async def connected() -> None:
        while state.agents is None or state.agents.get(item_id) is None:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(connected(), 15)
    handle = state.agents.get(item_id) if state.agents else None
    assert handle is not None

    def ask_presence() -> None:  # a frame to the client: the appliance asks who is there
        asked = asyncio.ensure_future(handle.presence())
        asked.add_done_callback(lambda done: done.cancelled() or done.exception())

    await asyncio.to_thread(embedded.call, ask_presence)
    try:
        await asyncio.wait({running}, timeout=15)  # a bound that does not itself cancel it
        assert running.done(), "the client went on running after it was told to stop"
        assert running.result() == 0  # stopped cleanly
    finally:
        running.cancel()
