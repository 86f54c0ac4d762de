"""The agent API (``/api/agent/v1``): the Jump Clients' HTTP routes.

- ``POST /install {key, parameters, hostname, fqdn, operating_system, install_mode}``: the
  installer's key and its raw command line (parsed with the same domain function the
  installer uses). Refused when the key is unknown (404), the installer expired (410), an
  override is not allowed (403, naming the parameter) or a code name is unknown (422).
- ``POST /uninstall {jump_client_id, secret}``: the item is marked uninstalled or removed,
  as the site's uninstalled behaviour says.
- ``POST /checkin``, ``POST /support-request``, ``GET /installer/{id}/{platform}`` and
  ``GET /bundle``.

Its OpenAPI document is ``/openapi.json``; a refusal is ``{"error", "message", ...}`` as in
the representative API.

The agent channel (``WS /connect``) is served apart, in :mod:`appliance.agents.channel`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from appliance import presence
from appliance._guard import AllowedMethods
from appliance._validation import answer_coded_errors
from appliance.agents import credentials
from appliance.agents.credentials import UnknownClient
from appliance.errors import CODED_ERRORS, Refused, coded_body
from appliance.installation import jumpoint_address, resolve_fields
from appliance.installer_artifact import installer_file
from appliance.services import Node
from appliance.site import Site
from domain._types import MAX_ID
from domain.installer_params import InstallParameterError, disallowed, parse_install_parameters
from domain.protocol.agent import Credentials
from domain.protocol.agent_http import (
    CheckIn,
    CheckInAnswer,
    InstallAnswer,
    InstallRequest,
    SupportAnswer,
    SupportAsk,
)


def _verify(site: Site, creds: Credentials) -> None:
    try:
        credentials.verify(site.repo, creds)
    except UnknownClient:
        raise Refused.because(
            401,
            "unknown_client",
            "This Jump Client is not known to the appliance (it may have been deleted).",
        ) from None


#: what the download routes answer: a zip archive
_ZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "A zip archive"}
}


@functools.cache
def agent_api() -> FastAPI:
    """The agent API, built once a process and mounted by each of its appliances (a request
    finds its appliance's services in its scope: ``services_of``)."""
    api = FastAPI(
        title="Jump Console appliance — agent API",
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
        return JSONResponse(coded_body(exc.refusal), status_code=exc.status, headers=exc.headers)

    @api.post("/install", response_model=InstallAnswer, status_code=201)
    async def install(body: InstallRequest, services: Node) -> InstallAnswer:
        site = app = services.site
        repo = site.repo
        installer = next((i for i in repo.installers() if i.installer_id == body.key), None)
        if installer is None:
            raise Refused.because(
                404,
                "unknown_installer",
                "The installer key is not known to this appliance; download the installer again.",
            )
        if installer.expiration_timestamp <= app.clock.now():
            raise Refused.because(
                410,
                "installer_expired",
                "The installer has expired; ask an "
                "administrator to extend it or to create a new one.",
            )
        try:
            params = parse_install_parameters(body.parameters)
        except InstallParameterError as err:
            raise Refused.because(422, "invalid_parameter", str(err)) from None
        problems = disallowed(installer, params)
        if problems:
            raise Refused.because(403, "override_not_allowed", problems[0], problems=problems)
        values = resolve_fields(app, params.overrides, installer)
        name = values.pop("name", None) or installer.name or body.hostname
        with repo.transaction():
            created = repo.clients.insert(
                {
                    **values,
                    "name": name[:128],
                    "hostname": body.hostname,
                    "fqdn": body.fqdn,
                    "operating_system": body.operating_system,
                    "install_mode": body.install_mode,
                    "x_online": False,
                    "x_created_timestamp": site.clock.now(),
                }
            )
            secret = credentials.issue(repo, created.id, installer.installer_id)
            app.audit(
                f"installer:{installer.id}",
                "jump_client.install",
                f"jump_client:{created.id}",
                hostname=body.hostname,
                overrides=sorted(params.overrides),
            )
        app.changed([created.id])
        return InstallAnswer(
            jump_client_id=created.id,
            elevate_install=installer.elevate_install,
            connection_type=installer.connection_type.value,
            secret=secret,
            name=created.name,
            days_before_deleted=site.settings().days_before_deleted,
            max_offline_minutes=created.max_offline_minutes,
            appliance=jumpoint_address(site, installer.jumpoint_proxy),
            passive_port=site.settings().passive_port,
        )

    @api.post("/uninstall", status_code=204, response_class=Response)
    async def uninstall(body: Credentials, services: Node) -> Response:
        site = services.site
        _verify(site, body)
        with presence.transitions(site) as batch:
            batch.mark_uninstalled(body.jump_client_id)
            credentials.revoke(site.repo, body.jump_client_id)
            site.audit(
                f"jump_client:{body.jump_client_id}",
                "jump_client.uninstall",
                f"jump_client:{body.jump_client_id}",
            )
        return Response(status_code=204)

    @api.post("/support-request", response_model=SupportAnswer, status_code=201)
    async def support_request(body: SupportAsk, services: Node) -> SupportAnswer:
        """The user at the endpoint asks for help through the installed Jump Client."""
        site = services.site
        _verify(site, body)
        client = site.repo.clients.get(body.jump_client_id)
        if client is None:
            raise Refused.because(401, "unknown_client", "This Jump Client is no longer known.")
        request = services.support.raise_request(
            client, body.console_user or "", body.message.strip()
        )
        how = (
            "as the site is set now, a session will start through this Jump Client (elevated)"
            if request.elevated
            else "as the site is set now, it will be a normal support session (the site does "
            "not allow elevated ad-hoc sessions from Jump Clients)"
        )
        return SupportAnswer(
            request_id=request.id,
            elevated=request.elevated,
            message=f"Support requested: a representative has been told; {how}.",
        )

    @api.post("/checkin", response_model=CheckInAnswer)
    async def checkin(body: CheckIn, request: Request, services: Node) -> CheckInAnswer:
        """A passive client says it is alive and where it listens for a connect request."""
        site = services.site
        _verify(site, body)
        host = request.client.host if request.client else "127.0.0.1"
        services.agents.passive[body.jump_client_id] = (
            body.listen_host or host,
            body.passive_port,
        )
        repo = site.repo
        with presence.transitions(site) as batch:
            current = repo.clients.get(body.jump_client_id)
            if current is None:
                raise Refused.because(401, "unknown_client", "This Jump Client is no longer known.")
            if not current.x_online:
                batch.mark_online(body.jump_client_id, {"public_ip": host})
        settings = site.settings()
        return CheckInAnswer(
            passive_port=settings.passive_port,
            interval_s=services.live.interval(),
            days_before_deleted=settings.days_before_deleted,
            max_offline_minutes=current.max_offline_minutes,
        )

    @api.get("/installer/{installer_id}/{platform}", response_class=Response, responses=_ZIP)
    async def public_installer(
        installer_id: str, platform: str, request: Request, services: Node
    ) -> Response:
        """The direct download link: the 32-character key is what grants it (no sign-in),
        as with an e-mailed or copied link; an expired installer is refused."""
        site = services.site
        address = f"{request.url.scheme}://{request.url.netloc}"
        name, data = installer_file(site, installer_id, platform, address)
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @api.get("/bundle", response_class=Response, responses=_ZIP)
    async def bundle(
        request: Request,
        services: Node,
        jump_client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        secret: Annotated[str | None, Query(max_length=128)] = None,
    ) -> Response:
        """The client bundle, sent through the upgrade throttle of the asking client.

        Credentials come as HTTP Basic (id:secret); the query form of clients before 1.0.1
        is still read, so they can upgrade away from it."""
        header = request.headers.get("authorization", "")
        given: Credentials | None = None
        if header.partition(" ")[0].lower() == "basic":
            given = credentials.from_basic_auth(header)
        elif jump_client_id is not None and secret:
            given = Credentials(jump_client_id=jump_client_id, secret=secret)
        if given is None or not given.secret:
            raise Refused.because(401, "unauthorized", "The Jump Client's credentials are missing.")
        _verify(services.site, given)
        offered = services.bundle
        if offered is None:
            raise Refused.because(404, "no_bundle", "This appliance holds no Jump Client bundle.")
        agent = services.agents.get(given.jump_client_id)
        transfer = getattr(agent, "transfer", None)
        data = offered.data

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(data), 64 * 1024):
                piece = data[start : start + 64 * 1024]
                if transfer is not None:
                    await transfer(len(piece))
                yield piece

        return StreamingResponse(
            chunks(), media_type="application/zip", headers={"Content-Length": str(len(data))}
        )

    return api
