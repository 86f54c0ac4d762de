"""Authentication of the representative API."""

from __future__ import annotations

from typing import Annotated, NamedTuple

from fastapi import Depends, WebSocket
from starlette.requests import HTTPConnection

from appliance.errors import Refused
from appliance.security import token_hash
from appliance.services import Node, services_of
from domain import User
from domain.protocol.close import DISABLED, EXPIRED, Close


class SignedIn(NamedTuple):
    """A websocket's representative, and the hash of the token it signed in with (what a
    revocation names)."""

    user: User
    token_hash: str


def current_user(request: HTTPConnection) -> User:
    """The representative of the bearer token (header, or ``access_token`` for websockets)."""
    return signed_in_as(request).user


def signed_in_as(request: HTTPConnection) -> SignedIn:
    """The representative of the bearer token, and the token's hash."""
    app = services_of(request).site
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if not token and request.scope["type"] == "websocket":
        scheme, token = "bearer", request.query_params.get("access_token", "")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused.because(401, "unauthorized", "Sign in first: no bearer token was sent.")
    hashed = token_hash(token.strip())
    found = app.repo.token(hashed, app.clock.now().timestamp())
    if found is None or found[0] != "rep":
        raise Refused.because(401, "unauthorized", EXPIRED)
    user = app.repo.users.get(found[1])
    if user is None:
        raise Refused.because(401, "unauthorized", "Your account no longer exists.")
    if not user.enabled:
        raise Refused.because(401, "disabled", DISABLED)
    return SignedIn(user, hashed)


async def signed_in(ws: WebSocket) -> SignedIn | None:
    """Accept a websocket and name its representative; one that is not signed in is closed
    with ``Close.UNAUTHORIZED`` and the reason (None then)."""
    await ws.accept()
    try:
        return signed_in_as(ws)
    except Refused as err:
        await ws.close(Close.UNAUTHORIZED, err.message[:120])
        return None


Rep = Annotated[User, Depends(current_user)]
State = Node
