"""A representative who tries to do more than their role allows, through the rep API, and an
API script that names half a destination (in-process appliance, every engine)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from api_client import ApplianceClient, Forbidden, ValidationFailed
from appliance.services import Services
from domain import JumpClient, JumpGroupType
from tests.support.appliance import RepFactory

SERVERS = 1
ALICE = 1


def _item(app: FastAPI, kind: JumpGroupType, group: int, **over: Any) -> JumpClient:
    state: Services = app.state.appliance
    repo = state.site.repo
    number = repo.next_id("jump_client")
    with repo.transaction():
        return repo.clients.insert(
            {
                "jump_group_type": kind,
                "jump_group_id": group,
                "name": f"HOSTILE-{number}",
                "hostname": f"hostile-{number}",
                "fqdn": f"hostile-{number}.test",
                "public_site_address": "support.jump.test",
                **over,
            }
        )


def _where(app: FastAPI, item_id: int) -> tuple[JumpGroupType, int] | None:
    state: Services = app.state.appliance
    found = state.site.repo.clients.get(item_id)
    return None if found is None else (found.jump_group_type, found.jump_group_id)


async def test_a_move_needs_add_rights_in_the_destination_whichever_half_is_sent(
    app: FastAPI, rep: RepFactory
) -> None:
    # alice's own item, into Servers (where she may only start): only the type is sent
    mine = _item(app, JumpGroupType.PERSONAL, ALICE)
    alice = await rep("alice")
    with pytest.raises(Forbidden):
        await alice.edit_item(mine.id, {"jump_group_type": "shared"})
    assert _where(app, mine.id) == (JumpGroupType.PERSONAL, ALICE)
    # bob may move Servers items, but may only start in alice's list (team lead)
    server = _item(app, JumpGroupType.SHARED, SERVERS)
    bob = await rep("bob")
    with pytest.raises(Forbidden):
        await bob.edit_item(server.id, {"jump_group_type": "personal"})
    assert _where(app, server.id) == (JumpGroupType.SHARED, SERVERS)
    # a group that does not exist: nobody may add items there, the item stays visible
    carol = await rep("carol")
    with pytest.raises(Forbidden):
        await carol.edit_item(server.id, {"jump_group_id": 999_999})
    assert _where(app, server.id) == (JumpGroupType.SHARED, SERVERS)
    # a move the roles allow still works, and the missing half is the item's own
    moved = await carol.edit_item(server.id, {"jump_group_id": 2})
    assert (moved.jump_group_type, moved.jump_group_id) == (JumpGroupType.SHARED, 2)


async def test_the_config_api_completes_a_half_destination_with_the_items_own(
    app: FastAPI, api: ApplianceClient
) -> None:
    mine = _item(app, JumpGroupType.PERSONAL, ALICE)
    with pytest.raises(ValidationFailed) as bad:
        await api.jump_clients.update(mine.id, {"jump_group_id": 999_999})
    assert "jump_group_id" in bad.value.errors
    assert _where(app, mine.id) == (JumpGroupType.PERSONAL, ALICE)
    # the administrator's own list (there is no shared group 5): the type stays personal
    moved = await api.jump_clients.update(mine.id, {"jump_group_id": 5})
    assert (moved.jump_group_type, moved.jump_group_id) == (JumpGroupType.PERSONAL, 5)
