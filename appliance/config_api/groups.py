"""``/jump-group`` (+ members) and ``/jump-item-role`` (read-only).

A membership added, changed or removed (or gone with its group) changes what its
representative may see and do: their open live feeds and shells follow at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from appliance.config_api._crud import add_crud, fill_code_name
from appliance.config_api._deps import (
    Paging,
    PathId,
    Reader,
    State,
    Writer,
    not_found,
    paginate,
    reject_unknown_query,
)
from appliance.errors import Refused, invalid
from appliance.site import Site
from domain import (
    JumpGroup,
    JumpGroupCreate,
    JumpGroupMember,
    JumpGroupType,
    JumpGroupUpdate,
    JumpItemRole,
)
from domain.groups import JumpGroupMemberUpdate

router = APIRouter(tags=["jump-group"], dependencies=[Depends(reject_unknown_query)])


def _unique_name(app: Site, values: dict[str, Any]) -> None:
    name = values.get("name")
    if isinstance(name, str) and app.repo.groups.count([("name", name)]):
        raise invalid("name", f"'{name}' is already the name of a Jump Group")
    fill_code_name(values, "name", "jump_group")


def _delete_items(app: Site, group_id: int) -> Callable[[], None]:
    where = [("jump_group_type", JumpGroupType.SHARED.value), ("jump_group_id", group_id)]
    gone = app.repo.clients.ids(where)
    members = [m.user_id for m in app.repo.members(group_id)]
    app.repo.clients.delete_where(where)
    app.changed(removed=gone)
    return lambda: app.access_changed(members)  # their memberships went with the group


add_crud(
    router,
    path="/jump-group",
    kind="Jump Group",
    table=lambda app: app.repo.groups,
    model=JumpGroup,
    create=JumpGroupCreate,
    update=JumpGroupUpdate,
    name_field="name",
    check=_unique_name,
    before_delete=_delete_items,
)
add_crud(
    router,
    path="/jump-item-role",
    kind="Jump Item Role",
    table=lambda app: app.repo.roles,
    model=JumpItemRole,
    create=None,
    update=None,
    name_field="name",
    read_only=True,
)


def _group(app: Site, group_id: int) -> JumpGroup:
    group = app.repo.groups.get(group_id)
    if group is None:
        raise not_found("Jump Group", group_id)
    return group


def _check_member(app: Site, user_id: int, role_id: int) -> None:
    if app.repo.users.get(user_id) is None:
        raise invalid("user_id", f"names no user (id {user_id})")
    if app.repo.roles.get(role_id) is None:
        raise invalid("jump_item_role_id", f"names no Jump Item Role (id {role_id})")


@router.get("/jump-group/{id}/user", response_model=list[JumpGroupMember])
async def list_members(
    id: PathId, request: Request, response: Response, app: State, _account: Reader, page: Paging
) -> Sequence[JumpGroupMember]:
    with app.repo.reading():
        _group(app, id)
        members = app.repo.members(id)
    shown = members[page.offset : page.offset + page.per_page]
    return paginate(request, response, page, shown, len(members))


@router.post("/jump-group/{id}/user", response_model=JumpGroupMember, status_code=201)
async def add_member(
    id: PathId,
    body: JumpGroupMember,
    request: Request,
    response: Response,
    app: State,
    account: Writer,
) -> JumpGroupMember:
    with app.repo.transaction():
        _group(app, id)
        _check_member(app, body.user_id, body.jump_item_role_id)
        if any(m.user_id == body.user_id for m in app.repo.members(id)):
            raise invalid("user_id", f"user {body.user_id} is already a member of this group")
        app.repo.set_member(id, body)
        app.audit(
            account.actor,
            "jump_group.member_add",
            f"jump_group:{id}",
            user_id=body.user_id,
            jump_item_role_id=body.jump_item_role_id,
        )
    app.access_changed([body.user_id])
    response.headers["Location"] = str(request.url_for("get_member", id=id, user_id=body.user_id))
    return body


def _member(app: Site, group_id: int, user_id: int) -> JumpGroupMember:
    _group(app, group_id)
    for member in app.repo.members(group_id):
        if member.user_id == user_id:
            return member
    raise Refused.because(
        404, "not_found", f"User {user_id} is not a member of Jump Group {group_id}."
    )


@router.get("/jump-group/{id}/user/{user_id}", response_model=JumpGroupMember)
async def get_member(id: PathId, user_id: PathId, app: State, _account: Reader) -> JumpGroupMember:
    return _member(app, id, user_id)


@router.patch("/jump-group/{id}/user/{user_id}", response_model=JumpGroupMember)
async def update_member(
    id: PathId, user_id: PathId, body: JumpGroupMemberUpdate, app: State, account: Writer
) -> JumpGroupMember:
    if body.user_id is not None and body.user_id != user_id:
        raise invalid("user_id", f"must be the user of the path ({user_id}) or left out")
    with app.repo.transaction():
        _member(app, id, user_id)
        _check_member(app, user_id, body.jump_item_role_id)
        member = JumpGroupMember(user_id=user_id, jump_item_role_id=body.jump_item_role_id)
        app.repo.set_member(id, member)
        app.audit(
            account.actor,
            "jump_group.member_update",
            f"jump_group:{id}",
            user_id=user_id,
            jump_item_role_id=body.jump_item_role_id,
        )
    app.access_changed([user_id])
    return member


@router.delete("/jump-group/{id}/user/{user_id}", status_code=204)
async def remove_member(id: PathId, user_id: PathId, app: State, account: Writer) -> Response:
    with app.repo.transaction():
        _member(app, id, user_id)
        app.repo.remove_member(id, user_id)
        app.audit(
            account.actor,
            "jump_group.member_remove",
            f"jump_group:{id}",
            user_id=user_id,
        )
    app.access_changed([user_id])
    return Response(status_code=204)
