"""What the nodes of one site tell each other, over Redis pub/sub (``--bus redis://...``).

Several appliance nodes behind one address share the database; the bus carries what lives
in a node's memory:

- item changes (ids only: each node reads the items from the shared database), site setting
  changes, session events for representatives, shell output, and the statistics its Jump
  Clients send (batched every :data:`FLUSH_S`), so a console on any node sees every client
  within one statistics interval;
- which node holds which Jump Client, and requests for it (presence, wake, session, upgrade,
  files, shell input) sent to that node, which asks its client and answers;
- that a node is alive (a heartbeat); a node not heard from for :data:`DEAD_AFTER_S` is
  gone, and the clients it held are no longer reachable through it (they reconnect to
  another node, which then holds them).

The bus is transport only: what a request asks of a client, and what it answers, is
:mod:`appliance.agents.remote`'s business.

A node alone uses :class:`LocalBus`, which shares nothing. Redis going away costs what
crosses nodes until it is back (requests for clients held elsewhere are refused in one
sentence, statistics from other nodes pause); each node keeps serving its own clients and
reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from appliance.db import redacted

log = logging.getLogger("appliance.bus")

FLUSH_S = 0.2
HEARTBEAT_S = 2.0
DEAD_AFTER_S = 7.0
CHANNEL = "jump:bus"

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]
#: answers a request another node sends: ``{"ok": True, "result": ...}`` or
#: ``{"ok": False, "error": "one sentence"}``
Server = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class BusUnavailable(Exception):
    """The bus cannot be reached: a request for another node was not sent."""


class LocalBus:
    """One node alone: there is no one to tell."""

    shared = False
    down = False

    def __init__(self) -> None:
        self.node_id = "local"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def broadcast(self, kind: str, payload: dict[str, Any]) -> None:
        return None

    def stats(self, item_id: int, stats: tuple[Any, ...], thumbnail: str | None) -> None:
        return None

    def holds(self, item_id: int, held: bool) -> None:
        return None

    def owner_of(self, item_id: int) -> str | None:
        return None

    def held_elsewhere(self) -> set[int] | None:
        """The clients other live nodes hold: none, for a node alone."""
        return set()


class RedisBus:
    shared = True

    def __init__(self, url: str, node_id: str | None = None) -> None:
        self.url = url
        self.node_id = node_id or secrets.token_hex(4)
        self._server: Server | None = None
        self._out: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=100_000)
        self._stats: dict[int, list[Any]] = {}
        self._mine: set[int] = set()
        #: item id -> the node holding it, as the other nodes told
        self._owners: dict[int, str] = {}
        #: node -> when it was last heard from (monotonic)
        self._alive: dict[str, float] = {}
        self._calls = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handlers: dict[str, Handler] = {}
        self._down_since: float | None = None
        #: since when (monotonic) this node has heard the bus without a break
        self._heard_since: float | None = None

    @property
    def description(self) -> str:
        return redacted(self.url)

    def serve(self, server: Server) -> None:
        """Who answers the requests other nodes send about the clients this node holds."""
        self._server = server

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._publish()),
            asyncio.create_task(self._beat()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def _client(self) -> Any:
        import redis.asyncio as aioredis

        return aioredis.Redis.from_url(
            self.url, socket_connect_timeout=3, socket_timeout=None, health_check_interval=10
        )

    def _trouble(self, err: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "the node bus at %s is unavailable: %s", self.description, type(err).__name__
            )

    def _fine(self) -> None:
        if self._down_since is not None:
            log.warning("the node bus at %s is back", self.description)
            self._down_since = None

    # -- sending -----------------------------------------------------------------------------

    def _send(self, channel: str, message: dict[str, Any]) -> None:
        data = orjson.dumps({**message, "from": self.node_id})
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._put(channel, data)
        else:
            loop.call_soon_threadsafe(self._put, channel, data)

    def _put(self, channel: str, data: bytes) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # the bus is down for long: drop, not grow
            self._out.put_nowait((channel, data))

    def broadcast(self, kind: str, payload: dict[str, Any]) -> None:
        self._send(CHANNEL, {"kind": kind, **payload})

    def stats(self, item_id: int, stats: tuple[Any, ...], thumbnail: str | None) -> None:
        self._stats[item_id] = [item_id, *stats, thumbnail]

    def holds(self, item_id: int, held: bool) -> None:
        if held:
            self._mine.add(item_id)
        else:
            self._mine.discard(item_id)
        self.broadcast("holds", {"items": [item_id], "held": held})

    @property
    def down(self) -> bool:
        """The bus cannot be reached: requests for clients other nodes hold cannot go out."""
        return self._down_since is not None

    def owner_of(self, item_id: int) -> str | None:
        """The live node (not this one) that holds the client, if any."""
        node = self._owners.get(item_id)
        if node is None or node == self.node_id:
            return None
        seen = self._alive.get(node)
        if seen is None or time.monotonic() - seen > DEAD_AFTER_S:
            return None
        return node

    def held_elsewhere(self) -> set[int] | None:
        """The clients other live nodes hold; None while that is not known for sure (the bus
        is down, or came back too recently for every node to have said what it holds)."""
        heard = self._heard_since
        if self.down or heard is None or time.monotonic() - heard < DEAD_AFTER_S:
            return None
        return {item for item in self._owners if self.owner_of(item) is not None}

    async def _publish(self) -> None:
        client = self._client()
        try:
            while True:
                channel, data = await self._out.get()
                while True:
                    try:
                        await client.publish(channel, data)
                        self._fine()
                        break
                    except Exception as err:  # noqa: BLE001 - any Redis trouble: wait, retry
                        self._trouble(err)
                        await asyncio.sleep(0.5)
        finally:
            await client.aclose()

    async def _beat(self) -> None:
        """Send the statistics gathered since the last flush, and say this node is alive."""
        last_beat = 0.0
        while True:
            if self._stats:
                rows, self._stats = list(self._stats.values()), {}
                self.broadcast("stats", {"rows": rows})
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT_S:
                self.broadcast("alive", {})
                last_beat = now
            await asyncio.sleep(FLUSH_S)

    # -- receiving ---------------------------------------------------------------------------

    async def _listen(self) -> None:
        inbox = f"jump:node:{self.node_id}"
        while True:
            client = self._client()
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(CHANNEL, inbox)
                self._fine()
                self._heard_since = now = time.monotonic()
                # what was missed while away is not known: every node has a fresh grace
                self._alive = dict.fromkeys(self._alive, now)
                # a node (re)joining asks who holds what
                self.broadcast("hello", {})
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    await self._receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - reconnect whatever went wrong
                self._heard_since = None
                self._trouble(err)
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _receive(self, data: bytes) -> None:
        try:
            message = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(message, dict):
            return
        sender = str(message.get("from", ""))
        if sender == self.node_id:
            return
        self._alive[sender] = time.monotonic()
        kind = message.get("kind")
        try:
            if kind == "holds":
                for item in message.get("items", []):
                    if message.get("held"):
                        self._owners[int(item)] = sender
                    elif self._owners.get(int(item)) == sender:
                        del self._owners[int(item)]
            elif kind == "hello":
                if self._mine:
                    self.broadcast("holds", {"items": sorted(self._mine), "held": True})
            elif kind == "call":
                if float(message.get("until", 0)) < time.time():
                    return  # held up while the bus was down: the caller has given up
                asyncio.get_running_loop().create_task(self._answer(sender, message))
            elif kind == "reply":
                future = self._waiting.get(int(message.get("id", -1)))
                if future is not None and not future.done():
                    future.set_result(message)
            elif isinstance(kind, str) and kind in self._handlers:
                result = self._handlers[kind](message)
                if result is not None:
                    await result
        except Exception:  # a bad message must not stop the node
            log.exception("could not handle a %s message from node %s", kind, sender)

    # -- requests for clients held by another node ----------------------------------------

    async def call(
        self, node: str, item_id: int, method: str, args: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        """Ask ``node`` about the client ``item_id``; answer what its server said. Raises
        :class:`BusUnavailable` (nothing sent) or ``TimeoutError`` (no answer in time)."""
        if self.down:  # refused now rather than sent when the bus is back, too late
            raise BusUnavailable
        call_id = next(self._calls)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[call_id] = future
        try:
            self._send(
                f"jump:node:{node}",
                {
                    "kind": "call",
                    "id": call_id,
                    "item": item_id,
                    "method": method,
                    "args": args,
                    "until": time.time() + timeout,
                },
            )
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._waiting.pop(call_id, None)

    async def _answer(self, sender: str, message: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"kind": "reply", "id": message.get("id")}
        try:
            if self._server is None:
                raise LookupError("this node answers no requests")
            reply.update(await self._server(message))
        except Exception as err:  # noqa: BLE001 - the caller gets one sentence
            log.exception("a request from node %s failed", sender)
            reply.update(ok=False, error=f"the request failed on the node holding it ({err})")
        self._send(f"jump:node:{sender}", reply)


def open_bus(url: str | None, node_id: str | None = None) -> LocalBus | RedisBus:
    if not url:
        return LocalBus()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"The bus {redacted(url)} is not supported; give a redis:// URL.")
    return RedisBus(url, node_id)
