"""``/jump-client/settings``, ``/public-site`` and ``/jump-client/installer``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from appliance import mailer
from appliance.config_api._crud import add_crud
from appliance.config_api._deps import (
    Caller,
    Paging,
    PathId,
    Reader,
    State,
    Writer,
    not_found,
    paginate,
    reject_unknown_query,
)
from appliance.config_api._refs import check_references, default_address
from appliance.errors import Refused, invalid
from appliance.installer_artifact import PLATFORMS, file_name, installer_file
from appliance.mailer import installer_message
from appliance.security import new_installer_key
from appliance.site import Site
from domain import (
    Installer,
    InstallerCreate,
    JumpClientSettings,
    JumpClientSettingsUpdate,
    JumpGroupType,
    PublicSite,
    format_utc,
)
from domain._types import MAX_ID
from domain.enums import InstallerConnectionType
from domain.install_usage import email_install_line
from domain.installer import InstallerExtend, InstallerFields, KeyInfo
from domain.mail import InstallerEmail, SmtpSettings, SmtpSettingsUpdate

router = APIRouter(dependencies=[Depends(reject_unknown_query)])

add_crud(
    router,
    path="/public-site",
    kind="public site",
    table=lambda app: app.repo.public_sites,
    model=PublicSite,
    create=None,
    update=None,
    name_field="name",
    read_only=True,
)


@router.get("/jump-client/settings", response_model=JumpClientSettings, tags=["settings"])
async def get_settings(app: State, _account: Reader) -> JumpClientSettings:
    return app.settings()


@router.patch("/jump-client/settings", response_model=JumpClientSettings, tags=["settings"])
async def patch_settings(
    body: JumpClientSettingsUpdate, app: State, account: Writer
) -> JumpClientSettings:
    with app.repo.transaction():
        current = app.repo.settings()
        updated = body.apply_to(current)
        app.repo.save_settings(updated)
        old, new = current.model_dump(mode="json"), updated.model_dump(mode="json")
        changed = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
        app.audit(account.actor, "settings.update", "jump_client_settings", changes=changed)
    await app.settings_changed()
    return updated


@router.get("/smtp", response_model=SmtpSettings, tags=["settings"])
async def get_smtp(app: State, _account: Reader) -> SmtpSettings:
    return app.repo.smtp()[0]


@router.patch("/smtp", response_model=SmtpSettings, tags=["settings"])
async def patch_smtp(body: SmtpSettingsUpdate, app: State, account: Writer) -> SmtpSettings:
    with app.repo.transaction():
        current, password = app.repo.smtp()
        changes = body.changes()
        new_password = changes.pop("password", None)
        updated = SmtpSettings.model_validate({**current.model_dump(), **changes})
        app.repo.save_smtp(updated, password if new_password is None else new_password)
        old, new = current.model_dump(mode="json"), updated.model_dump(mode="json")
        changed: dict[str, Any] = {k: [old[k], new[k]] for k in changes if old[k] != new[k]}
        if new_password is not None:
            changed["password"] = "changed" if new_password else "cleared"  # never the value
        app.audit(account.actor, "smtp.update", "smtp_settings", changes=changed)
    return app.repo.smtp()[0]


def _installer(app: Site, id_: int, caller: Caller) -> Installer:
    """The installer, if the caller may manage it (else, as if there were none: 404)."""
    installer = app.repo.installer(id_)
    if installer is None or not _mine(caller, installer):
        raise not_found("installer", id_)
    return installer


def _mine(caller: Caller, installer: InstallerFields) -> bool:
    return caller.may_deploy_to(installer.jump_group_type, installer.jump_group_id)


def _answer(app: Site, request: Request, installer: Installer, created: bool = False) -> Installer:
    """The installer as BeyondTrust's fields say it: the address its clients are given now,
    and ``key_info`` (the key itself only in the answer to its creation)."""
    platform = PLATFORMS[0]
    download = request.url_for(
        "download_installer", installer_id=installer.installer_id, platform=platform
    )
    key_info = KeyInfo(
        encodedInfo=installer.installer_id if created else None,
        filename=file_name(platform),
        installerPath=str(download),
    )
    address = installer.public_site_address or default_address(app)
    return installer.model_copy(update={"public_site_address": address, "key_info": key_info})


def _text_filter(value: str | None) -> Callable[[str], bool]:
    """Whether a field matches a text filter: equal but for case, as the other lists'."""
    wanted = value.casefold() if value is not None else None
    return lambda text: wanted is None or text.casefold() == wanted


@router.get("/jump-client/installer", response_model=list[Installer], tags=["installer"])
async def list_installers(
    request: Request,
    response: Response,
    app: State,
    account: Reader,
    page: Paging,
    name: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    hostname: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    fqdn: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    jump_group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    jump_group_type: JumpGroupType | None = None,
    connection_type: InstallerConnectionType | None = None,
) -> Sequence[Installer]:
    """``hostname`` and ``fqdn`` find the installers that installed the Jump Clients of that
    computer (those still installed)."""
    by_name, by_tag = _text_filter(name), _text_filter(tag)
    with app.repo.reading():
        keys = [
            app.repo.installer_keys_deployed_on(column, value)
            for column, value in (("hostname", hostname), ("fqdn", fqdn))
            if value is not None
        ]
        installers = [
            i
            for i in app.repo.installers()
            if _mine(account, i)
            and by_name(i.name)
            and by_tag(i.tag)
            and jump_group_id in (None, i.jump_group_id)
            and jump_group_type in (None, i.jump_group_type)
            and connection_type in (None, i.connection_type)
            and all(i.installer_id in found for found in keys)
        ]
    chosen = [
        _answer(app, request, i) for i in installers[page.offset : page.offset + page.per_page]
    ]
    return paginate(request, response, page, chosen, len(installers))


