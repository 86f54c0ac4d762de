"""The core of :class:`~api_client.ApplianceClient`: one HTTP connection, tokens, retries,
error mapping and pagination. The API methods live in :mod:`api_client._rep` and
:mod:`api_client._config`; they are all built on :meth:`ClientCore.request`.

Tokens are fetched on first use and refreshed a minute before they expire, or once when the
appliance says a token is no longer valid. 429 (honouring ``Retry-After``) and 503 are retried
with jittered exponential backoff; so are connection failures of reads. Every failure is an
error of :mod:`api_client.errors`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from api_client.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    ProtocolError,
    SignInLocked,
    error_for,
)
from domain.audit import AuditEntry, AuditFilter

M = TypeVar("M", bound=BaseModel)
CONFIG = "/api/config/v1"
REP = "/api/rep/v1"


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


class ClientCore:
    """One appliance's HTTP connection, signed in with ``credentials``.

    One ``httpx.AsyncClient`` per client (the transport is injectable: tests pass
    ``httpx.ASGITransport(app=create_app(...))``).
    """

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
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._monotonic = monotonic
        self._jitter = jitter
        self._token = _Token()
        self._attach()

    def _attach(self) -> None:
        """Set up what a client adds on top of the connection (its API's resources)."""

    async def __aenter__(self) -> Self:
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
        if response.status_code == 429:  # too many failed sign-ins: not retried
            locked = error_for(429, body)
            wait = _retry_after(response)
            if wait is not None:
                locked.details["retry_after"] = wait
            raise SignInLocked(locked.message, status=429, code=locked.code, details=locked.details)
        if response.status_code != 200:
            error = error_for(response.status_code, body)
            if error.code == "disabled":  # the right credentials, of a disabled account
                raise AuthenticationFailed(error.message, status=error.status, code=error.code)
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

    def twin(self) -> Self:
        """Another client of the same appliance and sign-in, for another event loop (a
        client's connections belong to the loop that opened them)."""
        return type(self)(self.base_url, credentials=self._credentials, timeout=self._timeout)

    def token(self) -> tuple[str, float] | None:
        """The token this client holds and the seconds it has left, if it holds one."""
        value = self._token.value
        return None if value is None else (value, self._token.expires_at - self._monotonic())

    def adopt_token(self, token: tuple[str, float]) -> None:
        """Use a token another client of the same sign-in fetched (:meth:`token` of a
        :meth:`twin`), as if this one had signed in itself: no second sign-in."""
        value, left = token
        self._token.value, self._token.expires_at = value, self._monotonic() + left

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

    async def audit_page(
        self,
        base: str,
        filters: AuditFilter | None,
        *,
        per_page: int,
        current_page: int,
        before: int | None,
    ) -> Page[AuditEntry]:
        """One page of the audit log under ``base`` (the Config or the representative API)."""
        params: dict[str, Any] = dict((filters or AuditFilter()).params())
        params.update(per_page=per_page, current_page=current_page, before=before)
        return await self.get_page(f"{base}/audit", AuditEntry, params=params)

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
