"""A session's websocket (its shell, its screen), opened for a representative.

Only a failure to open it is "could not be opened": an error raised while the caller uses
the socket is the caller's, and goes on as it is (a TimeoutError is an OSError too, and was
once told as a socket that never opened)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake

from api_client.client import ApplianceClient
from api_client.errors import ConnectionFailed


@asynccontextmanager
async def session_socket(
    client: ApplianceClient, sid: str, what: str, *, query: str = "", max_size: int
) -> AsyncIterator[ClientConnection]:
    """The websocket of session ``sid``'s ``what`` (``shell``, ``screen``)."""
    base = client.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    url = f"{base}/api/rep/v1/sessions/{sid}/{what}{query}"
    token = await client.bearer()
    async with AsyncExitStack() as stack:
        try:
            ws = await stack.enter_async_context(
                connect(
                    url,
                    additional_headers={"Authorization": f"Bearer {token}"},
                    open_timeout=10,
                    max_size=max_size,
                )
            )
        except (OSError, InvalidHandshake) as err:
            raise ConnectionFailed(
                f"The {what} at {client.base_url} could not be opened ({type(err).__name__})."
            ) from None
        yield ws


__all__ = ["session_socket"]
