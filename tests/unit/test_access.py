"""Who sees which item and what they may do with it."""

from __future__ import annotations

from domain import JumpGroupType, JumpItemRole, Team, TeamMember, TeamRank, User
from domain.access import Action, build_access, missing_permissions
from domain.groups import ROLE_PERMISSIONS

FULL = JumpItemRole(id=1, name="Administrator", **dict.fromkeys(ROLE_PERMISSIONS, True))
START_ONLY = JumpItemRole(id=2, name="Start sessions only", perm_start=True)
ROLES = {1: FULL, 2: START_ONLY}


def user(uid: int, name: str) -> User:
    return User(
        id=uid,
        username=name,
        display_name=name.title(),
        personal_jump_item_role_id=1,
        teams_jump_item_role_id=2,
    )


ALICE, BOB, CAROL, DAVE = user(1, "alice"), user(2, "bob"), user(3, "carol"), user(4, "dave")
TEAM = Team(
    id=1,
    name="Desk",
    members=[
        TeamMember(user_id=1, rank=TeamRank.MEMBER),
        TeamMember(user_id=2, rank=TeamRank.LEAD),
        TeamMember(user_id=3, rank=TeamRank.MANAGER),
    ],
)
OTHER = Team(id=2, name="Field", members=[TeamMember(user_id=4)])


def access(u: User, memberships: dict[int, int] | None = None):  # type: ignore[no-untyped-def]
    return build_access(u, roles=ROLES, memberships=memberships or {}, teams=[TEAM, OTHER])


def test_shared_group_members_see_items_with_their_role() -> None:
    a = access(ALICE, {10: 2})
    assert a.can_see(JumpGroupType.SHARED, 10)
    assert not a.can_see(JumpGroupType.SHARED, 11)
    assert a.permits(JumpGroupType.SHARED, 10, Action.START)
    assert not a.permits(JumpGroupType.SHARED, 10, Action.REMOVE)


def test_everyone_sees_their_own_personal_list_with_full_rights() -> None:
    a = access(ALICE)
    assert a.permits(JumpGroupType.PERSONAL, ALICE.id, Action.REMOVE)


def test_lead_sees_members_but_not_manager_and_members_see_no_one() -> None:
    assert access(BOB).can_see(JumpGroupType.PERSONAL, ALICE.id)
    assert not access(BOB).can_see(JumpGroupType.PERSONAL, CAROL.id)
    assert not access(ALICE).can_see(JumpGroupType.PERSONAL, BOB.id)
    assert access(BOB).permits(JumpGroupType.PERSONAL, ALICE.id, Action.START)
    assert not access(BOB).permits(JumpGroupType.PERSONAL, ALICE.id, Action.REMOVE)


def test_manager_sees_leads_and_members_but_not_other_teams() -> None:
    c = access(CAROL)
    assert c.visible_groups(JumpGroupType.PERSONAL) == {1, 2, 3}
    assert not c.can_see(JumpGroupType.PERSONAL, DAVE.id)


def test_patch_fields_name_the_permission_they_lack() -> None:
    granted = START_ONLY.grants()
    assert missing_permissions(granted, ["tag", "name", "jump_policy_id"]) == {
        "tag": "perm_edit_tag",
        "name": "perm_edit_identity",
        "jump_policy_id": "perm_edit_jump_policy",
    }
    assert missing_permissions(FULL.grants(), ["tag", "name"]) == {}
