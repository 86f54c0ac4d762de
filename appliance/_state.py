"""The running appliance's shared state, reachable from every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection

from appliance.bus import LocalBus, RedisBus
from appliance.clock import Clock
from appliance.config import ApplianceSettings
from appliance.db import Repository
from appliance.ratelimit import RateLimiter, SharedRateLimiter
from appliance.shared import SharedCounters
from domain import JumpClient, format_utc

if TYPE_CHECKING:
    from appliance.actions import UpgradeOrchestrator, WakeService
    from appliance.agents import AgentRegistry
    from appliance.agents.bundle import Bundle
    from appliance.live import LiveHub
    from appliance.sessions import SessionManager
    from appliance.shells import ShellRelay
    from appliance.support import SupportQueue


@dataclass
class Appliance:
    settings: ApplianceSettings
    repo: Repository
    clock: Clock
    limiter: RateLimiter = field(init=False)
    live: LiveHub | None = None
    agents: AgentRegistry | None = None
    sessions: SessionManager | None = None
    wake: WakeService | None = None
    upgrades: UpgradeOrchestrator | None = None
    shells: ShellRelay | None = None
    support: SupportQueue | None = None
    bundle: Bundle | None = None
    bus: LocalBus | RedisBus = field(default_factory=LocalBus)
    shared: SharedCounters | None = None

    def __post_init__(self) -> None:
        per_second, per_hour = self.settings.rate_per_second, self.settings.rate_per_hour
        if self.shared is not None:
            self.limiter = SharedRateLimiter(
                self.shared,
                self.clock.monotonic,
                lambda: self.clock.now().timestamp(),
                per_second=per_second,
                per_hour=per_hour,
            )
        else:
            self.limiter = RateLimiter(
                self.clock.monotonic, per_second=per_second, per_hour=per_hour
            )

    def changed(
        self, ids: list[int] | tuple[int, ...] = (), removed: list[int] | tuple[int, ...] = ()
    ) -> None:
        """Tell live consoles that these items changed or are gone (after the commit)."""
        if self.live is not None:
            self.live.publish_ids(ids, removed)
        if ids or removed:
            self.bus.broadcast("changed", {"ids": list(ids), "removed": list(removed)})

    def notify(self, usernames: set[str], frame: dict[str, Any]) -> None:
        """Send a frame to these representatives' consoles, on every node."""
        if self.live is not None:
            self.live.notify(usernames, frame)
        self.bus.broadcast("notify", {"users": sorted(usernames), "frame": frame})

    async def site_settings_changed(self) -> None:
        """After a settings change: consoles and connected clients follow it at once."""
        self.bus.broadcast("site", {})
        await self.site_settings_here()

    async def site_settings_here(self) -> None:
        """Tell this node's consoles and clients that the site's settings changed."""
        if self.live is not None:
            self.live.site_changed()
        if self.agents is not None:
            await self.agents.site_settings(self.agent_settings())

    def agent_settings(self) -> dict[str, Any]:
        """The site settings a Jump Client follows (sent at connect and on every change)."""
        settings = self.repo.settings()
        return {
            "statistics": [s.value for s in settings.statistics],
            "statistics_interval_s": self.live.interval() if self.live else 30,
            "days_before_deleted": settings.days_before_deleted,
            "allow_wake": settings.allow_wake,
            "restrict_local_uninstall": settings.restrict_local_uninstall,
            "passive_port": settings.passive_port,
        }

    def with_stats(self, item: JumpClient, *, thumbnail: bool = False) -> JumpClient:
        """An item as answered by the APIs: with the hub's latest statistics."""
        return self.live.overlay(item, thumbnail=thumbnail) if self.live is not None else item

    def audit_now_target(self, actor: str, action: str, target: str, **detail: Any) -> None:
        """Audit in a transaction of its own, about any target."""
        with self.repo.transaction():
            self.audit(actor, action, target, **detail)

    def audit_now(self, actor: str, action: str, item_id: int, **detail: Any) -> None:
        """Audit in a transaction of its own."""
        self.audit_now_target(actor, action, f"jump_client:{item_id}", **detail)

    def audit(self, actor: str, action: str, target: str, **detail: Any) -> None:
        """Write one audit row (inside the caller's transaction)."""
        self.repo.audit(format_utc(self.clock.now()), actor, action, target, detail)


def appliance_of(conn: HTTPConnection) -> Appliance:
    state: Appliance = conn.app.state.appliance
    return state
