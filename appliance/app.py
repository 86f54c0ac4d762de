"""The appliance's ASGI application: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import warnings
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic.warnings import UnsupportedFieldAttributeWarning
from starlette.exceptions import HTTPException as StarletteHTTPException

from appliance._guard import Gate, RequestGuard
from appliance.agent_api import agent_api
from appliance.agents import AgentRegistry
from appliance.agents.bundle import Bundle
from appliance.agents.channel import AgentChannelFirst
from appliance.agents.remote import answer_request
from appliance.bootstrap import bootstrap, ensure_api_account
from appliance.bus import LocalBus, RedisBus, open_bus
from appliance.clock import Clock, SystemClock
from appliance.collector import keep_collections_short
from appliance.config import ApplianceSettings
from appliance.config_api import config_api
from appliance.config_api._deps import caller_of
from appliance.db import Repository
from appliance.errors import Refused, body_at, coded_body, config_body
from appliance.grants import Grants
from appliance.live import LiveHub
from appliance.maintenance import MaintenanceSweep, OrphanSweep
from appliance.ratelimit import RateLimiter, SharedRateLimiter
from appliance.rep_api import rep_api
from appliance.rep_api._deps import current_user
from appliance.screen_input import ScreenInputs
from appliance.screens import ScreenRelay
from appliance.security import new_token, token_hash
from appliance.services import Services, ServicesInScope
from appliance.sessions import SessionManager
from appliance.shared import SharedCounters
from appliance.shells import ShellRelay
from appliance.signin import Attempt, SignInGuard, client_address
from appliance.site import Revocation, Site
from appliance.support import SupportQueue
from appliance.upgrades import UpgradeOrchestrator
from appliance.wake import WakeService
from domain.protocol.agent import ShellExit, ShellOutput, read_reply
from domain.protocol.screen import read_agent_screen
from domain.rules import Refusal

# FastAPI wraps a request body's model in an adapter with the body's name as alias, and hides
# the warning pydantic gives for it while it builds the adapter. The domain's models build
# their validators when first used (``defer_build``), so the adapter is built at the first
# request instead, outside FastAPI's hiding, and the warning reached the appliance's output.
warnings.filterwarnings("ignore", category=UnsupportedFieldAttributeWarning)


def _oauth_error(
    status: int, code: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An OAuth 2.0 error answer (RFC 6749 5.2): ``{"error", "error_description"}``."""
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Basic realm="oauth2"'}
    return JSONResponse(
        {"error": code, "error_description": description}, status_code=status, headers=headers
    )


def _client_credentials(request: Request, form: dict[str, list[str]]) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"][0], form["client_secret"][0]
    return None


def _listen_to_other_nodes(services: Services, bus: RedisBus) -> None:
    """What this node does with what the other nodes of the site tell it (told here only:
    never sent back)."""
    site, hub, shells = services.site, services.live, services.shells
    bus.serve(
        lambda message: answer_request(services.agents, services.upgrades.throttle.take, message)
    )

    def changed(message: dict[str, Any]) -> None:
        site.changed(
            [int(i) for i in message.get("ids", [])],
            [int(i) for i in message.get("removed", [])],
            relay=False,
        )

    def stats(message: dict[str, Any]) -> None:
        for row in message.get("rows", []):
            item_id, cpu, disk, user, uptime, at, thumbnail = row
            hub.record_stats(int(item_id), (cpu, disk, user, uptime, str(at)), thumbnail)

    def notify(message: dict[str, Any]) -> None:
        site.notify(set(message.get("users", [])), dict(message.get("frame", {})), relay=False)

    async def shell(message: dict[str, Any]) -> None:
        with contextlib.suppress(ValueError):  # as the holding node read it
            frame = read_reply(message.get("frame"))
            if isinstance(frame, ShellOutput | ShellExit):
                await shells.from_agent(frame)

    async def screen(message: dict[str, Any]) -> None:
        with contextlib.suppress(ValueError):  # as the holding node read it
            await services.screens.from_agent(read_agent_screen(message.get("frame")))

    async def settings(_message: dict[str, Any]) -> None:
        await site.settings_changed(relay=False)

    def connected(message: dict[str, Any]) -> None:
        # the client connected anew to another node: sessions run here through its old
        # connection are over (it ends them on its side when a connection drops)
        site.connection_over(int(message.get("item", 0)))

    def revoked(message: dict[str, Any]) -> None:
        revocation = Revocation(
            str(message.get("reason", ""))[:120],
            tokens=frozenset(str(t) for t in message.get("tokens", [])),
            users=frozenset(int(u) for u in message.get("users", [])),
        )
        site.revoked(revocation, relay=False)

    def access(message: dict[str, Any]) -> None:
        site.access_changed([int(u) for u in message.get("users", [])], relay=False)

    for kind, handler in (
        ("changed", changed),
        ("stats", stats),
        ("notify", notify),
        ("shell", shell),
        ("screen", screen),
        ("site", settings),
        ("connected", connected),
        ("revoked", revoked),
        ("access", access),
    ):
        bus.on(kind, handler)


