"""A representative who tries to do more than their role allows, through the rep API, and an
API script that names half a destination (in-process appliance, every engine)."""

from __future__ import annotations

import socket
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


async def test_ids_beyond_the_database_are_invalid_input_not_server_errors(
    app: FastAPI, rep: RepFactory
) -> None:
    carol = await rep("carol")
    for ids in ([2**70], [2**63], [0], [-1]):
        with pytest.raises(ValidationFailed):
            await carol.request("POST", "/api/rep/v1/jump-items/sessions", json={"ids": ids})


async def test_a_wake_does_not_name_a_peer_the_representative_may_not_see(
    app: FastAPI, rep: RepFactory, udp: socket.socket
) -> None:
    """alice wakes her own machine; the only peer on its network is in carol's list, which
    alice may not see: the answer says a peer sent it, not which."""
    state: Services = app.state.appliance
    state.site.config.wol_broadcast = f"127.0.0.1:{udp.getsockname()[1]}"
    gateway = {"ip": "127.16.55.1", "mac": "02:00:5e:55:00:fe"}
    target = _item(app, JumpGroupType.PERSONAL, ALICE, x_mac="02:00:5e:55:00:01", x_gateway=gateway)
    hidden = _item(
        app, JumpGroupType.PERSONAL, 3, x_online=True, x_demo=True, x_gateway=gateway
    )  # carol's list
    carol = await rep("carol")  # carol may see both: she is told which
    assert (await carol.can_wake(target.id)).via == hidden.name
    alice = await rep("alice")
    would = await alice.can_wake(target.id)
    sent = await alice.wake(target.id)
    for said in (would.via, would.message, sent.via, sent.message):
        assert hidden.name not in said
    assert "sent via" in sent.message
