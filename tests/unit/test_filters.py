"""The filter language as a representative types it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.filters import FilterError, Subject, parse

WEB = Subject.of(
    name="WEB-01",
    hostname="web-01",
    tag="db",
    comments="Rack 4",
    console_user="alice",
    group="Servers EU",
    status="online",
    os="Ubuntu 24.04",
    public_ip="203.0.113.7",
    private_ip="127.0.0.9",
    policy="Business hours",
)
LAPTOP = Subject.of(
    name="Laptop Bob",
    hostname="lt-bob",
    tag="",
    comments="",
    console_user="",
    group="Desk",
    status="offline",
    os="Windows 11",
    policy="",
)


def names(query: str) -> list[str]:
    f = parse(query)
    return [s.name for s in (WEB, LAPTOP) if f.matches(s)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["web-01", "laptop bob"]),
        ("web", ["web-01"]),
        ("WEB rack", ["web-01"]),
        ("alice", ["web-01"]),
        ("!web", ["laptop bob"]),
        ('"laptop bob"', ["laptop bob"]),
        ('"laptop  bob"', []),
        ("tag:db", ["web-01"]),
        ("tag:d", []),
        ("group:servers", ["web-01"]),
        ('group:"servers eu"', ["web-01"]),
        ("status:offline", ["laptop bob"]),
        ("!status:offline", ["web-01"]),
        ("os:windows", ["laptop bob"]),
        ("os:linux", ["web-01"]),  # Ubuntu is a Linux
        ("!os:linux", ["laptop bob"]),
        ("os:ubuntu", ["web-01"]),
        ("user:ali", ["web-01"]),
        ("ip:127.0.", ["web-01"]),
        ("ip:203", ["web-01"]),
        ("policy:business", ["web-01"]),
        ("web status:offline", []),
        ("status:needs-update", []),
        ('status:"needs update"', []),
        ('!status:"Needs Update"', ["web-01", "laptop bob"]),
        ('"12:30"', []),
    ],
)
def test_queries(query: str, expected: list[str]) -> None:
    assert names(query) == expected


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ('web "unclosed', 5, "never closed"),
        ("stauts:online", 1, "is not a filter field"),
        ("web tag:", 5, "needs a value"),
        ("status:sleepy", 1, "is not a status"),
        ("web ! x", 5, "must stand right before"),
        ('tag:"db', 5, "never closed"),
    ],
)
def test_errors_say_what_and_where(query: str, position: int, words: str) -> None:
    with pytest.raises(FilterError) as info:
        parse(query)
    assert info.value.position == position
    assert words in info.value.message


@given(st.text(max_size=40))
def test_any_text_parses_or_fails_with_a_filter_error(text: str) -> None:
    try:
        f = parse(text)
    except FilterError as err:
        assert 1 <= err.position <= len(text) + 1
    else:
        f.matches(WEB)