def _rate_limiter(
    config: ApplianceSettings, clock: Clock, shared: SharedCounters | None
) -> RateLimiter:
    per_second, per_hour = config.rate_per_second, config.rate_per_hour
    if shared is not None:
        return SharedRateLimiter(
            shared,
            clock.monotonic,
            lambda: clock.now().timestamp(),
            per_second=per_second,
            per_hour=per_hour,
        )
    return RateLimiter(clock.monotonic, per_second=per_second, per_hour=per_hour)


def build_services(site: Site, bus: LocalBus | RedisBus, shared: SharedCounters | None) -> Services:
    """Every service of one node, each handed its collaborators, and each listening to the
    site events it follows."""
    config = site.config
    hub = LiveHub(site)
    agents = AgentRegistry(site, bus, hub)
    shells = ShellRelay(site)
    screens = ScreenRelay(shells.may_reach)
    grants = Grants(site)
    sessions = SessionManager(
        site,
        agents,
        shells,
        consoles=lambda: {sub.user.username for sub in hub.subscribers},
    )
    shells.consoles_changed = sessions.consoles_changed
    inputs = ScreenInputs(site, sessions.sessions, screens)
    screens.on_input = inputs
    sessions.consoles.watched = lambda sid: sid in screens.screens  # a viewer attends too

    def unwatched(sid: str) -> None:  # the last viewer of a session's screen here went
        inputs.unwatched(sid)
        sessions.consoles_changed()

    screens.on_unwatched = unwatched
    services = Services(
        site=site,
        bus=bus,
        shared=shared,
        limiter=_rate_limiter(config, site.clock, shared),
        signin=SignInGuard(site, shared),
        live=hub,
        agents=agents,
        sessions=sessions,
        wake=WakeService(site, agents, shared),
        upgrades=UpgradeOrchestrator(site, agents),
        shells=shells,
        screens=screens,
        grants=grants,
        support=SupportQueue(site),
        bundle=(
            Bundle.load(config.client_bundle, config.client_bundle_version)
            if config.client_bundle is not None
            else None
        ),
    )
    site.on_items(hub.publish_ids)
    site.on_items(shells.items_changed)
    site.on_items(screens.items_changed)
    site.on_items(agents.items_changed)
    site.on_notify(hub.notify)
    site.on_connection_over(sessions.client_gone)
    site.on_revoked(grants.revoked)
    site.on_access(hub.access_changed)
    site.on_access(shells.access_changed)
    site.on_access(screens.access_changed)

    async def settings_changed() -> None:
        hub.site_changed()
        await agents.site_settings(site.agent_settings())

    site.on_settings(settings_changed)
    hub.before_tick.append(MaintenanceSweep(site).step)
    hub.before_tick.append(OrphanSweep(site, bus, agents).step)
    if isinstance(bus, RedisBus):
        _listen_to_other_nodes(services, bus)
    if config.demo_fleet is not None and config.simulate:
        from appliance.simulator import DemoSimulator

        hub.before_tick.append(DemoSimulator(site, hub, config.demo_seed).step)
    return services


