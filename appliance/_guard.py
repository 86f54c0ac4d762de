"""ASGI guard in front of every route: who calls before what they send, and how much and how
fast they send it; HEAD answered as GET.

- A request with a body (POST, PUT, PATCH) to an API that needs a token is checked from its
  headers first: without a valid token it is refused (401, or 403) in that API's body shape,
  before a byte of its body is read.
- A body is read as the route reads it, never ahead of it: one declared larger than its
  limit is refused at once (413), one that grows past it as soon as it does; one that sends
  nothing for ``body_idle_timeout_s``, or is not whole within ``body_timeout_s``, is refused
  with 408.

Each of these answers closes the connection: what is left of the body is never read.

In front of each API, :class:`AllowedMethods` gives its 405s the ``Allow`` header.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appliance.db import DatabaseUnavailable
from appliance.errors import Refused, body_at
from domain.rules import Refusal
from domain.session import MAX_TRANSFER_BYTES

_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"})
UPLOAD_PATH = re.compile(r"/api/rep/v1/sessions/[^/]+/files")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DISCONNECT: Message = {"type": "http.disconnect"}


@dataclass(frozen=True, slots=True)
class Gate:
    """An API mounted at ``prefix``: its error body shape, and how it names the caller of a
    request from its headers alone (``check`` raises :class:`Refused`; None: the API takes
    its credentials in the body), except on its ``open`` paths (sign-in)."""

    prefix: str
    body: Callable[[Refusal], dict[str, Any]]
    check: Callable[[HTTPConnection], object] | None = None
    open: frozenset[str] = frozenset()

    def checks(self, path: str) -> bool:
        """Whether a request for ``path`` must name its caller in its headers."""
        return self.check is not None and path not in self.open


def _size(limit: int) -> str:
    mib, kib = divmod(limit, 1024 * 1024)
    return f"{mib} MiB" if not kib else f"{limit // 1024} KiB"


def _seconds(value: float) -> str:
    return f"{value:g} s"


class _Body:
    """The request's body as the route reads it: counted against ``limit`` and timed. Once
    refused, the route hears that the client went away; the guard answers."""

    def __init__(self, receive: Receive, limit: int, idle_s: float, total_s: float) -> None:
        self._receive = receive
        self._limit = limit
        self._idle_s = idle_s
        self._total_s = total_s
        self._deadline = asyncio.get_running_loop().time() + total_s
        self._size = 0
        self._whole = False
        self.refusal: Refused | None = None

    async def __call__(self) -> Message:
        if self.refusal is not None:
            return _DISCONNECT
        if self._whole:  # after the body only a disconnect is left to hear: no time limit
            return await self._receive()
        left = self._deadline - asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(max(0.0, min(self._idle_s, left))):
                message = await self._receive()
        except TimeoutError:
            self.refusal = self._late(stalled=left > self._idle_s)
            return _DISCONNECT
        if message["type"] == "http.request":
            self._size += len(message.get("body", b""))
            if self._size > self._limit:
                self.refusal = too_large(self._limit)
                return _DISCONNECT
            self._whole = not message.get("more_body", False)
        return message

    def _late(self, *, stalled: bool) -> Refused:
        sentence = (
            f"No part of the request body arrived for {_seconds(self._idle_s)}; "
            "send the request again."
            if stalled
            else f"The request body did not arrive whole within {_seconds(self._total_s)}; "
            "send it again over a faster connection."
        )
        return Refused.because(408, "body_timeout", sentence)


def too_large(limit: int) -> Refused:
    return Refused.because(
        413, "too_large", f"The request body is larger than the {_size(limit)} limit; send less."
    )


class RequestGuard:
    """Checks the caller before the body, limits the body's size and time (module docstring),
    and serves HEAD from the GET route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        body_idle_timeout_s: float = 15.0,
        body_timeout_s: float = 120.0,
        gates: Sequence[Gate] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_idle_timeout_s = body_idle_timeout_s
        self.body_timeout_s = body_timeout_s
        self.gates = tuple(gates)

    def limit(self, scope: Scope) -> int:
        """File uploads into a session may be as large as a transfer; other bodies are small."""
        if scope["method"] == "PUT" and UPLOAD_PATH.fullmatch(scope["path"]):
            return max(self.max_body_bytes, MAX_TRANSFER_BYTES)
        return self.max_body_bytes

    def _gate(self, path: str) -> Gate | None:
        return next((g for g in self.gates if path.startswith(g.prefix)), None)

    async def _answer(self, scope: Scope, send: Send, refused: Refused) -> None:
        """The refusal in the shape of the API the path belongs to; the connection closes."""
        gate = self._gate(scope["path"])
        refusal = refused.refusal
        body = gate.body(refusal) if gate else body_at(scope["path"], refusal)
        payload = json.dumps(body).encode()
        headers = {k.lower(): v for k, v in refused.headers.items()}
        if refused.status == 401:
            headers.setdefault("www-authenticate", "Bearer")
        headers |= {
            "content-type": "application/json",
            "content-length": str(len(payload)),
            "connection": "close",
        }
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _refusal_before_body(self, scope: Scope) -> Refused | None:
        """Why the request is refused before its body is read (None: it is not): first who
        sends it, then how large it says it is."""
        gate = self._gate(scope["path"])
        if gate is not None and gate.check is not None and gate.checks(scope["path"]):
            try:
                await run_in_threadpool(gate.check, HTTPConnection(scope))
            except Refused as refused:
                return refused
            except DatabaseUnavailable as err:
                return Refused.because(
                    503, "database_unavailable", str(err), headers={"Retry-After": "2"}
                )
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is None:
            return None
        try:
            size = int(declared)
        except ValueError:
            return Refused.because(400, "invalid", "The Content-Length header is not a number.")
        return too_large(self.limit(scope)) if size > self.limit(scope) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _drop_body(send))
            return
        if method in BODY_METHODS:
            refused = await self._refusal_before_body(scope)
            if refused is not None:
                await self._answer(scope, send, refused)
                return
        body = _Body(receive, self.limit(scope), self.body_idle_timeout_s, self.body_timeout_s)
        started = False

        async def answer(message: Message) -> None:
            nonlocal started
            if body.refusal is not None and not started:
                return  # the route's answer to a body it did not get: the guard's goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, body, answer)
        except Exception:
            if body.refusal is None or started:
                raise
        if body.refusal is not None and not started:
            await self._answer(scope, send, body.refusal)


