"""Jump Clients as an install leaves them, written straight into an appliance's database,
and a Jump Client on the agent channel that answers every request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

from appliance.security import token_hash
from appliance.services import Services

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
