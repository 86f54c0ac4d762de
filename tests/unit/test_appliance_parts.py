"""Parts of the appliance a user relies on without seeing: limits, demo data, secrets."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from appliance import demo, simulator
from appliance.app import create_app
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.db import Repository
from appliance.ratelimit import RateLimiter
from appliance.shared import SharedCounters
from tests.support import services
from tests.support.appliance import API_ID, API_SECRET, BASE, T0


def test_hourly_limit_holds_even_when_spread_out() -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: now[0], per_second=20, per_hour=15_000)
    allowed = 0
    for _ in range(30_000):
        now[0] += 0.06  # ~16 requests a second: never over the per-second limit
        allowed += limiter.check("a").allowed
    # 30,000 requests over 1,800 s: 15,000 in any rolling hour, no more (a refilling bucket
    # used to admit 22,500 here)
    assert allowed == 15_000
    refused = limiter.check("a")
    assert not refused.allowed and refused.remaining == 0
    # the first admitted request leaves the hour 3,600 s after it came (at 0.06 s)
    assert 1_700 <= refused.retry_after <= 1_801
    assert limiter.check("b").allowed  # other accounts are not affected
    now[0] = 3_600.07
    assert limiter.check("a").allowed


def test_the_sites_hourly_limit_is_a_rolling_hour_too(redis: services.Redis) -> None:
    """Counted in Redis for all nodes: no more than the limit in any 3,600 s, across the
    clock's hour boundary (a counter per clock hour admitted twice the limit around it)."""
    counters = SharedCounters(redis.url)
    try:
        start = 7_200.0 - 60  # a minute before a clock hour begins
        allowed = sum(
            counters.take("a", 20, 50, start + n * 2.0)[0] for n in range(80)
        )  # 160 s across the boundary, far under the per-second limit
        assert allowed == 50
        ok, remaining, wait = counters.take("a", 20, 50, start + 161)
        assert not ok and remaining == 0 and 3_600 - 161 <= wait <= 3_600 - 159
        assert counters.take("a", 20, 50, start + 3_600.5)[0]  # the first one has left
        assert counters.take("b", 20, 50, start + 161)[0]  # another account
    finally:
        counters.close()


def test_per_second_limit_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: now[0])
    assert all(limiter.check("a").allowed for _ in range(20))
    refused = limiter.check("a")
    assert not refused.allowed and refused.retry_after == 1
    now[0] += 1.0
    assert limiter.check("a").allowed


def _dump(path: Path, seed: int) -> list[dict[str, object]]:
    settings = ApplianceSettings(db=path, demo_fleet=200, demo_seed=seed)
    create_app(settings, clock=FakeClock(T0))
    repo = Repository(path)
    try:
        return [c.model_dump() for c in repo.clients.find()]
    finally:
        repo.close()


def test_demo_site_is_deterministic_for_a_seed_and_marked(tmp_path: Path) -> None:
    a = _dump(tmp_path / "a.sqlite3", 7)
    b = _dump(tmp_path / "b.sqlite3", 7)
    c = _dump(tmp_path / "c.sqlite3", 8)
    assert a == b
    assert a != c
    assert all(row["x_demo"] for row in a)
    statuses = {row["x_status"] for row in a}
    assert {"online", "offline", "lost"} <= {str(s) for s in statuses}


async def test_a_new_secret_ends_the_old_tokens(database: str) -> None:
    settings = ApplianceSettings(db=database)
    clock = FakeClock(T0)
    app = create_app(settings, clock=clock, api_account=(API_ID, API_SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        token = (
            await c.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(API_ID, API_SECRET),
            )
        ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    same = create_app(settings, clock=clock, api_account=(API_ID, API_SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=same), base_url=BASE) as c:
        assert (await c.get("/api/config/v1/jump-group", headers=headers)).status_code == 200
    rotated = create_app(settings, clock=clock, api_account=(API_ID, "rotated"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=rotated), base_url=BASE) as c:
        assert (await c.get("/api/config/v1/jump-group", headers=headers)).status_code == 401


def test_secrets_are_stored_only_as_hashes(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    create_app(
        ApplianceSettings(db=path, demo_fleet=5),
        clock=FakeClock(T0),
        api_account=(API_ID, API_SECRET),
    )
    raw = path.read_bytes() + (tmp_path / "h.sqlite3-wal").read_bytes()
    assert API_SECRET.encode() not in raw
    assert b"scrypt$" in raw


def test_a_demo_site_seeded_in_batches_is_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _dump(tmp_path / "whole.sqlite3", 7)
    monkeypatch.setattr(demo, "SEED_BATCH", 30)  # 200 clients: 7 batches, the last one short
    assert _dump(tmp_path / "batches.sqlite3", 7) == whole


def test_demo_clients_are_stored_as_their_models_would_store_them(tmp_path: Path) -> None:
    """The demo fleet is inserted without a model per row (1,000,000 of them): each row must
    be what the model gives, or the appliance would serve what it cannot read back."""
    create_app(ApplianceSettings(db=tmp_path / "s.sqlite3", demo_fleet=200), clock=FakeClock(T0))
    with Repository(tmp_path / "s.sqlite3") as repo:
        table = repo.clients
        rows = repo.execute(f"SELECT {', '.join(table.columns)} FROM jump_client").fetchall()
        assert len(rows) == 200
        for row in rows:
            stored = table.stored(table.load(row).model_dump())
            assert list(row) == [stored[c] for c in table.columns]


def test_the_simulator_drives_every_demo_client_read_a_page_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator, "STATS_PER_TICK", 7)  # a few a tick, every one in turn
    app = create_app(
        ApplianceSettings(db=tmp_path / "s.sqlite3", demo_fleet=200), clock=FakeClock(T0)
    )
    services = app.state.appliance
    site, hub = services.site, services.live
    paged = [row[0] for row in simulator._demo_rows(site, page=30)]
    assert paged == [c.id for c in site.repo.clients.find([("x_demo", True)])]
    assert len(paged) == 200
    sim = simulator.DemoSimulator(site, hub, 1)
    monkeypatch.setattr(sim, "_churn", lambda _now: None)  # none comes or goes
    hub.latest.clear()
    rounds = -(-len(sim.running) // 7)
    for _ in range(rounds - 1):
        sim.step(site.clock.now())
    assert len(hub.latest) < len(sim.running)  # 7 a tick, not all
    sim.step(site.clock.now())
    assert set(hub.latest) == set(sim.running) and len(sim.running) > 100  # each in turn
