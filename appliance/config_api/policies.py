"""``/jump-policy`` (+ ``/schedule``) and ``/session-policy``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from appliance.config_api._crud import add_crud, fill_code_name
from appliance.config_api._deps import (
    PathId,
    Reader,
    State,
    Writer,
    not_found,
    reject_unknown_query,
)
from appliance.errors import Refused
from appliance.site import Site
from domain import (
    JumpPolicy,
    JumpPolicyCreate,
    JumpPolicyUpdate,
    Schedule,
    SessionPolicy,
    SessionPolicyCreate,
    SessionPolicyUpdate,
)
from domain.session_policy import SITE_DEFAULT_SESSION_POLICY_ID

router = APIRouter(dependencies=[Depends(reject_unknown_query)])

add_crud(
    router,
    path="/jump-policy",
    kind="Jump Policy",
    table=lambda app: app.repo.policies,
    model=JumpPolicy,
    create=JumpPolicyCreate,
    update=JumpPolicyUpdate,
    name_field="display_name",
    check=lambda _app, values: fill_code_name(values, "display_name", "jump_policy"),
)


def _keep_site_default(_app: Site, id_: int) -> None:
    if id_ == SITE_DEFAULT_SESSION_POLICY_ID:
        raise Refused.because(
            422,
            "invalid",
            "The site default session policy (id 1) cannot be deleted; edit it instead.",
            errors={"id": ["the site default session policy cannot be deleted"]},
        )


add_crud(
    router,
    path="/session-policy",
    kind="session policy",
    table=lambda app: app.repo.session_policies,
    model=SessionPolicy,
    create=SessionPolicyCreate,
    update=SessionPolicyUpdate,
    name_field="display_name",
    before_delete=_keep_site_default,
)


@router.get("/jump-policy/{id}/schedule", response_model=Schedule, tags=["jump-policy"])
async def get_schedule(id: PathId, app: State, _account: Reader) -> Schedule:
    schedule = app.repo.schedule(id)
    if schedule is None:
        raise not_found("Jump Policy", id)
    return schedule


@router.put("/jump-policy/{id}/schedule", response_model=Schedule, tags=["jump-policy"])
async def put_schedule(id: PathId, body: Schedule, app: State, account: Writer) -> Schedule:
    with app.repo.transaction():
        if not app.repo.set_schedule(id, body):
            raise not_found("Jump Policy", id)
        app.audit(
            account.actor,
            "jump_policy.schedule",
            f"jump_policy:{id}",
            entries=len(body.entries),
            timezone=body.timezone,
        )
    return body
