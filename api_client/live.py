"""``LiveFeed``: the appliance's live websocket as an async iterator of typed events.

::

    async for event in LiveFeed(client):
        match event:
            case FeedStatus():      # connecting / live / reconnecting / offline
            case SnapshotPart():    # a compact snapshot's chunk: add it (``first``: afresh)
            case SnapshotLoaded():  # the snapshot is whole: replace everything with it
            case Resumed():         # nothing lost: the deltas since the last seq follow
            case Delta():           # item changes
            case StatsBatch():      # latest statistics of changed items

It reconnects forever with jittered exponential backoff, resumes from the last ``seq`` it
saw (the appliance sends a fresh snapshot when it no longer can), and signs in again when
the appliance says the token has expired. A malformed frame or item is logged and skipped.
Wrong credentials, and a sign-in the appliance ended on purpose (``Close.REVOKED``: a newer
sign-in replaced it, the account was disabled, its password changed), end the iteration
with a final ``offline`` status that says so, in the appliance's sentence: signing in again
by itself would only end another console's sign-in, or fail.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from api_client.client import ApplianceClient
from api_client.errors import AuthenticationFailed, ConnectionFailed
from domain import JumpClient
from domain.protocol.close import SIGNED_OUT, Close
from domain.protocol.item_columns import ItemColumns
from domain.protocol.live import (
    Hello,
    ItemDelta,
    MalformedFrame,
    Resumed,
    SiteChanged,
    SnapshotChunk,
    StatsBatch,
    Subscribe,
    read_frame,
)
from domain.session import SessionEvent
from domain.support import SupportEvent

log = logging.getLogger("api_client.live")


class FeedState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The feed's connection state; ``retry_in`` is set while waiting to reconnect."""

    state: FeedState
    message: str = ""
    retry_in: float | None = None
    final: bool = False


@dataclass(frozen=True, slots=True)
class SnapshotLoaded:
    """Everything the representative may see as of ``seq``: replace what you hold with it.
    A snapshot of items holds them in ``items``; a ``compact`` one came as the
    :class:`SnapshotPart` events before this one (``items`` is then empty)."""

    seq: int
    items: list[JumpClient]
    demo: bool
    compact: bool = False


@dataclass(frozen=True, slots=True)
class SnapshotPart:
    """One chunk of a compact snapshot on its way: add its ``columns`` to those of the parts
    before it (``first``: a new snapshot starts with this part: drop what came before).
    ``received`` items so far, of ``total`` when the appliance says. The feed keeps none of
    them: a million items are held once, by whoever listens."""

    columns: ItemColumns
    first: bool
    received: int
    total: int | None


#: a frame this long (bytes) is read on a worker thread: reading the statistics of 80,000
#: items takes a few hundred ms, which on the event loop's own turn stalled keys and frames
#: (the thread holds the interpreter a few ms at a time, the loop gets its turns between)
BIG_FRAME = 256 * 1024
#: a batch of more statistics rows than this is handed on in slices of it, one a turn, so the
#: console answers keys between them
STATS_SLICE = 5000

FeedEvent = (
    FeedStatus
    | Hello
    | SnapshotPart
    | SnapshotLoaded
    | Resumed
    | ItemDelta
    | StatsBatch
    | SessionEvent
    | SiteChanged
    | SupportEvent
)


