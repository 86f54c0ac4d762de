"""Administration in the console: site settings, installers, the deployment wizard."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from appliance.services import Services
from console.admin.deploy import DeployScreen
from console.admin.installers import InstallersScreen, InstallerView
from console.admin.settings import SettingsScreen
from console.app import JumpConsoleApp
from console.dialogs import ConfirmScreen, PromptScreen
from tests.support.console import SIZE, Site, loaded, toasts, until
from tests.support.smtp import PASSWORD, QUIET, USER, Inbox

pytestmark = pytest.mark.not_storage("the console's administration screens")


def state_of(site: Site) -> Services:
    state: Services = site.appliance.app.state.appliance
    return state


def text(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def open_settings(pilot: Pilot[object], app: JumpConsoleApp) -> SettingsScreen:
    await pilot.press("colon", *"settings", "enter")
    await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def test_only_administrators_see_the_administration_screens(site: Site) -> None:
    app = site.console("carol")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        for command in ("settings", "installers", "deploy"):
            await pilot.press("colon", *command, "enter")
            await pilot.pause()
            assert not isinstance(app.screen, SettingsScreen | InstallersScreen | DeployScreen)
        # each refusal is a toast: wait for the third (a loaded machine may lag behind the keys)
        await until(
            pilot,
            lambda: sum("for site administrators" in t for t in toasts(app)) == 3,
        )


async def test_a_user_with_the_installer_permission_manages_the_installers_of_their_groups(
    site: Site,
) -> None:
    from domain import Installer
    from tests.support.appliance import T0

    repo = state_of(site).site.repo
    with repo.transaction():
        for group, key in ((1, "s"), (4, "l")):  # Servers: bob deploys there; Lab: he may not
            repo.add_installer(
                Installer(
                    id=repo.next_id("installer"),
                    jump_group_id=group,
                    installer_id=key * 32,
                    expiration_timestamp=T0 + timedelta(days=400),
                )
            )
    app = site.console("bob")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"installers", "enter")
        await until(pilot, lambda: isinstance(app.screen, InstallersScreen))
        listing = app.screen
        assert isinstance(listing, InstallersScreen)
        await until(pilot, lambda: "1 installer(s)" in text(listing, "#installers-state"))
        assert listing.installers[0].installer_id == "s" * 32  # the Lab's is not his to see
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        wizard = app.screen
        assert isinstance(wizard, DeployScreen)
        offered = {label for label, _value in wizard.groups}
        assert {"Servers", "Workstations"} <= offered and "Lab" not in offered
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is listing)
        await pilot.press("escape")
        await pilot.press("colon", *"settings", "enter")  # the rest stays for administrators
        await until(pilot, lambda: any("for site administrators" in t for t in toasts(app)))
        assert not isinstance(app.screen, SettingsScreen)


async def test_settings_reject_a_bad_maintenance_value_inline_and_save_a_good_one(
    site: Site,
) -> None:
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_settings(pilot, app)
        await until(pilot, lambda: screen.saved is not None)
        before = state_of(site).site.repo.settings()
        screen.query_one("#field-days_before_lost", Input).value = "200"  # ≥ 180 deleted
        screen.query_one("#field-connection_rate", Input).value = "301"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "less than days_before_deleted" in text(screen, "#error-days_before_lost")
        assert "300" in text(screen, "#error-connection_rate")
        assert "Nothing was saved" in text(screen, "#settings-state")
        assert state_of(site).site.repo.settings() == before  # nothing reached the appliance

        screen.query_one("#field-days_before_lost", Input).value = "20"
        screen.query_one("#field-connection_rate", Input).value = "120"
        screen.query_one("#field-statistics_interval_s", Input).value = "10"
        screen.query_one("#stat-thumbnail", Checkbox).value = False
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Saved 4 change(s)" in text(screen, "#settings-state"))
        saved = state_of(site).site.repo.settings()
        assert (saved.days_before_lost, saved.connection_rate) == (20, 120)
        assert saved.statistics_interval_s == 10 and "thumbnail" not in saved.statistics
        entry = state_of(site).site.repo.audit_log(1)[0]
        assert entry["actor"] == "rep:admin" and entry["action"] == "settings.update"
        assert entry["detail"]["changes"]["days_before_lost"] == [30, 20]  # old → new

        screen.query_one("#field-passive_port", Input).value = "6000"
        await pilot.press("escape")  # unsaved: asks first
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen)


async def test_the_wizard_checks_inline_then_the_list_shows_and_manages_the_installer(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("console.transfers.default_folder", lambda: str(tmp_path))
    repo = state_of(site).site.repo
    repo.save_settings(
        type(repo.settings()).model_validate(
            {**repo.settings().model_dump(), "default_connection_type": "passive"}
        )
    )
    state_of(site).site.refresh_settings()  # written around the site: read them again
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"installers", "enter")
        await until(pilot, lambda: isinstance(app.screen, InstallersScreen))
        listing = app.screen
        assert isinstance(listing, InstallersScreen)
        await until(pilot, lambda: "No installer yet" in text(listing, "#installers-state"))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        wizard = app.screen
        assert isinstance(wizard, DeployScreen)
        wizard.query_one("#field-tag", Input).value = "x" * 65
        wizard.query_one("#validity-preset", Select).value = "custom"
        await pilot.pause()
        wizard.query_one("#validity-custom", Input).value = "5m"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at most 64" in text(wizard, "#error-tag")
        assert "10 minutes to 1 year" in text(wizard, "#error-valid_duration")
        assert not state_of(site).site.repo.installers()  # nothing was created

        wizard.query_one("#field-tag", Input).value = "kiosk"
        wizard.query_one("#validity-custom", Input).value = "2d"
        wizard.query_one("#allow-allow_override_tag", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, InstallerView))  # its usage at once
        view = app.screen
        assert isinstance(view, InstallerView)
        usage = str(view.query_one("#installer-usage", Static).render())
        made = state_of(site).site.repo.installers()[0]
        assert f"--key {made.installer_id}" in usage
        tag_line = next(line for line in usage.splitlines() if "--jc-tag" in line)
        name_line = next(line for line in usage.splitlines() if "--jc-name" in line)
        assert "✓ allowed" in tag_line and "✗ fixed" in name_line and "jc_tag=TAG" in tag_line
        assert made.tag == "kiosk" and made.allow_override_tag and not made.allow_override_name
        assert made.connection_type.value == "passive"  # the site's default connection type
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is listing)
        assert listing.query_one(DataTable).row_count == 1
        row = listing.query_one(DataTable).get_row_at(0)
        assert row[2] == "kiosk" and row[5] == "in 1 d 23 h"  # 2 d from the appliance's now

        await pilot.press("d")  # download: saved, the path is said
        target = tmp_path / "jump-client-installer-linux-64.pyz"
        await until(pilot, lambda: target.exists())
        assert str(target) in text(listing, "#installers-state")
        assert zipfile.is_zipfile(target)  # the runnable installer

        await pilot.press("i")  # install a Jump Client on this machine from it
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = str(tmp_path / "here")
        await pilot.press("enter")
        await until(pilot, lambda: "Installed a Jump Client" in text(listing, "#installers-state"))
        assert (tmp_path / "here" / "client.json").exists()
        assert any(
            c.tag == "kiosk" for c in state_of(site).site.repo.clients.find([("tag", "kiosk")])
        )

        await pilot.press("x")  # extend
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        prompt.query_one(Input).value = "30d"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                state_of(site).site.repo.installers()[0].expiration_timestamp
                > made.expiration_timestamp
            ),
        )

        await pilot.press("delete")  # confirmed first
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: not state_of(site).site.repo.installers())
        await until(pilot, lambda: "No installer yet" in text(listing, "#installers-state"))


async def test_copying_an_expired_installers_link_warns_instead(site: Site) -> None:
    from domain import Installer
    from tests.support.appliance import T0

    repo = state_of(site).site.repo
    with repo.transaction():
        repo.add_installer(
            Installer(
                id=repo.next_id("installer"),
                jump_group_id=1,
                installer_id="e" * 32,
                expiration_timestamp=T0 - timedelta(days=400),
            )
        )
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"installers", "enter")
        await until(pilot, lambda: isinstance(app.screen, InstallersScreen))
        listing = app.screen
        await until(pilot, lambda: "1 expired" in text(listing, "#installers-state"))
        await pilot.press("l")
        await until(pilot, lambda: any("has expired; extend it (x)" in t for t in toasts(app)))
        assert "e" * 32 not in app.clipboard  # a link that no longer downloads is not copied


async def test_a_settings_change_reaches_a_representatives_console_at_once(site: Site) -> None:
    from api_client import ApplianceClient, RepCredentials

    app = site.console("carol")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.session is not None and app.session.site.settings.allow_wake
        assert "u" in app.active_bindings  # upgrading by hand: automatic upgrades are off
        async with ApplianceClient(
            site.appliance.url, credentials=RepCredentials("admin", "demo")
        ) as admin:
            await admin.update_settings(
                {"allow_wake": False, "statistics": ["cpu"], "automatic_upgrades": "always"}
            )
        await until(pilot, lambda: not app.session.site.settings.allow_wake)  # type: ignore[union-attr]
        assert not app._thumbnails_on
        await pilot.pause()
        assert "u" not in app.active_bindings  # the appliance upgrades clients itself now


@QUIET
async def test_an_administrator_sets_up_email_and_mails_an_installer(
    site: Site, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_settings(pilot, app)
        await until(pilot, lambda: screen.saved_smtp is not None)
        for name, value in (
            ("host", "127.0.0.1"),
            ("port", str(port)),
            ("username", USER),
            ("password", PASSWORD),
            ("from_address", "jump@example.org"),
        ):
            screen.query_one(f"#field-smtp_{name}", Input).value = value
        screen.query_one("#field-smtp_starttls", Checkbox).value = False
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Saved 6 change(s)" in text(screen, "#settings-state"))
        assert screen.query_one("#field-smtp_password", Input).value == ""  # never shown back
        assert state_of(site).site.repo.smtp()[1] == PASSWORD
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SettingsScreen))

        await pilot.press("colon", *"deploy", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        app.screen.query_one("#field-name", Input).value = "Front desk"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, InstallerView))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, InstallersScreen))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "ops@example.org, not an address"
        await pilot.press("enter")
        await pilot.pause()
        assert "is not an e-mail address" in text(app.screen, "#prompt-error")
        app.screen.query_one(Input).value = "ops@example.org, lab@example.org"
        await pilot.press("enter")
        await until(pilot, lambda: bool(inbox.messages))
        assert inbox.envelopes == [["ops@example.org", "lab@example.org"]]
        assert inbox.messages[0]["Subject"] == "Jump Client installer: Front desk"
