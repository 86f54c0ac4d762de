"""Departures written together: one client whose write fails does not keep the others online."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from appliance import presence
from appliance.agents.arrivals import Departures

AT = datetime(2026, 11, 24, 10, tzinfo=UTC)


class Written:
    def __init__(self) -> None:
        self.offline: list[int] = []

    @contextlib.contextmanager
    def transitions(self, _site: Any) -> Iterator[Any]:
        done: list[int] = []
        outer = self

        class Batch:
            def mark_offline(self, item_id: int, *, connected_at: datetime) -> bool:
                if item_id == 2:
                    raise RuntimeError("a broken row")
                done.append(item_id)
                return True

        yield Batch()
        outer.offline.extend(done)  # committed


async def test_a_failing_departure_does_not_hold_the_others(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    written = Written()
    monkeypatch.setattr(presence, "transitions", written.transitions)
    departures = Departures(site=None)  # type: ignore[arg-type]
    for item_id in (1, 2, 3):
        departures.offline(item_id, AT)
    with caplog.at_level(logging.WARNING, logger="appliance.agents"):
        departures.write()
    await asyncio.sleep(0)
    assert sorted(written.offline) == [1, 3]
    assert "Jump Client 2 could not be marked offline" in caplog.text
    assert "Traceback" not in caplog.text
