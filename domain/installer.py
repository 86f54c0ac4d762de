"""Jump Client installers (mass deployment), as BeyondTrust's Config API answers them.

What BeyondTrust documents keeps its name and type: ``jumpoint_proxy`` is the Jumpoint's
*name* (empty: none), ``key_info`` an object. A field the document types as never null or
empty is left out when we have no value for it (``name`` left blank, no ``jump_policy_id``);
``public_site_address`` is answered filled in by the appliance (the default site's address
when the installer names none). Our own additions go by ``x_`` names on the wire.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from domain._types import (
    Id,
    Line0_64,
    Line0_128,
    Line1_128,
    Lines0_1024,
    Model,
    SessionPolicyRef,
    Str0_64,
    Str0_128,
    Str0_1024,
    Str1_128,
    UtcDateTime,
)
from domain.enums import InstallerConnectionType, JumpGroupType, StartMode

MIN_VALID_MINUTES = 10
MAX_VALID_MINUTES = 525_600
DEFAULT_VALID_MINUTES = 1440


class InstallerFields(Model):
    # our two override flags go by ``x_`` names on the wire (FastAPI answers by alias); the
    # repository stores fields by their Python names
    model_config = ConfigDict(populate_by_name=True)

    name: Str0_128 = ""
    jump_group_id: Id
    jump_group_type: JumpGroupType = JumpGroupType.SHARED
    jump_policy_id: Id | None = None
    tag: Str0_64 = ""
    comments: Str0_1024 = ""
    connection_type: InstallerConnectionType = InstallerConnectionType.ACTIVE
    attended_session_policy_id: SessionPolicyRef | None = None
    unattended_session_policy_id: SessionPolicyRef | None = None
    public_site_address: Str1_128 | None = None
    valid_duration: int = Field(
        default=DEFAULT_VALID_MINUTES, ge=MIN_VALID_MINUTES, le=MAX_VALID_MINUTES, strict=True
    )
    elevate_install: bool = True
    elevate_prompt: bool = True
    customer_client_start_mode: StartMode = StartMode.NORMAL
    max_offline_minutes: int = Field(default=0, ge=0, le=2_147_483_647, strict=True)
    jumpoint_proxy: Str0_128 = ""
    """The name of the Jumpoint the clients go through (BeyondTrust's field); empty: none.
    A request names one in up to 64 characters, as the document says; a Jumpoint renamed
    since is answered by its name, which may be longer."""
    allow_override_jump_group: bool = False
    allow_override_jump_policy: bool = False
    allow_override_name: bool = False
    allow_override_tag: bool = False
    allow_override_comments: bool = False
    allow_override_attended_session_policy: bool = False
    allow_override_unattended_session_policy: bool = False
    allow_override_max_offline_minutes: bool = Field(
        default=False, alias="x_allow_override_max_offline_minutes"
    )
    allow_override_public_site_address: bool = Field(
        default=False, alias="x_allow_override_public_site_address"
    )


class InstallerCreate(InstallerFields):
    """``POST /jump-client/installer``: what a person types, so no control characters."""

    name: Line0_128 = ""
    tag: Line0_64 = ""
    comments: Lines0_1024 = ""
    public_site_address: Line1_128 | None = None
    jumpoint_proxy: Line0_64 = ""

    @field_validator("jumpoint_proxy", mode="before")
    @classmethod
    def _none_is_no_jumpoint(cls, value: object) -> object:
        return "" if value is None else value


#: left out of an answer when they hold this value: the document types them as never empty
#: (``name``: the computer's name is used) and never null (``jump_policy_id``: none)
_LEFT_OUT_WHEN: dict[str, object] = {"name": "", "jump_policy_id": None}


class KeyInfo(Model):
    """BeyondTrust's ``key_info``: what deploying the installer takes. ``encodedInfo`` (the
    installer key, the MSI form's ``KEY_INFO=``) only in the answer to its creation."""

    encodedInfo: str | None = Field(default=None, max_length=4096)
    filename: str = Field(default="", max_length=4096)
    installerPath: str = Field(default="", max_length=4096)

    @model_serializer(mode="wrap")
    def _without_null(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        if dumped.get("encodedInfo", "") is None:
            del dumped["encodedInfo"]
        return dumped


class Installer(InstallerFields):
    """An installer as the Config API answers it."""

    id: Id
    installer_id: str = Field(min_length=32, max_length=32)
    key_info: KeyInfo = KeyInfo()
    expiration_timestamp: UtcDateTime
    note: str = Field(default="", exclude=True)
    """Ours, never answered: what the appliance made it for (the demo's "this machine")."""

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        for field, empty in _LEFT_OUT_WHEN.items():
            if field in dumped and dumped[field] == empty:
                del dumped[field]
        return dumped


class InstallerExtend(Model):
    """``POST /jump-client/installer/{id}/extend``: minutes of validity from now."""

    valid_duration: int = Field(ge=MIN_VALID_MINUTES, le=MAX_VALID_MINUTES, strict=True)


class Elevation(StrEnum):
    """What an installer asks of the install on the endpoint (the downloaded installer
    carries it)."""

    PROMPT = "prompt"
    """A service install; a user who is not root is asked for administrator rights."""
    QUIET = "quiet"
    """A service install when run as root; otherwise a user install, without asking."""
    NONE = "none"
    """A user install."""


def elevation_of(installer: InstallerFields) -> Elevation:
    """``elevate_install`` asks for a service install, ``elevate_prompt`` for the rights
    when they are needed; ``elevate_prompt`` is ignored unless ``elevate_install``."""
    if not installer.elevate_install:
        return Elevation.NONE
    return Elevation.PROMPT if installer.elevate_prompt else Elevation.QUIET


_UNITS = {"m": 1, "min": 1, "h": 60, "d": 1440, "w": 10080, "y": 525600}


def parse_duration(text: str) -> int:
    """An installer's validity in minutes, from ``30m``, ``12h``, ``7d``, ``52w``, ``1y`` or a
    number of minutes (the deploy wizard, extend, and plain mode read it alike)."""
    words = text.strip().lower().replace(" ", "")
    number = words.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = words[len(number) :] or "m"
    if not number.isdigit() or unit not in _UNITS:
        raise ValueError("Give a duration like 30m, 12h, 7d or 52w (or minutes).")
    minutes = int(number) * _UNITS[unit]
    if not MIN_VALID_MINUTES <= minutes <= MAX_VALID_MINUTES:
        raise ValueError("An installer is valid for 10 minutes to 1 year.")
    return minutes
