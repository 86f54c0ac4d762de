"""Snapshots of the console: seeded fleet, fixed clocks, no live churn, fixed size."""

from __future__ import annotations

import os

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from console.dialogs import EditScreen
from console.session_screen import SessionsScreen
from tests.support.console import SIZE, Site, details_text, focus_on, loaded, make_item, until
from themes import starting_theme

pytestmark = pytest.mark.not_storage("how the console looks")

THEMES = ["jump-dark", "jump-light", "jump-high-contrast", "jump-16"]


async def _ready(pilot: Pilot[object]) -> None:
    await loaded(pilot)
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_main_screen_in_each_theme(snap_compare, site: Site, theme: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(site.console(theme=theme), run_before=_ready, terminal_size=SIZE)


def test_main_screen_with_no_color(snap_compare, site: Site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """NO_COLOR: the terminal's own colours; the highlighted row reversed, warnings bold."""
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it too (and would draw greys)
    theme = starting_theme(None, os.environ)
    assert theme == "jump-no-color"
    assert snap_compare(site.console(theme=theme), run_before=_ready, terminal_size=SIZE)


def test_details_of_a_lost_item(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        app = pilot.app
        await pilot.press("colon", *"filter status:lost", "enter")

        await until(
            pilot,
            lambda: (
                app._details_item is not None  # type: ignore[attr-defined]
                and app._details_item.is_lost
            ),
        )  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(site.console(), run_before=run_before, terminal_size=SIZE)


def test_help_overlay(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press(*"sort")
        await pilot.pause()

    assert snap_compare(site.console(), run_before=run_before, terminal_size=SIZE)


def test_filter_error_state(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        await pilot.press("slash")
        await pilot.press(*"srv stauts:online")
        await pilot.pause()

    assert snap_compare(site.console(), run_before=run_before, terminal_size=SIZE)


def test_session_screen(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]

    item = make_item(site, console_user="")

    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        await focus_on(pilot, item)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, SessionsScreen))
        await pilot.pause()

    assert snap_compare(site.console(), run_before=run_before, terminal_size=SIZE)


def test_properties_form_with_a_validation_error(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]

    item = make_item(site, tag="db")

    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        await focus_on(pilot, item)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, EditScreen))
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press(
            "tab", "end", *"-this-tag-is-far-too-long-for-the-sixty-four-character-limit-of-a-tag"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(site.console(), run_before=run_before, terminal_size=SIZE)


def test_wake_cooldown(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]

    make_item(site)
    target = make_item(site, x_online=False)

    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        app = await focus_on(pilot, target)
        await pilot.press("w", "enter")
        await until(pilot, lambda: "available in 30 s" in details_text(app))
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(site.console(), run_before=run_before, terminal_size=SIZE)


# -- administration ---------------------------------------------------------------------------


def _installers(site: Site) -> None:
    """Two installers with fixed keys (snapshots show keys): one valid, one expired."""
    from datetime import timedelta

    from domain import Installer
    from tests.support.appliance import T0

    state = site.appliance.app.state.appliance  # type: ignore[attr-defined]
    with state.site.repo.transaction():
        for n, (name, tag, hours) in enumerate((("Kiosks", "kiosk", 3), ("Old lab", "lab", -30))):
            state.site.repo.add_installer(
                Installer(
                    id=n + 1,
                    name=name,
                    jump_group_id=1,
                    tag=tag,
                    comments="front desk" if n == 0 else "",
                    jump_policy_id=1,
                    installer_id=f"{n}" * 32,
                    allow_override_tag=True,
                    allow_override_name=n == 0,
                    expiration_timestamp=T0 + timedelta(hours=hours),
                )
            )


async def _admin_screen(pilot: Pilot[object], command: str, ready: str) -> None:
    await _ready(pilot)
    await pilot.press("colon", *command, "enter")
    await until(pilot, lambda: bool(pilot.app.screen.query(ready)))
    # the footer is built once the screen's keys are known, after a refresh: wait for it
    await until(pilot, lambda: bool(pilot.app.screen.query("FooterKey")))
    await pilot.pause(0.3)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_installer_list(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable

    _installers(site)

    async def run_before(pilot: Pilot[object]) -> None:
        await _admin_screen(pilot, "installers", "DataTable")
        await until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 2)
        await pilot.pause()

    assert snap_compare(site.console("admin"), run_before=run_before, terminal_size=SIZE)


def test_installer_usage_panel(snap_compare, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable

    from console.admin.installers import InstallersScreen

    _installers(site)
    # the test appliance's port changes every run; the panel shows the address it is given
    monkeypatch.setattr(InstallersScreen, "appliance_address", lambda _s: "https://jump.example")

    async def run_before(pilot: Pilot[object]) -> None:
        await _admin_screen(pilot, "installers", "DataTable")
        await until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 2)
        await pilot.press("enter")
        await until(pilot, lambda: bool(pilot.app.screen.query("#installer-usage")))
        await pilot.pause()

    assert snap_compare(site.console("admin"), run_before=run_before, terminal_size=SIZE)


def test_deploy_wizard_with_validation_errors(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Select

    async def run_before(pilot: Pilot[object]) -> None:
        await _admin_screen(pilot, "deploy", "#field-tag")
        screen = pilot.app.screen
        screen.query_one("#validity-preset", Select).value = "custom"
        await pilot.pause()
        screen.query_one("#validity-custom", Input).value = "5m"
        screen.query_one("#field-name", Input).value = "n" * 129
        await pilot.press("ctrl+s")
        await pilot.pause()
        for field in screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(site.console("admin"), run_before=run_before, terminal_size=SIZE)


def test_settings_with_a_rejected_maintenance_value(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[object]) -> None:
        await _admin_screen(pilot, "settings", "#field-days_before_lost")
        screen = pilot.app.screen
        await until(pilot, lambda: screen.saved is not None)  # type: ignore[attr-defined]
        screen.query_one("#field-days_before_lost", Input).value = "200"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen.query_one("#field-days_before_lost", Input).focus()  # scrolls to the error
        await pilot.pause(0.3)

    assert snap_compare(site.console("admin"), run_before=run_before, terminal_size=SIZE)
