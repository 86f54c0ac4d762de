"""An appliance under test: its fixed instant, accounts, databases, and items made directly."""

from __future__ import annotations

import itertools
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI

from api_client import ApplianceClient
from appliance.services import Services
from domain import JumpClient
from tests.support import services

# Tuesday 2026-11-24 10:00 UTC: inside Paris business hours, outside New York's.
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
API_ID, API_SECRET = "tester", "tester-secret"
BASE = "http://appliance.test"
SERVERS, WORKSTATIONS, LAB = 1, 2, 4

#: The engine under the appliances of this run: ``JUMP_TEST_ENGINE=postgresql`` runs every test
#: that asks for a ``database`` on PostgreSQL (``make test`` runs the ``engine`` ones there).
ENGINE = os.environ.get("JUMP_TEST_ENGINE", "sqlite")
_schemas = itertools.count(1)


def new_database(folder: Path | None, name: str, server: services.Postgres | None) -> str:
    """A fresh, empty database: a SQLite file in ``folder`` or a PostgreSQL schema."""
    if server is None:
        assert folder is not None
        return str(folder / f"{name}.sqlite3")
    import psycopg

    schema = f"{name.replace('-', '_')}_{next(_schemas)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{server.url()}?options=-csearch_path%3D{schema}"


DatabaseFactory = Callable[[str], str]


class RepFactory(Protocol):
    def __call__(self, username: str, password: str = "demo") -> Awaitable[ApplianceClient]: ...


def state(app: FastAPI) -> Services:
    appliance: Services = app.state.appliance
    return appliance


def make_item(app: FastAPI, group: int = SERVERS, **over: Any) -> JumpClient:
    """A fresh online demo client in ``group`` (a demo agent answers for it)."""
    repo = state(app).site.repo
    number = repo.next_id("jump_client")
    values: dict[str, Any] = {
        "jump_group_id": group,
        "name": f"TEST-{number}",
        "hostname": f"test-{number}",
        "fqdn": f"test-{number}.test",
        "public_site_address": "support.jump.test",
        "x_online": True,
        "connection_type": "active",
        "x_demo": True,
        "console_user": "zoe",
        "attended_session_policy_id": 2,
        "unattended_session_policy_id": 3,
        "x_mac": "02:00:5e:77:00:01",
        "x_gateway": {"ip": "127.16.99.1", "mac": "02:00:5e:99:00:01"},
    }
    values.update(over)
    with repo.transaction():
        return repo.clients.insert(values)


def settings(app: FastAPI, **changes: Any) -> None:
    """Change the site's settings directly in the repository."""
    repo = state(app).site.repo
    repo.save_settings(
        type(repo.settings()).model_validate({**repo.settings().model_dump(), **changes})
    )
    state(app).site.refresh_settings()  # written around the site: read them again
