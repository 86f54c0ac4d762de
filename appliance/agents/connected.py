"""A Jump Client connected to this node, asked things over its channel.

Requests are built with the protocol's request models (:mod:`domain.protocol.agent`), and
answers read with its result models: a request the client would refuse is not sent, and an
answer that cannot be read is the client's failure (:class:`AgentError`), never a crash.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance.agents.handle import AgentError, PresenceAnswer, Transfer
from domain.protocol.agent import (
    AgentSettings,
    FileGet,
    FilePut,
    PresenceAsk,
    PresenceResult,
    PromptAsk,
    PromptResult,
    Request,
    Response,
    SessionEnd,
    SessionOpen,
    SettingsFrame,
    SystemInfoAsk,
    Uninstall,
    Upgrade,
    Wake,
)
from domain.protocol.close import Close
from domain.protocol.screen import ScreenShot, read_png
from domain.session_policy import ResolvedPermissions

if TYPE_CHECKING:
    from appliance.agents.bundle import Bundle

Result = TypeVar("Result", bound=BaseModel)


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
        self._waiting: dict[int, asyncio.Future[Response]] = {}

    async def _call(
        self, build: Callable[[int], Request | ScreenShot], timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send the request ``build`` makes with the next id; its result (raises
        :class:`AgentError` when it cannot be sent, is not answered in time, or is refused)."""
        request_id = next(self._ids)
        try:
            request = build(request_id)
        except ValidationError as err:
            problem = err.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            refused = f"not a request a Jump Client accepts ({where}: {problem['msg']})"
            raise AgentError(refused) from None
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            await self.ws.send_text(request.model_dump_json())
            async with asyncio.timeout(timeout):
                answer = await future
        except (TimeoutError, WebSocketDisconnect, RuntimeError) as err:
            raise AgentError(f"the Jump Client did not answer ({type(err).__name__})") from None
        finally:
            self._waiting.pop(request_id, None)
        if not answer.ok:
            raise AgentError(answer.error or "the Jump Client refused")
        return answer.result

    async def _ask(
        self,
        build: Callable[[int], Request | ScreenShot],
        result: type[Result],
        timeout: float = 10.0,
    ) -> Result:
        """:meth:`_call`, its result read as ``result``."""
        answer = await self._call(build, timeout)
        try:
            return result.model_validate(answer)
        except ValidationError:
            raise AgentError("the Jump Client's answer could not be read") from None

    async def system_info(self, sid: str) -> dict[str, Any]:
        return await self._call(lambda i: SystemInfoAsk(id=i, sid=sid), timeout=30)

    async def file_get(self, sid: str, path: str) -> bytes:
        result = await self._call(lambda i: FileGet(id=i, sid=sid, path=path), timeout=120)
        return base64.b64decode(str(result.get("data", "")))

    async def file_put(self, sid: str, path: str, data: bytes) -> None:
        encoded = base64.b64encode(data).decode()
        await self._call(lambda i: FilePut(id=i, sid=sid, path=path, data=encoded), timeout=120)

    async def screenshot(self, sid: str) -> bytes:
        result = await self._call(lambda i: ScreenShot(id=i, sid=sid), timeout=60)
        png = read_png(result)
        if png is None:
            raise AgentError("the Jump Client's screenshot is not a picture")
        return png

    async def send(self, frame: dict[str, Any]) -> None:
        """A frame that needs no answer (shell input, resize, close)."""
        await self.ws.send_text(orjson.dumps(frame).decode())

    def answered(self, response: Response) -> None:
        future = self._waiting.get(response.id)
        if future is not None and not future.done():
            future.set_result(response)

    async def presence(self) -> PresenceAnswer:
        r = await self._ask(lambda i: PresenceAsk(id=i), PresenceResult)
        return PresenceAnswer(r.console_user or None, r.locked, r.screen_saver)

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        said = await self._ask(
            lambda i: PromptAsk(id=i, question=question, timeout_s=timeout_s),
            PromptResult,
            timeout=timeout_s + 15,
        )
        return None if said.answer is None else said.answer == "accept"

    async def connect_now(self) -> bool:
        return True

    async def close(self, code: int, reason: str) -> None:
        """End the connection, telling the client why (it may already be gone)."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.ws.close(code, reason)

    async def removed(self, reason: str) -> None:
        """The client's item was removed: tell the client to uninstall itself, then close
        the connection saying so (it may already be gone)."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.ws.send_text(Uninstall(reason=reason).model_dump_json())
        await self.close(Close.GONE, reason)

    async def site_settings(self, settings: AgentSettings) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self.ws.send_text(SettingsFrame(settings=settings).model_dump_json())

    async def wake(self, mac: str, password: bytes | None) -> None:
        secure_on = password.hex() if password else None
        await self._call(lambda i: Wake(id=i, mac=mac, password=secure_on))

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None:
        granted = permissions.model_dump(mode="json")
        await self._call(lambda i: SessionOpen(id=i, sid=sid, permissions=granted))

    async def end_session(self, sid: str, reason: str) -> None:
        await self._call(lambda i: SessionEnd(id=i, sid=sid, reason=reason))

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        """Tell the client to fetch, check and switch to the bundle; it restarts itself."""
        bundle = self.bundle
        if bundle is None:
            raise AgentError("this appliance holds no Jump Client bundle to upgrade to")
        self.transfer = transfer  # the bundle download spends the appliance's throttle
        await self._call(
            lambda i: Upgrade(
                id=i, version=bundle.version, sha256=bundle.announced_sha256, size=bundle.size
            ),
            timeout=600,
        )
        return bundle.version
