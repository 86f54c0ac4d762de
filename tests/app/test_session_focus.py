"""After a start, a multi-start or a join, the tab in front (and the keys) belong to that
session: never to another machine's, whichever path the start took."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from console.session_screen import SessionsScreen
from tests.support.appliance import settings
from tests.support.console import SIZE, Site, focus_on, loaded, make_item, toasts, until

pytestmark = pytest.mark.not_storage("the console's screens and keys")


def _front(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    if not isinstance(screen, SessionsScreen):
        return ""
    return str(screen.query_one(TabbedContent).active).removeprefix("s-")


async def test_the_tab_in_front_is_the_session_just_started_prompted_or_not(site: Site) -> None:
    assert site.appliance.app is not None
    settings(site.appliance.app, presence_by_screen_state=False)  # present means present
    quiet = make_item(site, console_user="")  # nobody at the endpoint: nobody is asked
    asked = make_item(site, console_user="ann")  # someone there: policy 2 asks them first
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, quiet)
        await pilot.press("enter")
        await until(pilot, lambda: app.actions.desk.session_on(quiet.id) is not None)
        first = app.actions.desk.session_on(quiet.id)
        assert first is not None
        await until(pilot, lambda: _front(app) == first.sid)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SessionsScreen))

        await focus_on(pilot, asked)
        await pilot.press("enter")
        await until(pilot, lambda: app.actions.desk.session_on(asked.id) is not None)
        second = app.actions.desk.session_on(asked.id)
        assert second is not None and second.reason.endswith("the user accepted")
        assert any("they are asked to accept" in t for t in toasts(app))
        await until(pilot, lambda: _front(app) == second.sid)  # not the first tab
        await pilot.pause()
        assert _front(app) == second.sid
        tabs = app.screen.query_one(TabbedContent)
        assert app.focused is not None and tabs in app.focused.ancestors_with_self
        label = str(tabs.get_tab(f"s-{second.sid}").label)
        assert label.startswith(f"2 {asked.name} ({asked.hostname})")

        await pilot.press("1")  # tabs by number
        await until(pilot, lambda: _front(app) == first.sid)
        await pilot.press("escape", "v")  # the sessions screen again: the one looked at last
        await until(pilot, lambda: _front(app) == first.sid)
