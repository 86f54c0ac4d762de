"""Hostile input at the appliance's boundary: numbers past what the database holds, lone
surrogates and NUL in text, over-long secrets, and frames no Jump Client sends.

Every one is refused with the API's one-sentence body naming what was wrong (never a 500, never
the raw ``{"detail": [...]}`` of the framework), and a secret is never repeated in an answer
or a log. The APIs in process, the agent channel on a real appliance on 127.0.0.1; every engine
(PostgreSQL refuses NUL in text outright).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import orjson
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api_client import ApiCredentials, ApplianceClient
from appliance.app import create_app
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from domain.protocol.agent import Uninstall, read_request
from domain.protocol.close import Close
from tests.support import services
from tests.support.agents import closed_with, join, register_clients
from tests.support.appliance import API_ID, API_SECRET, BASE, T0, new_database

HUGE = 2**63  # one past the largest 64-bit signed integer
HUGER = 2**70
SECRET = "S3cr3t-" * 700  # ~5000 characters, far past the 128 of a Jump Client secret
SURROGATE = '"a\\ud800b"'  # a lone surrogate, as JSON text
NUL = '"a\\u0000b"'


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: services.Postgres | None
) -> FastAPI:
    """One appliance for the module: every request here is refused, so none changes it."""
    database = new_database(tmp_path_factory.mktemp("bad-input"), "bad_input", postgres_server)
    return create_app(
        ApplianceSettings(db=database, demo_fleet=20),
        clock=FakeClock(T0),
        api_account=(API_ID, API_SECRET),
    )


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A plain client that sees a server error as a 500 answer (not as an exception)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


@pytest.fixture
async def tokens(http: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """Headers for each API: the Config API's token, a representative's, none for agents."""
    config = await http.post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(API_ID, API_SECRET)
    )
    rep = await http.post("/api/rep/v1/login", json={"username": "admin", "password": "demo"})
    return {
        "config": {"Authorization": f"Bearer {config.json()['access_token']}"},
        "rep": {"Authorization": f"Bearer {rep.json()['access_token']}"},
        "agent": {},
    }


async def _send(
    http: httpx.AsyncClient,
    headers: dict[str, dict[str, str]],
    method: str,
    path: str,
    body: str | None = None,
) -> httpx.Response:
    api = path.split("/")[2]
    return await http.request(
        method,
        path,
        content=body,
        headers={**headers[api], "Content-Type": "application/json"},
    )


def _refused_naming(answer: httpx.Response, field: str) -> str:
    """The answer is a 422 whose one sentence names ``field``; that sentence."""
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert "detail" not in body, body
    message = str(body["message"])
    assert message.startswith("The request is invalid: ") and message.endswith("."), message
    assert field in message and field in body["errors"], body
    return message


# -- numbers past what the database holds ------------------------------------------------------

IDS = [
    ("GET", f"/api/rep/v1/jump-items/{HUGE}", None, "id"),
    ("POST", f"/api/rep/v1/jump-items/{HUGE}/sessions", None, "id"),
    ("POST", "/api/rep/v1/jump-items/sessions", f'{{"ids": [{HUGER}]}}', "ids.0"),
    ("PATCH", "/api/rep/v1/jump-items/1", f'{{"jump_group_id": {HUGE}}}', "jump_group_id"),
    ("GET", f"/api/config/v1/jump-client/{HUGE}", None, "id"),
    ("PATCH", "/api/config/v1/jump-client/1", f'{{"jump_group_id": {HUGE}}}', "jump_group_id"),
    ("GET", f"/api/config/v1/jump-client?jump_group_id={HUGE}", None, "jump_group_id"),
    (
        "POST",
        "/api/agent/v1/uninstall",
        f'{{"jump_client_id": {HUGE}, "secret": "x"}}',
        "jump_client_id",
    ),
    (
        "POST",
        "/api/agent/v1/checkin",
        f'{{"jump_client_id": {HUGE}, "secret": "x", "passive_port": 5832}}',
        "jump_client_id",
    ),
    (
        "POST",
        "/api/agent/v1/support-request",
        f'{{"jump_client_id": {HUGER}, "secret": "x"}}',
        "jump_client_id",
    ),
    ("GET", f"/api/agent/v1/bundle?jump_client_id={HUGE}&secret=x", None, "jump_client_id"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), IDS)
async def test_an_id_past_what_the_database_holds_is_refused_by_name(
    http: httpx.AsyncClient,
    tokens: dict[str, dict[str, str]],
    method: str,
    path: str,
    body: str | None,
    field: str,
) -> None:
    _refused_naming(await _send(http, tokens, method, path, body), field)


# -- text no database stores: lone surrogates and NUL ------------------------------------------

TEXT = [
    ("PUT", "/api/config/v1/jump-policy/1/schedule", '{"timezone": %s}', "timezone"),
    ("PATCH", "/api/config/v1/smtp", '{"from_address": %s}', "from_address"),
    ("PATCH", "/api/rep/v1/jump-items/1", '{"name": %s}', "name"),
    ("POST", "/api/rep/v1/login", '{"username": %s, "password": "demo"}', "username"),
    ("POST", "/api/rep/v1/sessions/s1/invitations", '{"username": %s}', "username"),
    (
        "POST",
        "/api/agent/v1/install",
        '{"key": "k", "hostname": %s, "fqdn": "f.test"}',
        "hostname",
    ),
    (
        "POST",
        "/api/agent/v1/install",
        '{"key": "k", "hostname": "h", "fqdn": "f.test", "parameters": [%s]}',
        "parameters.0",
    ),
    (
        "POST",
        "/api/agent/v1/support-request",
        '{"jump_client_id": 1, "secret": "x", "message": %s}',
        "message",
    ),
    (
        "POST",
        "/api/agent/v1/checkin",
        '{"jump_client_id": 1, "secret": "x", "passive_port": 5832, "listen_host": %s}',
        "listen_host",
    ),
    ("POST", "/api/agent/v1/uninstall", '{"jump_client_id": 1, "secret": %s}', "secret"),
]


@pytest.mark.parametrize(("method", "path", "template", "field"), TEXT)
@pytest.mark.parametrize("text", [SURROGATE, NUL], ids=["surrogate", "nul"])
async def test_text_no_database_stores_is_refused_naming_the_field(
    http: httpx.AsyncClient,
    tokens: dict[str, dict[str, str]],
    method: str,
    path: str,
    template: str,
    field: str,
    text: str,
) -> None:
    message = _refused_naming(await _send(http, tokens, method, path, template % text), field)
    assert "NUL" in message if text == NUL else "surrogate" in message


# -- secrets ---------------------------------------------------------------------------------


async def test_an_over_long_secret_is_refused_and_never_repeated(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent = {"jump_client_id": 1, "secret": SECRET}
    basic = base64.b64encode(f"1:{SECRET}".encode()).decode()
    answers = [
        await http.post("/api/agent/v1/uninstall", json=sent),
        await http.post("/api/agent/v1/support-request", json=sent),
        await http.post(
            "/api/agent/v1/checkin",
            json={"jump_client_id": 1, "secret": SECRET, "passive_port": 5832},
        ),
        await http.get("/api/agent/v1/bundle", params={"jump_client_id": 1, "secret": SECRET}),
        await http.get("/api/agent/v1/bundle", headers={"Authorization": f"Basic {basic}"}),
    ]
    for answer in answers:
        assert answer.status_code in (401, 422), answer.text
        body = answer.json()
        assert set(body) >= {"error", "message"} and "detail" not in body
        assert SECRET[:128] not in answer.text
    assert answers[0].json()["errors"] == {"secret": ["string should have at most 128 characters"]}
    appliance_logs = [r for r in caplog.records if not r.name.startswith("httpx")]  # the test's
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in appliance_logs)
    assert SECRET[:128] not in logged


# -- the agent API answers as the others do -----------------------------------------------------


async def test_the_agent_api_answers_bad_input_in_one_sentence(http: httpx.AsyncClient) -> None:
    missing = await http.post("/api/agent/v1/install", json={"hostname": "h", "fqdn": "f.test"})
    assert missing.status_code == 422
    assert missing.json() == {
        "error": "invalid",
        "message": "The request is invalid: key: is required.",
        "errors": {"key": ["is required"]},
    }
    unreadable = await http.post(
        "/api/agent/v1/uninstall",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert unreadable.status_code == 422
    assert unreadable.json()["message"] == "The request is invalid: body: is not valid JSON."
    nowhere = await http.get("/api/agent/v1/no-such-thing")
    assert nowhere.status_code == 404 and set(nowhere.json()) == {"error", "message"}
    wrong = await http.get("/api/agent/v1/install")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    assert set(wrong.json()) == {"error", "message"}


async def test_an_address_no_api_routes_is_answered_in_the_body_of_the_api_it_names(
    http: httpx.AsyncClient, tokens: dict[str, dict[str, str]]
) -> None:
    """A line break in a path parameter: no route matches it, not even the API's mount."""
    for api in ("rep", "agent"):
        answer = await _send(http, tokens, "GET", f"/api/{api}/v1/jump-items/1%0A2")
        assert answer.status_code == 404
        assert answer.json() == {
            "error": "not_found",
            "message": "No such address on this appliance.",
        }
    config = await _send(http, tokens, "GET", "/api/config/v1/jump-client/1%0A2")
    assert config.json() == {"message": "No such address on this appliance."}


