"""The maintenance sweep with an injected clock: lost at day N, deleted at day M, ephemeral."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from api_client import ApplianceClient
from appliance.clock import FakeClock
from appliance.maintenance import MaintenanceSweep
from domain import ConnectionType
from domain.protocol.agent_http import InstallAnswer
from tests.support.appliance import BASE, T0, make_item, settings, state


def offline(app: FastAPI, **over: Any) -> int:
    return make_item(app, x_online=False, last_disconnect_timestamp=T0, x_demo=False, **over).id


def test_lost_at_day_n_deleted_at_day_m_and_told_to_consoles(
    app: FastAPI, clock: FakeClock
) -> None:
    settings(app, days_before_lost=20, days_before_deleted=40)
    repo = state(app).site.repo
    item = offline(app)
    published: list[tuple[list[int], list[int]]] = []
    state(app).site.changed = lambda ids=(), removed=(): published.append(
        (list(ids), list(removed))
    )  # type: ignore[method-assign]
    sweep = MaintenanceSweep(state(app).site)
    sweep.sweep(T0 + timedelta(days=19, hours=23))
    assert not repo.clients.get(item).is_lost  # type: ignore[union-attr]
    sweep.sweep(T0 + timedelta(days=20))
    assert repo.clients.get(item).is_lost  # type: ignore[union-attr]
    assert ([item], []) in published
    sweep.sweep(T0 + timedelta(days=39))
    assert repo.clients.get(item) is not None
    sweep.sweep(T0 + timedelta(days=40))
    assert repo.clients.get(item) is None and ([], [item]) in published
    actions = [e["action"] for e in repo.audit_log(5000) if e["target"] == f"jump_client:{item}"]
    assert actions[:2] == ["jump_client.delete", "jump_client.lost"]


def test_an_item_already_lost_is_not_read_again_until_it_is_due_for_deletion(
    app: FastAPI,
) -> None:
    """At 100k items the lost ones (thousands) were loaded as models every sweep, for
    nothing: the appliance's event loop stood still some 0.4 s every 30 s."""
    settings(app, days_before_lost=20, days_before_deleted=40)
    repo = state(app).site.repo
    item = offline(app)
    sweep = MaintenanceSweep(state(app).site)

    def read(days: int) -> bool:
        return item in [c.id for c in sweep.candidates(T0 + timedelta(days=days), 20, 40)]

    assert read(20)
    sweep.sweep(T0 + timedelta(days=20))
    assert repo.clients.get(item).is_lost  # type: ignore[union-attr]
    assert not read(21) and not read(39)  # lost already, not yet to be deleted: nothing to do
    assert read(40)


def test_a_client_heard_from_again_is_no_longer_lost_and_online_items_are_never_touched(
    app: FastAPI,
) -> None:
    settings(app, days_before_lost=20, days_before_deleted=40)
    repo = state(app).site.repo
    online = make_item(app, last_disconnect_timestamp=T0).id  # online: never swept
    MaintenanceSweep(state(app).site).sweep(T0 + timedelta(days=400))
    assert repo.clients.get(online) is not None
    assert not repo.clients.get(online).is_lost  # type: ignore[union-attr]


def test_ephemeral_clients_are_uninstalled_after_five_minutes_offline(app: FastAPI) -> None:
    repo = state(app).site.repo
    ephemeral = offline(app, max_offline_minutes=5)
    sweep = MaintenanceSweep(state(app).site)
    sweep.sweep(T0 + timedelta(minutes=5))
    assert repo.clients.get(ephemeral).connection_type is ConnectionType.ACTIVE  # type: ignore[union-attr]
    sweep.sweep(T0 + timedelta(minutes=5, seconds=1))
    assert repo.clients.get(ephemeral).connection_type is ConnectionType.UNINSTALLED  # type: ignore[union-attr]
    settings(app, uninstalled_behavior="remove")
    gone = offline(app, max_offline_minutes=5)
    sweep.sweep(T0 + timedelta(minutes=6))
    assert repo.clients.get(gone) is None  # the site removes uninstalled clients


async def test_the_live_tick_runs_the_sweep_on_the_appliance_clock(
    app: FastAPI, clock: FakeClock
) -> None:
    settings(app, days_before_lost=20, days_before_deleted=40)
    item = offline(app)
    hub = state(app).live
    assert hub is not None
    clock.advance(21 * 86400)
    hub.tick(clock.now())
    assert state(app).site.repo.clients.get(item).is_lost  # type: ignore[union-attr]


async def test_a_client_installed_but_never_connected_is_lost_then_deleted_from_its_install(
    app: FastAPI, api: ApplianceClient, clock: FakeClock
) -> None:
    """Installed through the agent API, then never heard from again (its machine wiped, say):
    counted offline from its installation, like any other item."""
    settings(app, days_before_lost=20, days_before_deleted=40)
    inst = await api.installers.create({"jump_group_id": 1, "elevate_install": False})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        answer = await http.post(
            "/api/agent/v1/install",
            json={"key": inst.installer_id, "hostname": "wiped", "fqdn": "wiped.test"},
        )
    item = InstallAnswer.model_validate_json(answer.content).jump_client_id
    repo = state(app).site.repo
    assert repo.clients.get(item).last_connect_timestamp is None  # type: ignore[union-attr]
    sweep = MaintenanceSweep(state(app).site)
    sweep.sweep(clock.now() + timedelta(days=20))
    assert repo.clients.get(item).is_lost  # type: ignore[union-attr]
    sweep.sweep(clock.now() + timedelta(days=40))
    assert repo.clients.get(item) is None
