"""What a filter key repaints: the list's rows from the top, its scroll bar (always there, so
that a filter that fits the list lays nothing out again; its thumb fills it when nothing
scrolls), and the filter's own line, however long the text typed.

A filter key changes the list's scrollable height and the input's text width without a layout
of the whole screen (widgets/jump_table.py, widgets/filter_bar.py); these check that what the
representative sees follows all the same."""

from __future__ import annotations

import pytest

from tests.support.console import SIZE, Site, loaded, until
from widgets import JumpTable

pytestmark = pytest.mark.not_storage("what the screen shows; the engine is not the subject")


def rows_on_screen(table: JumpTable) -> list[str]:
    return [table.render_line(y).text for y in range(1, table.size.height)]


async def test_a_filter_shows_its_rows_from_the_top_and_the_scroll_bar_follows(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.query_one(JumpTable)
        store = app.store
        everything = len(store.view)
        assert everything > table.size.height  # the demo site overflows the list
        assert table.show_vertical_scrollbar
        await pilot.press("end")  # at the bottom of the list
        await until(pilot, lambda: table.scroll_offset.y > 0)

        last = store.name[store.view[-1]]
        await pilot.press("slash", *last)
        await until(pilot, lambda: len(store.view) == 1)
        await pilot.pause()
        assert table.scroll_offset.y == 0  # the one row is on screen, not scrolled away
        assert last in rows_on_screen(table)[0]
        assert table.max_scroll_y == 0  # nothing to scroll: the thumb fills the bar
        bar = table.vertical_scrollbar
        assert table.show_vertical_scrollbar and bar.window_virtual_size <= bar.window_size

        await pilot.press(*["backspace"] * len(last))
        await until(pilot, lambda: len(store.view) == everything)
        await pilot.pause()
        assert table.show_vertical_scrollbar
        assert table.virtual_size.height == everything + 1  # the header and every row
        assert table.vertical_scrollbar.window_virtual_size == everything + 1
        # the highlight stayed on the item found, at the bottom of the whole list, in view
        assert table.highlighted_id == store.id_at(everything - 1)
        assert last in rows_on_screen(table)[-1]
        await pilot.press("escape", "home")  # and the list scrolls to its first row again
        await until(pilot, lambda: store.name[store.view[0]] in rows_on_screen(table)[0])


async def test_a_filter_longer_than_its_line_shows_what_is_being_typed(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        bar = app.query_one("#filter-input")
        typed = "tag:" + "x" * 90 + " END"
        await pilot.press("slash", *typed)
        await until(pilot, lambda: app.store.filter_text == typed)
        await pilot.pause()
        line = bar.render_line(0).text
        assert "END" in line  # the end of the text, where the cursor is, is in view
        assert "tag:" not in line
        await pilot.press("home")
        await pilot.pause()
        assert bar.render_line(0).text.lstrip().startswith("tag:")
