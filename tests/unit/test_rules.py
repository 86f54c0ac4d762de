"""Action rules as the appliance and console apply them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain import (
    AutomaticUpgrades,
    JumpClient,
    JumpPolicy,
    Schedule,
    ScheduleEntry,
    SimultaneousJumps,
    SiteSimultaneousJumps,
)
from domain.rules import (
    Refusal,
    availability,
    is_present,
    magic_packet,
    parse_secureon,
    session_policy_for,
    simultaneous,
    upgrade_refusal,
    wake_peer,
    wake_refusal,
    window_refusal,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def client(id_: int = 1, **over: Any) -> JumpClient:
    data: dict[str, Any] = {
        "id": id_,
        "jump_group_id": 1,
        "name": f"PC-{id_}",
        "hostname": f"pc-{id_}",
        "fqdn": f"pc-{id_}.test",
        "public_site_address": "support.jump.test",
        "x_online": True,
        "x_gateway": {"ip": "127.16.0.1", "mac": "02:00:00:00:00:01"},
        "x_mac": f"02:00:00:00:01:{id_:02x}",
    }
    data.update(over)
    return JumpClient.model_validate(data)


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"connection_type": "uninstalled"}, "uninstalled"),
        ({"unavailable_reason": "disabled"}, "disabled"),
        ({"needs_update": True}, "needs_update"),
        ({"x_online": False}, "offline"),
    ],
)
def test_availability_refusals_name_the_item(over: dict[str, Any], code: str) -> None:
    refusal = availability(client(**over))
    assert isinstance(refusal, Refusal) and refusal.code == code
    assert "PC-1" in refusal.message and refusal.message.endswith(".")


def test_passive_offline_client_is_not_refused_it_is_asked_to_connect() -> None:
    assert availability(client(connection_type="passive", x_online=False)) is None


def test_window_refusal_says_when_it_opens() -> None:
    policy = JumpPolicy(id=1, display_name="Business hours")
    schedule = Schedule(
        timezone="UTC",
        entries=[ScheduleEntry(start_day=0, start_time="08:00", end_day=0, end_time="09:00")],
    )
    refusal = window_refusal(client(), policy, schedule, NOW)
    assert refusal is not None and refusal.code == "jump_policy_closed"
    assert refusal.details["opens_at"] == "2026-11-30T08:00:00+00:00"
    assert window_refusal(client(), None, None, NOW) is None


@pytest.mark.parametrize(
    ("policy_mode", "site", "expected"),
    [
        (SimultaneousJumps.JOIN, SiteSimultaneousJumps.DISALLOW, "join"),
        (SimultaneousJumps.DISALLOW, SiteSimultaneousJumps.JOIN, "in_use"),
        (SimultaneousJumps.GLOBAL, SiteSimultaneousJumps.JOIN, "join"),
        (SimultaneousJumps.GLOBAL, SiteSimultaneousJumps.DISALLOW, "in_use"),
    ],
)
def test_simultaneous_jumps(
    policy_mode: SimultaneousJumps, site: SiteSimultaneousJumps, expected: str
) -> None:
    policy = JumpPolicy(id=1, display_name="P", simultaneous_jumps=policy_mode)
    outcome = simultaneous(client(), policy, site, ["alice"], "bob")
    got = outcome.code if isinstance(outcome, Refusal) else outcome
    assert got == expected
    if isinstance(outcome, Refusal):
        assert outcome.details["by"] == ["alice"] and "ask for an invitation" in outcome.message
    assert simultaneous(client(), policy, site, [], "bob") == "start"
    assert simultaneous(client(), policy, site, ["alice"], "bob", invited=True) == "join"


@pytest.mark.parametrize(
    ("user", "locked", "saver", "by_screen", "present"),
    [
        ("alice", False, False, True, True),
        ("alice", True, False, True, False),
        ("alice", False, True, True, False),
        ("alice", True, True, False, True),
        ("", False, False, False, False),
        (None, False, False, True, False),
    ],
)
def test_presence(
    user: str | None, locked: bool, saver: bool, by_screen: bool, present: bool
) -> None:
    assert (
        is_present(console_user=user, locked=locked, screen_saver=saver, by_screen_state=by_screen)
        is present
    )


def test_presence_chooses_attended_or_unattended_policy() -> None:
    c = client(attended_session_policy_id=2, unattended_session_policy_id=None)
    assert session_policy_for(c, True) == (2, "a user is present")
    chosen, why = session_policy_for(c, False)
    assert chosen is None and "site default" in why


def test_magic_packet_bytes() -> None:
    packet = magic_packet("02:00:5e:10:00:01")
    assert packet[:6] == b"\xff" * 6 and packet[6:] == bytes.fromhex("02005e100001") * 16
    with_password = magic_packet("02-00-5e-10-00-01", parse_secureon("aa:bb:cc:dd"))
    assert len(with_password) == 102 + 4 and with_password.endswith(b"\xaa\xbb\xcc\xdd")
    with pytest.raises(ValueError):
        magic_packet("02:00:5e:10:00")
    with pytest.raises(ValueError):
        parse_secureon("abc")


def test_wake_rules_and_peer_choice() -> None:
    target = client(1, x_online=False)
    assert wake_refusal(target, allowed=False, last_attempt=None, now=NOW).code == (  # type: ignore[union-attr]
        "wake_disabled"
    )
    assert wake_refusal(client(1), allowed=True, last_attempt=None, now=NOW).code == "online"  # type: ignore[union-attr]
    passive = wake_refusal(
        client(1, connection_type="passive"), allowed=True, last_attempt=None, now=NOW
    )
    assert passive is not None and "needs no wake" in passive.message
    cooled = wake_refusal(target, allowed=True, last_attempt=NOW - timedelta(seconds=12), now=NOW)
    assert cooled is not None and cooled.details["retry_after"] == 18
    assert (
        wake_refusal(target, allowed=True, last_attempt=NOW - timedelta(seconds=31), now=NOW)
        is None
    )
    other_net = client(2, x_gateway={"ip": "127.16.9.1", "mac": None})
    same_ip_other_router = client(3, x_gateway={"ip": "127.16.0.1", "mac": "02:00:00:00:00:99"})
    offline_peer = client(4, x_online=False)
    passive_peer = client(5, connection_type="passive")
    good = client(6)
    assert wake_peer(target, [other_net, same_ip_other_router, offline_peer, passive_peer]) is None
    assert wake_peer(target, [other_net, good]) == good


def test_upgrade_rules() -> None:
    old = client(needs_update=True)
    assert upgrade_refusal(old, AutomaticUpgrades.ALWAYS).code == "automatic_upgrades_enabled"  # type: ignore[union-attr]
    assert upgrade_refusal(client(), AutomaticUpgrades.DISABLED).code == "up_to_date"  # type: ignore[union-attr]
    assert upgrade_refusal(old, AutomaticUpgrades.DISABLED) is None
    gone = upgrade_refusal(client(needs_update=True, x_online=False), AutomaticUpgrades.DISABLED)
    assert gone is not None and gone.code == "offline"  # it would fail: nothing takes it
    assert gone.message == "The Jump Client 'PC-1' is offline; upgrade it once it is online."
    passive = client(needs_update=True, x_online=False, connection_type="passive")
    assert upgrade_refusal(passive, AutomaticUpgrades.DISABLED) is None  # knocked on