async def test_a_missing_query_parameter_is_named_as_one(
    http: httpx.AsyncClient, tokens: dict[str, dict[str, str]]
) -> None:
    answer = await _send(http, tokens, "GET", "/api/rep/v1/sessions/s1/files")
    assert answer.status_code == 422
    assert answer.json()["message"] == (
        "The request is invalid: path: is a required query parameter."
    )
    assert answer.json()["errors"] == {"path": ["is a required query parameter"]}


# -- the agent channel -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: services.Postgres | None
) -> Iterator[EmbeddedAppliance]:
    """A real appliance on 127.0.0.1 for the websocket tests (one for the module)."""
    database = new_database(tmp_path_factory.mktemp("bad-frames"), "bad_frames", postgres_server)
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False, live_interval_s=1.0)
    running = EmbeddedAppliance(settings, api_account=(API_ID, API_SECRET))
    running.start()
    yield running
    running.stop()


def _clients(embedded: EmbeddedAppliance, count: int) -> list[tuple[int, str]]:
    state: Services = embedded.app.state.appliance  # type: ignore[union-attr]
    return embedded.call(lambda: register_clients(state, count))


def _channel(embedded: EmbeddedAppliance) -> str:
    return embedded.url.replace("http://", "ws://") + "/api/agent/v1/connect"


