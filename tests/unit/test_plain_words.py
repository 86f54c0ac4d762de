"""How plain mode says a duration aloud: the unit agrees with its number."""

from __future__ import annotations

import math

import pytest

from console.plain.words import duration, percent


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (30, "0 minutes"),
        (60, "1 minute"),
        (119, "1 minute"),
        (120, "2 minutes"),
        (3600, "1 hour"),
        (7300, "2 hours"),
        (86400, "1 day"),
        (3 * 86400 + 5, "3 days"),
        (math.nan, None),
    ],
)
def test_a_duration_is_said_with_its_unit_in_the_right_number(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def test_a_percentage_is_said_in_words() -> None:
    assert percent(12.4) == "12 percent"
    assert percent(math.nan) is None
