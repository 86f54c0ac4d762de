"""Shared fixtures: an appliance over a real database (SQLite or PostgreSQL), in-process or HTTP."""

from __future__ import annotations

import contextlib
import gc
import os
import pwd
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from fastapi import FastAPI

from api_client import ApiCredentials, ApplianceClient, RepCredentials
from appliance import security
from appliance.app import create_app
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from jump_client.service import SERVICE_USER_ENV
from tests.support import services
from tests.support.appliance import (
    API_ID,
    API_SECRET,
    BASE,
    ENGINE,
    T0,
    DatabaseFactory,
    RepFactory,
    new_database,
)
from tests.support.smtp import Inbox, smtp_server

#: A test process makes and drops whole consoles and appliances, hundreds of thousands of
#: objects each, while it holds every test module: at Python's default thresholds the
#: collector ran thousands of young and hundreds of middle collections a file, a tenth of
#: the console tests' CPU time, half of it once collections come 30 times rarer.
gc.set_threshold(20_000, 20, 50)


@pytest.fixture(scope="session", autouse=True)
def quick_secret_hashes() -> Iterator[None]:
    """Secrets hashed in this process use scrypt at a low work factor.

    At the appliance's own (2**14) every appliance started and every sign-in costs a tenth
    of a second or more of CPU, and the suite does both hundreds of times: nearly half the
    CPU time of the API tests. The hashes name their own parameters, so they are still
    verified as the appliance verifies any hash; what the work factor buys (slow guessing
    from a stolen database) no test measures. Appliances run as separate processes keep the
    appliance's own factor.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_N", 2**4)
        yield


@pytest.fixture(scope="session", autouse=True)
def service_installs_as_the_tester() -> Iterator[None]:
    """A Jump Client installed as root is a service install, run by a user the install makes
    when missing: here it is the user running the tests, so no test makes ``jumpclient`` on
    the machine (a test of the service user names one of its own)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SERVICE_USER_ENV, pwd.getpwuid(os.getuid()).pw_name)
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


S = TypeVar("S")
DATABASE_FIXTURES = {"database", "database_factory", "postgres_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``engine`` the tests that ``make test`` runs again on PostgreSQL.

    A test that asks for a database is marked, unless it says ``not_storage``: its subject
    (a screen, the Jump Client, the live feed, admission) is the same whatever the engine,
    and the database under it is only where its appliance keeps its data. Where engines can
    differ (the repository, the APIs' reads and writes, tokens, sweeps, concurrent writers),
    a test stays on both.
    """
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) and not any(
            item.iter_markers("not_storage")
        ):
            item.add_marker(pytest.mark.engine)


def _private(
    service: str, start: Callable[[], contextlib.AbstractContextManager[S]]
) -> Iterator[S]:
    """A private server of ``service`` on 127.0.0.1, or a skip saying why there is none."""
    reason = services.missing(service)
    if reason:
        pytest.skip(f"Tests needing {service} skipped: {reason}.")
    with start() as server:
        yield server


@pytest.fixture(scope="session")
def shared_pg() -> Iterator[services.Postgres]:
    """One PostgreSQL server for the whole run, started when a test first asks for it. Tests
    share the server, not data: each makes its own schema in it (``new_database``). A test
    that stops or restarts its server asks for ``pg`` instead."""
    yield from _private("postgresql", services.postgres)


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> services.Postgres | None:
    """The server under every ``database`` of a PostgreSQL run (None on SQLite)."""
    if ENGINE != "postgresql":
        return None
    server: services.Postgres = request.getfixturevalue("shared_pg")
    return server


@pytest.fixture
def pg() -> Iterator[services.Postgres]:
    """A PostgreSQL server of the test's own (it may stop and restart it)."""
    yield from _private("postgresql", services.postgres)


@pytest.fixture
def redis() -> Iterator[services.Redis]:
    yield from _private("redis", services.redis)


@pytest.fixture
def database_factory(tmp_path: Path, postgres_server: services.Postgres | None) -> DatabaseFactory:
    return lambda name: new_database(tmp_path, name, postgres_server)


@pytest.fixture
def database(database_factory: DatabaseFactory) -> str:
    return database_factory("appliance")


@pytest.fixture
def settings(database: str) -> ApplianceSettings:
    return ApplianceSettings(db=database, demo_fleet=60)


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
