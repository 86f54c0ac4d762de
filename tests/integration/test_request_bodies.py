"""Request bodies cost nothing before the caller is known, and never more than their limit or
their time: a real appliance on 127.0.0.1, spoken to through raw sockets so that what the
server reads, and when it answers, is seen byte for byte."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send
from websockets.asyncio.client import connect

from appliance import serving
from appliance._guard import RequestGuard
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from domain.session import MAX_TRANSFER_BYTES

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("request bodies are read before any data is"),
]
UPLOAD = "/api/rep/v1/sessions/s1/files?path=/tmp/x"


@pytest.fixture(scope="module")
def appliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedAppliance]:
    settings = ApplianceSettings(
        db=str(tmp_path_factory.mktemp("bodies") / "appliance.sqlite3"),
        demo_fleet=5,
        simulate=False,
        body_idle_timeout_s=0.3,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(serving, "HEAD_TIMEOUT_S", 0.5)
        running = EmbeddedAppliance(settings)
        running.start()
        yield running
        running.stop()


@pytest.fixture(scope="module")
def token(appliance: EmbeddedAppliance) -> str:
    answer = httpx.post(
        f"{appliance.url}/api/rep/v1/login", json={"username": "alice", "password": "demo"}
    )
    return str(answer.json()["access_token"])


class Raw:
    """One HTTP/1.1 connection, written and read by hand (every read bounded)."""

    def __init__(self, appliance: EmbeddedAppliance) -> None:
        port = urlsplit(appliance.url).port
        assert port is not None
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def head(self, method: str, path: str, **headers: str) -> None:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def answer(self) -> tuple[int, dict[str, str], Any]:
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split()[1]), headers, json.loads(body) if body else None

    def closed(self) -> bool:
        """True once the server closed the connection (a bounded wait)."""
        try:
            return self.sock.recv(65536) == b""
        except ConnectionResetError:
            return True

    def _read(self) -> None:
        data = self.sock.recv(65536)
        assert data, "the server closed the connection without answering"
        self.buffer += data

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(appliance: EmbeddedAppliance) -> Iterator[Raw]:
    connection = Raw(appliance)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("method", "path", "auth", "body"),
    [
        (
            "PUT",
            UPLOAD,
            None,
            {"error": "unauthorized", "message": "Sign in first: no bearer token was sent."},
        ),
        (
            "PUT",
            UPLOAD,
            "Bearer not-a-token",
            {"error": "unauthorized", "message": "Your sign-in has expired; sign in again."},
        ),
        (
            "PATCH",
            "/api/config/v1/jump-client/1",
            None,
            {"message": "A bearer token is required; get one from POST /oauth2/token."},
        ),
    ],
)
def test_an_unsigned_body_is_refused_before_a_byte_of_it_is_sent(
    raw: Raw, method: str, path: str, auth: str | None, body: dict[str, str]
) -> None:
    headers = {"Content_Length": str(MAX_TRANSFER_BYTES), "Content_Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    raw.head(method, path, **headers)  # and not one byte of the 8 MiB
    status, answered, refusal = raw.answer()
    assert (status, refusal) == (401, body)
    assert answered["connection"] == "close"
    assert raw.closed()  # the rest of the body is never read


def test_an_oversized_upload_is_refused_before_it_is_sent(raw: Raw, token: str) -> None:
    too_much = str(MAX_TRANSFER_BYTES + 1)
    raw.head("PUT", UPLOAD, Authorization=f"Bearer {token}", Content_Length=too_much)
    status, answered, refusal = raw.answer()
    assert status == 413
    assert refusal == {
        "error": "too_large",
        "message": "The request body is larger than the 8 MiB limit; send less.",
    }
    assert answered["connection"] == "close" and raw.closed()


def test_a_body_of_unknown_length_is_refused_once_it_passes_the_limit(raw: Raw, token: str) -> None:
    raw.head(
        "PATCH",
        "/api/rep/v1/jump-items/1",
        Authorization=f"Bearer {token}",
        Content_Type="application/json",
        Transfer_Encoding="chunked",
    )
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    for _ in range(17):  # 1 MiB and one chunk more, and not the end of the body
        raw.sock.sendall(chunk)
    status, answered, refusal = raw.answer()
    assert status == 413
    assert refusal["message"] == "The request body is larger than the 1 MiB limit; send less."
    assert answered["connection"] == "close" and raw.closed()


def test_a_body_that_stops_midway_is_refused_and_its_connection_closed(
    raw: Raw, token: str
) -> None:
    raw.head(
        "PATCH",
        "/api/rep/v1/jump-items/1",
        Authorization=f"Bearer {token}",
        Content_Type="application/json",
        Content_Length="100",
    )
    raw.sock.sendall(b'{"tag": "ha')  # and then nothing
    status, answered, refusal = raw.answer()
    assert (status, refusal) == (
        408,
        {
            "error": "body_timeout",
            "message": "No part of the request body arrived for 0.3 s; send the request again.",
        },
    )
    assert answered["connection"] == "close" and raw.closed()


def test_a_connection_that_never_sends_a_whole_request_is_closed(raw: Raw) -> None:
    raw.sock.sendall(b"GET /api/health HTTP/1.1\r\nHo")  # and then nothing
    assert raw.closed()


async def test_a_websocket_outlives_the_time_allowed_for_a_request_head(
    appliance: EmbeddedAppliance, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = appliance.url.replace("http://", "ws://") + "/api/rep/v1/live"
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "hello"
        loop = asyncio.get_running_loop()
        until = loop.time() + 3 * serving.HEAD_TIMEOUT_S
        while loop.time() < until:  # round trips, past the time a request head may take
            await asyncio.wait_for(await ws.ping(), 10)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_body_must_arrive_whole_within_its_time() -> None:
    """However steadily it trickles: the whole body has a deadline too."""
    arrived = asyncio.Event()
    sent: list[Message] = []

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive())["type"] == "http.request":
            pass  # the guard says the client went away when the time is up

    async def trickle() -> Message:
        if not arrived.is_set():
            arrived.set()
            return {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)

    guard = RequestGuard(route, max_body_bytes=1024, body_idle_timeout_s=30, body_timeout_s=0.2)
    scope = {"type": "http", "method": "POST", "path": "/api/agent/v1/checkin", "headers": []}
    await asyncio.wait_for(guard(scope, trickle, send), 10)
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"]) == {  # in the agent API's body: code and sentence
        "error": "body_timeout",
        "message": "The request body did not arrive whole within 0.2 s; send it again over a "
        "faster connection.",
    }
