"""Installers through the Config API: what the site's settings give them, and their ids."""

from __future__ import annotations

from api_client import ApplianceClient


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