def _drop_body(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return wrapped


class AllowedMethods:
    """A 405 lists every method its API documents for the path (Starlette names only its
    first route's). Read from the API's OpenAPI document, which is what a client reads: where
    a literal path and a templated one both match (``/jump-items/sessions`` and
    ``/jump-items/{id}``), the one with fewer parameters is the path meant."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._paths: list[tuple[re.Pattern[str], int, frozenset[str]]] | None = None

    def _documented(self) -> list[tuple[re.Pattern[str], int, frozenset[str]]]:
        if self._paths is None:
            self._paths = []
            for template, operations in self.api.openapi().get("paths", {}).items():
                pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
                methods = frozenset(m.upper() for m in operations if m.upper() in _METHODS)
                self._paths.append((re.compile(f"^{pattern}$"), template.count("{"), methods))
        return self._paths

    def methods(self, path: str) -> list[str]:
        matches = [
            (params, methods) for regex, params, methods in self._documented() if regex.match(path)
        ]
        fewest = min((params for params, _ in matches), default=0)
        return sorted(set().union(*(m for params, m in matches if params == fewest)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 405:
                path, root = scope["path"], scope.get("root_path", "")
                path = path[len(root) :] if root and path.startswith(root) else path
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                headers.append((b"allow", ", ".join(self.methods(path)).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_allow)
