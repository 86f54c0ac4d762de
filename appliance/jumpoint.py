"""The Jumpoint: a relay for Jump Clients on a network without direct access to the appliance.

``jump-appliance jumpoint --appliance URL --listen HOST:PORT`` accepts connections on the
listen address and relays each, byte for byte, to the appliance: HTTP requests and the
agent channel's websocket alike (TLS, when the appliance speaks it, stays end to end).
It relays to that one appliance only, and never reads or keeps what passes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

log = logging.getLogger("appliance.jumpoint")
CHUNK = 64 * 1024


def upstream_of(url: str) -> tuple[str, int]:
    """(host, port) of the appliance URL; raises ValueError with a sentence."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not an appliance URL (like https://support.example.com)")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def listen_of(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"'{text}' is not HOST:PORT (like 0.0.0.0:8500)")
    return host.strip("[]"), int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


class Jumpoint:
    def __init__(self, appliance: str, listen: tuple[str, int]) -> None:
        self.upstream = upstream_of(appliance)
        self.listen = listen
        self.relayed = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._relay, *self.listen)
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def serve_forever(self) -> None:
        assert self._server is not None
        async with self._server:
            await self._server.serve_forever()

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        peer = client_w.get_extra_info("peername")
        try:
            async with asyncio.timeout(15):
                up_r, up_w = await asyncio.open_connection(*self.upstream)
        except (OSError, TimeoutError) as err:
            log.warning("could not reach the appliance for %s: %s", peer, err)
            client_w.close()
            return
        self.relayed += 1
        log.info("relaying a connection from %s:%s", *(peer or ("?", "?"))[:2])
        try:
            await asyncio.gather(_pipe(client_r, up_w), _pipe(up_r, client_w))
        finally:
            for writer in (client_w, up_w):
                writer.close()
                with contextlib.suppress(ConnectionError, OSError):
                    await writer.wait_closed()


async def run(appliance: str, listen: tuple[str, int]) -> None:
    jumpoint = Jumpoint(appliance, listen)
    host, port = await jumpoint.start()
    print(
        f"Jumpoint listening on {host}:{port}, relaying to {appliance}",
        flush=True,
    )
    await jumpoint.serve_forever()
