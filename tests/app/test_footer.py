"""The footer names the keys that act where the focus is, and follows the focus at once (it
is rebuilt only when what it shows changes: widgets/footer.py)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets._footer import FooterKey

from tests.support.console import SIZE, Site, loaded, until

pytestmark = pytest.mark.not_storage(
    "what the screen shows; the engine under it is not the subject"
)


def footer_keys(app: App[object]) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey) if not key.disabled]


async def test_the_footer_follows_the_focus_between_the_list_and_the_filter(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: "Jump" in footer_keys(app))
        on_the_list = footer_keys(app)
        assert {"Filter", "Sort", "Wake", "Remove", "Sessions", "Quit"} <= set(on_the_list)

        await pilot.press("slash")  # typing a filter: the list's keys would type letters
        await until(pilot, lambda: "Jump" not in footer_keys(app))
        assert footer_keys(app)[:2] == ["Filter", "Quit"]

        await pilot.press("escape")
        await until(pilot, lambda: footer_keys(app) == on_the_list)
        await pilot.press("v")  # the sessions screen has keys of its own
        await until(pilot, lambda: "End session" in footer_keys(app))
        assert "Wake" not in footer_keys(app)
