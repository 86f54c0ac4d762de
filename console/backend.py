"""The console's view of the appliance: sign in, what we may see, the live feed, one item."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from api_client import ApplianceClient, ApplianceError, AuthenticationFailed, LiveFeed, SignInLocked
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
    def manages_installers(self) -> bool:
        """A site administrator, or a privileged user with the installer permission (who
        manages the installers of the groups they may add Jump Items to)."""
        return self.is_admin or (self.user is not None and self.user.perm_installers)

    def deploy_groups(self) -> dict[GroupKey, str]:
        """The groups an installer may be made for: every one an administrator sees; for a
        privileged user, those they may add Jump Items to (the appliance checks the same)."""
        if self.is_admin:
            return dict(self.groups)
        return {k: n for k, n in self.groups.items() if "perm_add" in self.permissions.get(k, [])}

    @property
    def policy_names(self) -> dict[int, str]:
        return {p.id: f"{p.display_name} {p.code_name}" for p in self.site.jump_policies}


async def _sign_in(client: ApplianceClient) -> SignIn:
    """Who is signed in and what they may see (signing in first, when the client has not)."""
    me = await client.me()
    site = await client.site()
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


async def _sign_in_apart(client: ApplianceClient) -> tuple[SignIn, tuple[str, float] | None]:
    async with client:
        return await _sign_in(client), client.token()


class Backend:
    def __init__(self, client: ApplianceClient, **feed_options: Any) -> None:
        self.client = client
        self._feed_options = feed_options
        self._live: LiveFeed | None = None
        self._early: Future[tuple[SignIn, tuple[str, float] | None]] | None = None

    def sign_in_early(self) -> None:
        """Sign in now, on a thread of its own, while the console is still starting (loading
        its screens, drawing the first one): the appliance checks the password meanwhile, and
        :meth:`start` finds it done. The token is handed to :attr:`client`: one sign-in."""
        early: Future[tuple[SignIn, tuple[str, float] | None]] = Future()

        def run() -> None:
            try:
                early.set_result(asyncio.run(_sign_in_apart(self.client.twin())))
            except BaseException as err:  # handed to start(), which raises or tries again
                early.set_exception(err)

        self._early = early
        threading.Thread(target=run, name="sign-in", daemon=True).start()

    async def start(self) -> SignIn:
        """Sign in and read what the representative may see (or take what
        :meth:`sign_in_early` read)."""
        early, self._early = self._early, None
        if early is not None:
            try:
                sign_in, token = await asyncio.wrap_future(early)
            except (AuthenticationFailed, SignInLocked):
                raise  # the credentials were refused: asking again would count another failure
            except ApplianceError:
                pass  # not reached, or a bad answer: tried again below, the usual way
            else:
                if token is not None:
                    self.client.adopt_token(token)
                return sign_in
        return await _sign_in(self.client)

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
