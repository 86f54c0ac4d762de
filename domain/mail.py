"""E-mail of installers: the appliance's SMTP settings and an installer e-mail request.

The SMTP password is write-only: it is accepted in an update, kept by the appliance, and
never answered (``has_password`` says whether one is set).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from domain._types import Line0_128, Lines0_1000, Model, Patch, Str0_128, Text

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def check_address(value: str) -> str:
    value = value.strip()
    if not _ADDRESS.match(value) or len(value) > 254:
        raise ValueError(f"'{value}' is not an e-mail address")
    return value


class SmtpSettings(Model):
    """``GET /api/config/v1/smtp``. An empty ``host`` means e-mail is not set up."""

    host: Str0_128 = ""
    port: int = Field(default=587, ge=1, le=65535, strict=True)
    starttls: bool = True
    username: Str0_128 = ""
    from_address: Text = Field(default="", max_length=254)
    has_password: bool = False

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str) -> str:
        return check_address(value) if value else value


class SmtpSettingsUpdate(Patch):
    """``PATCH /api/config/v1/smtp``; ``password`` "" clears it."""

    host: Line0_128 | None = None
    port: int | None = Field(default=None, ge=1, le=65535, strict=True)
    starttls: bool | None = None
    username: Line0_128 | None = None
    password: Text | None = Field(default=None, max_length=256, repr=False)
    from_address: Text | None = Field(default=None, max_length=254)

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        return check_address(value) if value else value


class InstallerEmail(Model):
    """``POST /api/config/v1/jump-client/installer/{id}/email``."""

    recipients: list[Annotated[Text, Field(max_length=254)]] = Field(min_length=1, max_length=50)
    platform: Text = Field(default="linux-64", max_length=32)
    note: Lines0_1000 = ""

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        return [check_address(v) for v in values]


def parse_recipients(text: str) -> list[str]:
    """Addresses from ``a@x.org, b@y.org`` (commas, semicolons or spaces); raises ValueError."""
    found = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not found:
        raise ValueError("Give at least one e-mail address.")
    if len(found) > 50:
        raise ValueError("At most 50 recipients at once.")
    return [check_address(p) for p in found]