@router.post(
    "/jump-client/installer", response_model=Installer, status_code=201, tags=["installer"]
)
async def create_installer(
    body: InstallerCreate, request: Request, response: Response, app: State, account: Writer
) -> Installer:
    if not _mine(account, body):
        raise Refused.because(
            403,
            "forbidden",
            "You may create installers only for the Jump Groups you may add Jump Items to.",
        )
    with app.repo.transaction():
        check_references(app, body.model_dump())
        fields = body.model_dump()
        if "connection_type" not in body.model_fields_set:  # the site's default applies
            fields["connection_type"] = app.settings().default_connection_type
        installer = Installer(
            **fields,
            id=app.repo.next_id("installer"),
            installer_id=new_installer_key(),
            expiration_timestamp=app.clock.now() + timedelta(minutes=body.valid_duration),
        )
        app.repo.add_installer(installer)
        app.audit(account.actor, "installer.create", f"installer:{installer.id}")
        stored = _installer(app, installer.id, account)  # as kept (the Jumpoint's own name)
    response.headers["Location"] = str(request.url_for("get_installer", id=installer.id))
    return _answer(app, request, stored, created=True)


@router.get(
    "/jump-client/installer/{installer_id}/{platform}", tags=["installer"], response_class=Response
)
async def download_installer(
    installer_id: str, platform: str, request: Request, app: State, account: Reader
) -> Response:
    """The installer for ``platform`` (``linux-64``): run it with ``python3 FILE [params]``."""
    appliance = f"{request.url.scheme}://{request.url.netloc}"
    if account.installers_in is not None:  # only those of the groups the caller may add to
        found = next((i for i in app.repo.installers() if i.installer_id == installer_id), None)
        if found is not None and not _mine(account, found):
            raise Refused.because(404, "not_found", "No installer has this key.")
    try:
        name, data = installer_file(app, installer_id, platform, appliance)
    except Refused as err:
        if err.status == 410:
            raise invalid(
                "installer_id", "names an installer that has expired; extend it first"
            ) from None
        raise
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/jump-client/installer/{id}", response_model=Installer, tags=["installer"])
async def get_installer(id: PathId, request: Request, app: State, account: Reader) -> Installer:
    return _answer(app, request, _installer(app, id, account))


@router.post("/jump-client/installer/{id}/extend", response_model=Installer, tags=["installer"])
async def extend_installer(
    id: PathId, body: InstallerExtend, request: Request, app: State, account: Writer
) -> Installer:
    with app.repo.transaction():
        _installer(app, id, account)
        expires = app.clock.now() + timedelta(minutes=body.valid_duration)
        app.repo.set_installer_expiry(id, format_utc(expires))
        app.audit(
            account.actor,
            "installer.extend",
            f"installer:{id}",
            valid_duration=body.valid_duration,
        )
        return _answer(app, request, _installer(app, id, account))


@router.post("/jump-client/installer/{id}/email", status_code=202, tags=["installer"])
async def email_installer(
    id: PathId, body: InstallerEmail, request: Request, app: State, account: Writer
) -> dict[str, Any]:
    """E-mail the direct download link to the recipients through the site's SMTP server."""
    installer = _installer(app, id, account)
    if installer.expiration_timestamp <= app.clock.now():
        raise invalid("id", "names an installer that has expired; extend it first")
    if body.platform not in PLATFORMS:
        raise invalid("platform", f"must be one of {', '.join(PLATFORMS)}")
    appliance = f"{request.url.scheme}://{request.url.netloc}"
    link = f"{appliance}/api/agent/v1/installer/{installer.installer_id}/{body.platform}"
    subject, text = installer_message(
        installer.name or "computer name",
        link,
        format_utc(installer.expiration_timestamp)[:16].replace("T", " "),
        body.note,
        appliance,
        email_install_line(installer),
    )
    smtp, password = app.repo.smtp()
    try:
        await asyncio.to_thread(mailer.send, smtp, password, body.recipients, subject, text)
    except mailer.MailError as err:
        raise Refused.because(502, "mail_failed", str(err)) from None
    app.audit_now_target(
        account.actor, "installer.email", f"installer:{id}", recipients=body.recipients
    )
    return {"message": f"E-mailed the installer link to {', '.join(body.recipients)}."}


@router.delete("/jump-client/installer/{id}", status_code=204, tags=["installer"])
async def delete_installer(id: PathId, app: State, account: Writer) -> Response:
    with app.repo.transaction():
        _installer(app, id, account)
        app.repo.delete_installer(id)
        app.audit(account.actor, "installer.delete", f"installer:{id}")
    return Response(status_code=204)
