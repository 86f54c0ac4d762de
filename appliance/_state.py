"""The running appliance's shared state, reachable from every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from appliance.clock import Clock
from appliance.config import ApplianceSettings
from appliance.db import Repository
from appliance.ratelimit import RateLimiter
from domain import format_utc


@dataclass
class Appliance:
    settings: ApplianceSettings
    repo: Repository
    clock: Clock
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(
            self.clock.monotonic,
            per_second=self.settings.rate_per_second,
            per_hour=self.settings.rate_per_hour,
        )

    def audit(self, actor: str, action: str, target: str, **detail: Any) -> None:
        """Write one audit row (inside the caller's transaction)."""
        self.repo.audit(format_utc(self.clock.now()), actor, action, target, detail)


def appliance_of(conn: HTTPConnection) -> Appliance:
    state: Appliance = conn.app.state.appliance
    return state
