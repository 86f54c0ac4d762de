"""Jump actions through the representative API: every rule, every refusal (fake clock)."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from api_client import ApplianceClient, Forbidden, NotFound, Refused
from appliance._access import access_for
from appliance.agents import PresenceAnswer
from appliance.clock import FakeClock
from appliance.grants import Grant
from appliance.live import Subscriber
from appliance.upgrades import MIB, Throttle
from domain import Schedule, ScheduleEntry, format_utc
from tests.support.appliance import (
    LAB,
    SERVERS,
    WORKSTATIONS,
    RepFactory,
    make_item,
    settings,
    state,
)


def policy(app: FastAPI, schedule: Schedule | None = None, **fields: Any) -> int:
    repo = state(app).site.repo
    with repo.transaction():
        created = repo.policies.insert(
            {"display_name": f"P{repo.next_id('jump_policy')}", **fields}
        )
        if schedule is not None:
            repo.set_schedule(created.id, schedule)
    return created.id


def listen(app: FastAPI, username: str) -> Subscriber:
    """A console's queue on the hub, to read what that representative is told."""
    st = state(app)
    found = st.site.repo.user_by_name(username)
    assert found is not None and st.live is not None
    grant = Grant(found[0], f"token of {username}")
    sub = Subscriber(grant, access_for(st.site, found[0]), asyncio.Queue(256))
    sub.ready = True
    st.live.subscribers.add(sub)
    return sub


def session_messages(sub: Subscriber) -> list[tuple[str, str]]:
    out = []
    while not sub.queue.empty():
        frame = orjson.loads(sub.queue.get_nowait())
        if frame.get("type") == "session":
            out.append((frame["event"], frame["message"]))
    return out


# -- start ------------------------------------------------------------------------------------


async def test_start_session_picks_the_policy_by_presence(app: FastAPI, rep: RepFactory) -> None:
    settings(app, presence_by_screen_state=False)
    item = make_item(app)
    carol = await rep("carol")
    started = await carol.start_session(item.id)
    assert started.presence and started.session_policy_id == 2 and not started.joined
    assert started.session.reason == "a user is present; the user accepted"  # asked first
    assert started.permissions.prompt_end_user  # "present: prompt, view only"
    assert (await carol.jump_item(item.id)).x_in_session_by == ["carol"]
    nobody = make_item(app, console_user="")
    alone = await carol.start_session(nobody.id)
    assert not alone.presence and alone.session_policy_id == 3
    assert alone.permissions.command_shell and not alone.permissions.prompt_end_user
    site_default = make_item(app, console_user="", unattended_session_policy_id=None)
    fallback = await carol.start_session(site_default.id)
    assert fallback.session_policy_id == 1 and "site default" in fallback.session.reason
    audit = [row["action"] for row in state(app).site.repo.audit_log(10)]
    assert audit.count("session.start") == 3


async def test_locked_screen_means_not_present(app: FastAPI, rep: RepFactory) -> None:
    item = make_item(app)

    class LockedAgent:
        item_id, shell, asked = item.id, False, 0

        async def presence(self) -> PresenceAnswer:
            self.asked += 1
            return PresenceAnswer("zoe", locked=True, screen_saver=False)

        async def open_session(self, sid: str, permissions: object) -> None:
            return None

        async def end_session(self, sid: str, reason: str) -> None:
            return None

    agent = LockedAgent()
    state(app).agents.register(agent)  # type: ignore[union-attr,arg-type]
    started = await (await rep("carol")).start_session(item.id)
    assert not started.presence and started.session_policy_id == 3
    assert agent.asked == 1  # presence is asked once per start
    settings(app, presence_by_screen_state=False)
    other = await (await rep("bob")).start_session(item.id)  # joins: not asked again
    assert other.joined and agent.asked == 1


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"connection_type": "uninstalled"}, "uninstalled"),
        ({"unavailable_reason": "disabled"}, "disabled"),
        ({"needs_update": True}, "needs_update"),
        ({"x_online": False}, "offline"),
    ],
)
async def test_availability_refusals(
    app: FastAPI, rep: RepFactory, over: dict[str, Any], code: str
) -> None:
    item = make_item(app, **over)
    with pytest.raises(Refused) as info:
        await (await rep("carol")).start_session(item.id)
    assert info.value.code == code and item.name in info.value.message
    assert state(app).site.repo.audit_log(1)[0]["action"] == "session.refused"


async def test_a_passive_client_is_asked_to_connect_first(app: FastAPI, rep: RepFactory) -> None:
    item = make_item(app, connection_type="passive", x_online=False)
    started = await (await rep("carol")).start_session(item.id)
    assert started.session.item_id == item.id
    assert state(app).site.repo.clients.get(item.id).x_online  # type: ignore[union-attr]


