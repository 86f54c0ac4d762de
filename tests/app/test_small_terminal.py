"""At 80×24 a representative can find an item, read its status and CPU, and start a session:
the tree hides itself (``T`` brings it back), columns drop whole in a set order instead of
being cut, and the status bar's state flags come first."""

from __future__ import annotations

import re

import pytest
from textual.widgets._footer import FooterKey

from console.session_screen import SessionsScreen
from domain.columns import COLUMN_BY_KEY
from tests.support.console import Site, loaded, make_item, toasts, until
from widgets import GroupTree, JumpTable, StatusBar

pytestmark = pytest.mark.not_storage(
    "what the screen shows; the engine under it is not the subject"
)

SMALL = (80, 24)


def header(table: JumpTable) -> str:
    return table.render_line(0).text


async def test_at_80_by_24_the_list_keeps_name_status_and_cpu_whole(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        tree = app.screen.query_one(GroupTree)
        table = app.screen.query_one(JumpTable)
        assert not tree.display  # narrow: the list has the width
        assert {"name", "status", "cpu"} <= set(table.shown)
        assert sum(COLUMN_BY_KEY[k].width + 2 for k in table.shown) - 2 <= table.size.width
        assert "CPU" in header(table) and "Comments" not in header(table)
        for y in range(1, 6):  # every CPU figure on screen is whole: "94%", never "9"
            cpu = app.store.cell(app.store.view[y - 1], "cpu", 0)
            assert re.search(rf"\s{re.escape(cpu)}\s", table.render_line(y).text + " ")

        # the palette's key ends the footer: no stray letter of a key under it after it
        [palette] = [k for k in app.screen.query(FooterKey) if k.has_class("-command-palette")]
        assert palette.region.right == SMALL[0]

        await pilot.press("T")  # the tree, when wanted
        await until(pilot, lambda: tree.display)
        assert "Group" not in header(table) or "CPU" in header(table)
        await pilot.press("T")
        await until(pilot, lambda: not tree.display)

        await pilot.press("Z")  # the state flags come first in the status bar
        await until(pilot, lambda: app.paused)
        bar = str(app.screen.query_one(StatusBar).render())
        assert bar.index("PAUSED") < bar.index("online of")

        await pilot.resize_terminal(160, 45)
        await until(pilot, lambda: len(table.shown) > 4)  # wide again: more columns
        assert not tree.display  # hidden by the representative: it stays so
        await pilot.press("T")
        await until(pilot, lambda: tree.display)


async def test_a_wide_terminal_shows_the_tree_by_itself(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        tree = app.screen.query_one(GroupTree)
        assert tree.display
        await pilot.resize_terminal(*SMALL)
        await until(pilot, lambda: not tree.display)


def test_a_long_value_wraps_under_its_column() -> None:
    from widgets.details import hanging

    wrapped = hanging("'alice-laptop-81' is online; there is nothing to wake.", 24, 60)
    first, *rest = wrapped.split("\n")
    assert rest and all(line.startswith(" " * 24) and line[24] != " " for line in rest)
    assert " ".join(w.strip() for w in wrapped.split("\n")).split() == (
        ["'alice-laptop-81'", "is", "online;", "there", "is", "nothing", "to", "wake."]
    )
    assert hanging("short", 24, 0) == "short"  # width not known yet: as it is


async def test_at_80_by_24_a_representative_finds_an_item_and_starts_a_session(site: Site) -> None:
    item = make_item(site)
    app = site.console()
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *item.name, "escape")  # find it
        await until(pilot, lambda: app.highlighted_id() == item.id)
        table = app.screen.query_one(JumpTable)
        assert item.name in table.render_line(1).text and "online" in table.render_line(1).text
        assert "CPU" in header(table)  # (this new item has reported no figures yet)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        assert any("Session started on" in t for t in toasts(app))
