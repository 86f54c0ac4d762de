"""Opening the administration screens from the console: site administrators; the installer
list and the deployment wizard also for privileged users with the installer permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.admin.deploy import DeployScreen, group_choices
from console.admin.installers import InstallersScreen
from console.admin.settings import SettingsScreen
from console.audit_screen import AuditScreen
from console.installer_text import Names
from domain import Installer
from domain.audit import AUDIT_FOR_ADMINS

if TYPE_CHECKING:
    from console.app import JumpConsoleApp


def admin_only(app: JumpConsoleApp, what: str) -> bool:
    """True for a site administrator; others are told, in words, why nothing opens."""
    if app.session is None:
        app.notify("Wait until you are signed in.", severity="warning", markup=False)
        return False
    if not app.session.is_admin:
        app.notify(
            f"{what} is for site administrators; ask one to make the change.",
            severity="warning",
            markup=False,
        )
        return False
    return True


def installers_allowed(app: JumpConsoleApp, what: str) -> bool:
    """True for a site administrator or a privileged user with the installer permission
    (the appliance shows them the installers of the groups they may add items to)."""
    session = app.session
    if session is not None and not session.is_admin and session.manages_installers:
        return True
    if session is not None and not session.is_admin:
        app.notify(
            f"{what} is for site administrators and users with the installer permission; "
            "ask an administrator for it.",
            severity="warning",
            markup=False,
        )
        return False
    return admin_only(app, what)


def names(app: JumpConsoleApp) -> Names:
    assert app.session is not None
    site = app.session.site
    return Names(
        dict(app.session.groups),
        {p.id: p.display_name for p in site.jump_policies},
        {p.id: p.display_name for p in site.session_policies},
    )


def open_settings(app: JumpConsoleApp) -> None:
    if admin_only(app, "The site settings screen"):
        client = app.client
        app.push_screen(
            SettingsScreen(client.settings, client.update_settings, client.smtp, client.update_smtp)
        )


def open_installers(app: JumpConsoleApp) -> None:
    if installers_allowed(app, "The installer list"):
        app.push_screen(InstallersScreen(app.client, names(app), app.clock))


def open_deploy(app: JumpConsoleApp) -> None:
    if not installers_allowed(app, "The mass deployment wizard"):
        return
    assert app.session is not None
    site = app.session.site

    async def create(values: dict[str, Any]) -> Installer:
        return await app.client.installers.create(values)

    async def jumpoints() -> list[tuple[str, str]]:  # an installer names its Jumpoint
        return [(f"{j.name} ({j.address})", j.name) async for j in app.client.jumpoints.iter()]

    def created(installer: Installer | None) -> None:
        if installer is None:
            return
        app.notify(
            "Created the installer. d downloads it, l copies its direct link; its usage is shown.",
            markup=False,
        )
        current = app.screen
        if isinstance(current, InstallersScreen):
            current.reveal(installer.id)
            return
        listing = InstallersScreen(app.client, names(app), app.clock)
        app.push_screen(listing)
        listing.reveal(installer.id)

    app.push_screen(
        DeployScreen(
            groups=group_choices(app.session.deploy_groups()),
            jump_policies=[(p.display_name, p.id) for p in site.jump_policies],
            session_policies=[(p.display_name, p.id) for p in site.session_policies],
            create=create,
            jumpoints=jumpoints,
            connection_type=site.settings.default_connection_type.value,
        ),
        created,
    )


def open_audit(app: JumpConsoleApp, filter_text: str = "") -> None:
    """The audit log (site administrators; others are told, in the appliance's words)."""
    if app.session is None:
        app.notify("Wait until you are signed in.", severity="warning", markup=False)
        return
    if not app.session.is_admin:
        app.notify(AUDIT_FOR_ADMINS, severity="warning", markup=False)
        return
    try:
        screen = AuditScreen(app.client, app.clock, filter_text)
    except ValueError as err:  # the filter cannot be read: nothing opens, the sentence says why
        app.notify(str(err), severity="error", markup=False)
        return
    app.push_screen(screen)