async def test_permission_and_visibility(app: FastAPI, rep: RepFactory) -> None:
    lab = make_item(app, group=LAB)
    with pytest.raises(NotFound):
        await (await rep("alice")).start_session(lab.id)  # alice is not in Lab
    repo = state(app).site.repo
    with repo.transaction():
        role = repo.roles.insert({"name": "View only"})
        repo.set_member(LAB, type(repo.members(LAB)[0])(user_id=1, jump_item_role_id=role.id))
    with pytest.raises(Forbidden) as info:
        await (await rep("alice")).start_session(lab.id)
    assert "does not allow starting sessions" in info.value.message


# -- windows ------------------------------------------------------------------------------------


async def test_closed_policy_says_when_it_opens(app: FastAPI, rep: RepFactory) -> None:
    ny = Schedule(
        timezone="America/New_York",
        entries=[
            ScheduleEntry(start_day=d, start_time="09:00", end_day=d, end_time="17:00")
            for d in range(5)
        ],
    )
    item = make_item(app, jump_policy_id=policy(app, ny, display_name="NY hours"))
    with pytest.raises(Refused) as info:
        await (await rep("carol")).start_session(item.id)  # 05:00 in New York
    assert info.value.code == "jump_policy_closed"
    assert info.value.details["opens_at"] == "2026-11-24T14:00:00+00:00"
    assert info.value.details["timezone"] == "America/New_York"


async def test_window_across_the_new_york_spring_forward(
    app: FastAPI, clock: FakeClock, rep: RepFactory
) -> None:
    window = Schedule(
        timezone="America/New_York",
        entries=[ScheduleEntry(start_day=6, start_time="02:30", end_day=6, end_time="04:00")],
    )
    item = make_item(app, jump_policy_id=policy(app, window))
    clock._now = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, before the jump
    carol = await rep("carol")
    with pytest.raises(Refused) as info:
        await carol.start_session(item.id)
    assert info.value.details["opens_at"] == "2026-03-08T07:00:00+00:00"  # the jump itself
    clock._now = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert (await carol.start_session(item.id)).session.item_id == item.id


async def test_window_wrapping_sunday_into_monday(
    app: FastAPI, clock: FakeClock, rep: RepFactory
) -> None:
    wrap = Schedule(
        timezone="UTC",
        entries=[ScheduleEntry(start_day=6, start_time="22:00", end_day=0, end_time="06:00")],
    )
    item = make_item(app, jump_policy_id=policy(app, wrap))
    carol = await rep("carol")
    clock._now = datetime(2026, 11, 30, 5, 59, tzinfo=UTC)  # Monday 05:59: still open
    await carol.start_session(item.id)
    other = make_item(app, jump_policy_id=item.jump_policy_id)
    clock._now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    with pytest.raises(Refused) as info:
        await carol.start_session(other.id)
    assert info.value.details["opens_at"] == "2026-12-06T22:00:00+00:00"


async def test_strict_window_warns_three_times_then_ends(
    app: FastAPI, clock: FakeClock, rep: RepFactory
) -> None:
    until_1030 = Schedule(
        timezone="UTC",
        entries=[ScheduleEntry(start_day=1, start_time="09:00", end_day=1, end_time="10:30")],
    )
    item = make_item(app, jump_policy_id=policy(app, until_1030, schedule_strict=True))
    told = listen(app, "carol")
    started = await (await rep("carol")).start_session(item.id)
    assert started.session.strict and started.session.closes_at == datetime(
        2026, 11, 24, 10, 30, tzinfo=UTC
    )
    sessions = state(app).sessions
    assert sessions is not None
    for _minute in range(1, 31):
        clock.advance(60)
        sessions.supervise(clock.now())
    messages = session_messages(told)
    warnings = [m for e, m in messages if e == "warning"]
    assert [w.split("closes in ")[1].split(";")[0] for w in warnings] == [
        "15 minutes",
        "5 minutes",
        "1 minute",
    ]
    assert messages[-1][0] == "ended" and "window closed" in messages[-1][1]
    assert state(app).site.repo.clients.get(item.id).x_in_session_by == []  # type: ignore[union-attr]


