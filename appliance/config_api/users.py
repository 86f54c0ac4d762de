"""``/user``: the representatives, read, enabled or disabled, and their passwords set.

Disabling a user or setting a new password ends every sign-in of theirs at once: their
tokens are refused from then on, and their open live feeds and shells close, on every node,
with the reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from appliance.config_api._crud import add_crud
from appliance.config_api._deps import PathId, State, Writer, not_found, reject_unknown_query
from appliance.security import hash_secret
from appliance.site import Revocation
from domain import User
from domain.protocol.close import DISABLED, PASSWORD_CHANGED
from domain.users import UserUpdate

router = APIRouter(tags=["user"], dependencies=[Depends(reject_unknown_query)])

add_crud(
    router,
    path="/user",
    kind="user",
    table=lambda app: app.repo.users,
    model=User,
    create=None,
    update=None,
    name_field="username",
    read_only=True,
)


@router.patch("/user/{id}", response_model=User)
async def update_user(id: PathId, body: UserUpdate, app: State, account: Writer) -> User:
    """Enable or disable the user, or set their password (write-only: never answered)."""
    changes = body.changes()
    password = changes.pop("password", None)
    hashed = None if password is None else await run_in_threadpool(hash_secret, password)
    with app.repo.transaction():
        user = app.repo.users.get(id)
        if user is None:
            raise not_found("user", id)
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
    return user
