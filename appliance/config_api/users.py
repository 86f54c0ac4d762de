"""``/user``: the representatives, with BeyondTrust's names; enabled or disabled, renamed,
their passwords set; deleted (not an administrator).

Disabling a user, setting a new password or deleting the user ends every sign-in of theirs
at once: their tokens are refused from then on, and their open live feeds and shells close,
on every node, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

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
from appliance.security import hash_secret
from appliance.site import Revocation
from domain._types import MAX_ID
from domain.enums import JumpGroupType
from domain.protocol.close import DELETED, DISABLED, PASSWORD_CHANGED
from domain.users import UserResource, UserUpdate

router = APIRouter(tags=["user"], dependencies=[Depends(reject_unknown_query)])


@router.get("/user", response_model=list[UserResource])
async def list_users(
    request: Request,
    response: Response,
    app: State,
    _account: Reader,
    page: Paging,
    username: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    email_address: Annotated[str | None, Query(min_length=3, max_length=255)] = None,
    security_provider_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Sequence[UserResource]:
    """Every local user (our only security provider is the appliance itself, id 1); no
    user has an e-mail address, so that filter matches none."""
    where = [("username", username)] if username else []
    with app.repo.reading():
        if email_address is not None or security_provider_id not in (None, 1):
            total, users = 0, []
        else:
            total = app.repo.users.count(where)
            users = app.repo.users.find(where, limit=page.per_page, offset=page.offset)
    return paginate(request, response, page, [UserResource.of(u) for u in users], total)


@router.get("/user/{id}", response_model=UserResource)
async def get_user(id: PathId, app: State, _account: Reader) -> UserResource:
    user = app.repo.users.get(id)
    if user is None:
        raise not_found("user", id)
    return UserResource.of(user)


@router.patch("/user/{id}", response_model=UserResource)
async def update_user(id: PathId, body: UserUpdate, app: State, account: Writer) -> UserResource:
    """Enable or disable the user, rename them, or set their password (write-only: never
    answered)."""
    changes = body.user_changes()
    password = body.password
    hashed = None if password is None else await run_in_threadpool(hash_secret, password)
    with app.repo.transaction():
        user = app.repo.users.get(id)
        if user is None:
            raise not_found("user", id)
        name = changes.get("username")
        if name is not None and (found := app.repo.user_by_name(name)) and found[0].id != id:
            raise invalid("username", f"'{name}' is already the username of another user")
        if changes:
            user = app.repo.users.update(id, changes) or user
        if hashed is not None:
            app.repo.set_password(id, hashed)
        ends = not user.enabled or hashed is not None
        if ends:
            app.repo.revoke_tokens("rep", id)
        app.audit(account.actor, "user.update", f"user:{id}", fields=sorted(body.changes()))
    if ends:
        reason = DISABLED if not user.enabled else PASSWORD_CHANGED
        app.revoked(Revocation(reason, users=frozenset({id})))
    return UserResource.of(user)


@router.delete("/user/{id}", status_code=204)
async def delete_user(id: PathId, app: State, account: Writer) -> Response:
    """Delete a representative who is not an administrator, with their personal list; their
    memberships go with them, and every sign-in of theirs ends."""
    with app.repo.transaction():
        user = app.repo.users.get(id)
        if user is None:
            raise not_found("user", id)
        if user.is_admin:
            raise Refused.because(
                422,
                "invalid",
                "An administrator cannot be deleted; disable the account instead.",
                errors={"id": ["is an administrator"]},
            )
        personal = [("jump_group_type", JumpGroupType.PERSONAL.value), ("jump_group_id", id)]
        gone = app.repo.clients.ids(personal)
        app.repo.clients.delete_where(personal)
        app.repo.revoke_tokens("rep", id)
        app.repo.users.delete(id)
        app.audit(account.actor, "user.delete", f"user:{id}")
    app.changed(removed=gone)
    app.revoked(Revocation(DELETED, users=frozenset({id})))
    return Response(status_code=204)
