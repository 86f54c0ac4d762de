"""The representative API's bodies (``/api/rep/v1``): what the console sends and is answered.

Every refusal has one body, :class:`RefusalBody`: ``{"error": CODE, "message": sentence,
...details}`` with 409 for a rule, 403 ``forbidden``, 404 ``not_found``, 422 ``invalid``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain._types import LAZY, Id, Text
from domain.enums import JumpGroupType
from domain.groups import RolePermission
from domain.rules import MAX_MULTI_START, Refusal, parse_secureon
from domain.session import SessionStarted
from domain.users import Team, User


class Body(BaseModel):
    """Base of the rep API's bodies: each builds its validator when first used (LAZY)."""

    model_config = LAZY


class Login(Body):
    """``POST /login``. What was sent is never repeated in a refusal: it holds a password."""

    model_config = ConfigDict(hide_input_in_errors=True)

    username: Text = Field(min_length=1, max_length=64)
    password: Text = Field(min_length=1, max_length=1024, repr=False)


class TokenAnswer(Body):
    access_token: str = Field(repr=False)
    token_type: str = "Bearer"
    expires_in: int


class GroupAccess(Body):
    """One group or personal list the representative may see, its label and their rights."""

    jump_group_type: JumpGroupType
    jump_group_id: int
    name: str
    permissions: list[RolePermission]


class Me(Body):
    """``GET /me``."""

    user: User
    teams: list[Team]
    groups: list[GroupAccess]


class MultiStart(Body):
    """``POST /jump-items/sessions``: up to :data:`MAX_MULTI_START` items at once."""

    ids: list[Id] = Field(min_length=1, max_length=MAX_MULTI_START)


class MultiStartResult(Body):
    """One item of a multi-start: ``started``, or the refusal's ``error`` and ``message``."""

    id: int
    started: SessionStarted | None = None
    error: str | None = None
    message: str | None = None


class MultiStartAnswer(Body):
    results: list[MultiStartResult]


class Invitation(Body):
    username: Text = Field(min_length=1, max_length=64)


class WakeRequest(Body):
    wol_password: str | None = Field(default=None, repr=False)

    @field_validator("wol_password")
    @classmethod
    def _secureon(cls, value: str | None) -> str | None:
        if value is not None:
            parse_secureon(value)
        return value


class WakeAnswer(Body):
    """``POST /jump-items/{id}/wake`` (sent) and ``GET`` (would be sent): via which peer."""

    via: str
    message: str


class UpgradeAnswer(Body):
    state: str
    message: str


class RefusalBody(Body):
    """Every refusal of the representative API; details (``by``, ``opens_at``,
    ``retry_after``, ``errors`` ...) stand beside ``error`` and ``message``."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str

    @classmethod
    def of(cls, refusal: Refusal) -> RefusalBody:
        return cls(error=refusal.code, message=refusal.message, **refusal.details)

    def details(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Process(Body):
    pid: int
    name: str = ""
    user: str = ""
    cpu_percent: float = 0.0
    memory_percent: float = 0.0


class Disk(Body):
    mount: str
    device: str = ""
    fs: str = ""
    total_gb: float = 0.0
    percent: float = 0.0


class Service(Body):
    name: str
    state: str


class SystemInfo(Body):
    """``GET /sessions/{sid}/system-info``: what the endpoint reports (busiest first)."""

    processes: list[Process] = Field(default_factory=list, max_length=1000)
    process_count: int = Field(default=0, ge=0)
    disks: list[Disk] = Field(default_factory=list, max_length=256)
    services: list[Service] = Field(default_factory=list, max_length=1000)
    memory_percent: float = Field(default=0.0, ge=0, le=100)
    memory_total_gb: float = Field(default=0.0, ge=0)
