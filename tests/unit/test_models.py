"""Limits of DOMAIN.md enforced by the models: what an admin or script gets refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from domain import (
    ConnectionType,
    Installer,
    InstallerCreate,
    JumpClient,
    JumpClientSettings,
    JumpClientSettingsUpdate,
    JumpClientUpdate,
    JumpGroupCreate,
    JumpPolicyCreate,
    Status,
    UnavailableReason,
    UpgradeState,
    status_of,
)


def client(**over: Any) -> JumpClient:
    data: dict[str, Any] = {
        "id": 1,
        "jump_group_id": 1,
        "name": "PC-001",
        "hostname": "pc-001",
        "fqdn": "pc-001.example.test",
        "public_site_address": "support.example.test",
    }
    data.update(over)
    return JumpClient.model_validate(data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 129),
        ("tag", "t" * 65),
        ("comments", "c" * 1025),
        ("id", 0),
        ("id", 2_147_483_648),
        ("id", "5"),
        ("attended_session_policy_id", 1),
        ("jump_group_type", "team"),
        ("max_offline_minutes", -1),
        ("customer_client_start_mode", "maximized"),
        ("last_connect_timestamp", "2026-01-01T00:00:00+02:00"),
        ("last_connect_timestamp", "2026-01-01T00:00:00"),
        ("surprise", 1),
    ],
)
def test_jump_client_limits(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        client(**{field: value})
    assert info.value.errors()[0]["loc"][0] == field


def test_datetimes_answer_with_plus_zero_offset() -> None:
    c = client(last_connect_timestamp="2026-01-02T03:04:05Z")
    assert c.model_dump(mode="json")["last_connect_timestamp"] == "2026-01-02T03:04:05+00:00"


def test_patch_refuses_null_for_required_fields_but_clears_nullable_ones() -> None:
    assert JumpClientUpdate.model_validate({"jump_policy_id": None}).changes() == {
        "jump_policy_id": None
    }
    with pytest.raises(ValidationError, match="may not be null"):
        JumpClientUpdate.model_validate({"name": None})
    assert JumpClientUpdate.model_validate({"tag": "db"}).changes() == {"tag": "db"}


@pytest.mark.parametrize(
    ("over", "status"),
    [
        ({"connection_type": ConnectionType.UNINSTALLED, "needs_update": True}, Status.UNINSTALLED),
        ({"x_upgrade_state": UpgradeState.UPGRADING, "needs_update": True}, Status.UPGRADING),
        ({"needs_update": True, "x_online": True}, Status.NEEDS_UPDATE),
        ({"unavailable_reason": UnavailableReason.DISABLED, "x_online": True}, Status.DISABLED),
        ({"x_in_session_by": ["alice"], "x_online": True}, Status.IN_SESSION),
        ({"x_online": True}, Status.ONLINE),
        ({"x_online": True, "connection_type": ConnectionType.PASSIVE}, Status.PASSIVE),
        ({"is_lost": True}, Status.LOST),
        ({}, Status.OFFLINE),
    ],
)
def test_status_is_the_first_rule_that_applies(over: dict[str, Any], status: Status) -> None:
    assert status_of(client(**over)) is status


def test_site_settings_defaults_are_the_documented_ones() -> None:
    s = JumpClientSettings()
    assert (s.statistics_interval_s, s.passive_port, s.connection_rate) == (30, 5832, 50)
    assert len(s.statistics) == 5


@pytest.mark.parametrize(
    "change",
    [
        {"days_before_lost": 14},
        {"days_before_deleted": 14},
        {"days_before_lost": 60, "days_before_deleted": 60},
        {"days_before_lost": 90, "days_before_deleted": 60},
        {"connection_rate": 0},
        {"connection_rate": 301},
        {"max_concurrent_upgrades": 501},
        {"upgrade_bandwidth_mib_s": 101},
        {"statistics_interval_s": 4},
        {"statistics_interval_s": 3601},
        {"passive_port": 0},
        {"statistics": ["cpu", "gpu"]},
    ],
)
def test_site_settings_rules_refuse_bad_values(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JumpClientSettingsUpdate.model_validate(change).apply_to(JumpClientSettings())


def test_lost_must_come_before_deleted_with_a_sentence_naming_both() -> None:
    with pytest.raises(
        ValidationError, match="days_before_lost must be less than days_before_deleted"
    ):
        JumpClientSettings(days_before_lost=40, days_before_deleted=40)
    ok = JumpClientSettingsUpdate(days_before_lost=15, days_before_deleted=16).apply_to(
        JumpClientSettings()
    )
    assert (ok.days_before_lost, ok.days_before_deleted) == (15, 16)


@pytest.mark.parametrize("minutes", [9, 525_601])
def test_installer_validity_is_bounded(minutes: int) -> None:
    with pytest.raises(ValidationError):
        InstallerCreate(jump_group_id=1, valid_duration=minutes)


def test_installer_defaults() -> None:
    created = InstallerCreate(jump_group_id=1)
    assert created.valid_duration == 1440
    assert created.elevate_install and created.elevate_prompt
    assert not created.allow_override_tag
    full = Installer(
        **created.model_dump(),
        id=1,
        installer_id="a" * 32,
        expiration_timestamp=datetime.now(UTC) + timedelta(days=1),
    )
    assert full.installer_id == "a" * 32


def test_group_and_policy_limits() -> None:
    with pytest.raises(ValidationError):
        JumpGroupCreate(name="")
    with pytest.raises(ValidationError):
        JumpGroupCreate(name="ok", code_name="has space")
    with pytest.raises(ValidationError):
        JumpPolicyCreate(display_name="p", simultaneous_jumps="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        JumpPolicyCreate(display_name="p", description="d" * 1001)


def test_non_utc_offsets_are_refused() -> None:
    with pytest.raises(ValidationError):
        client(last_connect_timestamp=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1))))