# -- simultaneous jumps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "site", "joins"),
    [
        ("join", "disallow", True),
        ("disallow", "join", False),
        ("global", "join", True),
        ("global", "disallow", False),
    ],
)
async def test_join_disallow_and_global(
    app: FastAPI, rep: RepFactory, mode: str, site: str, joins: bool
) -> None:
    settings(app, simultaneous_jumps=site)
    item = make_item(
        app, jump_policy_id=policy(app, simultaneous_jumps=mode, schedule_enabled=False)
    )
    told = listen(app, "carol")
    await (await rep("carol")).start_session(item.id)
    bob = await rep("bob")
    if joins:
        second = await bob.start_session(item.id)
        assert second.joined and second.session.participants == ["carol", "bob"]
        assert ("joined", f"bob joined the session on '{item.name}'.") in session_messages(told)
    else:
        with pytest.raises(Refused) as info:
            await bob.start_session(item.id)
        assert info.value.code == "in_use" and info.value.details["by"] == ["carol"]
        assert "ask for an invitation" in info.value.message


async def test_invitation_lets_the_second_representative_in(app: FastAPI, rep: RepFactory) -> None:
    item = make_item(
        app, jump_policy_id=policy(app, simultaneous_jumps="disallow", schedule_enabled=False)
    )
    carol, bob = await rep("carol"), await rep("bob")
    started = await carol.start_session(item.id)
    with pytest.raises(Refused):
        await bob.start_session(item.id)
    invited = await carol.invite(started.session.sid, "bob")
    assert invited.invited == ["bob"]
    entered = await bob.start_session(item.id)
    assert entered.joined and entered.session.participants == ["carol", "bob"]
    await bob.end_session(started.session.sid)  # bob leaves; the session goes on
    assert [s.sid for s in await carol.sessions()] == [started.session.sid]
    await carol.end_session(started.session.sid)
    assert await carol.sessions() == []
    actions = [row["action"] for row in state(app).site.repo.audit_log(20)]
    for action in (
        "session.start",
        "session.invite",
        "session.join",
        "session.leave",
        "session.end",
        "session.refused",
    ):
        assert action in actions


async def test_multi_start_is_capped_at_ten(app: FastAPI, rep: RepFactory) -> None:
    items = [make_item(app) for _ in range(3)]
    carol = await rep("carol")
    offline = make_item(app, x_online=False)
    results = await carol.start_sessions([i.id for i in items] + [offline.id])
    assert [r.error for r in results] == [None, None, None, "offline"]
    with pytest.raises(Exception) as info:
        await carol.start_sessions(list(range(1, 12)))
    assert getattr(info.value, "status", None) == 422


# -- wake -----------------------------------------------------------------------------------------


async def test_wake_through_a_peer_with_shared_cooldown(
    app: FastAPI, rep: RepFactory, clock: FakeClock, udp: socket.socket
) -> None:
    state(app).site.config.wol_broadcast = f"127.0.0.1:{udp.getsockname()[1]}"
    target = make_item(app, x_online=False, x_mac="02:00:5e:77:00:42")
    peer = make_item(app)
    carol, bob = await rep("carol"), await rep("bob")
    said = (await carol.wake(target.id, wol_password="aa:bb:cc:dd")).message
    assert said == f"Wake packet for '{target.name}' sent via {peer.name}."
    packet, _ = udp.recvfrom(200)
    assert packet == b"\xff" * 6 + bytes.fromhex("02005e770042") * 16 + b"\xaa\xbb\xcc\xdd"
    with pytest.raises(Refused) as info:
        await bob.wake(target.id)  # another representative: the cooldown holds for everyone
    assert info.value.code == "cooldown" and info.value.details["retry_after"] == 30
    clock.advance(31)
    await bob.wake(target.id)
    plain, _ = udp.recvfrom(200)
    assert len(plain) == 102
    audit = json.dumps(state(app).site.repo.audit_log(50))
    assert "aa:bb:cc:dd" not in audit and "aabbccdd" not in audit


async def test_wake_refusals(app: FastAPI, rep: RepFactory) -> None:
    carol = await rep("carol")
    online = make_item(app)
    with pytest.raises(Refused) as info:
        await carol.wake(online.id)
    assert info.value.code == "online"
    lonely = make_item(app, x_online=False, x_gateway={"ip": "127.16.200.1", "mac": None})
    make_item(app, x_gateway={"ip": "127.16.201.1", "mac": None})  # another network
    with pytest.raises(Refused) as info:
        await carol.wake(lonely.id)
    assert info.value.code == "no_peer" and "same network" in info.value.message
    settings(app, allow_wake=False)
    with pytest.raises(Forbidden):
        await carol.wake(lonely.id)


