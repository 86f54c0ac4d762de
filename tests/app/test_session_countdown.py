"""A session under a strict Jump Policy shows, in its tab's header, how long is left: a live
countdown that follows the console's clock (a real embedded appliance)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Static

from api_client import ApplianceClient, RepCredentials
from domain import Schedule, ScheduleEntry
from tests.support.console import CONSOLE_NOW, SIZE, Site, appliance_state, make_item, until

pytestmark = pytest.mark.not_storage("the console's screens and keys")


def strict_policy(site: Site, closes: str) -> int:
    """A strict Jump Policy open on the appliance's day (Tue) until ``closes`` UTC."""
    repo = appliance_state(site).site.repo

    def create() -> int:
        with repo.transaction():
            policy = repo.policies.insert({"display_name": "Strict", "schedule_strict": True})
            entry = ScheduleEntry(start_day=1, start_time="09:00", end_day=1, end_time=closes)
            repo.set_schedule(policy.id, Schedule(timezone="UTC", entries=[entry]))
        return policy.id

    policy_id: int = site.appliance.call(create)
    return policy_id


async def test_a_strict_sessions_header_counts_down_with_the_clock(site: Site) -> None:
    strict = make_item(site, jump_policy_id=strict_policy(site, "10:30"))
    relaxed = make_item(site)
    now = [CONSOLE_NOW]  # 10:05 UTC
    async with ApplianceClient(
        site.appliance.url, credentials=RepCredentials("carol", "demo")
    ) as api:
        sid = (await api.start_session(strict.id)).session.sid
        other = (await api.start_session(relaxed.id)).session.sid
        app = site.console(clock=lambda: now[0])
        async with app.run_test(size=SIZE) as pilot:

            def header() -> str:
                lines = app.screen.query(f"#strict-{sid}").results(Static)
                return "".join(str(line.render()) for line in lines)

            await until(pilot, lambda: bool(header()))
            assert header() == "Strict Jump Policy: the session ends in 25:00 (at 10:30 UTC)."
            now[0] += timedelta(minutes=10, seconds=1)
            await until(pilot, lambda: "ends in 14:59 " in header())
            now[0] += timedelta(minutes=15)
            said = "Strict Jump Policy: the window closed at 10:30 UTC; the session ends."
            await until(pilot, lambda: header() == said)
            assert not app.screen.query(f"#strict-{other}")  # not strict: no countdown
