"""Rights are checked on every event, not once per connection: a sign-in that ends, a
membership removed or a session left stops an open live feed or shell within a second
(real appliance on 127.0.0.1, real websockets).

The demo site: alice may start sessions in Servers and edit Workstations; bob may start and
deploy in Servers; carol administers both. Shells run on a recording Jump Client, which
tells what reached the endpoint and what did not.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api_client import (
    ApiCredentials,
    ApplianceClient,
    ApplianceError,
    AuthenticationFailed,
    FeedState,
    FeedStatus,
    ItemDelta,
    LiveFeed,
    RepCredentials,
    Resumed,
    SnapshotLoaded,
)
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from domain import JumpGroupType
from domain.protocol.close import (
    DISABLED,
    LEFT_SESSION,
    NO_LONGER_ALLOWED,
    PASSWORD_CHANGED,
    REPLACED,
    SIGNED_OUT,
    Close,
)
from domain.rules import NO_LONGER_REACHABLE
from tests.support.agents import RecordingAgent
from tests.support.appliance import T0
from tests.support.feed import Events

pytestmark = pytest.mark.integration
#: how long a revocation may take to reach an open connection, with room for a busy machine
#: (the rule is one second)
BOUND = 2.0
SERVERS, WORKSTATIONS = 1, 2
ALICE, CAROL = 1, 3


async def _no_sleep(_s: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def embedded(database: str) -> Iterator[EmbeddedAppliance]:
    settings = ApplianceSettings(db=database, demo_fleet=20, simulate=False, live_interval_s=0.05)
    appliance = EmbeddedAppliance(settings, api_account=("it", "it-secret"))
    appliance.start()
    yield appliance
    appliance.stop()


@pytest.fixture
async def api(embedded: EmbeddedAppliance) -> AsyncIterator[ApplianceClient]:
    async with ApplianceClient(
        embedded.url, credentials=ApiCredentials("it", "it-secret")
    ) as client:
        yield client


def _state(appliance: EmbeddedAppliance) -> Services:
    services: Services = appliance.app.state.appliance  # type: ignore[union-attr]
    return services


def _item(appliance: EmbeddedAppliance, group: int) -> int:
    """A new online item of a shared group."""
    repo = _state(appliance).site.repo

    def add() -> int:
        number = repo.next_id("jump_client")
        with repo.transaction():
            return repo.clients.insert(
                {
                    "jump_group_id": group,
                    "name": f"RIGHTS-{number}",
                    "hostname": f"rights-{number}",
                    "fqdn": f"rights-{number}.test",
                    "public_site_address": "support.jump.test",
                    "x_online": True,
                    "attended_session_policy_id": 2,
                    "unattended_session_policy_id": 3,  # nobody present: full access
                }
            ).id

    return appliance.call(add)


def _shell_item(appliance: EmbeddedAppliance) -> tuple[int, RecordingAgent]:
    """A Servers item whose Jump Client offers a shell and records what reaches it."""
    item_id = _item(appliance, SERVERS)
    agent = RecordingAgent(item_id)
    appliance.call(lambda: _state(appliance).agents.register(agent))
    return item_id, agent


@contextlib.asynccontextmanager
async def _shell(
    appliance: EmbeddedAppliance, rep: ApplianceClient, sid: str
) -> AsyncIterator[ClientConnection]:
    url = appliance.url.replace("http://", "ws://", 1) + f"/api/rep/v1/sessions/{sid}/shell"
    auth = {"Authorization": f"Bearer {await rep.bearer()}"}
    async with connect(url, additional_headers=auth) as ws:
        yield ws


async def _type(ws: ClientConnection, text: str) -> None:
    """Type into a shell; a socket the appliance closed already refuses it."""
    frame = {"type": "input", "data": base64.b64encode(text.encode()).decode()}
    with contextlib.suppress(ConnectionClosed):
        await ws.send(orjson.dumps(frame).decode())


async def _closed(ws: ClientConnection) -> tuple[int, str]:
    """The close code and reason of a socket the appliance closes within :data:`BOUND`
    (what it still sent before is read and dropped)."""

    async def drain() -> tuple[int, str]:
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as err:
            assert err.rcvd is not None, "the appliance did not close the socket"
            return err.rcvd.code, err.rcvd.reason

    return await asyncio.wait_for(drain(), BOUND)


async def _live(events: Events) -> SnapshotLoaded:
    snap = await events.until(lambda e: isinstance(e, SnapshotLoaded))
    assert isinstance(snap, SnapshotLoaded)
    return snap


async def _ended(events: Events) -> FeedStatus:
    """The feed's final status, within :data:`BOUND`."""
    final = await asyncio.wait_for(
        events.until(lambda e: isinstance(e, FeedStatus) and e.final), BOUND
    )
    assert isinstance(final, FeedStatus) and final.state is FeedState.OFFLINE
    return final


