"""One address in front of several appliance nodes, as a site's load balancer gives them.

A TCP relay on 127.0.0.1 (in its own thread): each new connection goes to the first node, in
the order given, that accepts it; when either side closes, so does the other. A node that is
killed drops its connections, and the clients' next connections reach the nodes still up.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Balancer:
    def __init__(self, nodes: list[str]) -> None:
        """``nodes``: base URLs ``http://127.0.0.1:PORT``."""
        self.nodes = [self._address(url) for url in nodes]
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @staticmethod
    def _address(url: str) -> tuple[str, int]:
        host, _, port = url.removeprefix("http://").rstrip("/").rpartition(":")
        assert host in ("127.0.0.1", "localhost"), "the balancer relays on loopback only"
        return host, int(port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = started.result(10)

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for host, port in self.nodes:
            try:
                up_reader, up_writer = await asyncio.open_connection(host, port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()

        await asyncio.wait(
            [
                asyncio.ensure_future(pipe(reader, up_writer)),
                asyncio.ensure_future(pipe(up_reader, writer)),
            ],
            return_when=asyncio.FIRST_COMPLETED,
        )
        for side in (writer, up_writer):
            side.close()

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