def _troubles(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the appliance logged as an error (a traceback from a connection among them)."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_hello_no_client_sends_is_rejected_and_the_channel_serves_on(
    embedded: EmbeddedAppliance, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    (item_id, secret), good = await asyncio.to_thread(_clients, embedded, 2)
    mine = {"type": "hello", "jump_client_id": item_id, "secret": secret}
    hellos: list[str | bytes] = [
        orjson.dumps({**mine, "jump_client_id": HUGE}).decode(),
        f'{{"type": "hello", "jump_client_id": {HUGER}, "secret": "x"}}',
        orjson.dumps({**mine, "jump_client_id": [item_id]}).decode(),
        orjson.dumps({**mine, "secret": SECRET}).decode(),
        orjson.dumps({**mine, "gateway": {"ip": "1" * 65}}).decode(),
        orjson.dumps({**mine, "hostname": "a\x00b"}).decode(),
        orjson.dumps(mine),  # a binary frame, where the protocol speaks text
    ]
    for hello in hellos:
        async with connect(_channel(embedded)) as ws:
            await ws.send(hello)
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 10)) == {
                "type": "reject",
                "reason": "bad_hello",
            }, hello
            assert await closed_with(ws) == Close.BAD_REQUEST
    welcomed = await join(_channel(embedded), *good)  # the others are served as ever
    await welcomed.close()
    assert _troubles(caplog) == []
    assert SECRET[:128] not in "\n".join(r.getMessage() for r in caplog.records)


async def test_frames_no_client_sends_are_dropped_and_the_connection_stays(
    embedded: EmbeddedAppliance, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    [(item_id, secret)] = await asyncio.to_thread(_clients, embedded, 1)
    state: Services = embedded.app.state.appliance  # type: ignore[union-attr]
    ws = await join(_channel(embedded), item_id, secret)
    for frame in (
        b'{"type": "stats", "cpu_percent": 50}',  # binary
        '{"type": "response", "id": [1], "ok": true}',
        '{"type": "response", "id": 18446744073709551615, "ok": true}',
        f'{{"type": "stats", "uptime_s": {HUGER}}}',
        '{"type": "stats", "console_user": "a\\u0000b"}',
        '{"type": "shell.output", "sid": "s1", "data": "a\\ud800"}',
    ):
        await ws.send(frame)
    await ws.send(orjson.dumps({"type": "stats", "cpu_percent": 12.5}).decode())

    async def heard() -> None:
        while item_id not in state.live.latest:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(heard(), 10)  # still connected, and still heard
    assert state.live.latest[item_id][0] == 12.5
    await ws.close()
    assert _troubles(caplog) == []


async def test_deleting_an_item_disconnects_its_client_saying_why(
    embedded: EmbeddedAppliance,
) -> None:
    [(item_id, secret)] = await asyncio.to_thread(_clients, embedded, 1)
    ws = await join(_channel(embedded), item_id, secret)
    async with ApplianceClient(embedded.url, credentials=ApiCredentials(API_ID, API_SECRET)) as api:
        await api.jump_clients.delete(item_id)
    frames = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frames.append(orjson.loads(await asyncio.wait_for(ws.recv(), 10)))
    # told to uninstall itself, in a frame of the protocol, before the channel closes
    told = [read_request(orjson.dumps(f)) for f in frames if f.get("type") == "uninstall"]
    assert told == [Uninstall(reason="The Jump Item was deleted by an administrator.")]
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == Close.GONE
    assert closed.value.rcvd.reason == "The Jump Item was deleted by an administrator."
