"""The Config API (``/api/config/v1``), shaped like BeyondTrust's."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appliance._guard import AllowedMethods
from appliance._validation import (
    answer_database_unavailable,
    answer_invalid_input,
    bag_sentence,
    error_bag,
    unknown_field,
)
from appliance.config_api import (
    audit,
    groups,
    jump_clients,
    jumpoints,
    policies,
    portals,
    site,
    teams,
    users,
)
from appliance.errors import Refused, config_body
from appliance.ratelimit import Verdict

__all__ = ["config_api"]


class _RateLimitHeaders:
    """Adds ``X-RateLimit-*`` to every answer of an authenticated request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                verdict = scope.get("state", {}).get("ratelimit")
                if isinstance(verdict, Verdict):
                    headers = list(message.get("headers", []))
                    headers.append((b"x-ratelimit-limit", str(verdict.limit).encode()))
                    headers.append((b"x-ratelimit-remaining", str(verdict.remaining).encode()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ErrorBody(BaseModel):
    """Every error answer: one sentence, and for 422 the field error bag."""

    message: str
    errors: dict[str, list[str]] | None = None


#: the errors any operation may answer, documented once for all of them
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not JSON"},
    401: {"model": ErrorBody, "description": "No valid token, or an unknown field or parameter"},
    403: {"model": ErrorBody, "description": "The account may not do this"},
    404: {"model": ErrorBody, "description": "No such resource"},
    405: {"model": ErrorBody, "description": "The path does not take this method"},
    409: {"model": ErrorBody, "description": "The change conflicts with the data"},
    413: {"model": ErrorBody, "description": "The body is too large"},
    422: {"model": ErrorBody, "description": "A value breaks a documented limit"},
    429: {"model": ErrorBody, "description": "Too many requests; see Retry-After"},
    502: {"model": ErrorBody, "description": "A server the appliance relies on refused"},
    503: {"model": ErrorBody, "description": "The appliance cannot answer now"},
}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_response(errors: Any) -> JSONResponse:
    unknown = unknown_field(errors)
    if unknown is not None:
        return _json(401, {"message": f"Unknown field '{unknown}' in the request body."})
    bag = error_bag(errors)
    return _json(422, {"message": bag_sentence(bag), "errors": bag})


@functools.cache
def config_api() -> FastAPI:
    """The Config API, built once a process and mounted by each of its appliances (a
    request finds its appliance's services in its scope: ``services_of``)."""
    api = FastAPI(
        title="Jump Console appliance — Config API",
        version="1",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    answer_database_unavailable(api, with_code=False)
    api.add_middleware(_RateLimitHeaders)

    @api.exception_handler(Refused)
    async def on_refused(_request: Request, exc: Refused) -> JSONResponse:
        return _json(exc.status, config_body(exc.refusal), exc.headers)

    answer_invalid_input(api, _validation_response)

    @api.exception_handler(HTTPException)
    async def on_http(_request: Request, exc: HTTPException) -> JSONResponse:
        return _json(exc.status_code, {"message": str(exc.detail)}, dict(exc.headers or {}))

    for router in (
        site.router,
        jump_clients.router,
        groups.router,
        users.router,
        teams.router,
        portals.router,
        jumpoints.router,
        policies.router,
        audit.router,
    ):
        # site first: its /jump-client/settings and installer paths before /jump-client/{id}
        api.include_router(router, responses=ERRORS)
    api.add_middleware(AllowedMethods, api=api)
    return api
