"""The agent API's HTTP bodies (``/api/agent/v1``), once for both ends: what a Jump Client
sends to install itself, check in (a passive client) and ask for support, and what the
appliance answers. ``POST /uninstall`` takes the client's
:class:`~domain.protocol.agent.Credentials`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain._types import Str0_1000, Str0_4096, Str1_255, Text
from domain.enums import InstallMode
from domain.protocol.agent import Credentials
from domain.site import DEFAULT_PASSIVE_PORT


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class InstallRequest(_Body):
    key: Text = Field(min_length=1, max_length=64)
    parameters: list[Str0_4096] = Field(default_factory=list, max_length=64)
    hostname: Str1_255
    fqdn: Str1_255
    operating_system: Text = Field(default="", max_length=255)
    install_mode: InstallMode = InstallMode.USER


class InstallAnswer(_Body):
    jump_client_id: int
    connection_type: str = "active"
    elevate_install: bool = True
    secret: str = Field(min_length=1, max_length=128, repr=False)
    name: str
    days_before_deleted: int
    max_offline_minutes: int
    appliance: str | None = None
    """Where the client talks to from now on: its installer's Jumpoint, when it names one."""
    passive_port: int = Field(default=DEFAULT_PASSIVE_PORT, ge=1, le=65535)
    """The site's passive port: a passive client listens there from its first start."""


class CheckIn(Credentials):
    passive_port: int = Field(ge=1, le=65535)
    listen_host: Text | None = Field(default=None, max_length=255)


class CheckInAnswer(_Body):
    interval_s: float = Field(gt=0, allow_inf_nan=False)
    passive_port: int = Field(default=DEFAULT_PASSIVE_PORT, ge=1, le=65535)
    days_before_deleted: int
    max_offline_minutes: int


class SupportAsk(Credentials):
    message: Str0_1000 = ""
    console_user: Text | None = Field(default=None, max_length=255)


class SupportAnswer(_Body):
    request_id: str
    elevated: bool
    message: str
