"""Issue 17 point 13: details say each thing once and in the appliance's words; counts are
readable; toasts leave the status bar visible."""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from tests.support.console import (
    SIZE,
    Site,
    details_text,
    focus_on,
    loaded,
    make_item,
    toasts,
    until,
)
from widgets import JumpTable, StatusBar
from widgets.group_tree import _label

pytestmark = pytest.mark.not_storage(
    "what the screen shows; the engine under it is not the subject"
)


async def test_details_say_each_policy_once_and_why_a_passive_item_needs_no_wake(
    site: Site,
) -> None:
    item = make_item(site, connection_type="passive", name="ZZ-PASSIVE")
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await focus_on(pilot, item)
        await until(pilot, lambda: "needs no wake" in details_text(app))
        lines = details_text(app).splitlines()
        present = next(line for line in lines if line.strip().startswith("User present"))
        assert present.count("User present") == 1 and "prompt, view only" in present
        wake = next(line for line in lines if line.strip().startswith("Wake"))
        assert "is passive and checked in" in wake and "is online" not in wake
        await pilot.press("w")
        await until(pilot, lambda: any("needs no wake" in t for t in toasts(app)))


def test_tree_counts_have_thousands_separators() -> None:
    assert _label("Servers", 1234, 56789) == "Servers  1,234/56,789"


async def test_toasts_leave_the_status_bar_visible(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        app.notify("Something to say", timeout=30)
        await until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        bar = app.query_one(StatusBar).region
        for toast in app.screen.query(Toast):
            assert not toast.region.overlaps(bar), "a toast covers the status bar"


async def test_the_sort_arrow_shows_on_a_narrow_column(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"sort uptime desc", "enter")
        await until(pilot, lambda: app.store.sort_key == "uptime")
        await pilot.pause()
        header = app.query_one(JumpTable).render_line(0).text
        assert "Uptime▼" in header
        await pilot.press("colon", *"sort last seen", "enter")
        await until(pilot, lambda: app.store.sort_key == "last_seen")
        await pilot.pause()
        assert "Last seen▲" in app.query_one(JumpTable)._header().text  # beyond the screen
