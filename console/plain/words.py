"""How plain mode says numbers: percentages and durations as words."""

from __future__ import annotations

import math


def percent(value: float) -> str | None:
    return None if math.isnan(value) else f"{value:.0f} percent"


def duration(seconds: float) -> str | None:
    if math.isnan(seconds):
        return None
    days, rest = divmod(int(seconds), 86400)
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    hours, minutes = rest // 3600, rest // 60
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
