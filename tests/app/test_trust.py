"""A console a representative can trust all day: the highlight stays on its item, keys act
only on the screen that shows what they act on, and destructive actions name what they touch."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widgets import Input

from console.admin.deploy import DeployScreen
from console.admin.installers import InstallersScreen
from console.dialogs import ConfirmScreen, EditScreen
from console.registry import key_actions
from console.session_screen import SessionsScreen
from tests.support.console import SIZE, Site, details_text, loaded, make_site, toasts, until
from widgets import JumpTable, StatusBar

pytestmark = pytest.mark.not_storage("the console's screens and keys")

#: every key of the table of actions but help, quit and reconnect acts on the list
LIST_IDS = {a.binding_id for a in key_actions() if a.id not in ("help", "quit", "reconnect")}


def list_bindings(screen: Screen[object]) -> set[str]:
    """The ids of the list's bindings active on ``screen``."""
    return {b.binding.id or "" for b in screen.active_bindings.values()} & LIST_IDS


@pytest.fixture
def live_site(tmp_path: Path, database: str):  # type: ignore[no-untyped-def]
    yield from make_site(tmp_path, database, simulate=False, interval=0.05)


async def test_the_highlight_stays_on_its_item_when_a_live_sort_moves_it(live_site: Site) -> None:
    app = live_site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"sort cpu desc", "enter", "down", "down")
        table = app.screen.query_one(JumpTable)
        await until(
            pilot,
            lambda: (
                app.highlighted_item() is not None
                and app.highlighted_item().id == table.highlighted_id  # type: ignore[union-attr]
            ),
        )
        target, start = table.highlighted_id, table.cursor
        assert target is not None and start > 0
        hub = live_site.appliance.app.state.appliance.live  # type: ignore[union-attr]
        live_site.appliance.call(
            lambda: hub.record_stats(target, (100.0, 12.0, None, 60, "2026-11-24T10:04:00+00:00"))
        )
        # the 2 s resort moves the item up the list; no key is pressed
        await until(pilot, lambda: app.store.index_of_id(target) != start)
        await pilot.pause()
        assert table.highlighted_id == target
        assert table.cursor == app.store.index_of_id(target)
        assert app.highlighted_item() is not None and app.highlighted_item().id == target  # type: ignore[union-attr]


async def test_the_highlight_stays_on_its_item_when_an_item_above_it_goes(
    live_site: Site,
) -> None:
    """An item above the highlighted one leaves the list (deleted, or out of reach): the
    highlight and the details stay on their item, one line up. They stayed on the line
    instead, on the item below, and 'j' acted on that one."""
    app = live_site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"sort cpu desc", "enter", "home", "down", "down", "down")
        table = app.screen.query_one(JumpTable)
        await until(
            pilot,
            lambda: app.details_item is not None and app.details_item.id == table.highlighted_id,
        )
        target, start = table.highlighted_id, table.cursor
        assert target is not None and start >= 2
        above = app.store.id_at(start - 2)
        hub = live_site.appliance.app.state.appliance.live  # type: ignore[union-attr]
        live_site.appliance.call(lambda: hub.publish([], [above]))  # a delta removing it
        await until(pilot, lambda: app.store.index_of_id(above) is None)
        assert table.highlighted_id == target
        assert table.cursor == start - 1 == app.store.index_of_id(target)
        assert app.details_item is not None and app.details_item.id == target
        assert app.highlighted_id() == target  # what 'j' acts on


async def test_a_filter_keeps_the_highlight_on_its_item_or_else_goes_to_the_first_match(
    site: Site,
) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(JumpTable)
        await pilot.press("home", *["down"] * 5)
        await until(pilot, lambda: table.cursor == 5)
        target = table.highlighted_id
        assert target is not None
        name = app.store.name[app.store.row_of[target]]
        await pilot.press("slash", *name[:3])  # it matches: it keeps the highlight
        await until(pilot, lambda: app.store.filter_text == name[:3])
        assert table.highlighted_id == target
        status = app.store.status_at(app.store.row_of[target]).value
        leave_out = f"!status:{status}"  # every item but those of its status: not it
        app.screen.query_one("#filter-input", Input).value = leave_out  # in one step
        await until(pilot, lambda: app.store.filter_text == leave_out)
        assert app.store.index_of_id(target) is None and app.store.view
        assert table.cursor == 0  # the first match, not whatever sits on its old line
        assert table.highlighted_id == app.store.id_at(0)


async def test_list_keys_do_not_act_through_the_installers_screen(site: Site) -> None:
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert list_bindings(app.screen) == LIST_IDS  # the list's keys, on the list
        await pilot.press("colon", *"installers", "enter")
        await until(pilot, lambda: isinstance(app.screen, InstallersScreen))
        await pilot.pause()
        screen = app.screen
        assert not list_bindings(screen)  # neither bound nor in the footer
        await pilot.press("j", "e", "c", "w", "space")
        await pilot.pause()
        assert app.screen is screen
        assert not app.actions.sessions
        assert not [w for w in app.workers if (w.group or "").startswith("action-")]


async def test_typing_in_the_wizard_opens_no_dialog_and_its_footer_has_no_list_keys(
    site: Site,
) -> None:
    app = site.console("admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"deploy", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        await pilot.pause()
        wizard = app.screen
        assert not list_bindings(wizard)
        await pilot.press(*"ecjw")  # typed into the wizard's first field
        await pilot.pause()
        assert app.screen is wizard
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DeployScreen))
        await pilot.press("v")  # the sessions screen
        await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        await pilot.pause()
        assert not list_bindings(app.screen)
        await pilot.press("e", "c", "j")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_with_the_appliance_down_the_list_is_stale_and_actions_say_why(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(JumpTable)
        await pilot.press("colon", *"columns name,status,last_seen,cpu", "enter")
        await pilot.press("colon", *"filter status:online", "enter")
        await until(pilot, lambda: app.highlighted_item() is not None)
        assert "now" in table.render_line(1).text
        site.appliance.stop()
        status = app.screen.query_one(StatusBar)
        await until(pilot, lambda: status.connection in ("reconnecting", "offline"))
        await pilot.pause()
        row = table.render_line(1).text
        assert "was online" in row and "now" not in row  # nothing claims to be live
        assert "stale — last heard" in status.connection_text()
        await until(pilot, lambda: "stale — last heard" in details_text(app))
        assert "not now — the appliance cannot be reached" in details_text(app)
        for key in ("enter", "e", "w", "delete"):
            await pilot.press(key)
        await pilot.pause()
        said = toasts(app)
        assert sum("appliance cannot be reached" in t for t in said) == 4
        assert not any("Highlight a Jump Item first" in t for t in said)
        assert not isinstance(app.screen, ConfirmScreen | EditScreen)
        site.appliance.start()
        await pilot.press("r")  # try again now
        await until(pilot, lambda: status.connection == "live")
        await pilot.pause()
        assert "now" in table.render_line(1).text
        assert "stale" not in details_text(app)
