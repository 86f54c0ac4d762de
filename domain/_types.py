"""Shared field types of the domain: ids, code names, UTC date-times, bounded strings.

Every limit in DOMAIN.md that is shared by several resources is one type here, so a
model states its fields in the words of the spec and the limit lives in one place.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

MAX_ID = 2_147_483_647

#: An int32 resource id, 1–2147483647.
Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
#: A session policy id that an item may reference: 1 is the site default and cannot be chosen.
SessionPolicyRef = Annotated[int, Field(ge=2, le=MAX_ID, strict=True)]
#: 0–64 of [a-zA-Z0-9_-].
CodeName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{0,64}$")]

_CODE_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def is_code_name(text: str) -> bool:
    """True when ``text`` is a non-empty valid code name."""
    return bool(_CODE_NAME_RE.match(text))


def _text(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=max_length)


def no_nul(value: str) -> str:
    """Text may hold any character but NUL (no database engine stores it in text)."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


_NoNul = AfterValidator(no_nul)
Str0_64 = Annotated[str, _text(0, 64), _NoNul]
Str0_128 = Annotated[str, _text(0, 128), _NoNul]
Str0_1000 = Annotated[str, _text(0, 1000), _NoNul]
Str0_1024 = Annotated[str, _text(0, 1024), _NoNul]
Str0_4096 = Annotated[str, _text(0, 4096), _NoNul]
Str1_128 = Annotated[str, _text(1, 128), _NoNul]
Str1_255 = Annotated[str, _text(1, 255), _NoNul]


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError("must be a UTC date-time ending in Z or +00:00")
    return value.astimezone(UTC)


def _parse_datetime(value: object) -> object:
    if isinstance(value, str) and not (value.endswith(("Z", "+00:00"))):
        raise ValueError("must be a UTC date-time ending in Z or +00:00")
    return value


def format_utc(value: datetime) -> str:
    """RFC 3339 with the ``+00:00`` suffix the API answers with."""
    return value.astimezone(UTC).isoformat()


#: An aware UTC date-time; requests must say ``Z`` or ``+00:00``; answers say ``+00:00``.
UtcDateTime = Annotated[
    datetime,
    BeforeValidator(_parse_datetime),
    AfterValidator(_require_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]


class Model(BaseModel):
    """Base of every resource: unknown fields are refused, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


class Patch(Model):
    """Base of partial updates: only the fields the caller sent are applied.

    Fields are declared ``T | None = None`` so that an absent field is simply unset; an
    explicit ``null`` is refused unless the field is named in ``NULLABLE``.
    """

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields present in the request, by name."""
        return self.model_dump(exclude_unset=True)
