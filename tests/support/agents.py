"""Jump Clients as an install leaves them, written straight into an appliance's database, and
their side of the agent channel spoken by hand."""

from __future__ import annotations

import asyncio

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from appliance.security import token_hash
from appliance.services import Services


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