def _me_status(appliance: EmbeddedAppliance, token: str) -> int:
    answer = httpx.get(
        f"{appliance.url}/api/rep/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return answer.status_code


async def test_a_sign_in_replaced_by_newer_ones_ends_its_open_live_feed(
    embedded: EmbeddedAppliance, api: ApplianceClient
) -> None:
    """The 31st sign-in of an account ends the oldest: its open feed closes at once with the
    reason, gets nothing more, and the console does not sign in again by itself (which would
    end another console's sign-in in turn)."""
    marker = _item(embedded, SERVERS)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("alice", "demo")) as first:
        events = Events(LiveFeed(first, sleep=_no_sleep))
        assert marker in {i.id for i in (await _live(events)).items}
        old_token = await first.bearer()
        limit = embedded.settings.max_tokens_per_account
        async with httpx.AsyncClient(base_url=embedded.url, timeout=10) as http:
            for _ in range(limit):
                signed = await http.post(
                    "/api/rep/v1/login", json={"username": "alice", "password": "demo"}
                )
                assert signed.status_code == 200
        await api.jump_clients.update(marker, {"comments": "after the sign-in ended"})
        final = await _ended(events)
        assert final.message == REPLACED
        after = events.seen[events.seen.index(final) :]
        assert not [
            e
            for e in events.seen
            if isinstance(e, ItemDelta) and any(i.id == marker for i in e.upserts)
        ], "a change made after the sign-in ended reached it"
        await asyncio.wait_for(events.task, BOUND)  # the feed ended: no signing in again
        assert after == [final]
        assert _me_status(embedded, old_token) == 401


@pytest.mark.not_storage("the live feed")
async def test_a_sign_in_ended_without_its_event_still_ends_its_open_feed(
    embedded: EmbeddedAppliance,
) -> None:
    """The tokens of open connections are checked again twice a second: a token gone with no
    event said (a node that missed it) ends its feed within a second all the same."""
    repo = _state(embedded).site.repo
    async with ApplianceClient(embedded.url, credentials=RepCredentials("alice", "demo")) as rep:
        events = Events(LiveFeed(rep, sleep=_no_sleep))
        await _live(events)
        embedded.call(lambda: repo.revoke_tokens("rep", ALICE))
        assert (await _ended(events)).message == SIGNED_OUT


@pytest.mark.not_storage("the live feed")
async def test_an_open_feed_whose_sign_in_expires_signs_in_again(database: str) -> None:
    clock = FakeClock(T0)
    settings = ApplianceSettings(db=database, demo_fleet=5, simulate=False, live_interval_s=0.05)
    appliance = EmbeddedAppliance(settings, clock=clock)
    appliance.start()
    try:
        async with ApplianceClient(appliance.url, credentials=RepCredentials("bob", "demo")) as rep:
            events = Events(LiveFeed(rep, sleep=_no_sleep))
            await _live(events)
            clock.advance(9 * 3600)  # past the 8 h representative token, while it is open
            asked = await asyncio.wait_for(
                events.until(lambda e: isinstance(e, FeedStatus) and e.retry_in is not None),
                BOUND,
            )
            assert isinstance(asked, FeedStatus) and "sign in again" in asked.message
            live = await events.until(  # signed in again by itself: an expiry is no revocation
                lambda e: isinstance(e, FeedStatus) and e.state is FeedState.LIVE
            )
            assert isinstance(live, FeedStatus) and not live.final
            await events.close()
    finally:
        appliance.stop()


