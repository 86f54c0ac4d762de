"""Session tabs come and go as fast as the live feed says: a session that ends (or changes)
before its tab is on screen leaves no error and no stale tab (a real appliance)."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from api_client import ApplianceClient, RepCredentials
from console.session_screen import SessionsScreen
from domain.session import SessionEvent, SessionInfo
from tests.support.console import SIZE, Site, loaded, make_item, until

pytestmark = pytest.mark.not_storage("the console's screens and keys")


async def test_sessions_ending_before_their_tabs_are_shown_leave_no_tab(site: Site) -> None:
    item = make_item(site)
    async with ApplianceClient(
        site.appliance.url, credentials=RepCredentials("carol", "demo")
    ) as api:
        info = (await api.start_session(item.id)).session
        await api.end_session(info.sid)  # its frames, replayed below as fast as they can come

    def session(sid: str) -> SessionInfo:
        return info.model_copy(update={"sid": sid})

    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        app.show_sessions()  # no session yet; the screen is not even on screen yet
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        for event, sid in (  # frames back to back, in one turn of the loop
            ("started", "brief"),  # the first tab, gone before it is on screen
            ("started", "stays"),
            ("joined", "stays"),  # changed before its tab is on screen
            ("ended", "brief"),  # and then numbered 1, not 2
            ("started", "other"),
            ("ended", "other"),
        ):
            app.actions.on_event(SessionEvent(event=event, session=session(sid), message="."))
            if event == "started":
                app.show_sessions(sid)  # as after a start from this console
        await until(pilot, lambda: screen.query_one(TabbedContent).active == "s-stays")
        tabs = screen.query_one(TabbedContent)
        await pilot.pause()
        assert [pane.id for pane in tabs.query("TabPane")] == ["s-stays"]
        assert str(tabs.get_tab("s-stays").label) == f"1 {item.name} ({item.hostname})"
