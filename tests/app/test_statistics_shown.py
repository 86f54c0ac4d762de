"""The console shows no place for a statistic the site does not select, and follows a
change of the selection while it runs."""

from __future__ import annotations

import pytest

from api_client import ApplianceClient, RepCredentials
from tests.support.console import Site, details_text, loaded, make_item, toasts, until
from widgets import JumpTable

pytestmark = pytest.mark.not_storage("what the console shows of the statistics")


async def test_deselecting_the_console_user_hides_its_column_and_line_at_once(
    site: Site,
) -> None:
    app = site.console("carol")
    async with app.run_test(size=(200, 50)) as pilot:  # wide: every chosen column fits
        await loaded(pilot)
        table = app.query_one(JumpTable)
        assert "console_user" in table.shown and "Console user" in details_text(app)
        async with ApplianceClient(
            site.appliance.url, credentials=RepCredentials("admin", "demo")
        ) as admin:
            await admin.update_settings({"statistics": ["cpu", "disk_usage", "uptime"]})
        await until(pilot, lambda: "console_user" not in table.shown)
        assert "console_user" in table.columns  # the representative's choice is kept
        make_item(site, console_user="zoe")  # sent without its user from now on
        await until(pilot, lambda: len(app.store.ids) > 0 and not any(app.store.console_user))
        await until(pilot, lambda: "Console user" not in details_text(app))
        assert "CPU" in details_text(app)
        await pilot.press("colon", *"columns name,user,cpu", "enter")  # asked for: said why not
        await until(pilot, lambda: any("does not collect user;" in t for t in toasts(app)))
        assert table.shown == ["name", "cpu"]
        async with ApplianceClient(
            site.appliance.url, credentials=RepCredentials("admin", "demo")
        ) as admin:
            await admin.update_settings({"statistics": ["cpu", "console_user"]})
        await until(pilot, lambda: "console_user" in table.shown and "disk" not in table.shown)
        await until(pilot, lambda: any(app.store.console_user))  # sent again: a new snapshot
