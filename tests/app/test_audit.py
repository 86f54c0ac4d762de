"""The audit log in the console: ``:audit`` for administrators (filtered, more as one scrolls,
hostile text shown and not obeyed), refused to others in the appliance's words, and an
item's history in its details."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from console.audit_screen import AuditScreen
from domain.audit import AUDIT_FOR_ADMINS, AuditEntry
from tests.support.console import (
    SIZE,
    Site,
    appliance_state,
    details_text,
    focus_on,
    loaded,
    make_item,
    toasts,
    until,
)

pytestmark = pytest.mark.not_storage("the console's audit screens")


def _state(screen: AuditScreen) -> str:
    return str(screen.query_one("#audit-state", Static).render())


def _cells(screen: AuditScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]


async def test_an_administrator_reads_the_log_filters_it_and_scrolls_for_more(
    site: Site,
) -> None:
    state = appliance_state(site)

    def write_entries() -> None:
        with state.site.repo.transaction():
            for _ in range(130):
                state.site.audit("zed", "login.refused", "rep_api")
            state.site.audit("\x1b]0;pwned\x07[b]zed[/b]", "login.refused", "rep_api")

    site.appliance.call(write_entries)
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon")
        app.main.query_one("#command", Input).value = "audit action:login.refused"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        await until(pilot, lambda: screen.loaded == 100)
        assert "100 of 131 entries matching action:login.refused" in _state(screen)
        newest = _cells(screen)[0]
        assert newest[1] == "\\x1b]0;pwned\\x07[b]zed[/b]" and newest[2] == "login.refused"
        drawn = screen.query_one(DataTable).render_line(1).text  # the newest row, as drawn
        assert "[b]zed[/b]" in drawn and "\\x1b]0;pwned" in drawn  # shown, not read as markup
        assert newest[3] == "rep_api"

        await pilot.press("ctrl+end")  # the cursor nears the end: the next entries load
        await until(pilot, lambda: screen.loaded == 131)
        assert "131 of 131 entries" in _state(screen)
        ids = [int(str(k.value)) for k in screen.query_one(DataTable).rows]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 131

        await pilot.press("slash")
        screen.query_one("#audit-filter", Input).value += " since:yesterday"
        await pilot.press("enter")
        await until(pilot, lambda: "'yesterday' is not a time" in _state(screen))
        assert screen.loaded == 131  # the list stays as it was
        screen.query_one("#audit-filter", Input).value = "actor:admin action:login"
        await pilot.press("enter")
        await until(pilot, lambda: "matching actor:admin action:login" in _state(screen))
        assert {row[1] for row in _cells(screen)} == {"admin"}

        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main)


async def test_others_are_told_the_log_is_for_administrators(site: Site) -> None:
    app = site.console("carol")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        [palette] = [c for c in app.palette_choices(app.main) if c.title == ":audit"]
        palette.run()  # the palette says the same as the command line
        await pilot.press("colon", *"audit", "enter")
        await until(pilot, lambda: toasts(app).count(AUDIT_FOR_ADMINS) == 2)
        assert not isinstance(app.screen, AuditScreen)


async def test_an_items_details_show_its_history(site: Site) -> None:
    item = make_item(site, name="ZZ-HISTORY")
    app = site.console("carol")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await focus_on(pilot, item)
        await until(pilot, lambda: "nothing recorded yet" in details_text(app))
        await app.client.edit_item(item.id, {"comments": "rack 4"})  # the item changes
        await until(pilot, lambda: "carol, jump_item.update" in details_text(app))
        assert "fields=[comments]" in details_text(app)


async def test_scrolling_through_the_list_asks_for_no_history(site: Site) -> None:
    app = site.console("carol")
    asked: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        fetch = app.client.item_audit

        async def counted(item_id: int, *, limit: int = 10) -> list[AuditEntry]:
            asked.append(item_id)
            return await fetch(item_id, limit=limit)

        app.client.item_audit = counted  # type: ignore[method-assign]
        app.item_history._rest_s = 1.0  # longer than a keystroke, whatever the machine's load
        first = app.highlighted_id()
        for _ in range(8):
            await pilot.press("down")
        last = app.highlighted_id()
        await until(pilot, lambda: last in asked)
        await until(pilot, lambda: "Recent" in details_text(app) or "UTC" in details_text(app))
        assert first != last and set(asked) <= {first, last}