async def test_bad_secureon_password_is_invalid_input(app: FastAPI, rep: RepFactory) -> None:
    target = make_item(app, x_online=False)
    with pytest.raises(Exception) as info:
        await (await rep("carol")).wake(target.id, wol_password="not-hex")
    assert getattr(info.value, "status", None) == 422
    assert "not-hex" not in str(info.value)


# -- upgrade --------------------------------------------------------------------------------------


async def test_upgrade_rules(app: FastAPI, rep: RepFactory) -> None:
    carol = await rep("carol")
    current = make_item(app)
    with pytest.raises(Refused) as info:
        await carol.upgrade(current.id)
    assert info.value.code == "up_to_date"
    old = make_item(app, needs_update=True, x_version="0.9.2")
    settings(app, automatic_upgrades="always")
    with pytest.raises(Refused) as info:
        await carol.upgrade(old.id)
    assert info.value.code == "automatic_upgrades_enabled"
    settings(app, automatic_upgrades="disabled")
    assert "queued" in (await carol.upgrade(old.id)).message
    assert state(app).site.repo.clients.get(old.id).x_upgrade_state == "queued"  # type: ignore[union-attr]
    with pytest.raises(Forbidden):  # alice holds "start sessions only" in Servers
        await (await rep("alice")).upgrade(make_item(app, needs_update=True).id)


@pytest.mark.not_storage("the upgrade orchestrator's caps")
async def test_orchestrator_holds_its_concurrency_and_bandwidth_caps(
    app: FastAPI, rep: RepFactory
) -> None:
    st = state(app)
    settings(app, max_concurrent_upgrades=2, upgrade_bandwidth_mib_s=1)
    st.site.config.upgrade_bundle_bytes = 256 * 1024
    items = [make_item(app, needs_update=True, x_version="0.9.2") for _ in range(8)]
    carol = await rep("carol")
    for item in items:
        await carol.upgrade(item.id)
    orchestrator = st.upgrades
    assert orchestrator is not None
    virtual = [0.0]  # the throttle's own clock: its waits pass at once, and are counted

    async def wait(seconds: float) -> None:
        virtual[0] += seconds
        await asyncio.sleep(0)

    orchestrator.throttle = Throttle(
        lambda: st.site.settings().upgrade_bandwidth_mib_s * MIB,
        monotonic=lambda: virtual[0],
        sleep=wait,
    )
    orchestrator.pump()
    assert len(orchestrator.active) == 2
    while orchestrator.active or orchestrator.queue:
        await asyncio.sleep(0.01)
        orchestrator.pump()
    elapsed = virtual[0]
    assert orchestrator.peak_active == 2
    rate = orchestrator.bytes_sent / elapsed / (1024 * 1024)
    assert orchestrator.bytes_sent == 8 * 256 * 1024
    assert 0.8 <= rate <= 1.1, f"measured {rate:.2f} MiB/s against a 1 MiB/s cap"
    for item in items:
        done = st.site.repo.clients.get(item.id)
        assert done is not None and done.x_upgrade_state == "done" and not done.needs_update


@pytest.mark.not_storage("the upgrade orchestrator's cycle")
async def test_this_upgrade_cycle_ends_when_the_reachable_clients_are_current(
    app: FastAPI, api: ApplianceClient
) -> None:
    st = state(app)
    orchestrator = st.upgrades
    assert orchestrator is not None
    st.site.config.upgrade_bundle_bytes = 64 * 1024
    old = [make_item(app, needs_update=True, x_version="0.9.2") for _ in range(2)]
    asleep = make_item(app, needs_update=True, x_version="0.9.2", x_online=False)
    await api.update_settings({"automatic_upgrades": "this_version"})
    await orchestrator.step()  # the reachable ones are queued and started
    await orchestrator.settle()
    for item in old:
        assert not st.site.repo.clients.get(item.id).needs_update  # type: ignore[union-attr]
    upgrading = await api.settings()
    assert upgrading.automatic_upgrades == "this_version"  # not over until it looks again
    await orchestrator.step()
    ended = await api.settings()
    assert ended.automatic_upgrades == "disabled"  # persisted: every node reads it
    assert st.site.settings().automatic_upgrades == "disabled"
    offline = st.site.repo.clients.get(asleep.id)
    assert offline is not None and offline.needs_update and offline.x_upgrade_state == "none"
    later = make_item(app, needs_update=True, x_version="0.9.2")  # reachable after the cycle
    await orchestrator.step()
    assert st.site.repo.clients.get(later.id).x_upgrade_state == "none"  # type: ignore[union-attr]
    await api.update_settings({"automatic_upgrades": "always"})  # stays on, cycle after cycle
    await orchestrator.step()
    await orchestrator.settle()
    await orchestrator.step()
    assert (await api.settings()).automatic_upgrades == "always"
    assert not st.site.repo.clients.get(later.id).needs_update  # type: ignore[union-attr]


