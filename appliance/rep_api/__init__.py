"""The representative API (``/api/rep/v1``): what the console talks to."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import JSONResponse

from appliance._access import SubjectBuilder, access_for, visible_clients
from appliance._guard import AllowedMethods
from appliance._validation import answer_coded_errors
from appliance.agents import NodesUnavailable
from appliance.config_api._deps import Paging, PathId, paginate
from appliance.errors import CODED_ERRORS, Refused, coded_body
from appliance.rep_api import audit, items, screen, sessions
from appliance.rep_api._deps import Rep, State, signed_in
from appliance.security import new_token, token_hash
from appliance.services import services_of
from appliance.signin import Attempt, client_address
from appliance.site import Revocation
from domain import FilterError, JumpClient, Schedule
from domain.filters import parse
from domain.jump_policy import JumpPolicyWithSchedule
from domain.protocol.close import DISABLED, REPLACED
from domain.protocol.rep import GroupAccess, Login, Me, TokenAnswer
from domain.site import RepSite

__all__ = ["rep_api"]


@functools.cache
def rep_api() -> FastAPI:
    """The representative API, built once a process and mounted by each of its appliances
    (a request finds its appliance's services in its scope: ``services_of``)."""
    api = FastAPI(
        title="Jump Console appliance — representative API",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=CODED_ERRORS,
    )
    api.add_middleware(AllowedMethods, api=api)
    answer_coded_errors(api)

    @api.exception_handler(Refused)
    async def on_refused(_request: Request, exc: Refused) -> JSONResponse:
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        if exc.status == 503:  # the site is briefly in trouble: worth trying again
            headers.setdefault("Retry-After", str(NodesUnavailable.retry_after_s))
        return JSONResponse(coded_body(exc.refusal), status_code=exc.status, headers=headers)

    @api.post("/login", response_model=TokenAnswer)
    async def login(body: Login, request: Request, app: State) -> TokenAnswer:
        found = app.site.repo.user_by_name(body.username)
        attempt = Attempt("rep", body.username, client_address(request), "rep_api")
        ok = await app.signin.check(attempt, body.password, found[1] if found else None)
        if not ok or found is None:
            with app.site.repo.transaction():
                app.site.audit(body.username, "login.refused", "rep_api")
            raise Refused.because(401, "invalid_credentials", "The username or password is wrong.")
        user = found[0]
        if not user.enabled:
            with app.site.repo.transaction():
                app.site.audit(body.username, "login.refused", "rep_api", reason="disabled")
            raise Refused.because(401, "disabled", DISABLED)
        token = new_token()
        issued = app.site.clock.now().timestamp()
        ttl = app.site.config.rep_token_ttl_s
        with app.site.repo.transaction():
            replaced = app.site.repo.add_token(
                token_hash(token),
                "rep",
                user.id,
                issued,
                issued + ttl,
                keep=app.site.config.max_tokens_per_account,
            )
            app.site.audit(user.username, "login", "rep_api")
        if replaced:  # the oldest sign-ins of the account end, open connections too
            app.site.revoked(Revocation(REPLACED, tokens=frozenset(replaced)))
        return TokenAnswer(access_token=token, expires_in=ttl)

    @api.get("/me", response_model=Me)
    async def me(user: Rep, app: State) -> Me:
        access = access_for(app.site, user)
        labels = SubjectBuilder(app.site, user)
        entries = []
        for (kind, gid), perms in sorted(access.by_group.items()):
            name = labels.group_name(kind, gid)
            entries.append(
                GroupAccess(
                    jump_group_type=kind, jump_group_id=gid, name=name, permissions=sorted(perms)
                )
            )
        return Me(user=user, teams=app.site.repo.teams_of(user.id), groups=entries)

    @api.get("/jump-items", response_model=list[JumpClient])
    async def jump_items(
        request: Request, response: Response, user: Rep, app: State, page: Paging, q: str = ""
    ) -> Sequence[JumpClient]:
        try:
            query = parse(q)
        except FilterError as err:
            raise Refused.because(
                422, "invalid_filter", err.message, position=err.position
            ) from None
        items = visible_clients(app.site, access_for(app.site, user))
        window = slice(page.offset, page.offset + page.per_page)
        if query.is_empty:
            chosen = [app.live.overlay(c) for c in items[window]]
        else:  # matched as answered: with the latest statistics
            subjects = SubjectBuilder(app.site, user)
            items = [c for c in map(app.live.overlay, items) if query.matches(subjects.subject(c))]
            chosen = items[window]
        return paginate(request, response, page, chosen, len(items))

    api.include_router(items.router)
    api.include_router(sessions.router)
    api.include_router(screen.router)
    api.include_router(audit.router)

    @api.get("/site", response_model=RepSite)
    async def site(_user: Rep, app: State) -> RepSite:
        policies = [
            JumpPolicyWithSchedule(
                **p.model_dump(), schedule=app.site.repo.schedule(p.id) or Schedule()
            )
            for p in app.site.repo.policies.find()
        ]
        return RepSite(
            jump_policies=policies,
            session_policies=app.site.repo.session_policies.find(),
            settings=app.site.settings(),
        )

    @api.websocket("/live")
    async def live(ws: WebSocket) -> None:
        app = services_of(ws)
        signed = await signed_in(ws)
        if signed is not None:
            with app.grants.hold(*signed) as grant:
                try:
                    await app.live.serve(ws, grant)
                finally:  # the sessions it leaves without a console count their grace now
                    app.sessions.consoles_changed()

    @api.get("/jump-items/{id}", response_model=JumpClient)
    async def jump_item(id: PathId, user: Rep, app: State) -> JumpClient:
        client = app.site.repo.clients.get(id)
        access = access_for(app.site, user)
        if client is None or not access.can_see(client.jump_group_type, client.jump_group_id):
            raise Refused.because(
                404, "not_found", f"No Jump Item has the id {id}, or you may not see it."
            )
        return app.live.overlay(client, thumbnail=True)

    return api
