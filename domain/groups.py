"""Jump Groups, their members, and Jump Item Roles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from pydantic import Field

from domain._types import (
    CodeName,
    CodeName1,
    Id,
    Line1_255,
    Lines0_4096,
    Model,
    Patch,
    Str0_4096,
    Str1_255,
)
from domain.enums import JumpGroupType

RolePermission = Literal[
    "perm_start",
    "perm_add",
    "perm_remove",
    "perm_assign_jump_group",
    "perm_edit_tag",
    "perm_edit_comments",
    "perm_edit_jump_policy",
    "perm_edit_session_policy",
    "perm_edit_identity",
    "perm_edit_behavior",
]

ROLE_PERMISSIONS: tuple[RolePermission, ...] = get_args(RolePermission)


class JumpGroupFields(Model):
    name: Str1_255
    code_name: CodeName = ""
    comments: Str0_4096 = ""


class JumpGroup(JumpGroupFields):
    """A shared Jump Group."""

    id: Id


class JumpGroupCreate(Model):
    """``POST /jump-group``: what a person types, so no control characters. Without a code
    name, one is made from the name."""

    name: Line1_255
    code_name: CodeName = ""
    comments: Lines0_4096 | None = ""


class JumpGroupUpdate(Patch):
    """``PATCH /jump-group/{id}``."""

    NULLABLE = frozenset({"comments"})

    name: Line1_255 | None = None
    code_name: CodeName1 | None = None
    comments: Lines0_4096 | None = None


class JumpItemRoleFields(Model):
    name: Str1_255
    description: str = Field(default="", max_length=1000)
    perm_start: bool = False
    perm_add: bool = False
    perm_remove: bool = False
    perm_assign_jump_group: bool = False
    perm_edit_tag: bool = False
    perm_edit_comments: bool = False
    perm_edit_jump_policy: bool = False
    perm_edit_session_policy: bool = False
    perm_edit_identity: bool = False
    perm_edit_behavior: bool = False

    def grants(self) -> frozenset[RolePermission]:
        """The permissions this role turns on."""
        return frozenset(p for p in ROLE_PERMISSIONS if getattr(self, p))


class JumpItemRole(JumpItemRoleFields):
    """What a member may do with the items of a shared group."""

    id: Id


class JumpGroupMember(Model):
    """``/jump-group/{id}/user``: a representative and the role they hold in the group."""

    user_id: Id
    jump_item_role_id: Id


class JumpGroupMemberUpdate(Model):
    """``PATCH /jump-group/{id}/user/{user_id}`` (a JumpGroupUser: ``user_id``, when given,
    is the path's)."""

    user_id: Id | None = None
    jump_item_role_id: Id


MY_PERSONAL_LIST = "My personal list"


def group_label(
    kind: JumpGroupType,
    group_id: int,
    *,
    viewer_id: int,
    group_names: Mapping[int, str],
    people: Mapping[int, str],
) -> str:
    """What a representative calls a Jump Group: a shared group by its name, their own list
    "My personal list", another's "Personal: <display name>". The tree, the ``group:``
    filter (console and appliance alike) and ``/me`` all use this."""
    if kind is JumpGroupType.SHARED:
        return group_names.get(group_id, f"Group {group_id}")
    if group_id == viewer_id:
        return MY_PERSONAL_LIST
    return f"Personal: {people.get(group_id, f'user {group_id}')}"
