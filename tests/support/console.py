"""The console against a real embedded appliance on 127.0.0.1, driven through Pilot."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from textual.notifications import Notification, Notifications
from textual.pilot import Pilot

from api_client import ApplianceClient, RepCredentials
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from console.app import JumpConsoleApp
from console.backend import Backend
from console.config import UiState, load_state
from domain import JumpClient, JumpGroupType
from tests.support.appliance import SERVERS, T0

SIZE = (160, 45)
CONSOLE_NOW = T0 + timedelta(minutes=5)


@dataclass
class Site:
    appliance: EmbeddedAppliance
    state_file: Path

    def connect(self, user: str, password: str) -> Backend:
        """A console's backend signing in to this site as ``user`` (what the sign-in screen
        makes from what is typed), retrying quickly."""
        client = ApplianceClient(self.appliance.url, credentials=RepCredentials(user, password))
        return Backend(client, base_delay=0.05, max_delay=0.2)

    def console(
        self,
        user: str = "carol",
        *,
        theme: str | None = "jump-dark",
        state: UiState | None = None,
        keymap: dict[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: CONSOLE_NOW,
    ) -> JumpConsoleApp:
        if state is None:
            state, _ = load_state(self.state_file)
        app = JumpConsoleApp(
            self.connect(user, "demo"),
            state=state,
            state_path=lambda: self.state_file,
            theme=theme,
            clock=clock,
            keymap=keymap,
        )
        said: list[str] = []
        _SAID[app] = said
        shown = app._notifications
        add = shown.add

        def record(notification: Notification) -> Notifications:
            said.append(notification.message)  # as shown: after the console neutralised it
            return add(notification)

        shown.add = record  # type: ignore[method-assign]
        return app


def make_site(
    tmp_path: Path, database: str, *, simulate: bool, interval: float = 0.05
) -> Iterator[Site]:
    settings = ApplianceSettings(
        db=database, demo_fleet=120, live_interval_s=interval, simulate=simulate
    )
    appliance = EmbeddedAppliance(settings, clock=FakeClock(T0))
    appliance.start()
    try:
        yield Site(appliance, tmp_path / "state.json")
    finally:
        appliance.stop()


async def until(
    pilot: Pilot[object],
    condition: Callable[[], bool],
    timeout: float = 15.0,
) -> None:
    """Let the app run until ``condition`` holds (bounded; fails the test otherwise)."""

    async def wait() -> None:
        while not condition():
            await pilot.pause(0.02)

    await asyncio.wait_for(wait(), timeout)


async def loaded(pilot: Pilot[object]) -> JumpConsoleApp:
    app = pilot.app
    assert isinstance(app, JumpConsoleApp)
    await until(pilot, lambda: app.loaded and app.session is not None)
    await until(pilot, lambda: app._details_item is not None)
    await pilot.pause()
    return app


def appliance_state(site: Site) -> Services:
    assert site.appliance.app is not None
    state: Services = site.appliance.app.state.appliance
    return state


def make_item(site: Site, group: int = SERVERS, **over: Any) -> JumpClient:
    """Add a demo item on the appliance's loop, so consoles hear of it as a delta."""
    state = appliance_state(site)

    def create() -> JumpClient:
        number = state.site.repo.next_id("jump_client")
        values: dict[str, Any] = {
            "jump_group_id": group,
            "name": f"ZZ-TEST-{number}",
            "hostname": f"zz-{number}",
            "fqdn": f"zz-{number}.test",
            "public_site_address": "support.jump.test",
            "x_online": True,
            "x_demo": True,
            "console_user": "",
            "attended_session_policy_id": 2,
            "unattended_session_policy_id": 3,
            "x_mac": "02:00:5e:66:00:01",
            "x_gateway": {"ip": "127.16.66.1", "mac": "02:00:5e:66:00:fe"},
        }
        values.update(over)
        with state.site.repo.transaction():
            item = state.site.repo.clients.insert(values)
        state.site.changed([item.id])
        return item

    return site.appliance.call(create)


async def focus_on(pilot: Pilot[object], item: JumpClient) -> JumpConsoleApp:
    """Filter the list down to ``item`` and wait for its details."""
    app = pilot.app
    assert isinstance(app, JumpConsoleApp)
    await until(pilot, lambda: item.id in app.store.row_of)
    await pilot.press("colon", *f"filter {item.name}", "enter")
    await until(
        pilot, lambda: app.highlighted_item() is not None and app.highlighted_item().id == item.id
    )  # type: ignore[union-attr]
    await pilot.pause()
    return app


def details_text(app: JumpConsoleApp) -> str:
    return str(app.query_one("#details-text").render())


#: Everything each console said in a toast, kept after the toast itself timed out (a loaded
#: machine can take longer than a toast's five seconds between an action and its check).
_SAID: weakref.WeakKeyDictionary[JumpConsoleApp, list[str]] = weakref.WeakKeyDictionary()


def toasts(app: JumpConsoleApp) -> list[str]:
    """What the console said in toasts since it started (or those still shown)."""
    said = _SAID.get(app)
    return list(said) if said is not None else [n.message for n in app._notifications]


def groups_in_view(app: JumpConsoleApp) -> set[tuple[JumpGroupType, int]]:
    """The groups of the items the list shows."""
    store = app.store
    return {store.groups[store.group_index[r]] for r in store.view}