# -- support requests -----------------------------------------------------------------------


async def test_ad_hoc_sessions_are_decided_when_a_representative_accepts(
    app: FastAPI, rep: RepFactory
) -> None:
    support = state(app).support
    carol = await rep("carol")
    settings(app, allow_adhoc_sessions=False)
    first = make_item(app)
    support.raise_request(first, "zoe", "printer jam")  # raised while they are off
    settings(app, allow_adhoc_sessions=True)
    (waiting,) = await carol.support_requests()
    assert waiting.elevated  # the list says what accepting now gives
    started = await carol.accept_support(waiting.id)
    assert "elevated" in started.session.reason and started.permissions.system_info
    await carol.end_session(started.session.sid)
    second = make_item(app)
    support.raise_request(second, "zoe", "")  # raised while they are on
    settings(app, allow_adhoc_sessions=False)
    (waiting,) = await carol.support_requests()
    started = await carol.accept_support(waiting.id)
    assert "normal support session" in started.session.reason
    assert not started.permissions.system_info  # view only


# -- properties, copy, remove -------------------------------------------------------------------


async def test_edit_is_gated_per_field(app: FastAPI, rep: RepFactory) -> None:
    alice = await rep("alice")
    server = make_item(app, group=SERVERS)
    with pytest.raises(Forbidden) as info:
        await alice.edit_item(server.id, {"tag": "db"})
    assert "perm_edit_tag" in info.value.message
    workstation = make_item(app, group=WORKSTATIONS)
    assert (await alice.edit_item(workstation.id, {"tag": "finance"})).tag == "finance"
    with pytest.raises(Forbidden):  # an editor may not change the Jump Policy
        await alice.edit_item(workstation.id, {"jump_policy_id": None})
    with pytest.raises(Exception) as bad:
        await alice.edit_item(workstation.id, {"tag": "x" * 65})
    assert getattr(bad.value, "status", None) == 422


async def test_copy_and_remove_with_races(app: FastAPI, rep: RepFactory) -> None:
    carol = await rep("carol")
    item = make_item(app)
    copy = await carol.copy_item(item.id, {"jump_group_id": WORKSTATIONS, "name": "Copy"})
    assert copy.jump_group_id == WORKSTATIONS and copy.id != item.id
    await carol.remove_item(copy.id)
    with pytest.raises(NotFound):
        await carol.remove_item(copy.id)
    with pytest.raises(Forbidden):  # alice cannot remove in Servers
        await (await rep("alice")).remove_item(item.id)
    started = await carol.start_session(item.id)
    with pytest.raises(Refused) as info:
        await carol.remove_item(item.id)
    assert info.value.code == "in_use"
    await carol.end_session(started.session.sid)
    state(app).site.repo.clients.delete(item.id)  # removed meanwhile by someone else
    with pytest.raises(NotFound):
        await carol.edit_item(item.id, {"comments": "late"})
    with pytest.raises(NotFound):
        await carol.start_session(item.id)


async def test_client_closes_its_connections(app: FastAPI) -> None:
    """The helper clients above close cleanly (no warnings leak between tests)."""
    async with ApplianceClient(
        "http://appliance.test",
        credentials=__import__("api_client").RepCredentials("carol", "demo"),
        transport=__import__("httpx").ASGITransport(app=app),
    ) as client:
        assert (await client.me()).user.username == "carol"


async def test_a_client_that_disconnects_ends_its_session(app: FastAPI, rep: RepFactory) -> None:
    item = make_item(app)
    told = listen(app, "carol")
    started = await (await rep("carol")).start_session(item.id)
    sessions = state(app).sessions
    assert sessions is not None
    sessions.client_gone(item.id)
    assert started.session.sid not in sessions.sessions
    assert ("ended", f"The session on '{item.name}' ended: the Jump Client disconnected.") in (
        session_messages(told)
    )


async def test_a_started_session_is_the_items_last_access(
    app: FastAPI, rep: RepFactory, raw: httpx.AsyncClient
) -> None:
    item = make_item(app, last_access_timestamp=None)
    before = (await raw.get(f"/api/config/v1/jump-client/{item.id}")).json()
    assert "last_access_timestamp" not in before  # never used: BeyondTrust documents no null
    await (await rep("carol")).start_session(item.id)
    after = (await raw.get(f"/api/config/v1/jump-client/{item.id}")).json()
    assert after["last_access_timestamp"] == format_utc(state(app).site.clock.now())
