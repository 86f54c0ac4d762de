"""The console signs in while it is still starting (the appliance checks the password while
Textual loads): it lists the items with that one sign-in, and a refused password asks again
with the appliance's reason after one refusal, not two."""

from __future__ import annotations

import pytest

from api_client import ApplianceClient, RepCredentials
from console.app import JumpConsoleApp
from console.login import LoginScreen
from domain.audit import AuditFilter
from tests.support.console import CONSOLE_NOW, SIZE, Site, loaded, until

pytestmark = pytest.mark.not_storage("the console's sign-in")


async def _entries(site: Site, action: str, actor: str) -> int:
    admin = ApplianceClient(site.appliance.url, credentials=RepCredentials("admin", "demo"))
    async with admin:
        page = await admin.audit(AuditFilter(action=action, actor=actor))
    return page.total


async def test_a_console_signed_in_early_lists_its_items_with_that_one_sign_in(
    site: Site,
) -> None:
    backend = site.connect("carol", "demo")
    backend.sign_in_early()  # as jump-console does before it loads its screens
    app = JumpConsoleApp(backend, clock=lambda: CONSOLE_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.session is not None and app.session.username == "carol"
        assert len(app.store) > 0 and app.feed_state.value == "live"
    assert await _entries(site, "login", "carol") == 1  # the early token served it all


async def test_a_password_refused_early_asks_again_after_one_refusal(site: Site) -> None:
    backend = site.connect("carol", "not her password")
    backend.sign_in_early()
    app = JumpConsoleApp(
        backend,
        connect=site.connect,
        appliance=site.appliance.url,
        username="carol",
        clock=lambda: CONSOLE_NOW,
    )
    async with app.run_test(size=SIZE) as pilot:

        def asked_again() -> bool:
            screen = app.screen
            error = screen.query("#login-error") if isinstance(screen, LoginScreen) else None
            return bool(error) and "username and password" in str(error.first().render())

        await until(pilot, asked_again)
    assert await _entries(site, "login.refused", "carol") == 1
