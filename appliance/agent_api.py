"""The agent API (``/api/agent/v1``): installation, uninstallation, and the agent channel.

- ``POST /install {key, parameters, hostname, fqdn, operating_system, install_mode}``: the
  installer's key and its raw command line (parsed with the same domain function the
  installer uses). Refused when the key is unknown (404), the installer expired (410), an
  override is not allowed (403, naming the parameter) or a code name is unknown (422).
- ``POST /uninstall {jump_client_id, secret}``: the item is marked uninstalled or removed,
  as the site's uninstalled behaviour says.
- ``WS /connect``: ``hello`` → ``welcome {settings}`` | ``retry {after_s}`` (connection-rate
  admission) | ``reject {reason}``; then the agent sends ``stats`` and answers requests
  (``presence.ask``, ``wake``, ``session.open``, ``session.end``) with ``response`` frames.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from appliance._state import Appliance
from appliance._validation import answer_database_unavailable
from appliance.agents import AgentError, PresenceAnswer, Transfer
from appliance.config_api._refs import site_addresses
from appliance.db import DatabaseUnavailable
from appliance.installer_artifact import DownloadRefused, installer_file
from appliance.live import LatestStats
from appliance.rep_api._deps import RepError
from appliance.security import token_hash
from appliance.serving import AGENT_CONNECT
from appliance.shared import SharedUnavailable
from domain import (
    ConnectionType,
    InstallMode,
    JumpGroupType,
    UninstalledBehavior,
    format_utc,
)
from domain.installer_params import InstallParameterError, disallowed, parse_install_parameters
from domain.session_policy import ResolvedPermissions
from domain.thumbnail import decode as decode_thumbnail

log = logging.getLogger("appliance.agent")
AGENT_PROTOCOL = 1


class InstallRequest(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    parameters: list[str] = Field(default_factory=list, max_length=64)
    hostname: str = Field(min_length=1, max_length=255)
    fqdn: str = Field(min_length=1, max_length=255)
    operating_system: str = Field(default="", max_length=255)
    install_mode: InstallMode = InstallMode.USER


class InstallAnswer(BaseModel):
    jump_client_id: int
    connection_type: str = "active"
    elevate_install: bool = True
    secret: str = Field(repr=False)
    name: str
    days_before_deleted: int
    max_offline_minutes: int
    appliance: str | None = None
    """Where the client talks to from now on: its installer's Jumpoint, when it names one."""


class Credentials(BaseModel):
    jump_client_id: int
    secret: str = Field(min_length=1, max_length=128, repr=False)


class Hello(Credentials):
    type: str = "hello"
    version: str = Field(default="", max_length=32)
    hostname: str = Field(default="", max_length=255)
    fqdn: str = Field(default="", max_length=255)
    os: str = Field(default="", max_length=255)
    ips: list[str] = Field(default_factory=list, max_length=32)
    gateway: dict[str, str | None] | None = None
    mac: str | None = Field(default=None, max_length=17)
    install_mode: InstallMode = InstallMode.UNKNOWN
    console_user: str | None = Field(default=None, max_length=255)


class CheckIn(Credentials):
    passive_port: int = Field(ge=1, le=65535)
    listen_host: str | None = Field(default=None, max_length=255)


class SupportAsk(Credentials):
    message: str = Field(default="", max_length=1000)
    console_user: str | None = Field(default=None, max_length=255)


class SupportAnswer(BaseModel):
    request_id: str
    elevated: bool
    message: str


class CheckInAnswer(BaseModel):
    interval_s: float
    passive_port: int = 5832
    days_before_deleted: int
    max_offline_minutes: int


CLOSE_GARBAGE = 4400
CLOSE_FLOOD = 4429


