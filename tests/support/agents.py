"""Jump Clients as an install leaves them, written straight into an appliance's database,
their side of the agent channel spoken by hand, a Jump Client on the agent channel that
answers every request, and one in-process that records what the appliance sends it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from appliance.agents.handle import PresenceAnswer, Transfer
from appliance.bootstrap import bootstrap
from appliance.clock import SystemClock
from appliance.config import ApplianceSettings
from appliance.db import Repository
from appliance.demo import seed_demo
from appliance.security import token_hash
from appliance.services import Services
from domain import Statistic
from domain.protocol.agent import AgentSettings
from domain.session_policy import ResolvedPermissions

GATEWAY = {"ip": "127.0.0.254", "mac": "02:00:5e:00:00:fe"}


def register_clients(
    state: Services, count: int, *, connection_rate: int = 100
) -> list[tuple[int, str]]:
    """``count`` offline Jump Clients with agent credentials, as installs would leave them;
    the site admits ``connection_rate`` connections a second."""
    repo = state.site.repo
    out = []
    with repo.transaction():
        for n in range(count):
            client = repo.clients.insert(
                {
                    "jump_group_id": 1,
                    "name": f"storm-{n}",
                    "hostname": f"storm-{n}",
                    "fqdn": f"storm-{n}.test",
                    "public_site_address": "support.jump.test",
                    "x_online": False,
                }
            )
            secret = f"storm-secret-{n}"
            repo.execute(
                "INSERT INTO agent_credential (jump_client_id, secret_hash, installer_id) "
                "VALUES (?, ?, ?)",
                (client.id, token_hash(secret), "0" * 32),
            )
            out.append((client.id, secret))
        repo.save_settings(repo.settings().model_copy(update={"connection_rate": connection_rate}))
    state.site.refresh_settings()  # written around the site: read them again
    return out


def seed_site(
    db: str, clients: int, *, connection_rate: int, interval_s: int = 30
) -> list[tuple[int, str]]:
    """A site in the database ``db`` before any appliance opens it: the demo users, every
    statistic selected, and ``clients`` installed, offline Jump Clients (their ids and
    secrets); it admits ``connection_rate`` connections a second."""
    repo = Repository(db)
    bootstrap(repo)
    seed_demo(repo, ApplianceSettings(db=db, demo_fleet=0), SystemClock())
    with repo.transaction():
        repo.save_settings(
            repo.settings().model_copy(
                update={
                    "connection_rate": connection_rate,
                    "statistics_interval_s": interval_s,
                    "statistics": list(Statistic),
                }
            )
        )
        first = repo.next_id("jump_client")
        rows = [
            {
                "jump_group_id": 1,
                "name": f"scale-{n}",
                "hostname": f"scale-{n}",
                "fqdn": f"scale-{n}.test",
                "public_site_address": "support.jump.test",
            }
            for n in range(clients)
        ]
        repo.clients.insert_many(rows, first_id=first)
        creds = [(first + n, f"scale-secret-{n}") for n in range(clients)]
        repo.execute_many(
            "INSERT INTO agent_credential (jump_client_id, secret_hash, installer_id) "
            "VALUES (?, ?, ?)",
            [[i, token_hash(s), "0" * 32] for i, s in creds],
        )
    repo.close()
    return creds


class FakeClient:
    """A Jump Client on the agent channel that answers every request and remembers it;
    ``hold`` is awaited before each answer (to keep a request pending while a test acts)."""

    def __init__(
        self, ws: ClientConnection, hold: Callable[[dict[str, Any]], Awaitable[None]] | None
    ) -> None:
        self.ws = ws
        self.asked: list[dict[str, Any]] = []
        self.hold = hold
        self.task = asyncio.create_task(self._answer())

    @classmethod
    async def join(
        cls,
        url: str,
        item_id: int,
        secret: str,
        hold: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> FakeClient:
        ws = await connect(url.replace("http://", "ws://") + "/api/agent/v1/connect")
        hello = {
            "type": "hello",
            "jump_client_id": item_id,
            "secret": secret,
            "version": "1.0.0",
            "gateway": GATEWAY,
            "mac": "02:00:5e:00:00:01",
        }
        await ws.send(orjson.dumps(hello).decode())
        assert orjson.loads(await ws.recv())["type"] == "welcome"
        return cls(ws, hold)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.asked if f["type"] == kind]

    async def _answer(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                frame = orjson.loads(raw)
                if "id" in frame:
                    self.asked.append(frame)
                    if self.hold is not None:
                        await self.hold(frame)
                    answer = {"type": "response", "id": frame["id"], "ok": True, "result": {}}
                    await self.ws.send(orjson.dumps(answer).decode())

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.ws.close()


class RecordingAgent:
    """A Jump Client with a command shell, in-process: it records every frame the appliance
    sends it (``shell.open``, ``shell.input``...), so a test can tell what reached the
    endpoint and what did not. Nobody is at its console: sessions start unattended."""

    shell = True
    connected = True

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id
        self.frames: list[dict[str, Any]] = []
        self._arrived = threading.Condition()  # the appliance's loop sends, the test's waits

    def inputs(self) -> list[bytes]:
        """What the consoles typed that reached the endpoint's shell, in order."""
        with self._arrived:
            frames = list(self.frames)
        return [base64.b64decode(f["data"]) for f in frames if f["type"] == "shell.input"]

    async def typed(self, data: bytes, timeout: float = 10.0) -> None:
        """Wait until ``data`` reached the endpoint's shell (bounded)."""

        def wait() -> bool:
            with self._arrived:
                return self._arrived.wait_for(lambda: data in self.inputs(), timeout)

        assert await asyncio.to_thread(wait), f"{data!r} never reached the endpoint"

    async def presence(self) -> PresenceAnswer:
        return PresenceAnswer(None, False, False)

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        return True

    async def connect_now(self) -> bool:
        return True

    async def site_settings(self, settings: AgentSettings) -> None:
        return None

    async def wake(self, mac: str, password: bytes | None) -> None:
        return None

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None:
        return None

    async def end_session(self, sid: str, reason: str) -> None:
        return None

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        return version

    async def send(self, frame: dict[str, Any]) -> None:
        with self._arrived:
            self.frames.append(frame)
            self._arrived.notify_all()

    async def system_info(self, sid: str) -> dict[str, Any]:
        return {}

    async def file_get(self, sid: str, path: str) -> bytes:
        return b""

    async def file_put(self, sid: str, path: str, data: bytes) -> None:
        return None


async def join(url: str, item_id: int, secret: str) -> ClientConnection:
    """Connect to the agent channel at ``url`` as this client and say hello (welcomed)."""
    ws = await connect(url, max_size=None)
    await ws.send(
        orjson.dumps(
            {"type": "hello", "jump_client_id": item_id, "secret": secret, "version": "1.0.0"}
        ).decode()
    )
    assert orjson.loads(await ws.recv())["type"] == "welcome"
    return ws


async def closed_with(ws: ClientConnection) -> int | None:
    """The code the appliance closes ``ws`` with (frames before it are skipped; bounded)."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
