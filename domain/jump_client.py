"""The Jump Client resource (``/api/config/v1/jump-client``) and its ``x_`` extensions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, ConfigDict, Field, computed_field, model_validator

from domain._types import (
    Id,
    Line0_64,
    Line1_128,
    Lines0_1024,
    Model,
    Patch,
    SessionPolicyRef,
    Str0_64,
    Str0_1024,
    Str1_128,
    Str1_255,
    Text,
    UtcDateTime,
)
from domain.enums import (
    ConnectionType,
    InstallMode,
    JumpGroupType,
    StartMode,
    Status,
    UnavailableReason,
    UpgradeState,
)

_T = TypeVar("_T")


class Gateway(Model):
    """The default gateway a client reports; peers for wake must share it."""

    ip: Text = Field(min_length=1, max_length=64)
    mac: Text | None = Field(default=None, max_length=17)


class Stats(Model):
    """The latest statistics of a client, only those the site selects."""

    cpu_percent: float | None = Field(default=None, ge=0, le=100)
    disk_percent: float | None = Field(default=None, ge=0, le=100)
    console_user: str | None = Field(default=None, max_length=255)
    uptime_s: int | None = Field(default=None, ge=0)
    thumbnail: str | None = None
    at: UtcDateTime


class JumpClient(Model):
    """A Jump Client as the Config API answers it."""

    id: Id
    jump_group_id: Id
    jump_group_type: JumpGroupType = JumpGroupType.SHARED
    name: Str1_128
    hostname: Str1_255
    fqdn: Str1_255
    tag: Str0_64 = ""
    comments: Str0_1024 = ""
    jump_policy_id: Id | None = None
    attended_session_policy_id: SessionPolicyRef | None = None
    unattended_session_policy_id: SessionPolicyRef | None = None
    public_site_address: Str1_128
    customer_client_start_mode: StartMode = StartMode.NORMAL
    install_mode: InstallMode = InstallMode.UNKNOWN
    connection_type: ConnectionType = ConnectionType.ACTIVE
    last_connect_timestamp: UtcDateTime | None = None
    last_disconnect_timestamp: UtcDateTime | None = None
    last_access_timestamp: UtcDateTime | None = None
    expiration_timestamp: UtcDateTime | None = None
    is_lost: bool = False
    needs_update: bool = False
    unavailable_reason: UnavailableReason = UnavailableReason.NONE
    operating_system: str = ""
    public_ip: str = ""
    private_ip: str = ""
    console_user: str = ""
    max_offline_minutes: int = Field(default=0, ge=0, le=2_147_483_647)
    # Our extensions (DOMAIN.md "Decision").
    x_online: bool = False
    x_version: str = ""
    x_stats: Stats | None = None
    x_gateway: Gateway | None = None
    x_mac: str | None = None
    x_in_session_by: list[str] = Field(default_factory=list)
    x_upgrade_state: UpgradeState = UpgradeState.NONE
    x_demo: bool = False
    x_created_timestamp: UtcDateTime | None = None
    """When the client installed itself (null: before this was kept, or not installed)."""

    @model_validator(mode="before")
    @classmethod
    def _status_is_derived(cls, data: Any) -> Any:
        """``x_status`` and ``is_quiet`` are computed: sent ones are not kept."""
        if isinstance(data, dict) and ("x_status" in data or "is_quiet" in data):
            data = {k: v for k, v in data.items() if k not in ("x_status", "is_quiet")}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_quiet(self) -> bool:
        """Ours show nothing on the endpoint (BeyondTrust's ``is_quiet``)."""
        return True

    @computed_field  # type: ignore[prop-decorator]
    @property
    def x_status(self) -> Status:
        """The status word (DOMAIN.md "Status"): derived, never stored, never stale."""
        return status_of(self)


def _absent(value: object) -> bool:
    return value is None


class JumpClientAnswer(JumpClient):
    """A Jump Client as the Config API answers it: BeyondTrust documents these two as
    date-times, never null, so an item never used to start a session, or that will not
    expire (never seen, uninstalled), answers without them."""

    last_access_timestamp: UtcDateTime | None = Field(default=None, exclude_if=_absent)
    expiration_timestamp: UtcDateTime | None = Field(default=None, exclude_if=_absent)


class JumpClientCopied(Model):
    """``POST /jump-client/{id}/copy``'s answer, as BeyondTrust's (``destId``: the copy's id;
    ``success`` is ``"1"``), with the copy itself under ``x_jump_client``."""

    model_config = ConfigDict(populate_by_name=True)

    action: Literal["copy"] = "copy"
    success: Literal["1"] = "1"
    dest_id: Id = Field(alias="destId")
    x_jump_client: JumpClientAnswer


def _no_support_button(value: str) -> str:
    if value:
        raise ValueError("Jump Console has no Support Button; leave it empty")
    return value


def _always_quiet(value: bool) -> bool:
    if not value:
        raise ValueError("a Jump Console Jump Client shows nothing on its endpoint: always quiet")
    return value


#: BeyondTrust's Support Button fields: Jump Console has none, so only empty is taken.
NoSupportButton = Annotated[str, AfterValidator(_no_support_button)]
#: BeyondTrust's ``is_quiet``: ours are always quiet, so only ``true`` is taken.
AlwaysQuiet = Annotated[bool, AfterValidator(_always_quiet)]
#: What a PATCH may name that is answered but not stored.
NOT_STORED = frozenset(
    {"support_button_profile_code_name", "support_button_direct_queue", "is_quiet"}
)


class JumpClientUpdate(Patch):
    """``PATCH /jump-client/{id}``: the writable fields; absent fields stay as they are."""

    NULLABLE = frozenset(
        {"jump_policy_id", "attended_session_policy_id", "unattended_session_policy_id"}
    )

    jump_group_id: Id | None = None
    jump_group_type: JumpGroupType | None = None
    name: Line1_128 | None = None
    tag: Line0_64 | None = None
    comments: Lines0_1024 | None = None
    jump_policy_id: Id | None = None
    attended_session_policy_id: SessionPolicyRef | None = None
    unattended_session_policy_id: SessionPolicyRef | None = None
    public_site_address: Line1_128 | None = None
    customer_client_start_mode: StartMode | None = None
    max_offline_minutes: int | None = Field(default=None, ge=0, le=2_147_483_647)
    support_button_profile_code_name: NoSupportButton | None = None
    support_button_direct_queue: NoSupportButton | None = None
    is_quiet: AlwaysQuiet | None = None

    def changes(self) -> dict[str, Any]:
        """The fields sent that are stored (the Support Button and quiet ones are not)."""
        return {k: v for k, v in super().changes().items() if k not in NOT_STORED}


class JumpClientCopy(Model):
    """``POST /jump-client/{id}/copy``: where the copy goes and what it is called."""

    jump_group_id: Id
    jump_group_type: JumpGroupType = JumpGroupType.SHARED
    name: Line1_128 | None = None


def compute_status(
    *,
    connection_type: ConnectionType,
    upgrade_state: UpgradeState,
    needs_update: bool,
    unavailable_reason: UnavailableReason,
    in_session_by: list[str],
    online: bool,
    is_lost: bool,
) -> Status:
    """The status word of an item: the first rule of DOMAIN.md that applies."""
    if connection_type is ConnectionType.UNINSTALLED:
        return Status.UNINSTALLED
    if upgrade_state is UpgradeState.UPGRADING:
        return Status.UPGRADING
    if needs_update:
        return Status.NEEDS_UPDATE
    if unavailable_reason is UnavailableReason.DISABLED:
        return Status.DISABLED
    if in_session_by:
        return Status.IN_SESSION
    if online:
        return Status.ONLINE if connection_type is ConnectionType.ACTIVE else Status.PASSIVE
    if is_lost:
        return Status.LOST
    return Status.OFFLINE


def status_of(client: JumpClient) -> Status:
    """The status word of ``client`` from its own fields."""
    return compute_status(
        connection_type=client.connection_type,
        upgrade_state=client.x_upgrade_state,
        needs_update=client.needs_update,
        unavailable_reason=client.unavailable_reason,
        in_session_by=client.x_in_session_by,
        online=client.x_online,
        is_lost=client.is_lost,
    )


def last_seen(client: JumpClient) -> datetime | None:
    """When the client was last heard from: now-ish when online, else its last disconnect."""
    return seen_at(client, client.x_stats.at if client.x_stats is not None else None)


def seen_at(client: JumpClient, stats_at: datetime | None) -> datetime | None:
    """:func:`last_seen` with the time of the latest statistics given apart (the appliance
    holds newer ones than the item)."""
    return seen_from(
        client.x_online, stats_at, client.last_disconnect_timestamp, client.last_connect_timestamp
    )


def seen_from(
    online: bool, stats_at: _T | None, disconnect: _T | None, connect: _T | None
) -> _T | None:
    """:func:`seen_at` from the fields themselves (date-times, or their stored text: the
    appliance reads a snapshot straight from its database rows)."""
    if online and stats_at is not None:
        return stats_at
    return disconnect or connect


def console_user_of(client: JumpClient) -> str:
    """Who is logged in at the endpoint: the item's field, else its latest statistics."""
    stats = client.x_stats
    return user_at(client, stats.console_user if stats else None)


def user_at(client: JumpClient, stats_user: str | None) -> str:
    """:func:`console_user_of` with the latest statistics' console user given apart."""
    return user_from(client.console_user, stats_user)


def user_from(console_user: str, stats_user: str | None) -> str:
    """:func:`user_at` from the item's own field."""
    return console_user or stats_user or ""


def with_whole_destination(current: JumpClient, changes: dict[str, Any]) -> dict[str, Any]:
    """A change of group names both halves (type and id): the half not sent is the item's
    own, never a default. Both APIs check the destination this gives."""
    if "jump_group_id" in changes or "jump_group_type" in changes:
        changes.setdefault("jump_group_id", current.jump_group_id)
        changes.setdefault("jump_group_type", current.jump_group_type)
    return changes