class ChannelGuard:
    """What one agent connection may send: a client that sends garbage or floods statistics
    is disconnected (it reconnects later, through admission) without costing the others."""

    GARBAGE_PER_MINUTE = 20

    def __init__(self, monotonic: Callable[[], float], interval_s: Callable[[], float]) -> None:
        self.monotonic = monotonic
        self.interval_s = interval_s  # the site's setting: read again only when the bucket is dry
        self.burst = 20.0
        self._rate = self._allowed_rate()
        self._tokens = self.burst
        self._at = monotonic()
        self._garbage: deque[float] = deque()

    def _allowed_rate(self) -> float:
        return 4.0 / max(self.interval_s(), 0.05)  # four times the expected pace

    def flooding(self) -> bool:
        """Count one statistics frame; True when they come faster than allowed."""
        now = self.monotonic()
        elapsed, self._at = now - self._at, now
        self._tokens = min(self.burst, self._tokens + elapsed * self._rate)
        if self._tokens < 1:  # rare: before refusing, see whether the site's interval changed
            fresh = self._allowed_rate()
            if fresh > self._rate:
                self._tokens = min(self.burst, self._tokens + elapsed * (fresh - self._rate))
            self._rate = fresh
        if self._tokens < 1:
            return True
        self._tokens -= 1
        return False

    def garbage(self) -> bool:
        """Count one unreadable frame; True past the limit for a minute."""
        now = self.monotonic()
        self._garbage.append(now)
        while self._garbage and now - self._garbage[0] > 60:
            self._garbage.popleft()
        return len(self._garbage) > self.GARBAGE_PER_MINUTE


