"""Installers through the Config API: what the site's settings give them, and their ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api_client import ApplianceClient, Forbidden, NotFound
from appliance.db import Repository
from appliance.db._migrations import MIGRATIONS
from tests.support.appliance import LAB, SERVERS, WORKSTATIONS, RepFactory


async def test_an_installer_without_a_connection_type_takes_the_sites_default(
    api: ApplianceClient,
) -> None:
    assert (await api.installers.create({"jump_group_id": 1})).connection_type == "active"
    await api.update_settings({"default_connection_type": "passive"})
    made = await api.installers.create({"jump_group_id": 1, "name": "Kiosks"})
    assert made.connection_type == "passive"
    assert (await api.installers.get(made.id)).connection_type == "passive"  # as stored
    chosen = await api.installers.create({"jump_group_id": 1, "connection_type": "active"})
    assert chosen.connection_type == "active"  # one the request names is kept


async def test_a_deleted_installers_or_clients_id_is_never_given_again(
    api: ApplianceClient, app: FastAPI
) -> None:
    first = await api.installers.create({"jump_group_id": 1})
    last = await api.installers.create({"jump_group_id": 1})
    await api.installers.delete(last.id)
    after = await api.installers.create({"jump_group_id": 1})
    assert after.id == last.id + 1 and first.id < last.id
    newest = max([item.id async for item in api.jump_clients.iter()])
    await api.jump_clients.delete(newest)
    copy = await api.request("POST", "/api/config/v1/jump-client/2/copy", json={"jump_group_id": 1})
    assert copy.json()["destId"] == newest + 1  # not the deleted item's id, which its audit names
    repo = app.state.appliance.site.repo
    with repo.transaction():  # inserted as the agent API and the demo seed do
        assert repo.clients.insert(dict(repo.clients.get(2).model_dump(), id=None)).id == newest + 2


CONFIG = "/api/config/v1"


async def test_an_installer_answers_beyondtrusts_fields_with_what_it_holds(
    raw: httpx.AsyncClient,
) -> None:
    """What a script written against BeyondTrust's document reads: never null where it types
    a value, the Jumpoint by name, ``key_info`` an object with the key only on creation."""
    made = await raw.post(f"{CONFIG}/jump-client/installer", json={"jump_group_id": 1})
    assert made.status_code == 201, made.text
    body = made.json()
    assert "name" not in body and "jump_policy_id" not in body  # none given: left out, not null
    assert body["public_site_address"] == "support.jump.test"  # the default site's, not null
    assert body["jumpoint_proxy"] == ""
    assert body["x_allow_override_public_site_address"] is False  # ours, by an x_ name
    key_info = body["key_info"]
    assert key_info["encodedInfo"] == body["installer_id"]  # the MSI form's KEY_INFO
    download = await raw.get(key_info["installerPath"])
    assert download.status_code == 200
    assert key_info["filename"] in download.headers["content-disposition"]
    shown = (await raw.get(f"{CONFIG}/jump-client/installer/{body['id']}")).json()
    assert "encodedInfo" not in shown["key_info"]  # only in the answer to the creation
    assert shown["key_info"]["installerPath"] == key_info["installerPath"]

    jumpoint = await raw.post(
        f"{CONFIG}/jumpoint", json={"name": "Branch", "x_address": "http://127.0.0.1:9"}
    )
    proxied = await raw.post(
        f"{CONFIG}/jump-client/installer",
        json={"jump_group_id": 1, "jumpoint_proxy": "branch", "jump_policy_id": 1},
    )
    assert proxied.status_code == 201, proxied.text
    assert (proxied.json()["jumpoint_proxy"], proxied.json()["jump_policy_id"]) == ("Branch", 1)
    await raw.patch(f"{CONFIG}/jumpoint/{jumpoint.json()['id']}", json={"name": "Branch 2"})
    again = await raw.get(f"{CONFIG}/jump-client/installer/{proxied.json()['id']}")
    assert again.json()["jumpoint_proxy"] == "Branch 2"  # kept by the Jumpoint, not its name
    unknown = await raw.post(
        f"{CONFIG}/jump-client/installer", json={"jump_group_id": 1, "jumpoint_proxy": "Nowhere"}
    )
    assert unknown.status_code == 422 and "jumpoint_proxy" in unknown.json()["errors"]


async def test_the_installer_list_takes_beyondtrusts_filters(raw: httpx.AsyncClient) -> None:
    async def made(**fields: object) -> int:
        answer = await raw.post(f"{CONFIG}/jump-client/installer", json=fields)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    kiosk = await made(jump_group_id=1, name="Kiosks", tag="Lobby", connection_type="passive")
    lab = await made(jump_group_id=LAB, tag="lobby")
    mine = await made(jump_group_id=1, jump_group_type="personal")

    async def listed(**query: object) -> set[int]:
        answer = await raw.get(f"{CONFIG}/jump-client/installer", params=query)
        assert answer.status_code == 200, answer.text
        return {row["id"] for row in answer.json()} & {kiosk, lab, mine}

    assert await listed() == {kiosk, lab, mine}
    assert await listed(jump_group_id=LAB) == {lab}
    assert await listed(connection_type="passive") == {kiosk}
    assert await listed(tag="LOBBY") == {kiosk, lab}  # equal but for case, as elsewhere
    assert await listed(name="kiosks", jump_group_type="shared") == {kiosk}
    assert await listed(jump_group_type="personal") == {mine}
    assert await listed(hostname="nowhere-installed") == set()  # installed nothing there
    refused = await raw.get(f"{CONFIG}/jump-client/installer", params={"connection_type": "x"})
    assert refused.status_code == 422


def test_an_older_database_keeps_its_highest_ids_from_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        for script in MIGRATIONS[:7]:  # the schema before ids were kept
            db.executescript(script)
        db.execute(
            "INSERT INTO installer (id, installer_id, expiration_timestamp, data) VALUES "
            "(9, ?, '2026-01-01T00:00:00Z', '{}')",
            ("k" * 32,),
        )
        db.execute("PRAGMA user_version = 7")
    repo = Repository(path)
    with repo.transaction():
        repo.delete_installer(9)
        assert repo.next_id("installer") == 10 and repo.next_id("jump_client") == 1


async def test_the_installer_permission_reaches_the_installers_of_groups_one_may_add_to(
    api: ApplianceClient, rep: RepFactory
) -> None:
    servers = await api.installers.create({"jump_group_id": SERVERS})  # bob deploys here
    lab = await api.installers.create({"jump_group_id": LAB})  # bob may only start sessions
    bob = await rep("bob")  # a privileged user with the installer permission (the demo's)
    assert [i.id for i in (await bob.installers.list()).items] == [servers.id]
    made = await bob.installers.create({"jump_group_id": WORKSTATIONS, "tag": "kiosk"})
    assert (await bob.installers.extend(made.id, 60)).id == made.id
    assert await bob.download_installer(servers.installer_id)  # the runnable file
    with pytest.raises(Forbidden) as refused:
        await bob.installers.create({"jump_group_id": LAB})
    assert "Jump Groups you may add Jump Items to" in refused.value.message
    for call in (
        bob.installers.get(lab.id),
        bob.installers.extend(lab.id, 60),
        bob.installers.delete(lab.id),
        bob.download_installer(lab.installer_id),
    ):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(Forbidden) as elsewhere:
        await bob.jump_groups.list()  # the installers only: not the rest of the Config API
    assert "installers only" in elsewhere.value.message
    await bob.installers.delete(made.id)
    with pytest.raises(Forbidden):  # no permission: nothing, as before
        await (await rep("carol")).installers.list()
    bob_id = next(u.id for u in (await api.users.list()).items if u.username == "bob")
    await api.request("PATCH", f"/api/config/v1/user/{bob_id}", json={"perm_installers": False})
    with pytest.raises(Forbidden):  # checked on every request: taken away, refused at once
        await bob.installers.list()
