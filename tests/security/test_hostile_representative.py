"""A representative who tries to do more than their role allows, through the rep API, and an
API script that names half a destination (in-process appliance, every engine)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi import FastAPI

from api_client import ApplianceClient, Forbidden, Refused, ValidationFailed
from appliance.services import Services
from domain import JumpClient, JumpGroupType
from domain.rules import invite_refusal
from tests.support.appliance import RepFactory, make_item
from tests.unit.test_actions_api import listen, session_messages

SERVERS = 1
ALICE, CAROL = 1, 3


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


async def test_an_invitation_cannot_probe_names_or_reach_one_who_may_not_see_the_item(
    app: FastAPI, rep: RepFactory
) -> None:
    """carol holds a session on a Servers item; dave may not see Servers. Inviting him is
    refused with the very answer a name nobody has gets, and he is shown nothing of it."""
    item = make_item(app)
    carol = await rep("carol")
    sid = (await carol.start_session(item.id)).session.sid
    told = listen(app, "dave")
    answers = {}
    for name in ("dave", "nobody-by-that-name"):
        with pytest.raises(Refused) as refused:
            await carol.invite(sid, name)
        said = refused.value
        answers[name] = (said.status, said.code, said.message.replace(name, "NAME"))
    assert answers["dave"] == answers["nobody-by-that-name"]
    assert answers["dave"][2] == invite_refusal("NAME", item.name).message
    assert await (await rep("dave")).sessions() == []
    assert session_messages(told) == []
    # one who may see the item is invited, under the name the site spells
    assert (await carol.invite(sid, "ALICE")).invited == ["alice"]
    assert [s.sid for s in await (await rep("alice")).sessions()] == [sid]


async def test_a_session_on_an_item_moved_out_of_sight_is_no_longer_shown(
    app: FastAPI, rep: RepFactory
) -> None:
    """alice was invited to carol's session; the item then moves to carol's personal list,
    which alice may not see: her sessions and her live feed no longer show it."""
    item = make_item(app)
    carol, alice = await rep("carol"), await rep("alice")
    sid = (await carol.start_session(item.id)).session.sid
    await carol.invite(sid, "alice")
    assert [s.sid for s in await alice.sessions()] == [sid]
    state: Services = app.state.appliance
    with state.site.repo.transaction():
        state.site.repo.clients.update(
            item.id, {"jump_group_type": JumpGroupType.PERSONAL, "jump_group_id": CAROL}
        )
    told = listen(app, "alice")
    assert await alice.sessions() == []
    await carol.end_session(sid)
    assert session_messages(told) == []
