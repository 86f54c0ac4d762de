"""Installers through the Config API: what the site's settings give them, and their ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi import FastAPI

from api_client import ApplianceClient
from appliance.db import Repository
from appliance.db._migrations import MIGRATIONS


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
    assert copy.json()["id"] == newest + 1  # not the deleted item's id, which its audit names
    repo = app.state.appliance.site.repo
    with repo.transaction():  # inserted as the agent API and the demo seed do
        assert repo.clients.insert(dict(repo.clients.get(2).model_dump(), id=None)).id == newest + 2


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
