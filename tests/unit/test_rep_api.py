"""The representative API: sign-in, who am I, and only the items one may see."""

from __future__ import annotations

import pytest

from api_client import ApplianceError, AuthenticationFailed, NotFound, ValidationFailed
from domain import JumpGroupType, Status
from tests.support.appliance import RepFactory


async def test_wrong_password_is_one_sentence(rep: RepFactory) -> None:
    client = await rep("alice", "nope")
    with pytest.raises(AuthenticationFailed) as info:
        await client.me()
    assert info.value.message == (
        "The appliance did not accept the credentials; check the username and password."
    )


async def test_me_lists_groups_with_permissions(rep: RepFactory) -> None:
    me = await (await rep("bob")).me()
    assert me.user.username == "bob"
    names = {g.name: g for g in me.groups}
    assert "Personal: Alice Martin" in names  # bob leads alice's team
    assert "Personal: Carol Okafor" not in names  # but not his manager
    assert names["Personal: Alice Martin"].permissions == ["perm_start"]
    assert "perm_remove" in names["My personal list"].permissions
    assert names["Lab"].permissions == ["perm_start"]


async def test_items_are_only_those_one_may_see(rep: RepFactory) -> None:
    alice = [c async for c in (await rep("alice")).iter_jump_items()]
    carol = [c async for c in (await rep("carol")).iter_jump_items()]
    seen_by_alice = {(c.jump_group_type, c.jump_group_id) for c in alice}
    assert seen_by_alice <= {
        (JumpGroupType.SHARED, 1),
        (JumpGroupType.SHARED, 2),
        (JumpGroupType.PERSONAL, 1),
    }
    assert {c.id for c in alice} <= {c.id for c in carol}
    dave = [c async for c in (await rep("dave")).iter_jump_items()]
    assert not any(
        c.jump_group_type is JumpGroupType.PERSONAL and c.jump_group_id != 4 for c in dave
    )


async def test_filter_language_on_the_server(rep: RepFactory) -> None:
    carol = await rep("carol")
    online = [c async for c in carol.iter_jump_items("status:online")]
    assert online and all(c.x_status is Status.ONLINE for c in online)
    servers = [c async for c in carol.iter_jump_items("group:servers !status:online")]
    assert all(c.jump_group_id == 1 and c.x_status is not Status.ONLINE for c in servers)
    with pytest.raises(ValidationFailed) as info:
        await carol.jump_items('"unclosed')
    assert info.value.code == "invalid_filter"
    assert info.value.details["position"] == 1


async def test_an_item_one_may_not_see_is_not_found(rep: RepFactory) -> None:
    carol_items = [c async for c in (await rep("carol")).iter_jump_items()]
    alice_ids = {c.id async for c in (await rep("alice")).iter_jump_items()}
    hidden = next(c for c in carol_items if c.id not in alice_ids)
    alice = await rep("alice")
    with pytest.raises(NotFound):
        await alice.jump_item(hidden.id)
    assert (await (await rep("carol")).jump_item(hidden.id)).id == hidden.id


async def test_an_id_beyond_the_database_is_not_found_in_words(rep: RepFactory) -> None:
    carol = await rep("carol")
    with pytest.raises(ApplianceError) as err:
        await carol.jump_item(2**100)
    assert err.value.status in (404, 422) and err.value.message  # a sentence, not a 500
