"""Shared fixtures: an appliance over a real SQLite file, driven in-process or over HTTP."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from fastapi import FastAPI

from api_client import ApiCredentials, ApplianceClient, RepCredentials
from appliance.app import create_app
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from tests.smtp_server import Inbox, smtp_server

# Tuesday 2026-11-24 10:00 UTC: inside Paris business hours, outside New York's.
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
API_ID, API_SECRET = "tester", "tester-secret"
BASE = "http://appliance.test"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def settings(tmp_path: Path) -> ApplianceSettings:
    return ApplianceSettings(db=tmp_path / "appliance.sqlite3", demo_fleet=60)


@pytest.fixture
def app(settings: ApplianceSettings, clock: FakeClock) -> FastAPI:
    return create_app(settings, clock=clock, api_account=(API_ID, API_SECRET))


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[ApplianceClient]:
    async with ApplianceClient(
        BASE,
        credentials=ApiCredentials(API_ID, API_SECRET),
        transport=httpx.ASGITransport(app=app),
        sleep=_no_sleep,
    ) as client:
        yield client


@pytest.fixture
async def raw(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client holding a valid Config API token, for sending bad input."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        answer = await c.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(API_ID, API_SECRET)
        )
        c.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield c


class RepFactory(Protocol):
    def __call__(self, username: str, password: str = "demo") -> Awaitable[ApplianceClient]: ...


@pytest.fixture
async def rep(app: FastAPI) -> AsyncIterator[RepFactory]:
    """Sign in as a demo representative: ``await rep("alice")``."""
    made: list[ApplianceClient] = []

    async def sign_in(username: str, password: str = "demo") -> ApplianceClient:
        client = ApplianceClient(
            BASE,
            credentials=RepCredentials(username, password),
            transport=httpx.ASGITransport(app=app),
            sleep=_no_sleep,
        )
        made.append(client)
        return client

    yield sign_in
    for client in made:
        await client.aclose()


@pytest.fixture
def udp() -> Iterator[socket.socket]:
    """A UDP listener on 127.0.0.1 where wake packets are sent in tests."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    yield sock
    sock.close()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1: (what it received, its port)."""
    yield from smtp_server()