@pytest.mark.not_storage("the live feed's frames")
async def test_a_removed_membership_removes_the_groups_items_from_the_open_feed(
    embedded: EmbeddedAppliance, api: ApplianceClient
) -> None:
    server, workstation = _item(embedded, SERVERS), _item(embedded, WORKSTATIONS)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("alice", "demo")) as rep:
        events = Events(LiveFeed(rep, sleep=_no_sleep))
        snap = await _live(events)
        servers = {i.id for i in snap.items if i.jump_group_id == SERVERS and _shared(i)}
        assert server in servers and workstation in {i.id for i in snap.items}

        await api.jump_groups.remove_member(SERVERS, ALICE)
        removal = await asyncio.wait_for(
            events.until(lambda e: isinstance(e, ItemDelta) and server in e.removes), BOUND
        )
        assert isinstance(removal, ItemDelta) and set(removal.removes) == servers
        # nothing more about Servers reaches her; Workstations still does
        await api.jump_clients.update(server, {"comments": "not for alice"})
        await api.jump_clients.update(workstation, {"comments": "for alice"})
        await events.until(
            lambda e: isinstance(e, ItemDelta) and any(i.id == workstation for i in e.upserts)
        )
        after = events.seen[events.seen.index(removal) + 1 :]
        assert not [
            i.id for e in after if isinstance(e, ItemDelta) for i in e.upserts if i.id in servers
        ]

        await api.jump_groups.add_member(SERVERS, ALICE, 2)  # back: the items come back
        back = await asyncio.wait_for(
            events.until(
                lambda e: isinstance(e, ItemDelta) and any(i.id == server for i in e.upserts)
            ),
            BOUND,
        )
        assert isinstance(back, ItemDelta) and {i.id for i in back.upserts} == servers
        await events.close()


def _shared(item: object) -> bool:
    return getattr(item, "jump_group_type", None) is JumpGroupType.SHARED


@pytest.mark.not_storage("the live feed's resume")
async def test_a_console_away_while_its_rights_changed_gets_a_fresh_snapshot(
    embedded: EmbeddedAppliance, api: ApplianceClient
) -> None:
    server = _item(embedded, SERVERS)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("alice", "demo")) as rep:
        feed = LiveFeed(rep, sleep=_no_sleep)
        events = Events(feed)
        assert server in {i.id for i in (await _live(events)).items}
        await events.close()  # away for a while
        await api.jump_groups.remove_member(SERVERS, ALICE)
        events = Events(feed)  # resumes from its seq: the ring cannot take items back
        again = await _live(events)
        assert not [i.id for i in again.items if i.jump_group_id == SERVERS and _shared(i)]
        assert not any(isinstance(e, Resumed) for e in events.seen)
        await events.close()


@pytest.mark.not_storage("the shell relay")
async def test_a_rep_who_left_the_session_loses_the_shell_and_their_input_stops(
    embedded: EmbeddedAppliance,
) -> None:
    item_id, agent = _shell_item(embedded)
    async with (
        ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as carol,
        ApplianceClient(embedded.url, credentials=RepCredentials("bob", "demo")) as bob,
    ):
        sid = (await carol.start_session(item_id)).session.sid
        assert (await bob.start_session(item_id)).joined
        async with _shell(embedded, carol, sid) as carols, _shell(embedded, bob, sid) as bobs:
            await _type(bobs, "echo from-bob\n")
            await agent.typed(b"echo from-bob\n")
            await bob.end_session(sid)  # bob leaves; carol's session goes on
            await _type(bobs, "echo after-leaving\n")
            assert await _closed(bobs) == (Close.NOT_FOUND, LEFT_SESSION)
            await _type(carols, "echo from-carol\n")
            await agent.typed(b"echo from-carol\n")
            assert b"echo after-leaving\n" not in agent.inputs()
        await carol.end_session(sid)


@pytest.mark.not_storage("the shell relay")
async def test_input_after_leaving_is_refused_even_when_the_leave_was_not_heard(
    embedded: EmbeddedAppliance,
) -> None:
    """Each input is checked on arrival: a representative no longer in the session (here
    taken out behind the relay's back, as an event that never came) types in vain."""
    item_id, agent = _shell_item(embedded)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        sid = (await rep.start_session(item_id)).session.sid
        sessions = _state(embedded).sessions
        async with _shell(embedded, rep, sid) as ws:
            await _type(ws, "echo first\n")
            await agent.typed(b"echo first\n")
            embedded.call(lambda: sessions.sessions[sid].info.participants.remove("carol"))
            await _type(ws, "echo second\n")
            assert await _closed(ws) == (Close.NOT_FOUND, LEFT_SESSION)
        assert agent.inputs() == [b"echo first\n"]


