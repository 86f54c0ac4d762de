"""The appliance's services, as :func:`appliance.app.create_app` builds them: every one is
there (nothing to ask for), each built with its collaborators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from appliance.agents import AgentRegistry
    from appliance.agents.bundle import Bundle
    from appliance.bus import LocalBus, RedisBus
    from appliance.grants import Grants
    from appliance.live import LiveHub
    from appliance.ratelimit import RateLimiter
    from appliance.screens import ScreenRelay
    from appliance.sessions import SessionManager
    from appliance.shared import SharedCounters
    from appliance.shells import ShellRelay
    from appliance.signin import SignInGuard
    from appliance.site import Site
    from appliance.support import SupportQueue
    from appliance.upgrades import UpgradeOrchestrator
    from appliance.wake import WakeService


@dataclass(eq=False)
class Services:
    """The site core and every service of one appliance node."""

    site: Site
    bus: LocalBus | RedisBus
    shared: SharedCounters | None
    """The counters the nodes of a site share (None for a node alone)."""
    limiter: RateLimiter
    signin: SignInGuard
    """Checks secrets at sign-in, under the limits of failed sign-ins."""
    live: LiveHub
    agents: AgentRegistry
    sessions: SessionManager
    wake: WakeService
    upgrades: UpgradeOrchestrator
    shells: ShellRelay
    screens: ScreenRelay
    """Screen sharing's relay (its viewers hold grants too)."""
    grants: Grants
    """The rights of this node's open live feeds and shells (ended when revoked)."""
    support: SupportQueue
    bundle: Bundle | None
    """The Jump Client bundle this node offers for upgrades (None: it offers none)."""


#: where a request's or websocket's ASGI scope carries its appliance's services
_SCOPE_KEY = "jump.services"


class ServicesInScope:
    """The appliance's outermost middleware: every request and websocket carries the
    services of the appliance it reached. The Config and representative APIs are built once
    a process and shared by its appliances (FastAPI builds each route's validation again
    for every app that includes it: a tenth of a second a router), so they find their
    appliance here, not on themselves."""

    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            scope[_SCOPE_KEY] = self.services
        await self.app(scope, receive, send)


def services_of(conn: HTTPConnection) -> Services:
    """The services of the appliance serving this request (see :class:`ServicesInScope`)."""
    services: Services = conn.scope[_SCOPE_KEY]
    return services


#: a route's parameter: the services of the appliance the request reached
Node = Annotated[Services, Depends(services_of)]
