"""A Jump Client connected to this node, asked things over its channel."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from typing import TYPE_CHECKING, Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance.agents.handle import AgentError, PresenceAnswer, Transfer
from domain.session_policy import ResolvedPermissions

if TYPE_CHECKING:
    from appliance.agents.bundle import Bundle


class RemoteAgent:
    """A connected Jump Client, asked things over its channel."""

    shell = True  # it serves a command shell when the session policy allows one
    connected = True

    def __init__(self, item_id: int, ws: WebSocket, bundle: Bundle | None = None) -> None:
        self.item_id = item_id
        self.ws = ws
        self.bundle = bundle
        self.transfer: Transfer | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}

    async def _call(
        self, kind: str, payload: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            await self.ws.send_text(
                orjson.dumps({"type": kind, "id": request_id, **(payload or {})}).decode()
            )
            answer = await asyncio.wait_for(future, timeout)
        except (TimeoutError, WebSocketDisconnect, RuntimeError) as err:
            raise AgentError(f"the Jump Client did not answer ({type(err).__name__})") from None
        finally:
            self._waiting.pop(request_id, None)
        if not answer.get("ok"):
            raise AgentError(str(answer.get("error") or "the Jump Client refused"))
        result: dict[str, Any] = answer.get("result") or {}
        return result

    async def system_info(self, sid: str) -> dict[str, Any]:
        return await self._call("system.info", {"sid": sid}, timeout=30)

    async def file_get(self, sid: str, path: str) -> bytes:
        result = await self._call("file.get", {"sid": sid, "path": path}, timeout=120)
        return base64.b64decode(str(result.get("data", "")))

    async def file_put(self, sid: str, path: str, data: bytes) -> None:
        await self._call(
            "file.put",
            {"sid": sid, "path": path, "data": base64.b64encode(data).decode()},
            timeout=120,
        )

    async def send(self, frame: dict[str, Any]) -> None:
        """A frame that needs no answer (shell input, resize, close)."""
        await self.ws.send_text(orjson.dumps(frame).decode())

    def answered(self, frame: dict[str, Any]) -> None:
        future = self._waiting.get(frame.get("id", -1))
        if future is not None and not future.done():
            future.set_result(frame)

    async def presence(self) -> PresenceAnswer:
        r = await self._call("presence.ask")
        return PresenceAnswer(
            r.get("console_user") or None, bool(r.get("locked")), bool(r.get("screen_saver"))
        )

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        result = await self._call(
            "prompt.ask", {"question": question, "timeout_s": timeout_s}, timeout=timeout_s + 15
        )
        answer = result.get("answer")
        return None if answer not in ("accept", "refuse") else answer == "accept"

    async def connect_now(self) -> bool:
        return True

    async def site_settings(self, settings: dict[str, Any]) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self.send({"type": "settings", "settings": settings})

    async def wake(self, mac: str, password: bytes | None) -> None:
        await self._call("wake", {"mac": mac, "password": password.hex() if password else None})

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None:
        await self._call(
            "session.open", {"sid": sid, "permissions": permissions.model_dump(mode="json")}
        )

    async def end_session(self, sid: str, reason: str) -> None:
        await self._call("session.end", {"sid": sid, "reason": reason})

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        """Tell the client to fetch, check and switch to the bundle; it restarts itself."""
        if self.bundle is None:
            raise AgentError("this appliance holds no Jump Client bundle to upgrade to")
        self.transfer = transfer  # the bundle download spends the appliance's throttle
        await self._call(
            "upgrade",
            {
                "version": self.bundle.version,
                "sha256": self.bundle.announced_sha256,
                "size": self.bundle.size,
            },
            timeout=600,
        )
        return self.bundle.version