@pytest.mark.not_storage("the shell relay")
async def test_the_end_of_the_session_ends_its_shell_saying_why(
    embedded: EmbeddedAppliance,
) -> None:
    item_id, agent = _shell_item(embedded)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        sid = (await rep.start_session(item_id)).session.sid
        async with _shell(embedded, rep, sid) as ws:
            said = orjson.loads(await asyncio.wait_for(ws.recv(), BOUND))
            assert said == {"type": "size", "cols": 80, "rows": 24}  # told on attaching
            await rep.end_session(sid)
            said = orjson.loads(await asyncio.wait_for(ws.recv(), BOUND))
            assert said == {"type": "exit", "code": None, "reason": "ended by carol"}
            await _type(ws, "echo too-late\n")
            assert await _closed(ws) == (Close.NORMAL, "")
        assert b"echo too-late\n" not in agent.inputs()


@pytest.mark.not_storage("the shell relay")
async def test_a_removed_membership_closes_the_shell_on_the_groups_item(
    embedded: EmbeddedAppliance, api: ApplianceClient
) -> None:
    item_id, agent = _shell_item(embedded)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        sid = (await rep.start_session(item_id)).session.sid
        async with _shell(embedded, rep, sid) as ws:
            await api.jump_groups.remove_member(SERVERS, CAROL)
            await _type(ws, "echo too-late\n")
            assert await _closed(ws) == (Close.FORBIDDEN, NO_LONGER_ALLOWED)
        assert b"echo too-late\n" not in agent.inputs()
        async with _shell(embedded, rep, sid) as ws:  # nor does it open again
            assert await _closed(ws) == (Close.FORBIDDEN, NO_LONGER_ALLOWED)
        for reach in (  # nor the session's files and system information
            rep.system_info(sid),
            rep.download_file(sid, "/etc/hostname"),
            rep.upload_file(sid, "/tmp/x", b"x"),
        ):
            with pytest.raises(ApplianceError) as refused:
                await reach
            assert refused.value.status == 403 and refused.value.message == NO_LONGER_REACHABLE


@pytest.mark.not_storage("the live feed and the shell relay")
async def test_a_disabled_user_is_signed_out_everywhere_at_once(
    embedded: EmbeddedAppliance, api: ApplianceClient
) -> None:
    item_id, agent = _shell_item(embedded)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        sid = (await rep.start_session(item_id)).session.sid
        events = Events(LiveFeed(rep, sleep=_no_sleep))
        await _live(events)
        token = await rep.bearer()
        async with _shell(embedded, rep, sid) as ws:
            user = await api.users.update(CAROL, {"enabled": False})
            assert not user.enabled
            await _type(ws, "echo disabled\n")
            assert await _closed(ws) == (Close.REVOKED, DISABLED)
            assert (await _ended(events)).message == DISABLED
        assert b"echo disabled\n" not in agent.inputs()
        assert _me_status(embedded, token) == 401
        rep.forget_token()
        with pytest.raises(AuthenticationFailed) as refused:
            await rep.sign_in()
        assert refused.value.message == DISABLED
        await api.users.update(CAROL, {"enabled": True})
        await rep.sign_in()
        await asyncio.wait_for(events.task, BOUND)


@pytest.mark.not_storage("the live feed")
async def test_a_changed_password_ends_every_sign_in_of_the_user(
    embedded: EmbeddedAppliance, api: ApplianceClient
) -> None:
    async with ApplianceClient(embedded.url, credentials=RepCredentials("alice", "demo")) as rep:
        events = Events(LiveFeed(rep, sleep=_no_sleep))
        await _live(events)
        token = await rep.bearer()
        await api.users.update(ALICE, {"password": "a new passphrase"})
        assert (await _ended(events)).message == PASSWORD_CHANGED
        assert _me_status(embedded, token) == 401
        await asyncio.wait_for(events.task, BOUND)
        rep.forget_token()
        with pytest.raises(AuthenticationFailed):
            await rep.sign_in()
    async with ApplianceClient(
        embedded.url, credentials=RepCredentials("alice", "a new passphrase")
    ) as rep:
        await rep.sign_in()
