"""The appliance on PostgreSQL: a real server of its own on 127.0.0.1 for each test here.

The rest of the suite runs on PostgreSQL too (``JUMP_TEST_ENGINE=postgresql``, the second pass of
``make test``); these tests are about what only a shared server brings: several processes
writing at once, the server going away and coming back, and its password kept out of sight.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from appliance.bootstrap import bootstrap
from appliance.config import ApplianceSettings
from appliance.db import Repository
from appliance.embedded import EmbeddedAppliance
from tests.support import services
from tests.support.appliance import new_database
from tests.support.processes import config_token, start_appliance

pytestmark = pytest.mark.integration


def test_the_banner_names_the_database_without_its_password(
    shared_pg: services.Postgres,
) -> None:
    pg = shared_pg
    running = start_appliance(pg.url(), "--demo-fleet", "5")
    try:
        said = running.wait_for_output("Config API account: client id")
        assert f"Database: postgresql://jump:***@127.0.0.1:{pg.port}/postgres" in said
        assert "jump-test-pw" not in said
        health = httpx.get(f"{running.url}/api/health", timeout=10).json()
        assert health["status"] == "ok" and health["schema_version"] >= 5
    finally:
        running.stop()


def test_an_unreachable_database_is_one_sentence_at_start() -> None:
    url = f"postgresql://jump:secret-pw@127.0.0.1:{services.free_port()}/none"
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "appliance", "--db", url, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("jump-appliance: The appliance cannot reach its database")
    assert "secret-pw" not in done.stderr and "Traceback" not in done.stderr


def test_two_nodes_writing_at_once_never_take_the_same_id(shared_pg: services.Postgres) -> None:
    url = new_database(None, "shared", shared_pg)
    nodes = [Repository(url), Repository(url)]
    bootstrap(nodes[0])
    made: list[int] = []
    failures: list[BaseException] = []

    def write(repo: Repository, prefix: str) -> None:
        try:
            for n in range(40):
                with repo.transaction():
                    made.append(repo.groups.insert({"name": f"{prefix}-{n}"}).id)
        except BaseException as err:  # pragma: no cover - reported below
            failures.append(err)

    threads = [threading.Thread(target=write, args=(r, f"n{i}")) for i, r in enumerate(nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for repo in nodes:
        repo.close()
    assert not failures
    assert len(made) == len(set(made)) == 80
    with Repository(url) as repo:
        assert repo.groups.count() >= 80


def test_a_restarted_database_answers_503_then_recovers(pg: services.Postgres) -> None:
    url = new_database(None, "restart", pg)
    appliance = EmbeddedAppliance(
        ApplianceSettings(db=url, demo_fleet=10, simulate=False), api_account=("it", "it-secret")
    )
    appliance.start()
    try:
        token = config_token(appliance.url, "it", "it-secret")
        headers = {"Authorization": f"Bearer {token}"}
        address = f"{appliance.url}/api/config/v1/jump-group"
        assert httpx.get(address, headers=headers, timeout=10).status_code == 200
        pg.stop("immediate")
        down = httpx.get(address, headers=headers, timeout=30)
        assert down.status_code == 503
        assert down.headers["Retry-After"]
        assert down.json()["message"].startswith("The appliance cannot reach its database")
        assert "jump-test-pw" not in down.text
        pg.start()
        up = httpx.get(address, headers=headers, timeout=30)
        assert up.status_code == 200 and up.json()
    finally:
        appliance.stop()
