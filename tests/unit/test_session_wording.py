"""The words of a session's end: the strict countdown, the grace period, the questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.rules import strict_warning_due, strict_warnings
from domain.wording import countdown, end_question, span, strict_countdown

CLOSES = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


def test_the_strict_countdown_of_the_session_header() -> None:
    assert strict_countdown(None, CLOSES) is None  # not strict: no line
    at = CLOSES - timedelta(minutes=4, seconds=59, milliseconds=200)
    assert strict_countdown(CLOSES, at) == (
        "Strict Jump Policy: the session ends in 5:00 (at 10:30 UTC)."  # rounded up
    )
    assert countdown(timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"
    assert countdown(timedelta(seconds=0.2)) == "0:01"
    assert strict_countdown(CLOSES, CLOSES) == (
        "Strict Jump Policy: the window closed at 10:30 UTC; the session ends."
    )


def test_warnings_are_those_below_the_time_left_at_the_start() -> None:
    assert strict_warnings(timedelta(minutes=5, seconds=39)) == {5, 1}
    assert strict_warnings(timedelta(hours=2)) == {15, 5, 1}
    assert strict_warning_due(timedelta(minutes=6), {5, 1}) is None
    assert strict_warning_due(timedelta(minutes=5), {5, 1}) == 5
    assert strict_warning_due(timedelta(seconds=30), {15, 5, 1}) == 1  # never 15 then


def test_a_grace_period_and_the_end_questions_in_words() -> None:
    assert [span(s) for s in (120, 60, 90, 10)] == [
        "2 minutes",
        "1 minute",
        "90 seconds",
        "10 seconds",
    ]
    assert end_question("'web-01'", ["carol", "alice"], ends=True) == (
        "End the session on 'web-01' for everyone in it (carol, alice)?",
        "Its shell and transfers stop.",
    )
    assert end_question("'web-01'", ["carol"], ends=False)[0] == "Leave the session on 'web-01'?"
