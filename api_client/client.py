"""``ApplianceClient``: the typed async client of the appliance.

One ``httpx.AsyncClient`` per client (the transport is injectable: tests pass
``httpx.ASGITransport(app=create_app(...))``). Tokens are fetched on first use and
refreshed a minute before they expire, or once when the appliance says a token is no longer
valid. 429 (honouring ``Retry-After``) and 503 are retried with jittered exponential
backoff; so are connection failures of reads. Every failure is an error of
:mod:`api_client.errors`.
"""

from __future__ import annotations

import asyncio
import builtins
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from api_client.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    ProtocolError,
    error_for,
)
from domain import (
    Installer,
    JumpClient,
    JumpClientCopy,
    JumpClientSettings,
    JumpClientSettingsUpdate,
    JumpGroup,
    JumpGroupMember,
    JumpItemRole,
    JumpPolicy,
    PublicSite,
    Schedule,
    SessionPolicy,
    User,
)
from domain.installer import InstallerExtend
from domain.jumpoint import Jumpoint
from domain.mail import SmtpSettings
from domain.session import SessionInfo, SessionStarted
from domain.site import RepSite
from domain.support import SupportRequest

M = TypeVar("M", bound=BaseModel)
CONFIG = "/api/config/v1"
REP = "/api/rep/v1"
#: how long a session start may take: the present user may be asked, for up to 300 s
START_WAIT_S = 330.0


@dataclass(frozen=True)
class ApiCredentials:
    """A Config API account (OAuth2 client credentials)."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class RepCredentials:
    """A representative's sign-in."""

    username: str
    password: str = field(repr=False)


Credentials = ApiCredentials | RepCredentials


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a list, with the appliance's pagination figures."""

    items: list[M]
    current_page: int
    per_page: int
    last_page: int
    total: int


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 10.0


class _Token:
    def __init__(self) -> None:
        self.value: str | None = None
        self.expires_at = 0.0
        self.lock = asyncio.Lock()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment: float = parsedate_to_datetime(value).timestamp()
        return max(0.0, moment - time.time())
    except (TypeError, ValueError):
        return None


def _page_number(response: httpx.Response, name: str, default: int) -> int:
    try:
        return int(response.headers.get(f"x-bt-pagination-{name}", default))
    except ValueError:
        return default


