"""The console's view of the appliance: sign in, what we may see, the live feed, one item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api_client import ApplianceClient, LiveFeed
from domain import JumpClient, JumpGroupType, User
from domain.site import RepSite

GroupKey = tuple[JumpGroupType, int]


@dataclass(frozen=True)
class SignIn:
    """Who is signed in and what they may see."""

    username: str
    display_name: str
    groups: dict[GroupKey, str]
    site: RepSite
    permissions: dict[GroupKey, list[str]] = field(default_factory=dict)
    is_admin: bool = False
    """Site administrators also see the administration screens (installers, settings)."""
    user: User | None = None
    """The representative as the appliance knows them (for the rules that need them)."""

    @property
    def policy_names(self) -> dict[int, str]:
        return {p.id: f"{p.display_name} {p.code_name}" for p in self.site.jump_policies}


class Backend:
    def __init__(self, client: ApplianceClient, **feed_options: Any) -> None:
        self.client = client
        self._feed_options = feed_options
        self._live: LiveFeed | None = None

    async def start(self) -> SignIn:
        me = await self.client.me()
        site = await self.client.site()
        groups: dict[GroupKey, str] = {}
        permissions: dict[GroupKey, list[str]] = {}
        for entry in me.groups:
            key = (entry.jump_group_type, entry.jump_group_id)
            groups[key] = entry.name
            permissions[key] = list(entry.permissions)
        return SignIn(
            me.user.username,
            me.user.display_name,
            groups,
            site,
            permissions,
            is_admin=me.user.is_admin,
            user=me.user,
        )

    def feed(self, *, compact: bool = False) -> LiveFeed:
        """The live feed; ``compact``: its snapshots as columns (what a list holds)."""
        self._live = LiveFeed(self.client, **{"compact": compact, **self._feed_options})
        return self._live

    def retry_now(self) -> bool:
        """Try to reach the appliance now instead of waiting out the backoff (False: the
        feed is live or not started)."""
        return self._live is not None and self._live.retry_now()

    async def item(self, item_id: int) -> JumpClient:
        return await self.client.jump_item(item_id)

    async def close(self) -> None:
        await self.client.aclose()
