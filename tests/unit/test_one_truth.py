"""One meaning on both sides: the console's filter and explanations against the appliance's.

For generated items and queries the console store shows exactly what the domain filter (the
one the appliance's ``q=`` uses) matches; for generated item states the console explains a
start with the very sentence the appliance refuses it with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_client import Forbidden, Refused
from appliance.services import Services
from console.backend import Backend
from console.desk import Desk
from console.store import ItemStore
from domain import JumpClient, JumpGroupType, Schedule, ScheduleEntry
from domain.filters import FIELDS, Subject, parse
from tests.support.appliance import RepFactory

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
GROUPS = {
    (JumpGroupType.SHARED, 1): "Servers",
    (JumpGroupType.SHARED, 2): "Lab east",
    (JumpGroupType.PERSONAL, 3): "My personal list",
    (JumpGroupType.PERSONAL, 4): "Personal: Bob Lee",
}
POLICIES = {1: "Business hours business_hours", 2: "Exclusive exclusive"}
WORDS = [
    "web",
    "db",
    "Lab",
    "srv-1",
    "alice",
    "ubuntu",
    "linux",
    "win",
    "127.0.",
    "10",
    "é",
    "my personal",
    "bob",
]

STATUSES = ["online", "needs-update", "needs update", "lost"]
word = st.sampled_from(WORDS)
text = st.lists(word, max_size=3).map(" ".join)
#: addresses only parsed and matched by the filter, never sent to
ADDRESSES = ["", "127.0.0.1", "127.0.1.9", "10.0.0.4", "192.0.2.7"]  # parsed only
ip = st.sampled_from(ADDRESSES)


@st.composite
def items(draw: st.DrawFn) -> list[JumpClient]:
    made = []
    for n in range(1, draw(st.integers(0, 12)) + 1):
        kind, gid = draw(st.sampled_from(sorted(GROUPS)))
        stats_user = draw(st.sampled_from([None, "alice", "zoe"]))
        made.append(
            JumpClient.model_validate(
                {
                    "id": n,
                    "jump_group_type": kind,
                    "jump_group_id": gid,
                    "name": draw(text.filter(bool)),
                    "hostname": draw(text.filter(bool)),
                    "fqdn": "x.test",
                    "tag": draw(st.sampled_from(["", "db", "web", "DB"])),
                    "comments": draw(text),
                    "console_user": draw(st.sampled_from(["", "alice", "Bob"])),
                    "operating_system": draw(
                        st.sampled_from(["", "Ubuntu 24.04", "Windows 11", "Debian 12", "macOS 15"])
                    ),
                    "public_ip": draw(ip),
                    "private_ip": draw(ip),
                    "jump_policy_id": draw(st.sampled_from([None, 1, 2])),
                    "public_site_address": "support.jump.test",
                    "x_online": draw(st.booleans()),
                    "needs_update": draw(st.booleans()),
                    "is_lost": draw(st.booleans()),
                    "x_stats": None
                    if stats_user is None
                    else {"console_user": stats_user, "at": NOW.isoformat()},
                }
            )
        )
    return made


@st.composite
def queries(draw: st.DrawFn) -> str:
    terms = []
    for _ in range(draw(st.integers(0, 3))):
        negate = "!" if draw(st.booleans()) else ""
        field = draw(st.sampled_from([None, *FIELDS]))
        value = draw(st.sampled_from([*WORDS, *STATUSES, "servers"]))
        quoted = f'"{value}"' if " " in value else value
        if field == "status" and value not in STATUSES:
            field = None
        terms.append(f"{negate}{field}:{quoted}" if field else f"{negate}{quoted}")
    return " ".join(terms)


@given(items(), queries())
@settings(max_examples=150, deadline=None)
def test_the_store_shows_what_the_domain_filter_matches(found: list[JumpClient], q: str) -> None:
    store = ItemStore(group_names=GROUPS, policy_names=POLICIES)
    store.load(found)
    assert store.set_filter(q) is None
    query = parse(q)
    expected = {
        item.id
        for item in found
        if query.matches(
            Subject.of_item(
                item,
                group=GROUPS[(item.jump_group_type, item.jump_group_id)],
                policy=POLICIES.get(item.jump_policy_id or 0, ""),
            )
        )
    }
    assert {store.item_id(r) for r in store.view} == expected
    # typing one more letter narrows from the previous result: same answer as from scratch
    longer = q + "b"
    if store.set_filter(longer) is None:
        again = ItemStore(group_names=GROUPS, policy_names=POLICIES)
        again.load(found)
        again.set_filter(longer)
        assert store.view == again.view


# -- the console explains a start as the appliance refuses it -------------------------------------

NY = Schedule(
    timezone="America/New_York",
    entries=[
        ScheduleEntry(start_day=d, start_time="09:00", end_day=d, end_time="17:00")
        for d in range(5)
    ],
)
STATE = st.fixed_dictionaries(
    {
        "x_online": st.booleans(),
        "connection_type": st.sampled_from(["active", "active", "passive", "uninstalled"]),
        "needs_update": st.booleans(),
        "unavailable_reason": st.sampled_from(["none", "none", "disabled"]),
        "x_in_session_by": st.sampled_from([[], ["alice"], ["alice", "dave"]]),
        "policy": st.sampled_from(["none", "closed", "disallow", "join"]),
        "group": st.sampled_from([1, 2, 4]),
    }
)
KNOWN_TO_THE_CONSOLE = {
    "forbidden",
    "uninstalled",
    "disabled",
    "needs_update",
    "jump_policy_closed",
    "in_use",
}


def _view_only_in_lab(state: Services) -> None:
    """carol sees the Lab group (4) with a role that may not start sessions."""
    repo = state.site.repo
    if any(role.name == "View only" for role in repo.roles.find()):
        return
    with repo.transaction():
        role = repo.roles.insert({"name": "View only"})
        member = type(repo.members(4)[0])(user_id=3, jump_item_role_id=role.id)
        repo.set_member(4, member)


def _policy(state: Services, kind: str) -> int | None:
    repo = state.site.repo
    if kind == "none":
        return None
    with repo.transaction():
        made = repo.policies.insert(
            {
                "display_name": f"{kind} {repo.next_id('jump_policy')}",
                "simultaneous_jumps": "disallow" if kind == "disallow" else "join",
            }
        )
        if kind == "closed":
            repo.set_schedule(made.id, NY)
    return made.id


@pytest.mark.not_storage("the rules of a start, the same whatever the engine")
@given(STATE)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
async def test_the_console_explains_a_start_as_the_appliance_refuses_it(
    app: FastAPI, rep: RepFactory, drawn: dict[str, Any]
) -> None:
    state: Services = app.state.appliance
    repo = state.site.repo
    _view_only_in_lab(state)
    number = repo.next_id("jump_client")
    values = {k: v for k, v in drawn.items() if k not in ("policy", "group")}
    with repo.transaction():
        created = repo.clients.insert(
            {
                **values,
                "jump_group_id": drawn["group"],
                "name": f"GEN-{number}",
                "hostname": f"gen-{number}",
                "fqdn": f"gen-{number}.test",
                "public_site_address": "support.jump.test",
                "x_demo": True,
                "jump_policy_id": _policy(state, drawn["policy"]),
            }
        )
    carol = await rep("carol")
    signed_in = await Backend(carol).start()
    item = await carol.jump_item(created.id)
    desk = Desk(username="carol")
    said = desk.states(item, signed_in, state.site.clock.now())["start"].reason
    try:
        await carol.start_session(created.id)
    except (Refused, Forbidden) as refused:
        if said is None:  # the console could not have known (a passive client not answering)
            assert refused.code not in KNOWN_TO_THE_CONSOLE, refused.message
        else:
            assert refused.message == said
    else:
        assert said is None


@pytest.mark.parametrize(
    "q",
    [
        'group:"my personal"',
        "group:carol",
        "group:personal !group:bob",
        "group:servers status:online",
        "user:a ip:127.0.",
        'policy:"business hours" !tag:db',
    ],
)
async def test_the_console_and_the_appliance_filter_alike(rep: RepFactory, q: str) -> None:
    """carol's list filtered in her console (store, labels from ``/me``) and by the
    appliance (``q=``, what ``jump-console ls`` and plain mode's scripts get) agree."""
    carol = await rep("carol")
    signed_in = await Backend(carol).start()
    everything = [item async for item in carol.iter_jump_items()]
    store = ItemStore(group_names=signed_in.groups, policy_names=signed_in.policy_names)
    store.load(everything)
    assert store.set_filter(q) is None
    answered = {item.id async for item in carol.iter_jump_items(q)}
    if q == 'group:"my personal"':
        assert answered  # carol has items of her own in the demo
    assert {store.item_id(r) for r in store.view} == answered
