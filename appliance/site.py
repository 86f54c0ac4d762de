"""The site core every part of the appliance shares: the appliance's configuration, the
repository, the clock, the site's settings (cached, refreshed when they change), the audit
log, and the fan-out of what happened (items changed, notifications for representatives,
settings changed, sessions over because a client's connection ended, sign-ins revoked,
representatives' rights changed).

The core imports no service. Services listen to its events (the composition root,
:func:`appliance.app.create_app`, wires them); what the other nodes of the site must hear
too is handed to a :class:`Relay` (the node bus, or nothing for a node alone). An event
that came from another node is told here only (``relay=False``), never sent back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from appliance.clock import Clock
from appliance.config import ApplianceSettings
from appliance.db import Repository
from domain import JumpClientSettings, format_utc
from domain.audit import AuditAction, item_target
from domain.protocol.agent import AgentSettings

ItemsListener = Callable[[list[int], list[int]], object]
NotifyListener = Callable[[set[str], dict[str, Any]], None]
SettingsListener = Callable[[], Awaitable[None]]
ConnectionListener = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Revocation:
    """Sign-ins that ended: these tokens (by hash), and every token of these users; what
    they opened closes with ``reason`` (one sentence of :mod:`domain.protocol.close`)."""

    reason: str
    tokens: frozenset[str] = frozenset()
    users: frozenset[int] = frozenset()


RevokedListener = Callable[[Revocation], None]
AccessListener = Callable[[frozenset[int]], None]


class Relay(Protocol):
    """Where the events other nodes must hear go (the node bus)."""

    def broadcast(self, kind: str, payload: dict[str, Any]) -> None: ...


class _NoRelay:
    def broadcast(self, kind: str, payload: dict[str, Any]) -> None:
        return None


class Site:
    """Configuration, repository, clock, cached site settings, audit and events."""

    def __init__(
        self,
        config: ApplianceSettings,
        repo: Repository,
        clock: Clock,
        *,
        relay: Relay | None = None,
    ) -> None:
        self.config = config
        self.repo = repo
        self.clock = clock
        self.relay: Relay = relay or _NoRelay()
        self._settings: JumpClientSettings | None = None
        self._on_items: list[ItemsListener] = []
        self._on_notify: list[NotifyListener] = []
        self._on_settings: list[SettingsListener] = []
        self._on_connection_over: list[ConnectionListener] = []
        self._on_revoked: list[RevokedListener] = []
        self._on_access: list[AccessListener] = []

    # -- site settings -----------------------------------------------------------------------

    def settings(self) -> JumpClientSettings:
        """The site's settings, as last read from the repository."""
        if self._settings is None:
            self._settings = self.repo.settings()
        return self._settings

    def refresh_settings(self) -> JumpClientSettings:
        """Read the site's settings again (after a change, here or on another node)."""
        self._settings = self.repo.settings()
        return self._settings

    def statistics_interval(self) -> float:
        """Seconds between two statistics of a client (the configuration may override it)."""
        override = self.config.live_interval_s
        return override if override else float(self.settings().statistics_interval_s)

    def agent_settings(self) -> AgentSettings:
        """The site settings a Jump Client follows (sent at connect and on every change)."""
        settings = self.settings()
        return AgentSettings(
            statistics=[s.value for s in settings.statistics],
            statistics_interval_s=self.statistics_interval(),
            days_before_deleted=settings.days_before_deleted,
            allow_wake=settings.allow_wake,
            restrict_local_uninstall=settings.restrict_local_uninstall,
            passive_port=settings.passive_port,
        )

    # -- events ------------------------------------------------------------------------------

    def on_items(self, listener: ItemsListener) -> None:
        self._on_items.append(listener)

    def on_notify(self, listener: NotifyListener) -> None:
        self._on_notify.append(listener)

    def on_settings(self, listener: SettingsListener) -> None:
        self._on_settings.append(listener)

    def on_connection_over(self, listener: ConnectionListener) -> None:
        self._on_connection_over.append(listener)

    def on_revoked(self, listener: RevokedListener) -> None:
        self._on_revoked.append(listener)

    def on_access(self, listener: AccessListener) -> None:
        self._on_access.append(listener)

    def changed(
        self,
        ids: Sequence[int] = (),
        removed: Sequence[int] = (),
        *,
        relay: bool = True,
    ) -> None:
        """These items changed or are gone (told after the commit)."""
        changed, gone = list(ids), list(removed)
        for listener in self._on_items:
            listener(changed, gone)
        if relay and (changed or gone):
            self.relay.broadcast("changed", {"ids": changed, "removed": gone})

    def notify(self, usernames: set[str], frame: dict[str, Any], *, relay: bool = True) -> None:
        """A frame for these representatives' consoles."""
        for listener in self._on_notify:
            listener(usernames, frame)
        if relay:
            self.relay.broadcast("notify", {"users": sorted(usernames), "frame": frame})

    async def settings_changed(self, *, relay: bool = True) -> None:
        """The site's settings changed: read them again; consoles and connected clients
        follow them at once."""
        self.refresh_settings()
        if relay:
            self.relay.broadcast("site", {})
        for listener in self._on_settings:
            await listener()

    def connection_over(self, item_id: int, *, relay: bool = False) -> None:
        """The client's connection ended or was replaced: what ran through it is over
        (``relay``: on every node, for a client that connected anew)."""
        for listener in self._on_connection_over:
            listener(item_id)
        if relay:
            self.relay.broadcast("connected", {"item": item_id})

    def revoked(self, revocation: Revocation, *, relay: bool = True) -> None:
        """Sign-ins ended (told after the commit): what they opened closes, on every node."""
        for listener in self._on_revoked:
            listener(revocation)
        if relay:
            self.relay.broadcast(
                "revoked",
                {
                    "reason": revocation.reason,
                    "tokens": sorted(revocation.tokens),
                    "users": sorted(revocation.users),
                },
            )

    def access_changed(self, user_ids: Collection[int], *, relay: bool = True) -> None:
        """What these representatives may see or do changed (a Jump Group membership added,
        changed or removed; told after the commit): their open connections follow at once."""
        users = frozenset(user_ids)
        if not users:
            return
        for listener in self._on_access:
            listener(users)
        if relay:
            self.relay.broadcast("access", {"users": sorted(users)})

    # -- audit -------------------------------------------------------------------------------

    def audit(self, actor: str, action: AuditAction, target: str, **detail: Any) -> None:
        """Write one audit row (inside the caller's transaction); ``action`` is one of the
        table's (:data:`domain.audit.AUDIT_ACTIONS`: the README lists them from it)."""
        self.repo.audit(format_utc(self.clock.now()), actor, action, target, detail)

    def audit_now_target(self, actor: str, action: AuditAction, target: str, **detail: Any) -> None:
        """Audit in a transaction of its own, about any target."""
        with self.repo.transaction():
            self.audit(actor, action, target, **detail)

    def audit_now(self, actor: str, action: AuditAction, item_id: int, **detail: Any) -> None:
        """Audit in a transaction of its own."""
        self.audit_now_target(actor, action, item_target(item_id), **detail)
