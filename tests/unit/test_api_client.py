"""Client behaviour at the edges: retries, backoff, token refresh, unreadable answers."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from api_client import (
    ApiCredentials,
    ApplianceClient,
    ConnectionFailed,
    ProtocolError,
    RetryPolicy,
    ServiceUnavailable,
)


class Script:
    """A MockTransport handler answering token requests and then a scripted sequence."""

    def __init__(self, *answers: httpx.Response, expires_in: int = 3600) -> None:
        self.answers = list(answers)
        self.tokens = 0
        self.calls: list[httpx.Request] = []
        self.expires_in = expires_in

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            self.tokens += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"t{self.tokens}",
                    "token_type": "Bearer",
                    "expires_in": self.expires_in,
                },
            )
        self.calls.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer


def client(script: Script, **kwargs: object) -> tuple[ApplianceClient, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    c = ApplianceClient(
        "http://appliance.test",
        credentials=ApiCredentials("a", "b"),
        transport=httpx.MockTransport(script),
        sleep=sleep,
        **kwargs,
    )  # type: ignore[arg-type]
    return c, waits


GROUPS = httpx.Response(200, json=[{"id": 1, "name": "G", "code_name": "", "comments": ""}])


async def test_503_is_retried_with_growing_jittered_backoff() -> None:
    script = Script(httpx.Response(503), httpx.Response(503), httpx.Response(503), GROUPS)
    c, waits = client(script, jitter=lambda: 1.0)
    page = await c.jump_groups.list()
    assert page.items[0].name == "G"
    assert waits == [0.25, 0.5, 1.0]


async def test_retry_after_is_honoured_on_429() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), GROUPS)
    c, waits = client(script, jitter=lambda: 0.0)
    await c.jump_groups.list()
    assert waits == [7.0]


async def test_gives_up_with_a_typed_error() -> None:
    script = Script(httpx.Response(503, json={"message": "Down for maintenance."}))
    c, waits = client(script, retry=RetryPolicy(attempts=3))
    with pytest.raises(ServiceUnavailable) as info:
        await c.jump_groups.list()
    assert info.value.message == "Down for maintenance."
    assert len(waits) == 2


async def test_token_is_refreshed_before_it_expires() -> None:
    now = [0.0]
    script = Script(GROUPS, expires_in=3600)
    c, _ = client(script, monotonic=lambda: now[0])
    await c.jump_groups.list()
    now[0] = 3000.0
    await c.jump_groups.list()
    assert script.tokens == 1
    now[0] = 3541.0  # within a minute of expiry
    await c.jump_groups.list()
    assert script.tokens == 2
    assert [r.headers["Authorization"] for r in script.calls] == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
    ]


async def test_a_revoked_token_is_replaced_once() -> None:
    script = Script(httpx.Response(401, json={"message": "The token is invalid."}), GROUPS)
    c, _ = client(script)
    await c.jump_groups.list()
    assert script.tokens == 2


async def test_unreadable_answer_is_a_protocol_error() -> None:
    script = Script(httpx.Response(200, content=json.dumps([{"id": "x"}]).encode()))
    c, _ = client(script)
    with pytest.raises(ProtocolError) as info:
        await c.jump_groups.list()
    assert "cannot read" in info.value.message


async def test_unreachable_appliance_says_where_and_what_to_do() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with ApplianceClient(
        f"http://127.0.0.1:{port}", credentials=ApiCredentials("a", "b"), sleep=sleep
    ) as c:
        with pytest.raises(ConnectionFailed) as info:
            await c.jump_groups.list()
    assert f"127.0.0.1:{port}" in info.value.message
    assert "check that it is running" in info.value.message
