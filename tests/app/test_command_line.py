"""The ``:`` command line: Tab completes, ↑ recalls, quotes name one group, ``:filter`` alone
clears; the command palette offers the console's own choices only, tags among them."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from console.commands import CommandError, complete, parse_command
from console.screens import ConsoleCommands
from domain import JumpGroupType
from tests.support.console import SIZE, Site, groups_in_view, loaded, until

pytestmark = pytest.mark.not_storage(
    "what the screen shows; the engine under it is not the subject"
)


def test_tab_completes_as_far_as_it_is_unambiguous() -> None:
    groups = ["Lab", "Point of Sale", "Point Lab"]

    def choices(command: str) -> list[str]:
        return groups if command == "group" else []

    assert complete("gr", choices) == ("group ", ["group"])
    assert complete("t", choices)[1] == ["tag", "theme"]  # both stay to choose from
    assert complete("group po", choices) == ('group "Point ', ["Point of Sale", "Point Lab"])
    assert complete("gr point o", choices) == ('group "Point of Sale"', ["Point of Sale"])
    assert complete("frobnicate x", choices) == ("frobnicate x", [])
    assert parse_command('group "Point of Sale"').argument == "Point of Sale"
    assert parse_command('filter "front desk"').argument == '"front desk"'  # the language's
    assert parse_command("filter").argument == ""
    try:
        parse_command("group")
    except CommandError as err:
        assert ":group needs NAME" in str(err)
    else:
        raise AssertionError(":group alone must be refused")


async def test_completion_history_quotes_and_clearing_the_filter(site: Site) -> None:
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"gr", "tab", *"point", "tab")
        line = app.screen.query_one("#command", Input)
        assert line.value == 'group "Point of Sale"'
        await pilot.press("enter")
        point_of_sale = (JumpGroupType.SHARED, 3)
        assert app.store.group_label(point_of_sale) == "Point of Sale"
        await until(pilot, lambda: groups_in_view(app) == {point_of_sale})

        await pilot.press("colon", *"filter status:online", "enter")
        await until(pilot, lambda: app.store.filter_text == "status:online")
        await pilot.press("colon", "up")  # the last command comes back
        assert line.value == "filter status:online"
        await pilot.press("up")
        assert line.value == 'group "Point of Sale"'
        await pilot.press("down", "down")
        assert line.value == ""
        await pilot.press(*"filter", "enter")  # :filter alone clears it
        await until(pilot, lambda: app.store.filter_text == "")


async def test_the_palette_offers_the_consoles_choices_and_its_tags(site: Site) -> None:
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        titles = [choice.title for choice in app.palette_choices(app.main)]
        assert any(t.startswith("Show tag ") for t in titles)
        assert ":requests" in titles
        assert "Quit" in titles and titles.count("Quit") == 1
        assert not {"Keys", "Screenshot", "Change theme"} & set(titles)
        assert {ConsoleCommands} == app.COMMANDS  # not Textual's own providers
