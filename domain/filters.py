"""The filter language shared by the console, the CLI and the appliance.

::

    web !status:lost tag:db group:servers "front desk" status:"needs update"
    ip:127.16.1. os:linux user:jsmith policy:"business hours"

- A free word matches, case-insensitively, as a substring of the name, hostname, tag,
  comments or console user.
- ``field:value`` narrows by one field: ``group`` (group name, substring), ``tag`` (exact),
  ``status`` (a status word as the list shows it: ``online``, ``needs update``), ``os``
  (substring of the operating system or its family: ``linux`` also finds Ubuntu and Debian),
  ``user`` (console user, substring), ``ip`` (public or private address, prefix), ``policy``
  (Jump Policy name or code name, substring).
- ``!`` before a term negates it; ``"…"`` quotes a phrase (also as a value: ``tag:"a b"``).
- Terms combine with AND. Parse errors are :class:`FilterError` with a 1-based position.

The examples the README, the filter bar and the help offer each filter the demo fleet (a
test checks it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from domain.enums import Status
from domain.jump_client import JumpClient, console_user_of

Field = Literal["text", "group", "tag", "status", "os", "user", "ip", "policy"]
Match = Literal["substring", "exact", "prefix"]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one filter field matches: which of a :class:`Subject`'s texts it looks at, and
    how a (lowercased) value must stand in one of them."""

    match: Match
    texts: tuple[str, ...]

    def hit(self, value: str, text: str) -> bool:
        """Does ``value`` match ``text`` (both lowercased) the way this field matches?"""
        if self.match == "substring":
            return value in text
        if self.match == "prefix":
            return text.startswith(value)
        return value == text


#: The filter language in a few lines, for the console's help: an example, what it does.
#: Every example filters the demo fleet (tests/unit/test_vocabulary.py).
FILTER_SYNTAX: tuple[tuple[str, str], ...] = (
    ("web", "a word: in the name, hostname, tag, comments or console user"),
    ("tag:db", "one field: group, tag, status, os, user, ip or policy"),
    ('status:"needs update"', "a status, in the words the list shows"),
    ("os:linux", "the operating system or its family (linux finds Ubuntu too)"),
    ("group:servers", "part of a Jump Group's name"),
    ("!status:lost", "! before a term leaves out what it matches"),
    ('"front desk"', 'quotes make one phrase (also as a value: tag:"a b")'),
)
#: How the terms combine, said once after the examples.
FILTER_COMBINES = "Terms combine: every one must match. Escape in the filter goes back to the list."


#: The meaning of the filter language, once: the appliance's ``q=`` and the console's store
#: both match through this table (the store adds fast paths, never other meanings).
FIELD_RULES: dict[Field, FieldRule] = {
    "text": FieldRule("substring", ("name", "hostname", "tag", "comments", "console_user")),
    "group": FieldRule("substring", ("group",)),
    "tag": FieldRule("exact", ("tag",)),
    "status": FieldRule("exact", ("status",)),
    "os": FieldRule("substring", ("os", "os_family")),
    "user": FieldRule("substring", ("console_user",)),
    "ip": FieldRule("prefix", ("public_ip", "private_ip")),
    "policy": FieldRule("substring", ("policy",)),
}
FIELDS: tuple[Field, ...] = tuple(f for f in FIELD_RULES if f != "text")
_FIELD_BY_NAME: dict[str, Field] = {name: name for name in FIELDS}
#: names in an operating system's name that make it one of a family (``os:linux`` finds
#: Ubuntu); the first family whose name appears wins
OS_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("windows", ("windows",)),
    ("macos", ("macos", "mac os", "os x")),
    (
        "linux",
        (
            "linux",
            "ubuntu",
            "debian",
            "fedora",
            "red hat",
            "rhel",
            "centos",
            "rocky",
            "almalinux",
            "suse",
            "arch",
            "mint",
            "alpine",
            "raspbian",
            "gentoo",
            "manjaro",
            "kali",
            "nixos",
            "pop!_os",
        ),
    ),
)


def os_family(operating_system: str) -> str:
    """``linux``, ``windows``, ``macos`` or "" (unknown) for an operating system's name."""
    lowered = operating_system.lower()
    for family, names in OS_FAMILIES:
        if any(name in lowered for name in names):
            return family
    return ""


def _status_key(word: str) -> str:
    """``needs update``, ``needs-update`` and ``needs_update`` are one status."""
    return "_".join(word.lower().replace("-", " ").replace("_", " ").split())