def create_app(
    settings: ApplianceSettings | None = None,
    *,
    clock: Clock | None = None,
    repo: Repository | None = None,
    api_account: tuple[str, str] | None = None,
) -> FastAPI:
    """Build the appliance over ``settings.db`` (created and migrated as needed).

    ``api_account`` (client id, secret) is created or updated at start.
    """
    settings = settings or ApplianceSettings()
    clock = clock or SystemClock()
    repo = repo or Repository(settings.db)
    bootstrap(repo)
    if api_account is not None:
        ensure_api_account(repo, api_account[0], api_account[1], name=api_account[0])
    if settings.demo_fleet is not None:
        from appliance.demo import seed_demo

        seed_demo(repo, settings, clock)
    bus = open_bus(settings.bus, settings.node_id)
    shared = SharedCounters(settings.bus) if settings.bus else None
    site = Site(settings, repo, clock, relay=bus)
    services = build_services(site, bus, shared)
    hub, sessions, upgrades = services.live, services.sessions, services.upgrades
    grants = services.grants

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        loops = [hub.run(), sessions.run(), upgrades.run(), grants.run()]
        if settings.gc_freeze_s > 0:
            loops.append(keep_collections_short(settings.gc_freeze_s))
        tasks = [asyncio.create_task(loop) for loop in loops]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await bus.stop()
            if shared is not None:
                shared.close()

    app = FastAPI(
        title="Jump Console appliance",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.appliance = services

    @app.get("/api/health")
    async def health() -> dict[str, object]:
        return {"status": "ok", "schema_version": repo.schema_version}

    @app.post("/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        if form.get("grant_type", [""])[0] != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported."
            )
        credentials = _client_credentials(request, form)
        if credentials is None:
            return _oauth_error(401, "invalid_client", "The client id or secret is wrong.")
        client_id, secret = credentials
        found = repo.api_account_by_client_id(client_id)
        attempt = Attempt("api", client_id, client_address(request), "oauth2")
        try:
            valid = await services.signin.check(attempt, secret, found[1] if found else None)
        except Refused as err:  # too many failed sign-ins: the lockout's sentence and wait
            return _oauth_error(err.status, err.code, err.message, err.headers)
        if not valid or found is None:
            return _oauth_error(401, "invalid_client", "The client id or secret is wrong.")
        account = found[0]
        value = new_token()
        issued = clock.now().timestamp()
        with repo.transaction():
            repo.add_token(
                token_hash(value),
                "api",
                account.id,
                issued,
                issued + settings.token_ttl_s,
                keep=settings.max_tokens_per_account,
            )
        return JSONResponse(
            {"access_token": value, "token_type": "Bearer", "expires_in": settings.token_ttl_s},
            headers={"Cache-Control": "no-store"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Paths no API knows answer like the API they name does: one sentence."""
        refusal = (
            Refusal("not_found", "No such address on this appliance.", status=404)
            if exc.status_code == 404
            else Refusal("http_error", str(exc.detail), status=exc.status_code)
        )
        return JSONResponse(
            body_at(request.url.path, refusal), status_code=exc.status_code, headers=exc.headers
        )

    app.mount("/api/config/v1", config_api())
    app.mount("/api/rep/v1", rep_api())
    app.mount("/api/agent/v1", agent_api())
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        body_idle_timeout_s=settings.body_idle_timeout_s,
        body_timeout_s=settings.body_timeout_s,
        gates=(
            Gate("/api/rep/v1/", coded_body, current_user, frozenset({"/api/rep/v1/login"})),
            Gate("/api/config/v1/", config_body, caller_of),
            Gate("/api/agent/v1/", coded_body),  # its credentials come in the body
        ),
    )
    app.add_middleware(AgentChannelFirst, services=services)
    app.add_middleware(ServicesInScope, services=services)  # outermost: every API finds them
    return app
