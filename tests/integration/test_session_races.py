"""Starts that arrive together on one item, over real HTTP to an appliance on 127.0.0.1 and a
Jump Client on the agent channel: a claim and its join are one step, so the simultaneous-jump
rule holds however the requests interleave.

The client holds its presence answer until every start has reached the appliance's session
manager, so all of them are in flight while the first one opens the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from api_client import ApplianceClient, RepCredentials
from api_client.errors import Refused
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from domain import SiteSimultaneousJumps
from domain.rules import in_use
from domain.session import SessionStarted
from tests.support.agents import FakeClient, register_clients

pytestmark = pytest.mark.integration
#: the demo representatives who may start sessions in Servers, where the clients are put
REPS = ("carol", "bob", "alice", "admin")


@pytest.fixture
def node(database: str) -> Iterator[EmbeddedAppliance]:
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False)
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    try:
        yield appliance
    finally:
        appliance.stop()


def _state(node: EmbeddedAppliance) -> Services:
    assert node.app is not None
    state: Services = node.app.state.appliance
    return state


class Race:
    """One item whose client answers presence only once ``starts`` starts reached the
    session manager (the count is kept by the appliance's own event loop)."""

    def __init__(self, node: EmbeddedAppliance, starts: int) -> None:
        self.node = node
        self.starts = starts
        self.entered = 0
        self.all_in = threading.Event()
        self.client: FakeClient | None = None
        self.item_id = 0

    async def __aenter__(self) -> Race:
        state = _state(self.node)
        (self.item_id, secret), *_ = await asyncio.to_thread(
            self.node.call, lambda: register_clients(state, 1)
        )
        sessions = state.sessions
        start = sessions.start

        async def counted(*args: Any, **kwargs: Any) -> SessionStarted:
            self.entered += 1
            if self.entered == self.starts:
                self.all_in.set()
            return await start(*args, **kwargs)

        sessions.start = counted  # type: ignore[method-assign]

        async def hold(frame: dict[str, Any]) -> None:
            if frame["type"] == "presence":
                assert await asyncio.to_thread(self.all_in.wait, 15), "the starts never arrived"

        self.client = await FakeClient.join(self.node.url, self.item_id, secret, hold)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self.client is not None
        await self.client.close()

    def simultaneous(self, mode: SiteSimultaneousJumps) -> None:
        repo = _state(self.node).site

        def change() -> None:
            with repo.repo.transaction():
                saved = repo.repo.settings().model_copy(update={"simultaneous_jumps": mode})
                repo.repo.save_settings(saved)
            repo.refresh_settings()

        self.node.call(change)

    async def start(self, *usernames: str) -> list[SessionStarted | BaseException]:
        async with _signed_in(self.node.url, usernames) as reps:
            return await asyncio.gather(
                *(rep.start_session(self.item_id) for rep in reps), return_exceptions=True
            )

    def running(self) -> list[Any]:
        sessions = _state(self.node).sessions.sessions
        return [s.info for s in sessions.values() if s.info.item_id == self.item_id]


@contextlib.asynccontextmanager
async def _signed_in(url: str, usernames: tuple[str, ...]) -> AsyncIterator[list[ApplianceClient]]:
    clients = [ApplianceClient(url, credentials=RepCredentials(u, "demo")) for u in usernames]
    try:
        yield clients
    finally:
        for client in clients:
            await client.aclose()


async def test_under_join_reps_starting_together_share_one_session(
    node: EmbeddedAppliance,
) -> None:
    async with Race(node, len(REPS)) as race:
        race.simultaneous(SiteSimultaneousJumps.JOIN)
        results = await race.start(*REPS)
        started = [r for r in results if isinstance(r, SessionStarted)]
        assert len(started) == len(REPS), results
        assert len({s.session.sid for s in started}) == 1  # one session, all of them in it
        assert sum(not s.joined for s in started) == 1
        (info,) = race.running()
        assert sorted(info.participants) == sorted(REPS)
        assert race.client is not None
        assert len(race.client.of_type("session.open")) == 1
        async with _signed_in(node.url, (info.owner,)) as (owner,):  # who came first
            item = await owner.jump_item(race.item_id)
            assert sorted(item.x_in_session_by) == sorted(REPS)
            await owner.end_session(info.sid)  # the owner ends it for everyone
            assert (await owner.jump_item(race.item_id)).x_in_session_by == []


async def test_under_disallow_one_start_wins_and_the_others_hear_who_holds_it(
    node: EmbeddedAppliance,
) -> None:
    async with Race(node, len(REPS)) as race:
        race.simultaneous(SiteSimultaneousJumps.DISALLOW)
        results = await race.start(*REPS)
        started = [r for r in results if isinstance(r, SessionStarted)]
        refused = [r for r in results if isinstance(r, Refused)]
        assert len(started) == 1 and len(refused) == len(REPS) - 1, results
        winner = started[0].session.owner
        assert {r.message for r in refused} == {in_use([winner], invitation=True).message}
        assert len(race.running()) == 1


async def test_one_rep_starting_three_times_at_once_gets_one_session(
    node: EmbeddedAppliance,
) -> None:
    async with Race(node, 3) as race:
        race.simultaneous(SiteSimultaneousJumps.DISALLOW)
        results = await race.start("carol", "carol", "carol")
        started = [r for r in results if isinstance(r, SessionStarted)]
        assert len(started) == 3, results
        assert len({s.session.sid for s in started}) == 1
        (info,) = race.running()
        assert info.participants == ["carol"]
        assert race.client is not None
        assert len(race.client.of_type("session.open")) == 1
