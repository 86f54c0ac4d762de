"""The session tab's Screen view says why it shows nothing: the policy does not allow screen
sharing (nothing is even asked of the appliance), or the endpoint has no screen to share (a
demo Jump Client: the appliance's refusal, as it came)."""

from __future__ import annotations

import pytest

from api_client import ApplianceClient, RepCredentials
from domain.wording import NO_CLIENT_SCREEN, SCREEN_NOT_ALLOWED
from tests.support.console import SIZE, Site, appliance_state, loaded, make_item, until
from widgets.screen_view import ScreenView

pytestmark = pytest.mark.not_storage("the console's screens and keys")


def _screen_sharing(site: Site, policy: int, value: str) -> None:
    repo = appliance_state(site).site.repo

    def change() -> None:
        with repo.transaction():
            repo.session_policies.update(policy, {"permissions": {"screen_sharing": value}})

    site.appliance.call(change)


def _text(view: ScreenView) -> str:
    return "".join(segment.text for y in range(view.size.height) for segment in view.render_line(y))


async def test_the_screen_view_says_why_it_shows_nothing(site: Site) -> None:
    _screen_sharing(site, 3, "not_allowed")  # not present: the demo items' sessions
    _screen_sharing(site, 2, "view_only")
    denied = make_item(site)
    no_screen = make_item(site, unattended_session_policy_id=2)
    async with ApplianceClient(
        site.appliance.url, credentials=RepCredentials("carol", "demo")
    ) as api:
        first = (await api.start_session(denied.id)).session.sid
        second = (await api.start_session(no_screen.id)).session.sid
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: {first, second} <= set(app.actions.desk.sessions))
        app.show_sessions(first)
        await until(pilot, lambda: bool(app.screen.query(f"#screen-{first}")))
        await pilot.pause()
        await pilot.press("s")
        view = app.screen.query_one(f"#screen-{first}", ScreenView)
        await until(pilot, lambda: view.display and view.size.height > 2)
        assert SCREEN_NOT_ALLOWED in _text(view)
        assert view._worker is None  # nothing opened: nothing asked of the appliance
        await pilot.press("2", "s")
        other = app.screen.query_one(f"#screen-{second}", ScreenView)
        await until(pilot, lambda: other.display and NO_CLIENT_SCREEN in _text(other))
