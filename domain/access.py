"""Who sees which Jump Item, and what they may do with it.

- A shared group's items are seen by its members; what they may do is their Jump Item Role.
- A representative's personal list is theirs, with their ``personal_jump_item_role_id``.
- In each team, a representative sees the personal lists of those ranked below them (a lead
  sees members', a manager sees leads' and members'), with their ``teams_jump_item_role_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from domain.enums import JumpGroupType
from domain.groups import JumpItemRole, RolePermission
from domain.users import Team, User


class Action(StrEnum):
    """What a representative may ask to do with a Jump Item."""

    START = "start"
    WAKE = "wake"
    UPGRADE = "upgrade"
    ADD_ITEMS = "add_items"
    REMOVE = "remove"
    COPY = "copy"
    MOVE = "move"
    EDIT_NAME = "edit_name"
    EDIT_TAG = "edit_tag"
    EDIT_COMMENTS = "edit_comments"
    EDIT_JUMP_POLICY = "edit_jump_policy"
    EDIT_SESSION_POLICY = "edit_session_policy"
    EDIT_BEHAVIOR = "edit_behavior"


ACTION_PERMISSION: Mapping[Action, RolePermission] = {
    Action.START: "perm_start",
    Action.WAKE: "perm_start",
    Action.UPGRADE: "perm_add",
    Action.ADD_ITEMS: "perm_add",
    Action.REMOVE: "perm_remove",
    Action.COPY: "perm_assign_jump_group",
    Action.MOVE: "perm_assign_jump_group",
    Action.EDIT_NAME: "perm_edit_identity",
    Action.EDIT_TAG: "perm_edit_tag",
    Action.EDIT_COMMENTS: "perm_edit_comments",
    Action.EDIT_JUMP_POLICY: "perm_edit_jump_policy",
    Action.EDIT_SESSION_POLICY: "perm_edit_session_policy",
    Action.EDIT_BEHAVIOR: "perm_edit_behavior",
}

#: The permission each writable Jump Client field needs.
FIELD_PERMISSION: Mapping[str, RolePermission] = {
    "name": "perm_edit_identity",
    "tag": "perm_edit_tag",
    "comments": "perm_edit_comments",
    "jump_policy_id": "perm_edit_jump_policy",
    "attended_session_policy_id": "perm_edit_session_policy",
    "unattended_session_policy_id": "perm_edit_session_policy",
    "public_site_address": "perm_edit_behavior",
    "customer_client_start_mode": "perm_edit_behavior",
    "max_offline_minutes": "perm_edit_behavior",
    "jump_group_id": "perm_assign_jump_group",
    "jump_group_type": "perm_assign_jump_group",
}

GroupKey = tuple[JumpGroupType, int]


@dataclass(frozen=True, slots=True)
class AccessContext:
    """What one representative may see and do, by owning group."""

    user_id: int
    by_group: Mapping[GroupKey, frozenset[RolePermission]] = field(default_factory=dict)

    def can_see(self, group_type: JumpGroupType, group_id: int) -> bool:
        return (group_type, group_id) in self.by_group

    def permissions(self, group_type: JumpGroupType, group_id: int) -> frozenset[RolePermission]:
        return self.by_group.get((group_type, group_id), frozenset())

    def permits(self, group_type: JumpGroupType, group_id: int, action: Action) -> bool:
        return ACTION_PERMISSION[action] in self.permissions(group_type, group_id)

    def visible_groups(self, group_type: JumpGroupType) -> frozenset[int]:
        return frozenset(gid for kind, gid in self.by_group if kind is group_type)


def build_access(
    user: User,
    *,
    roles: Mapping[int, JumpItemRole],
    memberships: Mapping[int, int],
    teams: Iterable[Team],
) -> AccessContext:
    """The access of ``user``.

    ``memberships`` maps shared group id → Jump Item Role id for this user; ``roles`` maps
    role id → role. An unknown role id grants nothing.
    """

    def grants(role_id: int) -> frozenset[RolePermission]:
        role = roles.get(role_id)
        return role.grants() if role is not None else frozenset()

    by_group: dict[GroupKey, frozenset[RolePermission]] = {
        (JumpGroupType.SHARED, gid): grants(rid) for gid, rid in memberships.items()
    }
    team_grants = grants(user.teams_jump_item_role_id)
    for team in teams:
        mine = [m for m in team.members if m.user_id == user.id]
        if not mine:
            continue
        my_level = max(m.rank.level for m in mine)
        for member in team.members:
            if member.user_id != user.id and member.rank.level < my_level:
                by_group[(JumpGroupType.PERSONAL, member.user_id)] = team_grants
    by_group[(JumpGroupType.PERSONAL, user.id)] = grants(user.personal_jump_item_role_id)
    return AccessContext(user_id=user.id, by_group=by_group)


def missing_permissions(
    granted: frozenset[RolePermission], fields: Iterable[str]
) -> dict[str, RolePermission]:
    """The fields of a change that ``granted`` does not cover, with the permission each needs."""
    missing: dict[str, RolePermission] = {}
    for name in fields:
        needed = FIELD_PERMISSION.get(name)
        if needed is not None and needed not in granted:
            missing[name] = needed
    return missing