_STATUS_VALUES = {s.value for s in Status}


class FilterError(ValueError):
    """A filter that cannot be read; ``position`` is 1-based, ``message`` one sentence."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Subject:
    """The searchable fields of one item, already lowercased (see :meth:`of`)."""

    name: str
    hostname: str
    tag: str
    comments: str
    console_user: str
    group: str
    status: str
    os: str
    public_ip: str
    private_ip: str
    policy: str
    os_family: str = ""

    @classmethod
    def of(
        cls,
        *,
        name: str,
        hostname: str = "",
        tag: str = "",
        comments: str = "",
        console_user: str = "",
        group: str = "",
        status: str = "",
        os: str = "",
        public_ip: str = "",
        private_ip: str = "",
        policy: str = "",
    ) -> Subject:
        return cls(
            name.lower(),
            hostname.lower(),
            tag.lower(),
            comments.lower(),
            console_user.lower(),
            group.lower(),
            status.lower(),
            os.lower(),
            public_ip.lower(),
            private_ip.lower(),
            policy.lower(),
            os_family(os),
        )

    @classmethod
    def of_item(cls, client: JumpClient, *, group: str, policy: str) -> Subject:
        """The searchable fields of ``client``, its group's label and its policy's names given."""
        return cls.of(
            name=client.name,
            hostname=client.hostname,
            tag=client.tag,
            comments=client.comments,
            console_user=console_user_of(client),
            group=group,
            status=client.x_status.value,
            os=client.operating_system,
            public_ip=client.public_ip,
            private_ip=client.private_ip,
            policy=policy,
        )


@dataclass(frozen=True, slots=True)
class Term:
    field: Field
    value: str  # lowercased
    negate: bool = False

    def matches(self, s: Subject) -> bool:
        return self._hit(s) is not self.negate

    def _hit(self, s: Subject) -> bool:
        rule = FIELD_RULES[self.field]
        return any(rule.hit(self.value, getattr(s, text)) for text in rule.texts)


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: the AND of its terms (no terms matches everything)."""

    terms: tuple[Term, ...] = ()

    def matches(self, subject: Subject) -> bool:
        return all(term.matches(subject) for term in self.terms)

    @property
    def is_empty(self) -> bool:
        return not self.terms


def _scan_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted phrase whose opening quote is at ``start``; return it and the index after."""
    end = text.find('"', start + 1)
    if end < 0:
        raise FilterError('the quote is never closed; add a closing "', start + 1)
    return text[start + 1 : end], end + 1


def _tokens(text: str) -> Iterator[tuple[bool, str | None, str, int]]:
    """Yield (negate, field or None, value, position) for each term."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negate = False
        if text[i] == "!":
            negate = True
            i += 1
            if i >= n or text[i].isspace():
                raise FilterError("'!' must stand right before the term it negates", start + 1)
        if text[i] == '"':
            value, i = _scan_quoted(text, i)
            yield negate, None, value, start + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in ':"':
            j += 1
        if j < n and text[j] == ":":
            name = text[i:j].lower()
            if name not in _FIELD_BY_NAME:
                raise FilterError(
                    f"'{text[i:j]}' is not a filter field (use {', '.join(FIELDS)}; "
                    "quote the text to search for it as it is)",
                    i + 1,
                )
            j += 1
            if j < n and text[j] == '"':
                value, j = _scan_quoted(text, j)
            else:
                k = j
                while k < n and not text[k].isspace():
                    k += 1
                value, j = text[j:k], k
            if not value:
                raise FilterError(f"'{name}:' needs a value after the colon", i + 1)
            yield negate, name, value, start + 1
            i = j
            continue
        while j < n and not text[j].isspace():
            j += 1
        yield negate, None, text[i:j], start + 1
        i = j


def parse(text: str) -> Filter:
    """Parse a filter; raises :class:`FilterError` with a 1-based position."""
    terms: list[Term] = []
    for negate, name, value, position in _tokens(text):
        lowered = value.lower()
        if name is None:
            if lowered:
                terms.append(Term("text", lowered, negate))
            continue
        if name == "status":
            lowered = _status_key(value)
            if lowered not in _STATUS_VALUES:
                words = ", ".join(f'"{s.word}"' if " " in s.word else s.word for s in Status)
                raise FilterError(f"'{value}' is not a status (use one of {words})", position)
        terms.append(Term(_FIELD_BY_NAME[name], lowered, negate))
    return Filter(tuple(terms))
