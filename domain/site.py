"""Site-wide Jump Client settings and public sites."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from domain._types import Id, Model, Patch, Str1_128
from domain.enums import (
    AutomaticUpgrades,
    InstallerConnectionType,
    SiteSimultaneousJumps,
    Statistic,
    UninstalledBehavior,
)
from domain.jump_policy import JumpPolicyWithSchedule
from domain.session_policy import SessionPolicy

#: where passive Jump Clients listen for the appliance, unless the site names another port
DEFAULT_PASSIVE_PORT = 5832

MIN_MAINTENANCE_DAYS = 15


def lost_before_deleted(days_before_lost: object, days_before_deleted: object) -> str | None:
    """The cross-field maintenance rule (also checked alone, when other fields are wrong)."""
    if (
        isinstance(days_before_lost, int)
        and isinstance(days_before_deleted, int)
        and days_before_lost >= days_before_deleted
    ):
        return (
            "days_before_lost must be less than days_before_deleted "
            f"({days_before_lost} is not less than {days_before_deleted})"
        )
    return None


class JumpClientSettings(Model):
    """``/api/config/v1/jump-client/settings``: every rule is checked across fields too."""

    statistics: list[Statistic] = Field(default_factory=lambda: list(Statistic))
    statistics_interval_s: int = Field(default=30, ge=5, le=3600, strict=True)
    upgrade_bandwidth_mib_s: int = Field(default=100, ge=1, le=100, strict=True)
    max_concurrent_upgrades: int = Field(default=50, ge=1, le=500, strict=True)
    automatic_upgrades: AutomaticUpgrades = AutomaticUpgrades.DISABLED
    days_before_deleted: int = Field(default=180, ge=MIN_MAINTENANCE_DAYS, le=3650, strict=True)
    days_before_lost: int = Field(default=30, ge=MIN_MAINTENANCE_DAYS, le=3650, strict=True)
    uninstalled_behavior: UninstalledBehavior = UninstalledBehavior.KEEP
    restrict_local_uninstall: bool = False
    default_connection_type: InstallerConnectionType = InstallerConnectionType.ACTIVE
    passive_port: int = Field(default=DEFAULT_PASSIVE_PORT, ge=1, le=65535, strict=True)
    allow_wake: bool = True
    presence_by_screen_state: bool = True
    connection_rate: int = Field(default=50, ge=1, le=300, strict=True)
    allow_adhoc_sessions: bool = False
    simultaneous_jumps: SiteSimultaneousJumps = SiteSimultaneousJumps.JOIN
    session_grace_s: int = Field(default=120, ge=10, le=3600, strict=True)
    """How long a session (and its shell) waits for a console once none of its
    representatives has one attached; then it ends."""

    @model_validator(mode="after")
    def _lost_before_deleted(self) -> Self:
        problem = lost_before_deleted(self.days_before_lost, self.days_before_deleted)
        if problem:
            raise ValueError(problem)
        if len(set(self.statistics)) != len(self.statistics):
            raise ValueError("statistics must not name a statistic twice")
        return self


class JumpClientSettingsUpdate(Patch):
    """``PATCH .../settings``: the fields to change; the result is checked as a whole."""

    statistics: list[Statistic] | None = None
    statistics_interval_s: int | None = Field(default=None, strict=True)
    upgrade_bandwidth_mib_s: int | None = Field(default=None, strict=True)
    max_concurrent_upgrades: int | None = Field(default=None, strict=True)
    automatic_upgrades: AutomaticUpgrades | None = None
    days_before_deleted: int | None = Field(default=None, strict=True)
    days_before_lost: int | None = Field(default=None, strict=True)
    uninstalled_behavior: UninstalledBehavior | None = None
    restrict_local_uninstall: bool | None = None
    default_connection_type: InstallerConnectionType | None = None
    passive_port: int | None = Field(default=None, strict=True)
    allow_wake: bool | None = None
    presence_by_screen_state: bool | None = None
    connection_rate: int | None = Field(default=None, strict=True)
    allow_adhoc_sessions: bool | None = None
    simultaneous_jumps: SiteSimultaneousJumps | None = None
    session_grace_s: int | None = Field(default=None, strict=True)

    def apply_to(self, current: JumpClientSettings) -> JumpClientSettings:
        """The settings after this change, validated as a whole (raises ValidationError)."""
        return JumpClientSettings.model_validate({**current.model_dump(), **self.changes()})


class PublicSite(Model):
    """A public site: the host names clients may be told to use, and its session policy."""

    id: Id
    name: Str1_128
    addresses: list[Str1_128] = Field(min_length=1)
    is_default: bool = False
    session_policy_id: Id | None = None


class PublicPortal(Model):
    """``/api/config/v1/public-portal``: a public site as BeyondTrust's Config API names it."""

    id: Id
    name: Str1_128
    addresses: list[Str1_128]

    @classmethod
    def of(cls, site: PublicSite) -> PublicPortal:
        return cls(id=site.id, name=site.name, addresses=site.addresses)


class RepSite(Model):
    """``GET /api/rep/v1/site``: what a representative's console needs to explain the rules."""

    jump_policies: list[JumpPolicyWithSchedule]
    session_policies: list[SessionPolicy]
    settings: JumpClientSettings
