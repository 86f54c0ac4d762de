"""Jumpoints: relays for Jump Clients on networks without direct access to the appliance.

A Jumpoint runs inside that network (``jump-appliance jumpoint --appliance URL --listen
HOST:PORT``) and relays connections to the appliance. An installer that names a Jumpoint
(``jumpoint_proxy``) makes its clients use the Jumpoint's ``address`` for everything after
the install: the agent channel, check-ins and upgrades.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from domain._types import Id, Line1_128, Lines0_1024, Model, Patch, Str0_1024, Str1_128

_SCHEMES = ("http://", "https://")


def _address(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(_SCHEMES) or len(value) <= len("https://"):
        raise ValueError("must be the Jumpoint's URL, like http://10.0.0.5:8500")
    return value


class JumpointFields(Model):
    name: Str1_128
    address: str = Field(min_length=8, max_length=255)
    """The URL clients reach the Jumpoint at (where it listens)."""
    comments: Str0_1024 = ""

    @field_validator("address")
    @classmethod
    def _check(cls, value: str) -> str:
        return _address(value)


class JumpointCreate(JumpointFields):
    """``POST /api/config/v1/jumpoint``: what a person types, so no control characters."""

    name: Line1_128
    comments: Lines0_1024 = ""


class JumpointUpdate(Patch):
    name: Line1_128 | None = None
    address: str | None = Field(default=None, min_length=8, max_length=255)
    comments: Lines0_1024 | None = None

    @field_validator("address")
    @classmethod
    def _check(cls, value: str | None) -> str | None:
        return _address(value) if value is not None else value


class Jumpoint(JumpointFields):
    id: Id
