"""Snapshots of the console: seeded fleet, fixed clocks, no live churn, fixed size."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.app.conftest import SIZE, Site, loaded

THEMES = ["jump-dark", "jump-light", "jump-high-contrast", "jump-16"]


async def _ready(pilot: Pilot[object]) -> None:
    await loaded(pilot)
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_main_screen_in_each_theme(snap_compare, site: Site, theme: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(site.console(theme=theme), run_before=_ready, terminal_size=SIZE)


def test_details_of_a_lost_item(snap_compare, site: Site) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        app = pilot.app
        await pilot.press("colon", *"filter status:lost", "enter")
        from tests.app.conftest import until

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
