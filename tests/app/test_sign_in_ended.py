"""A console whose sign-in the appliance ends (here: an administrator changes the password)
says why, in the appliance's sentence, and asks to sign in again; it does not reconnect with
what it had."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from api_client import ApplianceClient, RepCredentials
from console.app import JumpConsoleApp
from console.login import LoginScreen
from domain.protocol.close import PASSWORD_CHANGED
from tests.support.console import CONSOLE_NOW, SIZE, Site, loaded, until

pytestmark = pytest.mark.not_storage("the console's sign-in")
DAVE = 4


async def test_a_console_whose_sign_in_ended_asks_to_sign_in_again_with_the_reason(
    site: Site,
) -> None:
    url = site.appliance.url
    app = JumpConsoleApp(None, connect=site.connect, appliance=url, clock=lambda: CONSOLE_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await _sign_in(pilot, "dave", "demo")
        await loaded(pilot)
        first = app.backend

        async with ApplianceClient(url, credentials=RepCredentials("admin", "demo")) as admin:
            await admin.users.update(DAVE, {"password": "davesnewpassphrase"})

        def asked_again() -> bool:  # with the reason, the cursor in the password
            screen = app.screen
            if not isinstance(screen, LoginScreen):
                return False
            error, password = screen.query("#login-error"), screen.query("#login-password")
            return (
                bool(error and password)
                and PASSWORD_CHANGED in str(error.first().render())
                and app.focused is password.first()
            )

        await until(pilot, asked_again, timeout=5)
        await _sign_in(pilot, "dave", "davesnewpassphrase")
        await until(
            pilot,
            lambda: app.backend is not first and app.feed_state.value == "live",
        )
        assert app.session is not None and app.session.username == "dave"


async def _sign_in(pilot: Pilot[object], username: str, password: str) -> None:
    screen = pilot.app.screen
    screen.query_one("#login-username", Input).value = username
    screen.query_one("#login-password", Input).value = password
    await pilot.press("enter")
