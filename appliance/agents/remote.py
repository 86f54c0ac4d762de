"""Jump Clients held by another node of the site, asked over the bus; and the answers this
node gives when another node asks about a client held here."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from appliance.agents.handle import (
    AgentError,
    AgentHandle,
    NodesUnavailable,
    PresenceAnswer,
    Transfer,
)
from appliance.bus import BusUnavailable, LocalBus, RedisBus
from domain.protocol.agent import AgentSettings
from domain.protocol.screen import read_png
from domain.session_policy import ResolvedPermissions

if TYPE_CHECKING:
    from appliance.agents.registry import AgentRegistry


class NodeAgent:
    """A Jump Client held by another node: each request goes to that node over the bus."""

    shell = True
    connected = True

    def __init__(self, bus: RedisBus, node: str, item_id: int) -> None:
        self.bus = bus
        self.node = node
        self.item_id = item_id

    async def _call(self, method: str, timeout: float = 15.0, **args: Any) -> Any:
        try:
            answer = await self.bus.call(self.node, self.item_id, method, args, timeout)
        except BusUnavailable:  # refused now rather than sent when the bus is back, too late
            raise NodesUnavailable from None
        except TimeoutError:
            raise AgentError(
                "the appliance node holding this Jump Client did not answer; try again"
            ) from None
        if not answer.get("ok"):
            raise AgentError(str(answer.get("error") or "the Jump Client refused"))
        return answer.get("result")

    async def presence(self) -> PresenceAnswer:
        user, locked, saver = await self._call("presence")
        return PresenceAnswer(user, bool(locked), bool(saver))

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        answer = await self._call(
            "prompt", timeout=timeout_s + 20, question=question, timeout_s=timeout_s
        )
        return None if answer is None else bool(answer)

    async def connect_now(self) -> bool:
        return True

    async def site_settings(self, settings: AgentSettings) -> None:
        return None  # the holding node tells its own clients

    async def wake(self, mac: str, password: bytes | None) -> None:
        await self._call("wake", mac=mac, password=password.hex() if password else None)

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None:
        await self._call("open_session", sid=sid, permissions=permissions.model_dump(mode="json"))

    async def end_session(self, sid: str, reason: str) -> None:
        await self._call("end_session", sid=sid, reason=reason)

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        # the bundle is sent by the holding node, through that node's throttle
        return str(await self._call("upgrade", timeout=660, version=version, size=size))

    async def send(self, frame: dict[str, Any]) -> None:
        await self._call("send", frame=frame)

    async def system_info(self, sid: str) -> dict[str, Any]:
        result = await self._call("system_info", timeout=40, sid=sid)
        return dict(result or {})

    async def file_get(self, sid: str, path: str) -> bytes:
        data = await self._call("file_get", timeout=130, sid=sid, path=path)
        return base64.b64decode(str(data))

    async def screenshot(self, sid: str) -> bytes:
        png = read_png({"png": await self._call("screenshot", timeout=70, sid=sid)})
        if png is None:
            raise AgentError("the Jump Client's screenshot is not a picture")
        return png

    async def file_put(self, sid: str, path: str, data: bytes) -> None:
        await self._call(
            "file_put", timeout=130, sid=sid, path=path, data=base64.b64encode(data).decode()
        )


def remote_handle(bus: LocalBus | RedisBus, item_id: int) -> AgentHandle | None:
    """A handle on a client another live node holds, or None."""
    if not isinstance(bus, RedisBus):
        return None
    node = bus.owner_of(item_id)
    return NodeAgent(bus, node, item_id) if node is not None else None


def held_somewhere(bus: LocalBus | RedisBus, item_id: int) -> AgentHandle | None:
    """For a client the shared database calls online but no node is known to hold: while
    the bus is down, which node holds it cannot be known, and the handle answers every
    request with :class:`NodesUnavailable`. None when the bus is up (it is really gone)."""
    if not isinstance(bus, RedisBus) or not bus.down:
        return None
    return NodeAgent(bus, "?", item_id)


async def answer_request(
    agents: AgentRegistry, throttle: Transfer, message: dict[str, Any]
) -> dict[str, Any]:
    """Another node asks something of a client held here: ``{ok, result}`` or ``{ok: false,
    error}`` with the sentence the client (or this node) gave."""
    try:
        return {"ok": True, "result": await _serve(agents, throttle, message)}
    except AgentError as err:
        return {"ok": False, "error": str(err)}


async def _serve(agents: AgentRegistry, throttle: Transfer, message: dict[str, Any]) -> Any:
    item_id = int(message.get("item", 0))
    agent = agents.local(item_id)
    if agent is None:
        raise AgentError("the Jump Client is no longer connected")
    method = str(message.get("method"))
    args: dict[str, Any] = message.get("args") or {}
    if method == "presence":
        answer = await agent.presence()
        return [answer.console_user, answer.locked, answer.screen_saver]
    if method == "prompt":
        return await agent.prompt(str(args["question"]), int(args["timeout_s"]))
    if method == "wake":
        password = args.get("password")
        await agent.wake(str(args["mac"]), bytes.fromhex(password) if password else None)
        return None
    if method == "open_session":
        permissions = ResolvedPermissions.model_validate(args["permissions"])
        await agent.open_session(str(args["sid"]), permissions)
        return None
    if method == "end_session":
        await agent.end_session(str(args["sid"]), str(args["reason"]))
        return None
    if method == "send":
        await agent.send(dict(args["frame"]))
        return None
    if method == "system_info":
        return await agent.system_info(str(args["sid"]))
    if method == "file_get":
        data = await agent.file_get(str(args["sid"]), str(args["path"]))
        return base64.b64encode(data).decode()
    if method == "file_put":
        await agent.file_put(
            str(args["sid"]), str(args["path"]), base64.b64decode(str(args["data"]))
        )
        return None
    if method == "screenshot":
        return base64.b64encode(await agent.screenshot(str(args["sid"]))).decode()
    if method == "upgrade":
        return await agent.upgrade(str(args["version"]), int(args["size"]), throttle)
    raise AgentError(f"unknown request {method!r}")
