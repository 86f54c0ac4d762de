"""Fixtures of the snapshot tests: the same quiet, seeded site as the console tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.console import Site, make_site


@pytest.fixture
def site(tmp_path: Path, database: str) -> Iterator[Site]:
    """A quiet site: no simulated churn, so what the console shows is deterministic."""
    yield from make_site(tmp_path, database, simulate=False)
