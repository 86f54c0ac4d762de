"""Demo items for tests that need many without an appliance: seeded, so each run is the same."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from appliance.demo import _client
from domain import JumpClient

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def fleet(n: int = 300, seed: int = 3) -> list[JumpClient]:
    rng = random.Random(seed)
    return [JumpClient.model_validate({**_client(rng, i, NOW), "id": i}) for i in range(1, n + 1)]
