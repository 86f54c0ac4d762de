"""``/team`` (+ ``/user``): teams as BeyondTrust's Config API has them, members with roles.

A member's role (``member``, ``lead``, ``manager``) is what ``domain.access`` derives the
personal lists they see from: a lead sees the members', a manager the leads' and members'.
A membership added, changed or removed (or gone with its team) changes what the team's
representatives see: their open live feeds and shells follow at once.
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
from domain.users import (
    TeamCreate,
    TeamResource,
    TeamUpdate,
    TeamUser,
    TeamUserCreate,
    TeamUserUpdate,
)

router = APIRouter(tags=["team"], dependencies=[Depends(reject_unknown_query)])


def _check_team(app: Site, values: dict[str, Any]) -> None:
    """A unique name; a code name made from the name when none is given; no null comments."""
    name = values.get("name")
    if isinstance(name, str) and app.repo.teams.count([("name", name)]):
        raise invalid("name", f"'{name}' is already the name of a team")
    fill_code_name(values, "name", "team")


def _members_of_deleted(app: Site, team_id: int) -> Callable[[], None]:
    members = [m.user_id for m in app.repo.team_users(team_id)]
    app.repo.execute("DELETE FROM team_member WHERE team_id = ?", (team_id,))
    return lambda: app.access_changed(members)


add_crud(
    router,
    path="/team",
    kind="team",
    table=lambda app: app.repo.teams,
    model=TeamResource,
    create=TeamCreate,
    update=TeamUpdate,
    name_field="name",
    check=_check_team,
    before_delete=_members_of_deleted,
)


def _team(app: Site, team_id: int) -> TeamResource:
    team = app.repo.teams.get(team_id)
    if team is None:
        raise not_found("team", team_id)
    return team


def _member(app: Site, team_id: int, user_id: int) -> TeamUser:
    _team(app, team_id)
    for member in app.repo.team_users(team_id):
        if member.user_id == user_id:
            return member
    raise Refused.because(404, "not_found", f"User {user_id} is not a member of team {team_id}.")


def _everyone(app: Site, *team_ids: int) -> set[int]:
    """The members of these teams: what each sees of the others' lists may have changed."""
    return {m.user_id for t in team_ids for m in app.repo.team_users(t)}


@router.get("/team/{id}/user", response_model=list[TeamUser])
async def list_team_users(
    id: PathId, request: Request, response: Response, app: State, _account: Reader, page: Paging
) -> Sequence[TeamUser]:
    with app.repo.reading():
        _team(app, id)
        members = app.repo.team_users(id)
    shown = members[page.offset : page.offset + page.per_page]
    return paginate(request, response, page, shown, len(members))


@router.post("/team/{id}/user", response_model=TeamUser, status_code=201)
async def add_team_user(
    id: PathId,
    body: TeamUserCreate,
    request: Request,
    response: Response,
    app: State,
    account: Writer,
) -> TeamUser:
    if body.team_id is not None and body.team_id != id:
        raise invalid("team_id", f"must be the team of the path ({id}) or left out")
    member = TeamUser(team_id=id, user_id=body.user_id, role=body.role)
    with app.repo.transaction():
        _team(app, id)
        if app.repo.users.get(body.user_id) is None:
            raise invalid("user_id", f"names no user (id {body.user_id})")
        if any(m.user_id == body.user_id for m in app.repo.team_users(id)):
            raise invalid("user_id", f"user {body.user_id} is already a member of this team")
        app.repo.set_team_user(member)
        told = _everyone(app, id)
        app.audit(
            account.actor,
            "team.member_add",
            f"team:{id}",
            user_id=body.user_id,
            role=body.role.value,
        )
    app.access_changed(told)
    response.headers["Location"] = str(
        request.url_for("get_team_user", id=id, user_id=body.user_id)
    )
    return member


@router.get("/team/{id}/user/{user_id}", response_model=TeamUser)
async def get_team_user(id: PathId, user_id: PathId, app: State, _account: Reader) -> TeamUser:
    return _member(app, id, user_id)


@router.patch("/team/{id}/user/{user_id}", response_model=TeamUser)
async def update_team_user(
    id: PathId, user_id: PathId, body: TeamUserUpdate, app: State, account: Writer
) -> TeamUser:
    """A new role, or a move to another team (keeping the role unless a new one is given)."""
    if body.user_id is not None and body.user_id != user_id:
        raise invalid("user_id", f"must be the user of the path ({user_id}) or left out")
    with app.repo.transaction():
        current = _member(app, id, user_id)
        target = body.team_id or id
        if target != id:
            _team(app, target)
            if any(m.user_id == user_id for m in app.repo.team_users(target)):
                raise invalid("team_id", f"user {user_id} is already a member of team {target}")
        member = TeamUser(team_id=target, user_id=user_id, role=body.role or current.role)
        told = _everyone(app, id, target)
        if target != id:
            app.repo.remove_team_user(id, user_id)
        app.repo.set_team_user(member)
        app.audit(
            account.actor,
            "team.member_update",
            f"team:{id}",
            user_id=user_id,
            role=member.role.value,
            team_id=target,
        )
    app.access_changed(told)
    return member


@router.delete("/team/{id}/user/{user_id}", status_code=204)
async def remove_team_user(id: PathId, user_id: PathId, app: State, account: Writer) -> Response:
    with app.repo.transaction():
        _member(app, id, user_id)
        told = _everyone(app, id)
        app.repo.remove_team_user(id, user_id)
        app.audit(account.actor, "team.member_remove", f"team:{id}", user_id=user_id)
    app.access_changed(told)
    return Response(status_code=204)
