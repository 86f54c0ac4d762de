"""``/jump-client``: list with filters and pagination, show, patch, delete, copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from appliance.config_api._deps import (
    Live,
    Paging,
    PathId,
    Reader,
    State,
    Writer,
    created,
    not_found,
    paginate,
    reject_unknown_query,
)
from appliance.config_api._refs import check_references
from appliance.site import Site
from domain import ConnectionType, JumpClient, JumpClientCopy, JumpClientUpdate, JumpGroupType
from domain._types import MAX_ID
from domain.jump_client import JumpClientAnswer, JumpClientCopied, with_whole_destination
from domain.rules import expires_at

router = APIRouter(tags=["jump-client"], dependencies=[Depends(reject_unknown_query)])


def answer(app: Site, client: JumpClient) -> JumpClient:
    """The item with what BeyondTrust's fields say of it now (its expiration)."""
    days = app.settings().days_before_deleted
    expires = expires_at(client, days_before_deleted=days, now=app.clock.now())
    return client.model_copy(update={"expiration_timestamp": expires})


@router.get("/jump-client", response_model=list[JumpClientAnswer])
async def list_jump_clients(
    request: Request,
    response: Response,
    app: State,
    live: Live,
    _account: Reader,
    page: Paging,
    name: str | None = None,
    hostname: str | None = None,
    fqdn: str | None = None,
    tag: str | None = None,
    jump_group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    jump_group_type: JumpGroupType | None = None,
    console_user: str | None = None,
    public_ip: str | None = None,
    private_ip: str | None = None,
    connection_type: ConnectionType | None = None,
) -> Sequence[JumpClient]:
    filters: dict[str, Any] = {
        "name": name,
        "hostname": hostname,
        "fqdn": fqdn,
        "tag": tag,
        "jump_group_id": jump_group_id,
        "jump_group_type": jump_group_type.value if jump_group_type else None,
        "console_user": console_user,
        "public_ip": public_ip,
        "private_ip": private_ip,
        "connection_type": connection_type.value if connection_type else None,
    }
    where = [(k, v) for k, v in filters.items() if v is not None]
    with app.repo.reading():
        total = app.repo.clients.count(where)
        items = [
            answer(app, live.overlay(c))
            for c in app.repo.clients.find(where, limit=page.per_page, offset=page.offset)
        ]
    return paginate(request, response, page, items, total)


@router.get("/jump-client/{id}", response_model=JumpClientAnswer)
async def get_jump_client(id: PathId, app: State, live: Live, _account: Reader) -> JumpClient:
    client = app.repo.clients.get(id)
    if client is None:
        raise not_found("Jump Client", id)
    return answer(app, live.overlay(client, thumbnail=True))


@router.patch("/jump-client/{id}", response_model=JumpClientAnswer)
async def patch_jump_client(
    id: PathId, body: JumpClientUpdate, app: State, account: Writer
) -> JumpClient:
    changes = body.changes()
    with app.repo.transaction():
        current = app.repo.clients.get(id)
        if current is None:
            raise not_found("Jump Client", id)
        with_whole_destination(current, changes)
        check_references(app, changes)
        updated = app.repo.clients.update(id, changes)
        assert updated is not None
        app.audit(
            account.actor,
            "jump_client.update",
            f"jump_client:{id}",
            fields=sorted(changes),
        )
    app.changed([id])
    return answer(app, updated)


@router.delete("/jump-client/{id}", status_code=204)
async def delete_jump_client(id: PathId, app: State, account: Writer) -> Response:
    with app.repo.transaction():
        if not app.repo.clients.delete(id):
            raise not_found("Jump Client", id)
        app.audit(account.actor, "jump_client.delete", f"jump_client:{id}")
    app.changed(removed=[id])
    return Response(status_code=204)


@router.post("/jump-client/{id}/copy", response_model=JumpClientCopied)
async def copy_jump_client(
    id: PathId,
    body: JumpClientCopy,
    request: Request,
    response: Response,
    app: State,
    account: Writer,
) -> JumpClientCopied:
    """Copy the item (BeyondTrust answers 200 with the copy's id as ``destId``)."""
    with app.repo.transaction():
        source = app.repo.clients.get(id)
        if source is None:
            raise not_found("Jump Client", id)
        target = body.model_dump(exclude_none=True)
        check_references(app, target)
        values = source.model_dump(exclude={"id", "x_status"})
        values.update(target)
        copy = app.repo.clients.insert(values)
        app.audit(account.actor, "jump_client.copy", f"jump_client:{id}", copy_id=copy.id)
    app.changed([copy.id])
    response.headers["Location"] = str(request.url_for("get_jump_client", id=copy.id))
    copied = JumpClientAnswer.model_validate(answer(app, copy).model_dump())
    return JumpClientCopied(dest_id=copy.id, x_jump_client=copied)


__all__ = ["created", "router"]