class Admission:
    """Connection-rate admission: a token bucket at the site's ``connection_rate`` per second.

    A refused client is given the next free slot of a virtual queue (one slot per 1/rate s),
    not merely the time of the next token: in a reconnect storm the retries spread out at
    the admitted rate instead of all coming back at once, so the appliance does the work of
    about ``rate`` attempts a second, whatever the size of the fleet.
    """

    def __init__(self, app: Appliance) -> None:
        self.app = app
        self._tokens: float | None = None  # full on first use: one second's worth
        self._at = app.clock.monotonic()
        self._queue_until = self._at

    def admit(self) -> float | None:
        """None when admitted, else the seconds to wait before trying again."""
        rate = float(self.app.repo.settings().connection_rate)
        if self.app.shared is not None:  # several nodes: one rate for the whole site
            with contextlib.suppress(SharedUnavailable):
                return self.app.shared.admit(rate, time.time())
        now = self.app.clock.monotonic()
        tokens = rate if self._tokens is None else self._tokens
        self._tokens = min(rate, tokens + (now - self._at) * rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        first_token = now + (1 - self._tokens) / rate
        self._queue_until = max(self._queue_until + 1 / rate, first_token)
        return self._queue_until - now


@dataclass(frozen=True)
class Bundle:
    """The client bundle this appliance offers (read once at start)."""

    version: str
    data: bytes
    sha256: str
    announced_sha256: str  # what clients are told to expect (a test may make it lie)

    @property
    def size(self) -> int:
        return len(self.data)

    @classmethod
    def load(cls, path: Path, version: str, announce: str | None = None) -> Bundle:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        return cls(version, data, digest, announce or digest)


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


def jumpoint_address(app: Appliance, jumpoint_id: int | None) -> str | None:
    """The address of a Jumpoint (None: none named, or it was deleted)."""
    found = app.repo.jumpoints.get(jumpoint_id) if jumpoint_id else None
    return found.address if found else None


def _error(err: RepError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status)


def _resolve(app: Appliance, overrides: dict[str, Any], installer: Any) -> dict[str, Any]:
    """Installer defaults + overrides → Jump Client fields (code names looked up)."""
    repo = app.repo
    values: dict[str, Any] = {
        "jump_group_id": installer.jump_group_id,
        "jump_group_type": installer.jump_group_type,
        "jump_policy_id": installer.jump_policy_id,
        "tag": installer.tag,
        "comments": installer.comments,
        "attended_session_policy_id": installer.attended_session_policy_id,
        "unattended_session_policy_id": installer.unattended_session_policy_id,
        "public_site_address": installer.public_site_address,
        "customer_client_start_mode": installer.customer_client_start_mode,
        "max_offline_minutes": installer.max_offline_minutes,
        "connection_type": installer.connection_type.value,
    }
    if "jump_group" in overrides:
        kind, _, name = str(overrides["jump_group"]).partition(":")
        if kind == "user":
            found = repo.user_by_name(name)
            if found is None:
                raise RepError(
                    422,
                    "unknown_code_name",
                    f"No representative is called '{name}' (from the jump group parameter).",
                )
            values["jump_group_type"], values["jump_group_id"] = JumpGroupType.PERSONAL, found[0].id
        else:
            groups = repo.groups.find([("code_name", name)])
            if not groups:
                raise RepError(
                    422, "unknown_code_name", f"No Jump Group has the code name '{name}'."
                )
            values["jump_group_type"], values["jump_group_id"] = JumpGroupType.SHARED, groups[0].id
    lookups = (
        ("jump_policy", "jump_policy_id", repo.policies, "Jump Policy"),
        (
            "session_policy_present",
            "attended_session_policy_id",
            repo.session_policies,
            "session policy",
        ),
        (
            "session_policy_not_present",
            "unattended_session_policy_id",
            repo.session_policies,
            "session policy",
        ),
    )
    for key, field, table, kind in lookups:
        if key in overrides:
            ids = table.ids([("code_name", overrides[key])])
            if not ids or (ids[0] == 1 and field != "jump_policy_id"):
                raise RepError(
                    422, "unknown_code_name", f"No {kind} has the code name '{overrides[key]}'."
                )
            values[field] = ids[0]
    for key in ("name", "tag", "comments", "max_offline_minutes"):
        if key in overrides:
            values[key] = overrides[key]
    address = overrides.get("public_site_address") or values["public_site_address"]
    if not address or address not in site_addresses(app):  # unknown host → default site
        default = next((s for s in repo.public_sites.find() if s.is_default), None)
        address = default.addresses[0] if default else "support.jump.test"
    values["public_site_address"] = address
    return values


def _verify(appliance: Appliance, creds: Credentials) -> None:
    row = appliance.repo.execute(
        "SELECT secret_hash FROM agent_credential WHERE jump_client_id = ?",
        (creds.jump_client_id,),
    ).fetchone()
    if row is None or row[0] != token_hash(creds.secret):
        raise RepError(
            401,
            "unknown_client",
            "This Jump Client is not known to the appliance (it may have been deleted).",
        )


def build_agent_api(appliance: Appliance) -> FastAPI:
    api = FastAPI(
        title="Jump Console appliance — agent API", openapi_url=None, docs_url=None, redoc_url=None
    )
    api.state.appliance = appliance

    answer_database_unavailable(api, with_code=True)

    @api.exception_handler(RepError)
    async def on_error(_request: Request, exc: RepError) -> JSONResponse:
        return _error(exc)

    @api.post("/install", response_model=InstallAnswer, status_code=201)
    async def install(body: InstallRequest) -> InstallAnswer:
        app, repo = appliance, appliance.repo
        installer = next((i for i in repo.installers() if i.installer_id == body.key), None)
        if installer is None:
            raise RepError(
                404,
                "unknown_installer",
                "The installer key is not known to this appliance; download the installer again.",
            )
        if installer.expiration_timestamp <= app.clock.now():
            raise RepError(
                410,
                "installer_expired",
                "The installer has expired; ask an "
                "administrator to extend it or to create a new one.",
            )
        try:
            params = parse_install_parameters(body.parameters)
        except InstallParameterError as err:
            raise RepError(422, "invalid_parameter", str(err)) from None
        problems = disallowed(installer, params)
        if problems:
            raise RepError(403, "override_not_allowed", problems[0], problems=problems)
        values = _resolve(app, params.overrides, installer)
        name = values.pop("name", None) or installer.name or body.hostname
        secret = secrets.token_urlsafe(32)
        with repo.transaction():
            created = repo.clients.insert(
                {
                    **values,
                    "name": name[:128],
                    "hostname": body.hostname,
                    "fqdn": body.fqdn,
                    "operating_system": body.operating_system,
                    "install_mode": body.install_mode,
                    "x_online": False,
                }
            )
            repo.execute(
                "INSERT INTO agent_credential (jump_client_id, secret_hash, "
                "installer_id) VALUES (?, ?, ?)",
                (created.id, token_hash(secret), installer.installer_id),
            )
            app.audit(
                f"installer:{installer.id}",
                "jump_client.install",
                f"jump_client:{created.id}",
                hostname=body.hostname,
                overrides=sorted(params.overrides),
            )
        app.changed([created.id])
        return InstallAnswer(
            jump_client_id=created.id,
            elevate_install=installer.elevate_install,
            connection_type=installer.connection_type.value,
            secret=secret,
            name=created.name,
            days_before_deleted=repo.settings().days_before_deleted,
            max_offline_minutes=created.max_offline_minutes,
            appliance=jumpoint_address(appliance, installer.jumpoint_proxy),
        )

    @api.post("/uninstall", status_code=204)
    async def uninstall(body: Credentials) -> JSONResponse:
        _verify(appliance, body)
        repo = appliance.repo
        settings = repo.settings()
        with repo.transaction():
            if settings.uninstalled_behavior is UninstalledBehavior.REMOVE:
                repo.clients.delete(body.jump_client_id)
                removed = [body.jump_client_id]
            else:
                repo.clients.update(
                    body.jump_client_id,
                    {
                        "connection_type": ConnectionType.UNINSTALLED,
                        "x_online": False,
                        "last_disconnect_timestamp": appliance.clock.now(),
                    },
                )
                removed = []
            repo.execute(
                "DELETE FROM agent_credential WHERE jump_client_id = ?", (body.jump_client_id,)
            )
            appliance.audit(
                f"jump_client:{body.jump_client_id}",
                "jump_client.uninstall",
                f"jump_client:{body.jump_client_id}",
            )
        appliance.changed([] if removed else [body.jump_client_id], removed)
        return JSONResponse(None, status_code=204)

    @api.post("/support-request", response_model=SupportAnswer, status_code=201)
    async def support_request(body: SupportAsk) -> SupportAnswer:
        """The user at the endpoint asks for help through the installed Jump Client."""
        _verify(appliance, body)
        client = appliance.repo.clients.get(body.jump_client_id)
        if client is None or appliance.support is None:
            raise RepError(401, "unknown_client", "This Jump Client is no longer known.")
        request = appliance.support.raise_request(
            client, body.console_user or "", body.message.strip()
        )
        how = (
            "a session will start through this Jump Client (elevated)"
            if request.elevated
            else "it will be a normal support session (the site does not allow elevated "
            "ad-hoc sessions from Jump Clients)"
        )
        return SupportAnswer(
            request_id=request.id,
            elevated=request.elevated,
            message=f"Support requested: a representative has been told; {how}.",
        )

    @api.post("/checkin", response_model=CheckInAnswer)
    async def checkin(body: CheckIn, request: Request) -> CheckInAnswer:
        """A passive client says it is alive and where it listens for a connect request."""
        _verify(appliance, body)
        host = request.client.host if request.client else "127.0.0.1"
        assert appliance.agents is not None
        appliance.agents.passive[body.jump_client_id] = (
            body.listen_host or host,
            body.passive_port,
        )
        repo = appliance.repo
        with repo.transaction():
            current = repo.clients.get(body.jump_client_id)
            if current is None:
                raise RepError(401, "unknown_client", "This Jump Client is no longer known.")
            if not current.x_online:
                repo.clients.update(
                    body.jump_client_id,
                    {
                        "x_online": True,
                        "is_lost": False,  # heard from again: no longer lost
                        "last_connect_timestamp": appliance.clock.now(),
                        "public_ip": host,
                    },
                )
                changed = True
            else:
                changed = False
        if changed:
            appliance.changed([body.jump_client_id])
        settings = repo.settings()
        return CheckInAnswer(
            passive_port=settings.passive_port,
            interval_s=appliance.live.interval() if appliance.live else 30,
            days_before_deleted=settings.days_before_deleted,
            max_offline_minutes=current.max_offline_minutes,
        )

    @api.get("/installer/{installer_id}/{platform}")
    async def public_installer(installer_id: str, platform: str, request: Request) -> Response:
        """The direct download link: the 32-character key is what grants it (no sign-in),
        as with an e-mailed or copied link; an expired installer is refused."""
        address = f"{request.url.scheme}://{request.url.netloc}"
        try:
            name, data = installer_file(appliance, installer_id, platform, address)
        except DownloadRefused as err:
            raise RepError(err.status, "installer_unavailable", err.message) from None
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @api.get("/bundle")
    async def bundle(
        request: Request, jump_client_id: int | None = None, secret: str | None = None
    ) -> Response:
        """The client bundle, sent through the upgrade throttle of the asking client.

        Credentials come as HTTP Basic (id:secret); the query form of clients before 1.0.1
        is still read, so they can upgrade away from it."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                given_id, _, given_secret = base64.b64decode(encoded).decode().partition(":")
                jump_client_id, secret = int(given_id), given_secret
            except (ValueError, UnicodeDecodeError):
                jump_client_id = None
        if jump_client_id is None or not secret:
            raise RepError(401, "unauthorized", "The Jump Client's credentials are missing.")
        _verify(appliance, Credentials(jump_client_id=jump_client_id, secret=secret))
        if appliance.bundle is None:
            raise RepError(404, "no_bundle", "This appliance holds no Jump Client bundle.")
        agent = appliance.agents.get(jump_client_id) if appliance.agents else None
        transfer = getattr(agent, "transfer", None)
        data = appliance.bundle.data

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(data), 64 * 1024):
                piece = data[start : start + 64 * 1024]
                if transfer is not None:
                    await transfer(len(piece))
                yield piece

        return StreamingResponse(
            chunks(), media_type="application/zip", headers={"Content-Length": str(len(data))}
        )

    return api


class AgentChannel:
    """``/connect``, the Jump Clients' websocket, served straight from the server rather
    than through the APIs' routing and middleware: a connection lives as long as its client
    is online, and every layer it passes through is held that long, once per client (see
    :class:`AgentChannelFirst`)."""

    def __init__(self, appliance: Appliance) -> None:
        self.appliance = appliance
        self.admission = Admission(appliance)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        try:
            await self.connect(ws)
        except DatabaseUnavailable:  # the client retries with its backoff
            with contextlib.suppress(RuntimeError, OSError):
                await ws.close(1013, "the appliance's database is unavailable")

    async def connect(self, ws: WebSocket) -> None:
        appliance, admission = self.appliance, self.admission
        await ws.accept()
        try:
            hello = Hello.model_validate_json(await asyncio.wait_for(ws.receive_text(), 30))
            _verify(appliance, hello)
        except (TimeoutError, ValidationError, ValueError):
            await ws.send_text('{"type": "reject", "reason": "bad_hello"}')
            await ws.close(4400)
            return
        except RepError:
            await ws.send_text('{"type": "reject", "reason": "deleted"}')
            await ws.close(4401)
            return
        wait = admission.admit()
        if wait is not None:
            await ws.send_text(
                orjson.dumps({"type": "retry", "after_s": math.ceil(wait * 1000) / 1000}).decode()
            )
            await ws.close(1013)
            return
        item_id, connected_at = hello.jump_client_id, appliance.clock.now()
        max_offline = _record_connection(appliance, ws, hello, connected_at)
        del hello  # not kept for as long as the client stays connected
        if max_offline is None:
            await ws.send_text('{"type": "reject", "reason": "deleted"}')
            await ws.close(4401)
            return
        await _serve_agent(appliance, ws, item_id, connected_at, max_offline)


class AgentChannelFirst:
    """Middleware (outermost of the app's own) that hands the agent channel's websockets
    to :class:`AgentChannel` and everything else to the APIs."""

    def __init__(self, app: ASGIApp, *, appliance: Appliance) -> None:
        self.app = app
        self.channel = AgentChannel(appliance)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == AGENT_CONNECT:
            await self.channel(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _record_connection(
    app: Appliance, ws: WebSocket, hello: Hello, connected_at: datetime
) -> int | None:
    """What the hello says, into the item; the item's max offline minutes (None: the item
    was deleted)."""
    repo = app.repo
    client_host = ws.client.host if ws.client else ""
    needs_update = app.bundle is not None and hello.version != app.bundle.version
    changes: dict[str, Any] = {
        "needs_update": needs_update,
        "x_online": True,
        "is_lost": False,  # heard from again: no longer lost
        "last_connect_timestamp": connected_at,
        # a client's sessions end with its connection: any still recorded (on a node that
        # died, or a connection this one replaces) are over
        "x_in_session_by": [],
        "x_version": hello.version,
        "install_mode": hello.install_mode,
        "console_user": hello.console_user or "",
        "public_ip": client_host,
        "private_ip": hello.ips[0] if hello.ips else "",
        "x_mac": hello.mac,
        "x_gateway": hello.gateway if hello.gateway and hello.gateway.get("ip") else None,
    }
    for key, value in (
        ("hostname", hello.hostname),
        ("fqdn", hello.fqdn),
        ("operating_system", hello.os),
    ):
        if value:
            changes[key] = value
    with repo.transaction():
        current = repo.clients.get(hello.jump_client_id)
        if current is None:
            return None
        repo.clients.update(hello.jump_client_id, changes)
    return current.max_offline_minutes


async def _serve_agent(
    app: Appliance, ws: WebSocket, item_id: int, connected_at: datetime, max_offline: int
) -> None:
    """The connection of a client that said hello, until it ends."""
    if app.sessions is not None:
        app.sessions.client_gone(item_id)  # those of a connection this one replaces
    app.bus.broadcast("connected", {"item": item_id})  # and those other nodes ran through it
    app.changed([item_id])
    agent = RemoteAgent(item_id, ws, app.bundle)
    assert app.agents is not None
    app.agents.register(agent)
    await ws.send_text(
        orjson.dumps(
            {
                "type": "welcome",
                "jump_client_id": item_id,
                "protocol": AGENT_PROTOCOL,
                "settings": {
                    **app.agent_settings(),
                    "max_offline_minutes": max_offline,
                },
            }
        ).decode()
    )
    # real time, not the appliance's clock: this is about how fast bytes arrive
    guard = ChannelGuard(time.monotonic, app.live.interval if app.live else lambda: 30.0)
    try:
        while True:
            raw = await ws.receive_text()
            try:
                frame = orjson.loads(raw)
            except orjson.JSONDecodeError:
                frame = None
            if not isinstance(frame, dict):
                if guard.garbage():
                    log.warning("agent %s sent too many unreadable frames; disconnected", item_id)
                    await ws.close(CLOSE_GARBAGE, "too many unreadable frames")
                    break
                continue
            kind = frame.get("type")
            if kind == "stats" and app.live is not None:
                if guard.flooding():
                    log.warning("agent %s floods statistics; disconnected", item_id)
                    await ws.close(CLOSE_FLOOD, "statistics sent faster than the site interval")
                    break
                _record_stats(app, item_id, frame)
            elif kind == "response":
                agent.answered(frame)
            elif kind in ("shell.output", "shell.exit") and app.shells is not None:
                await app.shells.from_agent(frame)
                app.bus.broadcast("shell", {"frame": frame})  # viewers on other nodes
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if app.agents.unregister(item_id, agent):  # not replaced by a newer connection here
            _gone(app, item_id, connected_at)


def _gone(app: Appliance, item_id: int, connected_at: datetime) -> None:
    """The client's connection ended: offline, unless it has connected again since (to this
    node or another: its newer connection is the one that counts)."""
    repo = app.repo
    with repo.transaction(), contextlib.suppress(ValidationError):
        current = repo.clients.get(item_id)
        if current is not None and current.last_connect_timestamp == connected_at:
            repo.clients.update(
                item_id, {"x_online": False, "last_disconnect_timestamp": app.clock.now()}
            )
    app.changed([item_id])
    if app.sessions is not None:
        app.sessions.client_gone(item_id)


def _record_stats(app: Appliance, item_id: int, frame: dict[str, Any]) -> None:
    def number(key: str, high: float) -> float | None:
        value = frame.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= high:
            return float(value)
        return None

    user = frame.get("console_user")
    uptime = frame.get("uptime_s")
    thumbnail = frame.get("thumbnail")
    assert app.live is not None
    stats: LatestStats = (
        number("cpu_percent", 100),
        number("disk_percent", 100),
        user if isinstance(user, str) and len(user) <= 255 else None,
        uptime
        if isinstance(uptime, int) and not isinstance(uptime, bool) and uptime >= 0
        else None,
        format_utc(app.clock.now().replace(microsecond=0)),
    )
    picture = thumbnail if decode_thumbnail(thumbnail) is not None else None
    app.live.record_stats(item_id, stats, thumbnail=picture)
    app.bus.stats(item_id, stats, picture)  # consoles on other nodes
