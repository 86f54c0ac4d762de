"""Schedule windows: examples a representative would check by hand, then properties against
a brute-force reference that walks real time minute by minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.schedule import Schedule, ScheduleEntry, is_open, next_close, next_open

NY = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")


def entry(sd: int, st_: str, ed: int, et: str) -> ScheduleEntry:
    return ScheduleEntry(start_day=sd, start_time=st_, end_day=ed, end_time=et)


def business_hours(zone: str) -> Schedule:
    return Schedule(timezone=zone, entries=[entry(d, "08:00", d, "18:00") for d in range(5)])


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


# -- examples -----------------------------------------------------------------------------


def test_business_hours_open_and_close_in_the_policy_zone() -> None:
    s = business_hours("Europe/Paris")
    # Tuesday 2026-11-24 10:00 Paris = 09:00 UTC.
    at = local(PARIS, 2026, 11, 24, 10, 0)
    assert is_open(s, at)
    assert next_open(s, at) == at
    assert next_close(s, at) == local(PARIS, 2026, 11, 24, 18, 0)
    # Friday 18:30: closed until Monday 08:00.
    fri = local(PARIS, 2026, 11, 27, 18, 30)
    assert not is_open(s, fri)
    assert next_close(s, fri) == fri
    assert next_open(s, fri) == local(PARIS, 2026, 11, 30, 8, 0)


def test_end_is_exclusive_and_start_inclusive() -> None:
    s = business_hours("UTC")
    assert is_open(s, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert not is_open(s, datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert is_open(s, datetime(2026, 11, 23, 17, 59, 59, tzinfo=UTC))


def test_window_wraps_from_sunday_into_monday() -> None:
    s = Schedule(timezone="UTC", entries=[entry(6, "22:00", 0, "06:00")])
    sunday_late = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    monday_early = datetime(2026, 11, 30, 5, 59, tzinfo=UTC)
    assert is_open(s, sunday_late)
    assert is_open(s, monday_early)
    assert not is_open(s, datetime(2026, 11, 30, 6, 0, tzinfo=UTC))
    assert next_close(s, sunday_late) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert next_open(s, datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 29, 22, 0, tzinfo=UTC
    )


def test_overlapping_entries_unite() -> None:
    s = Schedule(
        timezone="UTC", entries=[entry(0, "08:00", 0, "12:00"), entry(0, "11:00", 0, "15:00")]
    )
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert next_close(s, at) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_equal_start_and_end_is_the_whole_week_and_never_closes() -> None:
    s = Schedule(timezone="Europe/Paris", entries=[entry(2, "10:00", 2, "10:00")])
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert is_open(s, at)
    assert next_close(s, at) is None


def test_empty_schedule_never_opens() -> None:
    s = Schedule(timezone="UTC", entries=[])
    at = datetime(2026, 11, 23, tzinfo=UTC)
    assert not is_open(s, at)
    assert next_open(s, at) is None
    assert next_close(s, at) == at


def test_spring_forward_gap_opens_at_the_jump() -> None:
    # 2026-03-08: New York clocks jump from 02:00 to 03:00 (07:00 UTC). A Sunday window from
    # 02:30 has no 02:30 that day: it opens at the jump.
    s = Schedule(timezone="America/New_York", entries=[entry(6, "02:30", 6, "04:00")])
    before = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST
    assert next_open(s, before) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert next_close(s, datetime(2026, 3, 8, 7, 0, tzinfo=UTC)) == local(NY, 2026, 3, 8, 4, 0)


def test_fall_back_repeat_reopens_the_window() -> None:
    # 2026-11-01: New York clocks fall back from 02:00 EDT to 01:00 EST (06:00 UTC).
    s = Schedule(timezone="America/New_York", entries=[entry(6, "01:30", 6, "02:00")])
    first = local(NY, 2026, 11, 1, 1, 30, fold=0)
    assert next_open(s, datetime(2026, 11, 1, 4, 0, tzinfo=UTC)) == first
    closes = next_close(s, first)
    assert closes == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # the fall-back instant
    again = next_open(s, closes)
    assert again == local(NY, 2026, 11, 1, 1, 30, fold=1)
    assert again - first == timedelta(hours=1)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(business_hours("UTC"), datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("field", "value"),
    [("start_time", "24:00"), ("start_time", "8:00"), ("end_day", 7), ("start_day", -1)],
)
def test_entry_limits_are_validated(field: str, value: object) -> None:
    data: dict[str, object] = {
        "start_day": 0,
        "start_time": "08:00",
        "end_day": 0,
        "end_time": "18:00",
    }
    data[field] = value
    with pytest.raises(ValidationError):
        ScheduleEntry.model_validate(data)


def test_unknown_time_zone_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        Schedule(timezone="Mars/Olympus", entries=[])
    with pytest.raises(ValidationError):
        Schedule(timezone="../etc/passwd", entries=[])


# -- properties against a brute-force reference ---------------------------------------------

ZONES = [
    "America/New_York",
    "Europe/Paris",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kolkata",
    "UTC",
]
# DST changes in 2026 around which instants are drawn (UTC).
PIVOTS = [
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 4, 4, 15, 0, tzinfo=UTC),
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    datetime(2026, 4, 4, 14, 0, tzinfo=UTC),
    datetime(2026, 9, 26, 14, 0, tzinfo=UTC),
    datetime(2026, 7, 1, 0, 0, tzinfo=UTC),
]


def reference_open(s: Schedule, at: datetime) -> bool:
    """Independent definition: compare the local (weekday, time) with each entry."""
    wall = at.astimezone(ZoneInfo(s.timezone))
    here = (wall.weekday(), wall.strftime("%H:%M:%S"))
    for e in s.entries:
        start = (e.start_day, e.start_time + ":00")
        end = (e.end_day, e.end_time + ":00")
        if start < end:
            if start <= here < end:
                return True
        elif here >= start or here < end:
            return True
    return False


def reference_next(s: Schedule, at: datetime, want: bool) -> datetime | None:
    if reference_open(s, at) is want:
        return at
    t = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(15 * 24 * 60):
        if reference_open(s, t) is want:
            return t
        t += timedelta(minutes=1)
    return None


times = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}",
    st.sampled_from([0, 1, 2, 3, 7, 8, 12, 17, 18, 23]),
    st.sampled_from([0, 15, 30, 45, 59]),
)
entries = st.builds(
    ScheduleEntry,
    start_day=st.integers(0, 6),
    start_time=times,
    end_day=st.integers(0, 6),
    end_time=times,
)
schedules = st.builds(
    Schedule, timezone=st.sampled_from(ZONES), entries=st.lists(entries, max_size=3)
)
instants = st.builds(
    lambda pivot, minutes, seconds: pivot + timedelta(minutes=minutes, seconds=seconds),
    st.sampled_from(PIVOTS),
    st.integers(-3 * 24 * 60, 3 * 24 * 60),
    st.integers(0, 59),
)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(schedules, instants)
def test_is_open_agrees_with_reference(s: Schedule, at: datetime) -> None:
    assert is_open(s, at) is reference_open(s, at)


@PROPERTY_SETTINGS
@given(schedules, instants)
def test_next_open_and_close_agree_with_minute_by_minute_scan(s: Schedule, at: datetime) -> None:
    assert next_open(s, at) == reference_next(s, at, True)
    assert next_close(s, at) == reference_next(s, at, False)
