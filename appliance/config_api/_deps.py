"""Request plumbing of the Config API: errors, auth, rate limits, query checks, pagination."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from appliance._access import access_for
from appliance.errors import Refused
from appliance.live import LiveHub
from appliance.security import token_hash
from appliance.services import services_of
from appliance.site import Site
from domain import AccessContext, ApiAccess, JumpGroupType
from domain._types import MAX_ID
from domain.access import Action
from domain.protocol.close import DISABLED

T = TypeVar("T", bound=BaseModel)


def not_found(kind: str, id_: int) -> Refused:
    return Refused.because(404, "not_found", f"No {kind} has the id {id_}.")


def _unauthorized(message: str) -> Refused:
    return Refused.because(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


_allowed_query: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
    """Any query parameter the endpoint does not declare is answered with 401 (as BT does)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _allowed_query.get(id(route))
    if allowed is None:
        allowed = frozenset(_query_names(route.dependant))
        _allowed_query[id(route)] = allowed
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise _unauthorized(f"Unknown query parameter '{unknown[0]}'; check the request.")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls the Config API: an API account, or a representative with the admin role
    (the console's administration screens use the same API and the same rules), or a
    privileged representative with the installer permission (``installers_in``)."""

    actor: str  # as the audit names it: ``api:CLIENT_ID`` or ``rep:USERNAME``
    access: ApiAccess
    rate_key: str
    installers_in: AccessContext | None = None
    """None: the whole site. Else the caller holds the installer permission only: it reaches
    the installers alone (and reads the Jumpoints, for the wizard), of the Jump Groups this
    access lets it add Jump Items to."""

    def may_deploy_to(self, kind: JumpGroupType, group_id: int) -> bool:
        """Whether this caller may see and manage installers for this Jump Group."""
        scope = self.installers_in
        return scope is None or scope.permits(kind, group_id, Action.ADD_ITEMS)


#: what the installer permission reaches, inside the Config API (method, path pattern)
_INSTALLER_ROUTES = re.compile(r"^(\w+ /jump-client/installer(/.*)?|GET /jumpoint)$")


def _installer_route(request: HTTPConnection) -> bool:
    """Whether the request is one the installer permission reaches (asked by the request
    guard, before the API's mount, and by the API: the whole path both times)."""
    path = request.url.path.removeprefix("/api/config/v1")
    method = request.scope.get("method", "GET")
    return _INSTALLER_ROUTES.match(f"{method} {path}") is not None


def caller_of(request: HTTPConnection) -> Caller:
    """The caller of the bearer token, from the request's headers alone (nothing spent)."""
    services = services_of(request)
    app = services.site
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer token is required; get one from POST /oauth2/token.")
    found = app.repo.token(token_hash(token.strip()), app.clock.now().timestamp())
    if found is None or found[0] not in ("api", "rep"):
        raise _unauthorized("The token is invalid or has expired; request a new one.")
    if found[0] == "rep":
        user = app.repo.users.get(found[1])
        if user is not None and not user.enabled:
            raise _unauthorized(DISABLED)
        if user is None or not (user.is_admin or user.perm_installers):
            raise Refused.because(
                403, "forbidden", "Only site administrators may use the Config API from a console."
            )
        scope = None
        if not user.is_admin:  # checked on every request: a permission taken away ends here
            if not _installer_route(request):
                raise Refused.because(
                    403,
                    "forbidden",
                    "Your installer permission covers the Jump Client installers only; ask a "
                    "site administrator for the rest.",
                )
            scope = access_for(app, user)
        caller = Caller(
            f"rep:{user.username}", ApiAccess.FULL_ACCESS, f"rep:{user.id}", installers_in=scope
        )
    else:
        row = app.repo.execute(
            "SELECT client_id FROM api_account WHERE id = ?", (found[1],)
        ).fetchone()
        account = app.repo.api_account_by_client_id(row[0]) if row else None
        if account is None:
            raise _unauthorized("The token's API account no longer exists.")
        caller = Caller(f"api:{account[0].client_id}", account[0].access, f"api:{account[0].id}")
    return caller


def current_account(request: Request) -> Caller:
    """The caller of the bearer token; spends one request of its rate limit."""
    caller = caller_of(request)
    services = services_of(request)
    verdict = services.limiter.check(caller.rate_key)
    request.state.ratelimit = verdict
    if not verdict.allowed:
        raise Refused.because(
            429,
            "rate_limited",
            f"Too many requests for this API account; retry in {verdict.retry_after} s.",
            headers={"Retry-After": str(verdict.retry_after)},
        )
    return caller


def writing_account(account: Annotated[Caller, Depends(current_account)]) -> Caller:
    if account.access is not ApiAccess.FULL_ACCESS:
        raise Refused.because(
            403, "forbidden", "This API account may only read; ask for full access to change data."
        )
    return account


#: an id in a path: what the database can hold (a larger one is a 422, not a server error)
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

Reader = Annotated[Caller, Depends(current_account)]
Writer = Annotated[Caller, Depends(writing_account)]


def the_site(request: Request) -> Site:
    return services_of(request).site


def the_live_hub(request: Request) -> LiveHub:
    return services_of(request).live


State = Annotated[Site, Depends(the_site)]
Live = Annotated[LiveHub, Depends(the_live_hub)]


@dataclass(frozen=True, slots=True)
class Page:
    per_page: int
    current_page: int

    @property
    def offset(self) -> int:
        return (self.current_page - 1) * self.per_page


def page_params(
    per_page: Annotated[int, Query(ge=5, le=100)] = 100,
    current_page: Annotated[int, Query(ge=1, le=2_147_483_647)] = 1,
) -> Page:
    return Page(per_page, current_page)


Paging = Annotated[Page, Depends(page_params)]


def paginate(
    request: Request, response: Response, page: Page, items: Sequence[T], total: int
) -> Sequence[T]:
    """Set ``Link`` and ``X-BT-Pagination-*`` headers for one page of ``total`` results."""
    last = max(1, math.ceil(total / page.per_page))

    def url(number: int) -> str:
        return str(request.url.include_query_params(per_page=page.per_page, current_page=number))

    links = [f'<{url(1)}>; rel="first"']
    if page.current_page > 1:
        links.append(f'<{url(min(page.current_page - 1, last))}>; rel="previous"')
    if page.current_page < last:
        links.append(f'<{url(page.current_page + 1)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
    response.headers["X-BT-Pagination-Current-Page"] = str(page.current_page)
    response.headers["X-BT-Pagination-Per-Page"] = str(page.per_page)
    response.headers["X-BT-Pagination-Last-Page"] = str(last)
    response.headers["X-BT-Pagination-Total"] = str(total)
    return items


def created(response: Response, request: Request, id_: int) -> None:
    response.status_code = 201
    response.headers["Location"] = str(request.url.replace(query="")).rstrip("/") + f"/{id_}"
