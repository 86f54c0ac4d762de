"""Jump Policy schedules: weekly wall-clock windows in an IANA time zone.

Semantics (DOMAIN.md, binding):

- An entry ``(start_day, start_time) → (end_day, end_time)`` is a window of local wall-clock
  time in the schedule's zone; days are 0 = Monday … 6 = Sunday. An entry whose end is not
  after its start wraps over the week's end (equal start and end: the whole week).
- Overlapping entries unite.
- An instant is inside when its local (weekday, time) falls in a window: DST needs no
  special case for ``is_open``. ``next_open``/``next_close`` scan forward in real instants, so
  a window starting inside a spring-forward gap opens at the jump, and a fall-back repeat
  can open (or close) a window a second time.

All functions take aware datetimes and answer aware UTC datetimes; none reads a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from domain._types import Model, Text

DAY_S = 86_400
WEEK_S = 7 * DAY_S
_HORIZON = timedelta(days=15)
_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ScheduleEntry(Model):
    """One weekly window: from (start_day, start_time) to (end_day, end_time), local time."""

    start_day: int = Field(ge=0, le=6, strict=True)
    start_time: str
    end_day: int = Field(ge=0, le=6, strict=True)
    end_time: str

    @field_validator("start_time", "end_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not _TIME_RE.match(value):
            raise ValueError("must be a time of day as HH:MM, from 00:00 to 23:59")
        return value

    def start_s(self) -> int:
        """Seconds since Monday 00:00 at which the window opens."""
        return self.start_day * DAY_S + _seconds(self.start_time)

    def end_s(self) -> int:
        """Seconds since Monday 00:00 at which the window closes."""
        return self.end_day * DAY_S + _seconds(self.end_time)


class Schedule(Model):
    """``GET|PUT /jump-policy/{id}/schedule``."""

    timezone: Text = Field(default="UTC", max_length=64)
    entries: list[ScheduleEntry] = Field(default_factory=list, max_length=200)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            _zone(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"'{value}' is not an IANA time zone name") from None
        return value


def _seconds(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(name)
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class _Windows:
    """Merged half-open intervals [start, end) of seconds since Monday 00:00."""

    spans: tuple[tuple[int, int], ...]

    def contains(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.spans)

    def boundaries(self) -> set[int]:
        edges: set[int] = set()
        for start, end in self.spans:
            edges.add(start % WEEK_S)
            edges.add(end % WEEK_S)
        return edges

    @property
    def always(self) -> bool:
        return self.spans == ((0, WEEK_S),)


def _windows(schedule: Schedule) -> _Windows:
    raw: list[tuple[int, int]] = []
    for entry in schedule.entries:
        start, end = entry.start_s(), entry.end_s()
        if end > start:
            raw.append((start, end))
        else:  # wraps over the week's end
            raw.append((start, WEEK_S))
            if end > 0:
                raw.append((0, end))
    raw.sort()
    merged: list[tuple[int, int]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return _Windows(tuple(merged))


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the instant must be timezone-aware")


def _position(local: datetime) -> int:
    return local.weekday() * DAY_S + local.hour * 3600 + local.minute * 60 + local.second


def _open_at(windows: _Windows, zone: ZoneInfo, at: datetime) -> bool:
    return windows.contains(_position(at.astimezone(zone)))


def is_open(schedule: Schedule, at: datetime) -> bool:
    """True when ``at`` falls inside one of the schedule's windows."""
    _require_aware(at)
    return _open_at(_windows(schedule), _zone(schedule.timezone), at)


def _offset_transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end] at which the zone's UTC offset changes."""
    found: list[datetime] = []
    step = timedelta(hours=1)
    lo = start
    lo_offset = lo.astimezone(zone).utcoffset()
    while lo < end:
        hi = min(lo + step, end)
        hi_offset = hi.astimezone(zone).utcoffset()
        if hi_offset != lo_offset:
            a, b = lo, hi
            while b - a > timedelta(seconds=1):
                mid = a + (b - a) / 2
                if mid.astimezone(zone).utcoffset() == lo_offset:
                    a = mid
                else:
                    b = mid
            found.append(b.replace(microsecond=0))
        lo, lo_offset = hi, hi_offset
    return found


def _candidates(windows: _Windows, zone: ZoneInfo, at: datetime) -> list[datetime]:
    """Every instant in [at, at + horizon] at which the open state may change, and ``at``."""
    at_utc = at.astimezone(UTC)
    horizon = at_utc + _HORIZON
    points = {at_utc}
    points.update(_offset_transitions(zone, at_utc - timedelta(hours=1), horizon))
    first_day: date = at_utc.astimezone(zone).date() - timedelta(days=1)
    edges = windows.boundaries()
    for offset in range(int(_HORIZON.days) + 2):
        day = first_day + timedelta(days=offset)
        midnight = datetime.combine(day, time(0))
        for edge in edges:
            if edge // DAY_S != day.weekday():
                continue
            naive = midnight + timedelta(seconds=edge % DAY_S)
            for fold in (0, 1):
                points.add(naive.replace(tzinfo=zone, fold=fold).astimezone(UTC))
    return sorted(p for p in points if at_utc <= p <= horizon)


def _next_with_state(schedule: Schedule, at: datetime, want_open: bool) -> datetime | None:
    _require_aware(at)
    windows = _windows(schedule)
    if not windows.spans and want_open:
        return None
    if windows.always and not want_open:
        return None
    zone = _zone(schedule.timezone)
    for candidate in _candidates(windows, zone, at):
        if _open_at(windows, zone, candidate) is want_open:
            return candidate
    return None


def next_open(schedule: Schedule, at: datetime) -> datetime | None:
    """The first instant at or after ``at`` that is inside a window (``at`` itself when open).

    ``None`` when the schedule never opens.
    """
    return _next_with_state(schedule, at, want_open=True)


def next_close(schedule: Schedule, at: datetime) -> datetime | None:
    """The first instant at or after ``at`` that is outside every window (``at`` when closed).

    ``None`` when the schedule never closes.
    """
    return _next_with_state(schedule, at, want_open=False)
