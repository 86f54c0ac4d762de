"""Sessions in the console outlive it: it reattaches at start, asks before quitting with
sessions open, and names the item before ending one (a real embedded appliance)."""

from __future__ import annotations

import pytest

from api_client import ApplianceClient, RepCredentials
from console.dialogs import ChoiceScreen, ConfirmScreen
from console.session_screen import SessionsScreen
from tests.support.console import (
    SIZE,
    Site,
    appliance_state,
    focus_on,
    loaded,
    make_item,
    toasts,
    until,
)

pytestmark = pytest.mark.not_storage("the console's screens and keys")


def carol(site: Site) -> ApplianceClient:
    return ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))


async def test_the_console_reattaches_at_start_and_keeps_sessions_running_on_quit(
    site: Site,
) -> None:
    item = make_item(site)
    async with carol(site) as api:
        sid = (await api.start_session(item.id)).session.sid  # e.g. a console that quit
        app = site.console()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: bool(app.screen.query(f"#s-{sid}")))  # its tab
            said = f"Reattached to 1 running session: '{item.name}'."
            await until(pilot, lambda: said in toasts(app))
            assert list(app.actions.sessions) == [sid]
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            dialog = app.screen
            assert isinstance(dialog, ChoiceScreen)
            assert (
                dialog.title_text == f"You are in 1 session: '{item.name}'. Quit the console and…"
            )
            assert [value for _label, value in dialog.choices] == ["end", "keep", ""]
            assert "without a console they end after 2 minutes" in dialog.choices[1][0]
            await pilot.press("escape")  # cancel: nothing happens
            await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            await pilot.press("down", "enter")  # keep them running
            await until(pilot, lambda: app.return_code is not None)
        assert app.return_code == 0
        assert [s.sid for s in await api.sessions()] == [sid]  # still running


async def test_quitting_can_end_the_sessions_first(site: Site) -> None:
    item = make_item(site)
    async with carol(site) as api:
        sid = (await api.start_session(item.id)).session.sid
        app = site.console()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: bool(app.screen.query(f"#s-{sid}")))
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            await pilot.press("enter")  # end them
            await until(pilot, lambda: app.return_code is not None)
        assert await api.sessions() == []
        rows = appliance_state(site).site.repo.audit_log(5)
        assert any(r["action"] == "session.end" and r["actor"] == "carol" for r in rows)


async def test_ending_names_the_item_and_says_who_it_ends_for(site: Site) -> None:
    item = make_item(site)
    async with (
        carol(site) as api,
        ApplianceClient(site.appliance.url, credentials=RepCredentials("alice", "demo")) as alice,
    ):
        sid = (await api.start_session(item.id)).session.sid
        await alice.start_session(item.id)  # she joins it
        app = site.console("alice")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: bool(app.screen.query(f"#s-{sid}")))
            await loaded(pilot)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert app.screen.question == (  # type: ignore[attr-defined]
                f"Leave the session on '{item.name}' in Servers? It goes on for the others."
            )
            await pilot.press("y")
            await until(pilot, lambda: f"Left the session on '{item.name}'." in toasts(app))
        [running] = await api.sessions()
        assert running.sid == sid and running.participants == ["carol"]

        app = site.console("carol")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: bool(app.screen.query(f"#s-{sid}")))
            await loaded(pilot)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert app.screen.question == (  # type: ignore[attr-defined]
                f"End the session on '{item.name}' in Servers for everyone in it (carol)? "
                "Its shell and transfers stop."
            )
            await pilot.press("y")
            await until(pilot, lambda: f"Ended the session on '{item.name}'." in toasts(app))
        assert await api.sessions() == []


async def test_an_administrator_ends_anothers_session_from_the_list(site: Site) -> None:
    item = make_item(site)
    async with carol(site) as api:
        await api.start_session(item.id)
        app = site.console("admin")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await loaded(pilot)
            await focus_on(pilot, item)
            await pilot.press("colon", *"end", "enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert app.screen.question == (  # type: ignore[attr-defined]
                f"End the session on '{item.name}' in Servers for everyone in it (carol)? "
                "Its shell and transfers stop."
            )
            await pilot.press("y")
            await until(pilot, lambda: f"Ended the session on '{item.name}'." in toasts(app))
        assert await api.sessions() == []

        other = make_item(site)
        await api.start_session(other.id)
        app = site.console("alice")  # may start sessions there, but not end carol's
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await loaded(pilot)
            await focus_on(pilot, other)
            await pilot.press("colon", *"end", "enter")
            said = f"No session you may end or leave is running on '{other.name}'."
            await until(pilot, lambda: said in toasts(app))
            assert not isinstance(app.screen, ConfirmScreen)
        assert len(await api.sessions()) == 1
