"""Jumpoints: relays for Jump Clients on networks without direct access to the appliance.

A Jumpoint runs inside that network (``jump-appliance jumpoint --appliance URL --listen
HOST:PORT``) and relays connections to the appliance. An installer that names a Jumpoint
(``jumpoint_proxy``) makes its clients use the Jumpoint's ``address`` for everything after
the install: the agent channel, check-ins and upgrades.

The Config API answers a Jumpoint with BeyondTrust's fields; ``x_address`` is ours. What
BeyondTrust's Jumpoints do that ours do not (Jump Zone Proxy, clustering, Shell Jump,
external networks) is kept and answered, and changes nothing here; a Jumpoint cannot be
disabled (``enabled: false`` is refused rather than kept and not obeyed).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, field_validator

from domain._types import (
    CodeName,
    CodeName1,
    Id,
    Line1_128,
    Lines0_1024,
    Model,
    Patch,
    Str0_1024,
    Str1_128,
    storable,
)

_SCHEMES = ("http://", "https://")


def _address(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(_SCHEMES) or len(value) <= len("https://"):
        raise ValueError("must be the Jumpoint's URL, like http://10.0.0.5:8500")
    return value


class JumpointPlatform(StrEnum):
    WINDOWS_X86 = "windows-x86"
    LINUX_X86 = "linux-x86"


class JzpRestriction(StrEnum):
    NO_RESTRICTION = "no_restriction"
    ALLOW_ALL = "allow_all"
    DENY_ALL = "deny_all"


def _always_enabled(value: bool) -> bool:
    if not value:
        raise ValueError("a Jumpoint cannot be disabled here; delete it instead")
    return value


#: BeyondTrust's ``enabled``: ours always relay, so ``false`` is refused.
Enabled = Annotated[bool, AfterValidator(_always_enabled)]
#: A host name or address (the Jump Zone Proxy's), as text.
Host0_256 = Annotated[str, Field(max_length=256), AfterValidator(storable)]
RestrictedIps = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64), AfterValidator(storable)]],
    Field(max_length=100),
]


class _Wire(Model):
    # ``address`` is ours: it goes by ``x_address`` on the wire (FastAPI answers by alias)
    model_config = ConfigDict(populate_by_name=True)


class JumpointFields(_Wire):
    name: Str1_128
    address: str = Field(min_length=8, max_length=255, alias="x_address")
    """The URL clients reach the Jumpoint at (where it listens)."""
    comments: Str0_1024 = ""
    platform: JumpointPlatform = JumpointPlatform.LINUX_X86
    code_name: CodeName = ""
    enabled: Enabled = True
    clustered: bool = False
    shell_jump_enabled: bool = False
    external_jump_item_network_id: Str0_1024 = ""
    jzp_enabled: bool = False
    jzp_proxy_hostname: Host0_256 = ""
    jzp_proxy_port: int = Field(default=9555, ge=1, le=65535, strict=True)
    jzp_allow_http_get: bool = False
    jzp_client_address_restrictions_type: JzpRestriction = JzpRestriction.NO_RESTRICTION
    jzp_restricted_ips: RestrictedIps = Field(default_factory=list)

    @field_validator("address")
    @classmethod
    def _check(cls, value: str) -> str:
        return _address(value)


class JumpointCreate(JumpointFields):
    """``POST /api/config/v1/jumpoint``: what a person types, so no control characters.
    Without a code name, one is made from the name."""

    name: Line1_128
    comments: Lines0_1024 = ""


class JumpointUpdate(Patch, _Wire):
    name: Line1_128 | None = None
    address: str | None = Field(default=None, min_length=8, max_length=255, alias="x_address")
    comments: Lines0_1024 | None = None
    platform: JumpointPlatform | None = None
    code_name: CodeName1 | None = None
    enabled: Enabled | None = None
    clustered: bool | None = None
    shell_jump_enabled: bool | None = None
    external_jump_item_network_id: Str0_1024 | None = None
    jzp_enabled: bool | None = None
    jzp_proxy_hostname: Host0_256 | None = None
    jzp_proxy_port: int | None = Field(default=None, ge=1, le=65535, strict=True)
    jzp_allow_http_get: bool | None = None
    jzp_client_address_restrictions_type: JzpRestriction | None = None
    jzp_restricted_ips: RestrictedIps | None = None

    @field_validator("address")
    @classmethod
    def _check(cls, value: str | None) -> str | None:
        return _address(value) if value is not None else value


class Jumpoint(JumpointFields):
    id: Id


class JumpointNode(Model):
    """``/jumpoint/{id}/node``: a node of a Jumpoint. Ours are not installed by the appliance
    and never report to it, so it knows of none (the list is empty)."""

    id: Id
    hostname: Str1_128


class JumpointUser(Model):
    """``/jumpoint/{id}/user``: a user allowed to use the Jumpoint (kept and answered)."""

    user_id: Id
