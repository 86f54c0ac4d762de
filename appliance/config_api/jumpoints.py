"""``/jumpoint`` (+ ``/installer``, ``/node``, ``/user``) as BeyondTrust's Config API has it.

Our Jumpoints are relays started by hand (``jump-appliance jumpoint``): the appliance knows
no node of theirs (``/node`` is empty, and the node filters of the list match nothing), and
``/installer`` answers the script that starts one. Who may use a Jumpoint (``/user``) is
kept and answered; nothing of Jump Console goes through a Jumpoint on a user's behalf.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response

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
from domain.jumpoint import Jumpoint, JumpointCreate, JumpointNode, JumpointUpdate, JumpointUser

router = APIRouter(tags=["jumpoint"], dependencies=[Depends(reject_unknown_query)])


def _check(_app: Site, values: dict[str, Any]) -> None:
    fill_code_name(values, "name", "jumpoint")


def _in_use(app: Site, id_: int) -> None:
    jumpoint = app.repo.jumpoints.get(id_)
    users = [i.id for i in app.repo.installers() if jumpoint and i.jumpoint_proxy == jumpoint.name]
    if users:
        raise Refused.because(
            422,
            "in_use",
            f"Installers {', '.join(map(str, users))} send their clients through this "
            "Jumpoint; change or delete them first.",
            errors={"id": ["is the Jumpoint of installers"]},
        )
    app.repo.execute("DELETE FROM jumpoint_user WHERE jumpoint_id = ?", (id_,))


add_crud(
    router,
    path="/jumpoint",
    kind="Jumpoint",
    table=lambda app: app.repo.jumpoints,
    model=Jumpoint,
    create=JumpointCreate,
    update=JumpointUpdate,
    name_field="name",
    check=_check,
    before_delete=_in_use,
    listing=False,
)


@router.get("/jumpoint", response_model=list[Jumpoint])
async def list_jumpoints(
    request: Request,
    response: Response,
    app: State,
    _account: Reader,
    page: Paging,
    name: Annotated[str | None, Query(max_length=255)] = None,
    code_name: Annotated[str | None, Query(max_length=64)] = None,
    public_ip: Annotated[str | None, Query(max_length=255)] = None,
    private_ip: Annotated[str | None, Query(max_length=255)] = None,
    hostname: Annotated[str | None, Query(max_length=255)] = None,
) -> Sequence[Jumpoint]:
    """By name and code name; the node filters match nothing (no node is known)."""
    if any(v is not None for v in (public_ip, private_ip, hostname)):
        return paginate(request, response, page, [], 0)
    where = [(k, v) for k, v in (("name", name), ("code_name", code_name)) if v is not None]
    with app.repo.reading():
        total = app.repo.jumpoints.count(where)
        found = app.repo.jumpoints.find(where, limit=page.per_page, offset=page.offset)
    return paginate(request, response, page, found, total)


def _jumpoint(app: Site, id_: int) -> Jumpoint:
    found = app.repo.jumpoints.get(id_)
    if found is None:
        raise not_found("Jumpoint", id_)
    return found


@router.get("/jumpoint/{id}/node", response_model=list[JumpointNode])
async def list_nodes(id: PathId, app: State, _account: Reader) -> list[JumpointNode]:
    _jumpoint(app, id)
    return []


#: what ``/jumpoint/{id}/installer`` answers: a script that starts the relay
INSTALLER_TYPE = "application/x-executable"


@router.get(
    "/jumpoint/{id}/installer",
    response_class=Response,
    responses={200: {"content": {INSTALLER_TYPE: {"schema": {"type": "string"}}}}},
)
async def jumpoint_installer(
    id: PathId, request: Request, app: State, _account: Reader
) -> Response:
    """A POSIX shell script that runs the Jumpoint where its clients reach it."""
    jumpoint = _jumpoint(app, id)
    appliance = str(request.base_url).removesuffix("/").removesuffix("/api/config/v1")
    port = urlsplit(jumpoint.address).port or 8500
    script = (
        "#!/bin/sh\n"
        f"# Jumpoint {jumpoint.id}: relays its clients to this appliance.\n"
        f"exec jump-appliance jumpoint --appliance {shlex.quote(appliance)} "
        f"--listen 0.0.0.0:{port}\n"
    )
    name = f"jumpoint-{jumpoint.id}.sh"
    return Response(
        script,
        media_type=INSTALLER_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _users(app: Site, id_: int) -> list[JumpointUser]:
    rows = app.repo.execute(
        "SELECT user_id FROM jumpoint_user WHERE jumpoint_id = ? ORDER BY user_id", (id_,)
    ).fetchall()
    return [JumpointUser(user_id=int(r[0])) for r in rows]


@router.get("/jumpoint/{id}/user", response_model=list[JumpointUser])
async def list_users(
    id: PathId, request: Request, response: Response, app: State, _account: Reader, page: Paging
) -> Sequence[JumpointUser]:
    with app.repo.reading():
        _jumpoint(app, id)
        users = _users(app, id)
    shown = users[page.offset : page.offset + page.per_page]
    return paginate(request, response, page, shown, len(users))


@router.post("/jumpoint/{id}/user", response_model=JumpointUser, status_code=201)
async def add_user(
    id: PathId,
    body: JumpointUser,
    request: Request,
    response: Response,
    app: State,
    account: Writer,
) -> JumpointUser:
    with app.repo.transaction():
        _jumpoint(app, id)
        if app.repo.users.get(body.user_id) is None:
            raise invalid("user_id", f"names no user (id {body.user_id})")
        if any(u.user_id == body.user_id for u in _users(app, id)):
            raise invalid("user_id", f"user {body.user_id} may already use this Jumpoint")
        app.repo.execute(
            "INSERT INTO jumpoint_user (jumpoint_id, user_id) VALUES (?, ?)", (id, body.user_id)
        )
        app.audit(account.actor, "jumpoint.user_add", f"jumpoint:{id}", user_id=body.user_id)
    response.headers["Location"] = str(
        request.url_for("get_jumpoint_user", id=id, user_id=body.user_id)
    )
    return body


@router.get("/jumpoint/{id}/user/{user_id}", response_model=JumpointUser)
async def get_jumpoint_user(
    id: PathId, user_id: PathId, app: State, _account: Reader
) -> JumpointUser:
    _jumpoint(app, id)
    if not any(u.user_id == user_id for u in _users(app, id)):
        raise Refused.because(404, "not_found", f"User {user_id} may not use Jumpoint {id}.")
    return JumpointUser(user_id=user_id)


@router.delete("/jumpoint/{id}/user/{user_id}", status_code=204)
async def remove_user(id: PathId, user_id: PathId, app: State, account: Writer) -> Response:
    with app.repo.transaction():
        _jumpoint(app, id)
        gone = app.repo.execute(
            "DELETE FROM jumpoint_user WHERE jumpoint_id = ? AND user_id = ?", (id, user_id)
        ).rowcount
        if not gone:
            raise Refused.because(404, "not_found", f"User {user_id} may not use Jumpoint {id}.")
        app.audit(account.actor, "jumpoint.user_remove", f"jumpoint:{id}", user_id=user_id)
    return Response(status_code=204)