class LiveFeed:
    def __init__(
        self,
        client: ApplianceClient,
        *,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        offline_after: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        compact: bool = False,
    ) -> None:
        self.client = client
        self.compact = compact
        self.url = (
            client.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
            + "/api/rep/v1/live"
        )
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.offline_after = offline_after
        self._sleep = sleep
        self._jitter = jitter
        self.seq: int | None = None
        self.epoch: str | None = None
        self.malformed = 0
        self.state = FeedState.CONNECTING
        self._retry = asyncio.Event()

    def _status(
        self,
        state: FeedState,
        message: str = "",
        retry_in: float | None = None,
        final: bool = False,
    ) -> FeedStatus:
        self.state = state
        return FeedStatus(state, message, retry_in, final)

    def retry_now(self) -> bool:
        """Stop waiting out the backoff: the next attempt starts at once (False: the feed is
        live, there is nothing to retry)."""
        if self.state is FeedState.LIVE:
            return False
        self._retry.set()
        return True

    async def _backoff(self, delay: float) -> None:
        """Wait ``delay`` seconds, or until :meth:`retry_now`."""
        sleep = asyncio.ensure_future(self._sleep(delay))
        retry = asyncio.ensure_future(self._retry.wait())
        try:
            await asyncio.wait((sleep, retry), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleep.cancel()
            retry.cancel()
            self._retry.clear()

    def __aiter__(self) -> AsyncGenerator[FeedEvent, None]:
        return self._run()

    async def _run(self) -> AsyncGenerator[FeedEvent, None]:
        failures = 0
        yield self._status(FeedState.CONNECTING, "Connecting to the appliance.")
        while True:
            reason = "The connection to the appliance was lost."
            try:
                token = await self.client.bearer()
                async with connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {token}"},
                    max_size=256 * 1024 * 1024,
                    open_timeout=10,
                    ping_interval=20,
                    ping_timeout=20,
                ) as ws:
                    async for event in self._session(ws):
                        failures = 0
                        yield event
            except AuthenticationFailed as err:
                yield self._status(FeedState.OFFLINE, err.message, final=True)
                return
            except ConnectionClosed as err:
                if err.rcvd is not None and err.rcvd.code == Close.REVOKED:
                    self.client.forget_token()  # ended on purpose: the person signs in again
                    message = err.rcvd.reason or SIGNED_OUT
                    yield self._status(FeedState.OFFLINE, message, final=True)
                    return
                if err.rcvd is not None and err.rcvd.code == Close.UNAUTHORIZED:
                    self.client.forget_token()  # sign in again on the next attempt
                    reason = "The appliance asked to sign in again."
            except ConnectionFailed as err:
                reason = err.message
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI):
                reason = f"The appliance at {self.client.base_url} could not be reached."
            failures += 1
            delay = min(self.max_delay, self.base_delay * float(1 << min(failures, 16)))
            delay *= 0.5 + self._jitter() / 2
            state = (
                FeedState.OFFLINE if failures >= self.offline_after else (FeedState.RECONNECTING)
            )
            yield self._status(state, reason, retry_in=delay)
            await self._backoff(delay)
            yield self._status(FeedState.RECONNECTING, "Reconnecting to the appliance.")

    async def _session(self, ws: Any) -> AsyncIterator[FeedEvent]:
        """One connection: hello, subscribe, then frames until it closes."""
        hello = Hello.model_validate_json(await ws.recv())
        if hello.epoch != self.epoch:  # a restarted appliance: its seq means nothing to us
            self.seq = None
            self.epoch = hello.epoch
        yield hello
        await ws.send(Subscribe(since_seq=self.seq, compact=self.compact).model_dump_json())
        pending: list[JumpClient] = []  # a snapshot of items comes whole
        received = 0  # items of a compact snapshot handed on so far
        async for raw in ws:
            try:
                if len(raw) > BIG_FRAME:
                    frame, rejected = await asyncio.to_thread(read_frame, raw)
                else:
                    frame, rejected = read_frame(raw)
            except MalformedFrame:
                self.malformed += 1
                log.warning("live feed: skipped a malformed frame")
                continue
            if rejected:
                self.malformed += rejected
                log.warning("live feed: skipped %d malformed items or rows", rejected)
            match frame:
                case SnapshotChunk():
                    pending.extend(frame.items)
                    if frame.columns is not None:
                        first = not received
                        received += len(frame.columns)
                        yield SnapshotPart(frame.columns, first, received, frame.total)
                    if not frame.last:
                        await asyncio.sleep(0)  # the console draws, and answers keys, between
                        continue
                    self.seq = frame.seq
                    snapshot = SnapshotLoaded(frame.seq, pending, hello.demo, bool(received))
                    pending, received = [], 0
                    yield snapshot
                    del snapshot  # held here, its items would stay for as long as the feed
                    yield self._status(FeedState.LIVE, "Live.")
                case Resumed():
                    self.seq = frame.seq
                    yield frame
                    yield self._status(FeedState.LIVE, "Live.")
                case ItemDelta():
                    self.seq = frame.seq
                    yield frame
                case StatsBatch():
                    self.seq = max(self.seq or 0, frame.seq)
                    if len(frame.rows) <= STATS_SLICE:
                        yield frame
                        continue
                    for start in range(0, len(frame.rows), STATS_SLICE):
                        rows = frame.rows[start : start + STATS_SLICE]
                        yield StatsBatch(frame.seq, rows, frame.rejected if not start else 0)
                        await asyncio.sleep(0)
                case _:  # session, site and support frames: not numbered
                    yield frame
