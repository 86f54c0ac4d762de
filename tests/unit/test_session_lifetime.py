"""How a session ends: who may end it, the grace period without consoles, the strict
window's warnings (in-process appliance, fake clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from fastapi import FastAPI

from api_client import Forbidden, NotFound
from appliance._access import access_for
from appliance.clock import FakeClock
from appliance.grants import Grant
from appliance.live import Subscriber
from appliance.screens import SessionScreen
from appliance.sessions import SessionManager
from domain import Schedule, ScheduleEntry
from tests.support.appliance import RepFactory, make_item, settings, state


def sessions_of(app: FastAPI) -> SessionManager:
    found = state(app).sessions
    assert found is not None
    return found


def listen(app: FastAPI, username: str) -> Subscriber:
    """A console of ``username`` on the live feed (its queue: what it is told)."""
    st = state(app)
    found = st.site.repo.user_by_name(username)
    assert found is not None
    grant = Grant(found[0], f"token of {username}")
    sub = Subscriber(grant, access_for(st.site, found[0]), asyncio.Queue(256))
    sub.ready = True
    st.live.subscribers.add(sub)
    return sub


def told(sub: Subscriber) -> list[tuple[str, str]]:
    out = []
    while not sub.queue.empty():
        frame = orjson.loads(sub.queue.get_nowait())
        if frame.get("type") == "session":
            out.append((frame["event"], frame["message"]))
    return out


def last_end(app: FastAPI) -> dict[str, object]:
    rows = state(app).site.repo.audit_log(20)
    return next(r for r in rows if r["action"] == "session.end")


# -- who may end a session -----------------------------------------------------------------------


async def test_an_administrator_ends_another_representatives_session(
    app: FastAPI, rep: RepFactory
) -> None:
    item = make_item(app)
    carol = await rep("carol")
    sid = (await carol.start_session(item.id)).session.sid
    carols_console = listen(app, "carol")
    admin = await rep("admin")
    assert [s.sid for s in await admin.sessions()] == []  # not in it ...
    assert sid in [s.sid for s in await admin.sessions(endable=True)]  # ... but may end it
    await admin.end_session(sid)
    assert await carol.sessions() == []
    assert (await carol.jump_item(item.id)).x_in_session_by == []
    assert ("ended", f"The session on '{item.name}' ended: ended by admin.") in told(carols_console)
    assert last_end(app)["actor"] == "admin"


async def test_someone_who_may_not_end_a_session_is_told_who_may(
    app: FastAPI, rep: RepFactory
) -> None:
    item = make_item(app)  # Servers: carol and alice may start sessions there
    sid = (await (await rep("carol")).start_session(item.id)).session.sid
    alice = await rep("alice")
    assert await alice.sessions(endable=True) == []
    with pytest.raises(Forbidden) as refused:
        await alice.end_session(sid)
    assert refused.value.message == (
        f"Only carol, who started the session on '{item.name}', the owner of that Jump Item "
        "or an administrator can end it."
    )
    with pytest.raises(NotFound):  # dave may not see the item: no such session for him
        await (await rep("dave")).end_session(sid)
    assert [s.sid for s in await alice.sessions(endable=False)] == []
    assert sid in sessions_of(app).sessions  # still running


async def test_a_joined_representative_leaves_and_the_owner_of_a_personal_item_ends(
    app: FastAPI, rep: RepFactory
) -> None:
    mine = make_item(app, group=1, jump_group_type="personal")  # alice's personal list
    bob, carol, alice = await rep("bob"), await rep("carol"), await rep("alice")
    sid = (await bob.start_session(mine.id)).session.sid  # her lead jumps to her item
    assert (await carol.start_session(mine.id)).joined  # her manager joins
    await carol.end_session(sid)  # may not end it: she leaves it
    assert sessions_of(app).sessions[sid].info.participants == ["bob"]
    assert [s.sid for s in await alice.sessions(endable=True)] == [sid]
    await alice.end_session(sid)  # the item is hers
    assert sid not in sessions_of(app).sessions
    assert last_end(app)["actor"] == "alice"


# -- the grace period ---------------------------------------------------------------------------


async def test_a_session_without_a_console_ends_after_the_sites_grace_period(
    app: FastAPI, clock: FakeClock, rep: RepFactory
) -> None:
    settings(app, session_grace_s=300)
    item = make_item(app)
    console = listen(app, "carol")
    carol = await rep("carol")
    sid = (await carol.start_session(item.id)).session.sid
    sessions = sessions_of(app)
    clock.advance(3600)  # an hour with her console open
    sessions.supervise(clock.now())
    assert (await carol.sessions())[0].unattended_until is None
    state(app).live.subscribers.discard(console)  # her feed dropped
    sessions.consoles_changed()
    gone_at = clock.now()
    assert (await carol.sessions())[0].unattended_until == gone_at + timedelta(seconds=300)
    clock.advance(299)
    sessions.supervise(clock.now())
    assert sid in sessions.sessions
    back = listen(app, "carol")  # she came back in time: the clock starts over
    sessions.supervise(clock.now())
    assert (await carol.sessions())[0].unattended_until is None
    state(app).live.subscribers.discard(back)
    sessions.consoles_changed()
    clock.advance(300)
    sessions.supervise(clock.now())
    assert sid not in sessions.sessions
    assert last_end(app)["actor"] == "appliance"
    assert "nobody attached for 5 minutes" in str(last_end(app))


# -- the strict window --------------------------------------------------------------------------


def strict_policy(app: FastAPI, closes: str) -> int:
    repo = state(app).site.repo
    with repo.transaction():
        policy = repo.policies.insert({"display_name": "Strict", "schedule_strict": True})
        repo.set_schedule(
            policy.id,
            Schedule(
                timezone="UTC",
                entries=[
                    ScheduleEntry(start_day=1, start_time="09:00", end_day=1, end_time=closes)
                ],
            ),
        )
    return policy.id


@pytest.mark.parametrize(
    ("left_at_start", "heard"),
    [
        (timedelta(minutes=30), ["15 minutes", "5 minutes", "1 minute"]),
        (timedelta(minutes=5, seconds=39), ["5 minutes", "1 minute"]),
        (timedelta(minutes=5), ["1 minute"]),
        (timedelta(seconds=50), []),
    ],
)
async def test_strict_warnings_only_for_the_time_there_was_at_the_start(
    app: FastAPI,
    clock: FakeClock,
    rep: RepFactory,
    left_at_start: timedelta,
    heard: list[str],
) -> None:
    item = make_item(app, jump_policy_id=strict_policy(app, "10:30"))
    closes = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
    clock._now = closes - left_at_start
    console = listen(app, "carol")
    await (await rep("carol")).start_session(item.id)
    sessions = sessions_of(app)
    while clock.now() < closes:
        clock.advance(1)
        sessions.supervise(clock.now())
    messages = told(console)
    warnings = [m.split("closes in ")[1].split(";")[0] for e, m in messages if e == "warning"]
    assert warnings == heard
    assert messages[-1][0] == "ended" and "window closed" in messages[-1][1]


def test_the_grace_setting_has_bounds() -> None:
    from pydantic import ValidationError

    from domain import JumpClientSettings

    assert JumpClientSettings().session_grace_s == 120
    with pytest.raises(ValidationError):
        JumpClientSettings(session_grace_s=5)


async def test_a_screen_viewer_attends_the_session_for_the_grace_period(
    app: FastAPI, clock: FakeClock, rep: RepFactory
) -> None:
    settings(app, session_grace_s=300)
    carol = await rep("carol")
    sid = (await carol.start_session(make_item(app).id)).session.sid
    sessions, screens = sessions_of(app), state(app).screens
    screens.screens[sid] = SessionScreen()  # her console watches the session's screen only
    sessions.consoles_changed()
    clock.advance(3600)
    sessions.supervise(clock.now())
    assert sid in sessions.sessions and (await carol.sessions())[0].unattended_until is None
    del screens.screens[sid]
    screens.on_unwatched(sid)  # the last viewer went: the grace period starts now
    assert (await carol.sessions())[0].unattended_until == clock.now() + timedelta(seconds=300)
