"""Actions of the representative API on Jump Items: start sessions, wake, upgrade, edit,
copy, remove.

Every rule is checked here (the console only explains); a refusal is
:class:`appliance.errors.Refused`, answered ``{"error": CODE, "message": sentence, ...}``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response

from appliance._access import access_for
from appliance.config_api._deps import PathId
from appliance.config_api._refs import check_references
from appliance.errors import Refused
from appliance.rep_api._deps import Rep, State
from appliance.services import Services
from domain import JumpClient, JumpClientCopy, JumpClientUpdate, JumpGroupType, User
from domain.access import Action, missing_permissions
from domain.jump_client import with_whole_destination
from domain.protocol.rep import (
    MultiStart,
    MultiStartAnswer,
    MultiStartResult,
    UpgradeAnswer,
    WakeAnswer,
    WakeRequest,
)
from domain.rules import Refusal, parse_secureon, remove_refusal, role_refusal
from domain.session import SessionStarted

router = APIRouter()


def _item(app: Services, user: User, item_id: int, action: Action | None = None) -> JumpClient:
    """The item if the representative may see it (404 otherwise) and do ``action`` (403)."""
    client = app.site.repo.clients.get(item_id)
    access = access_for(app.site, user)
    if client is None or not access.can_see(client.jump_group_type, client.jump_group_id):
        raise Refused.because(
            404, "not_found", f"No Jump Item has the id {item_id}, or you may not see it."
        )
    if action is not None and not access.permits(
        client.jump_group_type, client.jump_group_id, action
    ):
        raise Refused(role_refusal(action, client))
    return client


@router.post("/jump-items/{id}/sessions", response_model=SessionStarted, status_code=201)
async def start_session(id: PathId, user: Rep, app: State) -> SessionStarted:
    return await app.sessions.start(user, id)


@router.post("/jump-items/sessions", response_model=MultiStartAnswer)
async def start_many(body: MultiStart, user: Rep, app: State) -> MultiStartAnswer:
    """Up to 10 items at once; each item succeeds or fails on its own."""
    sessions = app.sessions

    async def one(item_id: int) -> MultiStartResult:
        try:
            return MultiStartResult(id=item_id, started=await sessions.start(user, item_id))
        except Refused as err:
            return MultiStartResult(id=item_id, error=err.refusal.code, message=err.refusal.message)

    # at once: a present user may take up to the prompt's timeout to answer on each item
    results = await asyncio.gather(*(one(i) for i in dict.fromkeys(body.ids)))
    return MultiStartAnswer(results=list(results))


@router.get("/jump-items/{id}/wake", response_model=WakeAnswer)
async def can_wake(id: PathId, user: Rep, app: State) -> WakeAnswer:
    """Whether a wake would be sent now, and via which peer (nothing is sent): the console
    explains wake with this answer, so it says what the appliance would decide."""
    client = _item(app, user, id, Action.WAKE)
    verdict = app.wake.check(client, app.site.clock.now())
    if isinstance(verdict, Refusal):
        raise Refused(verdict)
    via = _seen_name(app, user, verdict)
    return WakeAnswer(
        via=via, message=f"{via or 'A Jump Client'} on the same network would send the packet."
    )


def _seen_name(app: Services, user: User, peer: JumpClient) -> str:
    """The relaying peer's name, when this representative may see it ('' otherwise: a peer
    in a list they may not see is not named to them)."""
    access = access_for(app.site, user)
    return peer.name if access.can_see(peer.jump_group_type, peer.jump_group_id) else ""


@router.post("/jump-items/{id}/wake", response_model=WakeAnswer, status_code=202)
async def wake(id: PathId, user: Rep, app: State, body: WakeRequest | None = None) -> WakeAnswer:
    client = _item(app, user, id, Action.WAKE)
    password = parse_secureon(body.wol_password) if body and body.wol_password else None
    via = _seen_name(app, user, await app.wake.wake(user, id, password))
    by = via or "another Jump Client on its network"
    return WakeAnswer(via=via, message=f"Wake packet for '{client.name}' sent via {by}.")


@router.post("/jump-items/{id}/upgrade", response_model=UpgradeAnswer, status_code=202)
async def upgrade(id: PathId, user: Rep, app: State) -> UpgradeAnswer:
    client = _item(app, user, id, Action.UPGRADE)
    app.upgrades.request(user, id)
    return UpgradeAnswer(state="queued", message=f"'{client.name}' is queued for an upgrade.")


@router.patch("/jump-items/{id}", response_model=JumpClient)
async def edit(id: PathId, body: JumpClientUpdate, user: Rep, app: State) -> JumpClient:
    client = _item(app, user, id)
    changes = with_whole_destination(client, body.changes())
    access = access_for(app.site, user)
    missing = missing_permissions(
        access.permissions(client.jump_group_type, client.jump_group_id), changes
    )
    if missing:
        field, perm = next(iter(missing.items()))
        raise Refused.because(
            403,
            "forbidden",
            f"Your role does not allow changing {field} of '{client.name}' (it needs {perm}).",
            fields=sorted(missing),
        )
    _check_destination(app, user, changes)
    with app.site.repo.transaction():
        if app.site.repo.clients.get(id) is None:
            raise Refused.because(404, "not_found", f"'{client.name}' was removed meanwhile.")
        check_references(app.site, changes)
        updated = app.site.repo.clients.update(id, changes)
        assert updated is not None
        app.site.audit(
            user.username, "jump_item.update", f"jump_client:{id}", fields=sorted(changes)
        )
    app.site.changed([id])
    return app.live.overlay(updated)  # as every item body: only the selected statistics


@router.post("/jump-items/{id}/copy", response_model=JumpClient, status_code=201)
async def copy(id: PathId, body: JumpClientCopy, user: Rep, app: State) -> JumpClient:
    client = _item(app, user, id, Action.COPY)
    target = body.model_dump(exclude_none=True)
    _check_destination(app, user, target, required=True)
    with app.site.repo.transaction():
        source = app.site.repo.clients.get(id)
        if source is None:
            raise Refused.because(404, "not_found", f"'{client.name}' was removed meanwhile.")
        values = source.model_dump(exclude={"id", "x_status"})
        values.update(target)
        values["x_in_session_by"] = []
        created = app.site.repo.clients.insert(values)
        app.site.audit(user.username, "jump_item.copy", f"jump_client:{id}", copy_id=created.id)
    app.site.changed([created.id])
    return app.live.overlay(created)


@router.delete("/jump-items/{id}", status_code=204)
async def remove(id: PathId, user: Rep, app: State) -> Response:
    client = _item(app, user, id)
    permissions = access_for(app.site, user).permissions(
        client.jump_group_type, client.jump_group_id
    )
    # the session claims live in the shared database (any node may hold the session): read
    # them in the same write transaction that deletes, so no claim slips in between
    with app.site.repo.transaction():
        current = app.site.repo.clients.get(id)
        if current is None:
            raise Refused.because(404, "not_found", f"'{client.name}' was removed meanwhile.")
        refusal = remove_refusal(current, permissions)
        if refusal is not None:
            raise Refused(refusal)
        app.site.repo.clients.delete(id)
        app.site.audit(user.username, "jump_item.remove", f"jump_client:{id}", name=client.name)
    app.site.changed(removed=[id])
    return Response(status_code=204)


def _check_destination(
    app: Services, user: User, values: dict[str, Any], *, required: bool = False
) -> None:
    """Moving or copying needs add rights in the destination group (both halves named)."""
    if "jump_group_id" not in values and not required:
        return
    kind = JumpGroupType(values.get("jump_group_type") or JumpGroupType.SHARED)
    gid = values.get("jump_group_id")
    access = access_for(app.site, user)
    if gid is None or not access.permits(kind, gid, Action.ADD_ITEMS):
        raise Refused.because(
            403, "forbidden", "You may not add Jump Items to that group.", jump_group_id=gid
        )
