"""The real ``jump-appliance`` process on 127.0.0.1, driven by ``ApplianceClient``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api_client import ApiCredentials, ApplianceClient, RepCredentials, ValidationFailed
from tests.support.processes import RunningAppliance, start_appliance

pytestmark = pytest.mark.integration


async def test_scripting_the_config_api_over_http(appliance_process: RunningAppliance) -> None:
    banner = appliance_process.wait_for_output("Config API account 'it' is ready.")
    assert "DEMO site: 40 demo Jump Clients" in banner
    assert "it-secret" not in banner
    async with ApplianceClient(
        appliance_process.url, credentials=ApiCredentials("it", "it-secret")
    ) as api:
        clients = [c async for c in api.jump_clients.iter()]
        assert len(clients) == 40 and all(c.x_demo for c in clients)
        updated = await api.jump_clients.update(clients[0].id, {"comments": "checked"})
        assert updated.comments == "checked"
        with pytest.raises(ValidationFailed):
            await api.update_settings({"days_before_lost": 15, "days_before_deleted": 15})
    async with ApplianceClient(
        appliance_process.url, credentials=RepCredentials("carol", "demo")
    ) as rep:
        assert (await rep.me()).user.username == "carol"


def test_curl_style_requests_with_basic_auth(appliance_process: RunningAppliance) -> None:
    with httpx.Client(base_url=appliance_process.url) as http:
        token = http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=("demo", "demo")
        ).json()["access_token"]
        answer = http.get(
            "/api/config/v1/jump-client",
            params={"per_page": 5},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200
    assert answer.headers["X-BT-Pagination-Total"] == "40"


def test_what_the_appliance_prints_while_it_serves_is_only_its_own_sentences(
    database: str,
) -> None:
    """A Jump Client, a representative and a script each reach their API once: the
    appliance's output (what an operator reads) gains no library warning or traceback."""
    running = start_appliance(database, "--demo-fleet", "5", "--api-account", "it:it-secret")
    try:
        with httpx.Client(base_url=running.url) as http:
            unknown = {"jump_client_id": 1, "secret": "x" * 32, "passive_port": 5832}
            assert http.post("/api/agent/v1/checkin", json=unknown).status_code == 401
            install = {"key": "0" * 32, "parameters": "", "hostname": "h", "fqdn": "h"}
            assert http.post("/api/agent/v1/install", json=install).status_code in (404, 422)
            login = {"username": "carol", "password": "demo"}
            assert http.post("/api/rep/v1/login", json=login).status_code == 200
            form = {"grant_type": "client_credentials"}
            assert http.post("/oauth2/token", data=form, auth=("it", "it-secret")).is_success
    finally:
        running.stop()
    said = "".join(running.output)
    assert "Warning" not in said and "Traceback" not in said, said


async def test_acknowledged_writes_survive_kill_9(database: str) -> None:
    db = database
    first = start_appliance(db, "--demo-fleet", "10", "--api-account", "it:s1")
    try:
        async with ApplianceClient(first.url, credentials=ApiCredentials("it", "s1")) as api:
            group = await api.jump_groups.create({"name": "Survivors"})
            first.process.kill()  # no chance to flush or close anything
            first.process.wait(timeout=10)
    finally:
        first.stop()
    second = start_appliance(db, "--demo-fleet", "10", "--api-account", "it:s1")
    try:
        async with ApplianceClient(second.url, credentials=ApiCredentials("it", "s1")) as api:
            assert (await api.jump_groups.get(group.id)).name == "Survivors"
            assert (await api.jump_clients.list()).total == 10
    finally:
        second.stop()


def test_bad_flags_are_one_sentence_on_stderr(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance",
            "--db",
            str(tmp_path / "x.sqlite3"),
            "--api-account",
            "no-colon",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "jump-appliance: --api-account must be ID:SECRET, both parts non-empty"
    )
    assert "Traceback" not in done.stderr
