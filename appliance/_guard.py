"""ASGI guards: in front of every route, the body size limit and HEAD answered as GET; in front
of each API, the ``Allow`` header of its 405s."""

from __future__ import annotations

import json
import re

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appliance.errors import body_at
from domain.rules import Refusal
from domain.session import MAX_TRANSFER_BYTES

_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"})
UPLOAD_PATH = re.compile(r"/api/rep/v1/sessions/[^/]+/files")


class RequestGuard:
    """Refuses bodies over ``max_body_bytes`` with a 422 and serves HEAD from the GET route."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def limit(self, scope: Scope) -> int:
        """File uploads into a session may be as large as a transfer; other bodies are small."""
        if scope["method"] == "PUT" and UPLOAD_PATH.fullmatch(scope["path"]):
            return max(self.max_body_bytes, MAX_TRANSFER_BYTES)
        return self.max_body_bytes

    async def _too_large(self, scope: Scope, send: Send) -> None:
        limit = f"{self.limit(scope) // 1024} KiB"
        sentence = f"The request body is larger than the {limit} limit; send less."
        too_large = Refusal(
            "invalid", sentence, status=422, details={"errors": {"body": [sentence]}}
        )
        payload = json.dumps(body_at(scope["path"], too_large)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _drop_body(send))
            return
        if method not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.limit(scope):
                    await self._too_large(scope, send)
                    return
            except ValueError:
                await self._too_large(scope, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit(scope):
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


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
