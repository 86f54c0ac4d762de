"""Fixtures of the console tests: a real embedded appliance on 127.0.0.1 behind each console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.console import Site, make_site


@pytest.fixture
def site(tmp_path: Path, database: str) -> Iterator[Site]:
    """A quiet site: no simulated churn, so what the console shows is deterministic."""
    yield from make_site(tmp_path, database, simulate=False)
