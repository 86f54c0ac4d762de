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

from domain.text import first_control

MAX_ID = 2_147_483_647
#: The largest number any of our databases stores (a 64-bit signed integer): the bound of
#: every count or number that is not an id.
MAX_INT64 = 2**63 - 1

#: An int32 resource id, 1–2147483647 (an id column of every engine holds it).
Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
#: A count or sequence number (0 or more) that fits a 64-bit signed integer.
Count = Annotated[int, Field(ge=0, le=MAX_INT64, strict=True)]
#: A session policy id that an item may reference: 1 is the site default and cannot be chosen.
SessionPolicyRef = Annotated[int, Field(ge=2, le=MAX_ID, strict=True)]
#: 0–64 of [a-zA-Z0-9_-].
CodeName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{0,64}$")]

_CODE_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
#: A code name that is given: 1–64 of [a-zA-Z0-9_-] (BeyondTrust's pattern needs one at least).
CodeName1 = Annotated[str, StringConstraints(pattern=_CODE_NAME_RE.pattern)]


def code_name_of(name: str, fallback: str) -> str:
    """The code name a resource gets when none is given: its name, each run of other
    characters an ``_`` (``Service Desk`` → ``service_desk``), or ``fallback``."""
    slug = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_")[:64]
    return slug or fallback


def is_code_name(text: str) -> bool:
    """True when ``text`` is a non-empty valid code name."""
    return bool(_CODE_NAME_RE.match(text))


def _text(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=max_length)


#: How a string with a lone surrogate is refused (JSON can escape one; no encoding stores it).
NOT_UNICODE = "must be Unicode text (it holds a lone surrogate)"
HAS_NUL = "must not contain the NUL character"


def storable(value: str) -> str:
    """Text may hold any character but NUL (no database engine stores it in text) and lone
    surrogates (``"\\ud800"`` in JSON: not Unicode, so not encodable as UTF-8)."""
    if "\x00" in value:
        raise ValueError(HAS_NUL)
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValueError(NOT_UNICODE) from None
    return value


_Storable = AfterValidator(storable)
#: Text of any length that every engine stores; give it a bound where it is a field
#: (``Text = Field(max_length=...)``, which also refuses lone surrogates on its own).
Text = Annotated[str, _Storable]
Str0_64 = Annotated[str, _text(0, 64), _Storable]
Str0_128 = Annotated[str, _text(0, 128), _Storable]
Str0_1000 = Annotated[str, _text(0, 1000), _Storable]
Str0_1024 = Annotated[str, _text(0, 1024), _Storable]
Str0_4096 = Annotated[str, _text(0, 4096), _Storable]
Str1_64 = Annotated[str, _text(1, 64), _Storable]
Str1_128 = Annotated[str, _text(1, 128), _Storable]
Str1_255 = Annotated[str, _text(1, 255), _Storable]


def typed_line(value: str) -> str:
    """Text a person types on one line (a name, a tag) holds no control character: no C0,
    DEL or C1 control, no bidi override or isolate. Stored or endpoint-reported text is not
    checked here; it is shown through ``domain.text.visible``."""
    found = first_control(value)
    if found is not None:
        raise ValueError(f"must not contain control characters ({found[1]} at {found[0] + 1})")
    return value


def typed_lines(value: str) -> str:
    """Like :func:`typed_line`, for multi-line text (comments, descriptions): tab and
    newline are allowed."""
    found = first_control(value, multiline=True)
    if found is not None:
        raise ValueError(
            "must not contain control characters other than tab and newline "
            f"({found[1]} at {found[0] + 1})"
        )
    return value


_Line = AfterValidator(typed_line)
_Lines = AfterValidator(typed_lines)
#: What people type into the writable (create, update, copy) models: the same limits as the
#: ``Str`` types, and no control characters. Read models keep the ``Str`` types, so data
#: already stored or reported by an endpoint still loads.
Line0_64 = Annotated[Str0_64, _Line]
Line0_128 = Annotated[Str0_128, _Line]
Line1_64 = Annotated[Str1_64, _Line]
Line1_128 = Annotated[Str1_128, _Line]
Line1_255 = Annotated[Str1_255, _Line]
Lines0_1000 = Annotated[Str0_1000, _Lines]
Lines0_1024 = Annotated[Str0_1024, _Lines]
Lines0_4096 = Annotated[Str0_4096, _Lines]


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


#: Models and adapters build their validators and serializers when first used, not when their
#: module is imported: each program uses a few of the domain's ~150 models, and building them
#: all was about half of the console's import time (``defer_build``; behaviour is the same).
LAZY = ConfigDict(defer_build=True)


class Model(BaseModel):
    """Base of every resource: unknown fields are refused, assignment is validated."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, defer_build=True
    )


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
