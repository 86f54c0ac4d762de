"""The live feed waits out its backoff between attempts, unless asked to try again now."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from api_client import ApplianceClient, FeedState, FeedStatus, LiveFeed, RepCredentials


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_retry_now_ends_the_backoff_at_once() -> None:
    client = ApplianceClient(
        f"http://127.0.0.1:{closed_port()}", credentials=RepCredentials("carol", "demo")
    )

    async def forever(_delay: float) -> None:  # a backoff that never ends by itself
        await asyncio.Event().wait()

    feed = LiveFeed(client, sleep=forever, base_delay=3600.0, max_delay=3600.0)
    try:
        async with contextlib.aclosing(aiter(feed)) as events:
            first = await anext(events)
            assert isinstance(first, FeedStatus) and first.state is FeedState.CONNECTING
            failed = await asyncio.wait_for(anext(events), 10)
            assert isinstance(failed, FeedStatus) and failed.retry_in is not None
            assert feed.retry_now()  # the backoff would never end by itself
            again = await asyncio.wait_for(anext(events), 10)
            assert isinstance(again, FeedStatus) and again.state is FeedState.RECONNECTING
            assert again.retry_in is None  # a new attempt, not another wait
    finally:
        await client.aclose()