class ApplianceClient:
    """Typed access to one appliance: ``client.jump_clients.get(5)``, ``client.me()``, ..."""

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": "jump-console"},
        )
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._monotonic = monotonic
        self._jitter = jitter
        self._token = _Token()
        self.jump_clients = JumpClients(self)
        self.jump_groups = Resource(self, "/jump-group", JumpGroup, "Jump Group")
        self.jump_item_roles = Resource(self, "/jump-item-role", JumpItemRole, "Jump Item Role")
        self.users = Resource(self, "/user", User, "user")
        self.jump_policies = JumpPolicies(self)
        self.session_policies = Resource(self, "/session-policy", SessionPolicy, "session policy")
        self.public_sites = Resource(self, "/public-site", PublicSite, "public site")
        self.installers = Installers(self)
        self.jumpoints = Resource(self, "/jumpoint", Jumpoint, "Jumpoint")

    async def __aenter__(self) -> ApplianceClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- tokens ----------------------------------------------------------------------------

    async def _fetch_token(self) -> tuple[str, float]:
        creds = self._credentials
        try:
            if isinstance(creds, ApiCredentials):
                response = await self._http.post(
                    "/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(creds.client_id, creds.client_secret),
                )
            else:
                response = await self._http.post(
                    f"{REP}/login", json={"username": creds.username, "password": creds.password}
                )
        except httpx.TransportError as err:
            raise self._unreachable(err) from None
        body = self._json(response)
        if response.status_code != 200:
            error = error_for(response.status_code, body)
            if response.status_code in (400, 401):
                raise AuthenticationFailed(
                    "The appliance did not accept the credentials; check the "
                    + (
                        "client id and secret."
                        if isinstance(creds, ApiCredentials)
                        else "username and password."
                    ),
                    status=response.status_code,
                    code=error.code,
                )
            raise error
        try:
            token, expires_in = str(body["access_token"]), float(body["expires_in"])
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("The appliance's sign-in answer could not be read.") from None
        return token, expires_in

    async def bearer(self) -> str:
        token = self._token
        async with token.lock:
            if token.value is None or self._monotonic() >= token.expires_at - 60:
                value, expires_in = await self._fetch_token()
                token.value = value
                token.expires_at = self._monotonic() + expires_in
            return token.value

    def forget_token(self) -> None:
        """Drop the cached token; the next call signs in again."""
        self._token.value = None

    async def sign_in(self) -> None:
        """Sign in now (a call signs in on its own; this only surfaces errors early)."""
        self.forget_token()
        await self.bearer()

    # -- requests --------------------------------------------------------------------------

    def _unreachable(self, err: Exception) -> ConnectionFailed:
        what = (
            "did not answer in time"
            if isinstance(err, httpx.TimeoutException)
            else ("could not be reached")
        )
        return ConnectionFailed(
            f"The appliance at {self.base_url} {what}; check that it is running and the "
            "address is right."
        )

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._retry.max_delay, self._retry.base_delay * float(1 << attempt))
        return ceiling * (0.5 + self._jitter() / 2)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        item: str | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send one request with auth, retries and error mapping; answers 2xx only.

        ``timeout`` overrides the client's for requests that may wait on a person.
        """
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        refreshed = False
        attempt = 0
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        while True:
            headers = {"Authorization": f"Bearer {await self.bearer()}"}
            try:
                response = await self._http.request(
                    method,
                    path,
                    params=clean,
                    json=json,
                    content=content,
                    headers=headers,
                    **extra,
                )
            except httpx.TransportError as err:
                if method in ("GET", "HEAD") and attempt + 1 < self._retry.attempts:
                    await self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise self._unreachable(err) from None
            status = response.status_code
            if status < 400:
                return response
            if status == 401 and not refreshed:
                refreshed = True
                self.forget_token()
                continue
            if status in (429, 503) and attempt + 1 < self._retry.attempts:
                delay = _retry_after(response)
                wait = self._backoff(attempt) if delay is None else delay + self._jitter() * 0.25
                await self._sleep(min(wait, 60.0))
                attempt += 1
                continue
            error = error_for(status, self._json(response), item=item)
            if status == 429:
                error.details.setdefault("retry_after", _retry_after(response))
            raise error

    @staticmethod
    def parse(adapter: TypeAdapter[Any] | type[BaseModel], response: httpx.Response) -> Any:
        """Validate an answer's JSON; a mismatch is a :class:`ProtocolError`."""
        try:
            if isinstance(adapter, TypeAdapter):
                return adapter.validate_json(response.content)
            return adapter.model_validate_json(response.content)
        except ValidationError:
            raise ProtocolError(
                "The appliance sent an answer this client cannot read; are both on the same "
                "version?",
                status=response.status_code,
            ) from None

    async def get_model(
        self,
        path: str,
        model: type[M],
        *,
        item: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> M:
        response = await self.request("GET", path, item=item, params=params)
        result: M = self.parse(model, response)
        return result

    async def send_model(
        self,
        method: str,
        path: str,
        model: type[M],
        body: Any,
        *,
        item: str | None = None,
        timeout: float | None = None,
    ) -> M:
        payload = (
            body.model_dump(mode="json", exclude_unset=True)
            if isinstance(body, BaseModel)
            else body
        )
        response = await self.request(method, path, json=payload, item=item, timeout=timeout)
        result: M = self.parse(model, response)
        return result

    async def get_page(self, path: str, model: type[M], *, params: Mapping[str, Any]) -> Page[M]:
        response = await self.request("GET", path, params=params)
        items: list[M] = self.parse(TypeAdapter(list[model]), response)  # type: ignore[valid-type]
        current = _page_number(response, "current-page", 1)
        return Page(
            items=items,
            current_page=current,
            per_page=_page_number(response, "per-page", len(items)),
            last_page=_page_number(response, "last-page", current),
            total=_page_number(response, "total", len(items)),
        )

    async def iter_pages(
        self, path: str, model: type[M], *, params: Mapping[str, Any], per_page: int = 100
    ) -> AsyncIterator[M]:
        number = 1
        while True:
            page = await self.get_page(
                path, model, params={**params, "per_page": per_page, "current_page": number}
            )
            for item in page.items:
                yield item
            if page.current_page >= page.last_page or not page.items:
                return
            number = page.current_page + 1

    # -- representative API -------------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        response = await self.request("GET", f"{REP}/me")
        body = self._json(response)
        if not isinstance(body, dict):
            raise ProtocolError("The appliance's answer about you could not be read.")
        return body

    async def site(self) -> RepSite:
        """Policies, schedules and site settings, as a representative may read them."""
        return await self.get_model(f"{REP}/site", RepSite)

    async def jump_items(
        self,
        q: str = "",
        *,
        per_page: int = 100,
        current_page: int = 1,
    ) -> Page[JumpClient]:
        return await self.get_page(
            f"{REP}/jump-items",
            JumpClient,
            params={"q": q or None, "per_page": per_page, "current_page": current_page},
        )

    def iter_jump_items(self, q: str = "") -> AsyncIterator[JumpClient]:
        return self.iter_pages(f"{REP}/jump-items", JumpClient, params={"q": q or None})

    async def jump_item(self, id_: int) -> JumpClient:
        return await self.get_model(f"{REP}/jump-items/{id_}", JumpClient, item=f"Jump Item {id_}")

    # -- actions ----------------------------------------------------------------------------------

    async def start_session(self, item_id: int) -> SessionStarted:
        """Start (or join) a session; rule refusals raise :class:`Refused` with its code."""
        return await self.send_model(
            "POST",
            f"{REP}/jump-items/{item_id}/sessions",
            SessionStarted,
            {},
            item=f"Jump Item {item_id}",
            timeout=START_WAIT_S,
        )

    async def start_sessions(self, item_ids: list[int]) -> list[dict[str, Any]]:
        """Up to 10 at once; each result has ``started`` or ``error`` and ``message``."""
        response = await self.request(
            "POST", f"{REP}/jump-items/sessions", json={"ids": item_ids}, timeout=START_WAIT_S
        )
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ProtocolError("The appliance's answer to the multi-start was not readable.")
        results: list[dict[str, Any]] = body["results"]
        return results

    async def support_requests(self) -> list[SupportRequest]:
        """Support requests from endpoints this representative may start sessions on."""
        response = await self.request("GET", f"{REP}/support-requests")
        requests: list[SupportRequest] = self.parse(TypeAdapter(list[SupportRequest]), response)
        return requests

    async def accept_support(self, request_id: str) -> SessionStarted:
        """Take a support request: its session starts (raises Refused when it is gone)."""
        return await self.send_model(
            "POST",
            f"{REP}/support-requests/{request_id}/accept",
            SessionStarted,
            {},
            item="the support request",
            timeout=START_WAIT_S,
        )

    async def sessions(self) -> list[SessionInfo]:
        response = await self.request("GET", f"{REP}/sessions")
        result: list[SessionInfo] = self.parse(TypeAdapter(list[SessionInfo]), response)
        return result

    async def system_info(self, sid: str) -> dict[str, Any]:
        """Processes, disks and services of the session's endpoint (policy permitting)."""
        response = await self.request(
            "GET", f"{REP}/sessions/{sid}/system-info", item=f"session {sid}"
        )
        body = self._json(response)
        if not isinstance(body, dict):
            raise ProtocolError("The system information could not be read.")
        return body

    async def download_file(self, sid: str, path: str) -> bytes:
        """A file from the session's endpoint (policy permitting)."""
        response = await self.request(
            "GET", f"{REP}/sessions/{sid}/files", params={"path": path}, item=path
        )
        return response.content

    async def upload_file(self, sid: str, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` on the session's endpoint (policy permitting)."""
        await self.request(
            "PUT", f"{REP}/sessions/{sid}/files", params={"path": path}, content=data, item=path
        )

    async def invite(self, sid: str, username: str) -> SessionInfo:
        return await self.send_model(
            "POST",
            f"{REP}/sessions/{sid}/invitations",
            SessionInfo,
            {"username": username},
            item=f"session {sid}",
        )

    async def end_session(self, sid: str) -> None:
        await self.request("DELETE", f"{REP}/sessions/{sid}", item=f"session {sid}")

    async def wake(self, item_id: int, wol_password: str | None = None) -> str:
        """Ask a peer to send the wake packet; answers the appliance's sentence."""
        body = {"wol_password": wol_password} if wol_password else {}
        response = await self.request(
            "POST", f"{REP}/jump-items/{item_id}/wake", json=body, item=f"Jump Item {item_id}"
        )
        answer = self._json(response)
        return (
            str(answer.get("message", "Wake packet sent."))
            if isinstance(answer, dict)
            else ("Wake packet sent.")
        )

    async def upgrade(self, item_id: int) -> str:
        response = await self.request(
            "POST", f"{REP}/jump-items/{item_id}/upgrade", item=f"Jump Item {item_id}"
        )
        answer = self._json(response)
        return (
            str(answer.get("message", "Upgrade queued."))
            if isinstance(answer, dict)
            else ("Upgrade queued.")
        )

    async def edit_item(
        self,
        item_id: int,
        changes: BaseModel | Mapping[str, Any],
    ) -> JumpClient:
        return await self.send_model(
            "PATCH", f"{REP}/jump-items/{item_id}", JumpClient, changes, item=f"Jump Item {item_id}"
        )

    async def copy_item(self, item_id: int, target: BaseModel | Mapping[str, Any]) -> JumpClient:
        return await self.send_model(
            "POST",
            f"{REP}/jump-items/{item_id}/copy",
            JumpClient,
            target,
            item=f"Jump Item {item_id}",
        )

    async def remove_item(self, item_id: int) -> None:
        await self.request("DELETE", f"{REP}/jump-items/{item_id}", item=f"Jump Item {item_id}")

    # -- installers -----------------------------------------------------------------------------

    def installer_link(self, installer_id: str, platform: str = "linux-64") -> str:
        """The direct download link of an installer: anyone with it can download (no sign-in)
        until the installer expires, so it goes only to those who deploy."""
        return f"{self.base_url}/api/agent/v1/installer/{installer_id}/{platform}"

    async def email_installer(
        self, id_: int, recipients: list[str], *, note: str = "", platform: str = "linux-64"
    ) -> str:
        """Have the appliance e-mail the installer's direct link; answers its sentence."""
        response = await self.request(
            "POST",
            f"{CONFIG}/jump-client/installer/{id_}/email",
            json={"recipients": recipients, "note": note, "platform": platform},
            item="the installer",
            timeout=60.0,
        )
        body = self._json(response)
        return str(body.get("message", "")) if isinstance(body, dict) else ""

    async def smtp(self) -> SmtpSettings:
        return await self.get_model(f"{CONFIG}/smtp", SmtpSettings)

    async def update_smtp(self, change: Mapping[str, Any]) -> SmtpSettings:
        return await self.send_model("PATCH", f"{CONFIG}/smtp", SmtpSettings, change)

    async def download_installer(self, installer_id: str, platform: str = "linux-64") -> bytes:
        response = await self.request(
            "GET",
            f"{CONFIG}/jump-client/installer/{installer_id}/{platform}",
            item="the installer",
        )
        return response.content

    # -- site settings -----------------------------------------------------------------------------

    async def settings(self) -> JumpClientSettings:
        return await self.get_model(f"{CONFIG}/jump-client/settings", JumpClientSettings)

    async def update_settings(
        self,
        change: JumpClientSettingsUpdate | Mapping[str, Any],
    ) -> JumpClientSettings:
        return await self.send_model(
            "PATCH", f"{CONFIG}/jump-client/settings", JumpClientSettings, change
        )


class Resource(Generic[M]):
    """List, iterate and read one Config API resource; subclasses add writes."""

    def __init__(self, client: ApplianceClient, path: str, model: type[M], kind: str) -> None:
        self._client = client
        self.path = CONFIG + path
        self.model = model
        self.kind = kind

    async def list(self, *, per_page: int = 100, current_page: int = 1, **filters: Any) -> Page[M]:
        params = {**filters, "per_page": per_page, "current_page": current_page}
        return await self._client.get_page(self.path, self.model, params=params)

    def iter(self, **filters: Any) -> AsyncIterator[M]:
        """Every item over all pages."""
        return self._client.iter_pages(self.path, self.model, params=filters)

    async def get(self, id_: int) -> M:
        return await self._client.get_model(
            f"{self.path}/{id_}", self.model, item=f"{self.kind} {id_}"
        )

    async def create(self, body: BaseModel | Mapping[str, Any]) -> M:
        return await self._client.send_model("POST", self.path, self.model, body)

    async def update(self, id_: int, body: BaseModel | Mapping[str, Any]) -> M:
        return await self._client.send_model(
            "PATCH", f"{self.path}/{id_}", self.model, body, item=f"{self.kind} {id_}"
        )

    async def delete(self, id_: int) -> None:
        await self._client.request("DELETE", f"{self.path}/{id_}", item=f"{self.kind} {id_}")

    # Jump Group members (only meaningful on /jump-group).

    async def members(self, id_: int) -> builtins.list[JumpGroupMember]:
        response = await self._client.request(
            "GET", f"{self.path}/{id_}/user", item=f"{self.kind} {id_}"
        )
        result: builtins.list[JumpGroupMember] = self._client.parse(
            TypeAdapter(list[JumpGroupMember]), response
        )
        return result

    async def add_member(self, id_: int, user_id: int, role_id: int) -> JumpGroupMember:
        body = JumpGroupMember(user_id=user_id, jump_item_role_id=role_id)
        return await self._client.send_model(
            "POST", f"{self.path}/{id_}/user", JumpGroupMember, body, item=f"{self.kind} {id_}"
        )

    async def remove_member(self, id_: int, user_id: int) -> None:
        await self._client.request(
            "DELETE", f"{self.path}/{id_}/user/{user_id}", item=f"{self.kind} {id_}"
        )


class JumpClients(Resource[JumpClient]):
    def __init__(self, client: ApplianceClient) -> None:
        super().__init__(client, "/jump-client", JumpClient, "Jump Client")

    async def copy(self, id_: int, body: JumpClientCopy | Mapping[str, Any]) -> JumpClient:
        return await self._client.send_model(
            "POST", f"{self.path}/{id_}/copy", JumpClient, body, item=f"Jump Client {id_}"
        )


class JumpPolicies(Resource[JumpPolicy]):
    def __init__(self, client: ApplianceClient) -> None:
        super().__init__(client, "/jump-policy", JumpPolicy, "Jump Policy")

    async def schedule(self, id_: int) -> Schedule:
        return await self._client.get_model(
            f"{self.path}/{id_}/schedule", Schedule, item=f"Jump Policy {id_}"
        )

    async def set_schedule(self, id_: int, schedule: Schedule) -> Schedule:
        return await self._client.send_model(
            "PUT", f"{self.path}/{id_}/schedule", Schedule, schedule, item=f"Jump Policy {id_}"
        )


class Installers(Resource[Installer]):
    def __init__(self, client: ApplianceClient) -> None:
        super().__init__(client, "/jump-client/installer", Installer, "installer")

    async def extend(self, id_: int, valid_duration: int) -> Installer:
        return await self._client.send_model(
            "POST",
            f"{self.path}/{id_}/extend",
            Installer,
            InstallerExtend(valid_duration=valid_duration),
            item=f"installer {id_}",
        )
