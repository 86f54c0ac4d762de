"""ASGI guard in front of every route: body size limit, and HEAD answered as GET."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.session import MAX_TRANSFER_BYTES

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
        if scope["path"].startswith("/api/rep/"):
            body = {"error": "invalid", "message": sentence, "errors": {"body": [sentence]}}
        else:
            body = {"message": sentence, "errors": {"body": [sentence]}}
        payload = json.dumps(body).encode()
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
