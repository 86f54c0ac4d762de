"""Guessing passwords: failed sign-ins lock the account, then the address, for a while that
grows; unknown names cost the same work as known ones; checking secrets never holds up the
event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api_client import ApiCredentials, ApplianceClient, SignInLocked
from appliance import security
from appliance.app import create_app
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from tests.support.appliance import API_ID, API_SECRET, BASE, state
from tests.support.services import Redis

LOGIN = "/api/rep/v1/login"
HERE, ELSEWHERE = ("127.0.0.1", 50000), ("127.0.0.2", 50000)


def _client(app: FastAPI, address: tuple[str, int] = HERE) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=address), base_url=BASE)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as client:
        yield client


async def _login(http: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    return await http.post(LOGIN, json={"username": user, "password": password})


def _audit(app: FastAPI, action: str) -> list[dict[str, Any]]:
    return [e for e in state(app).site.repo.audit_log(200) if e["action"] == action]


async def test_the_sixth_wrong_password_locks_the_account_even_for_the_right_one(
    app: FastAPI, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    for _ in range(5):
        assert (await _login(http, "alice", "guess")).status_code == 401
    sixth = await _login(http, "alice", "guess")
    assert sixth.status_code == 429
    assert sixth.headers["Retry-After"] == "60"
    assert sixth.json() == {
        "error": "too_many_sign_ins",
        "message": "Too many failed sign-ins for this account; try again in 1 min.",
        "retry_after": 60,
    }
    right = await _login(http, "alice", "demo")  # the right password does not help now
    assert right.status_code == 429 and right.headers["Retry-After"] == "60"
    [locked] = _audit(app, "login.locked")
    assert locked["actor"] == "alice" and locked["target"] == "rep_api"
    assert locked["detail"] == {
        "locked": "account",
        "address": "127.0.0.1",
        "failures": 5,
        "seconds": 60,
    }

    clock.advance(59)
    assert (await _login(http, "alice", "demo")).headers["Retry-After"] == "1"
    clock.advance(1)  # the lockout is over; one more failure locks twice as long
    assert (await _login(http, "alice", "guess")).status_code == 401
    again = await _login(http, "alice", "demo")
    assert again.status_code == 429 and again.headers["Retry-After"] == "120"
    assert "try again in 2 min" in again.json()["message"]
    clock.advance(120)
    assert (await _login(http, "alice", "demo")).status_code == 200
    # signing in forgets the account's failures: a typo is a typo again
    assert (await _login(http, "alice", "guess")).status_code == 401
    assert (await _login(http, "alice", "demo")).status_code == 200


async def test_other_accounts_keep_their_own_limit_until_the_address_is_locked(
    settings: ApplianceSettings, clock: FakeClock
) -> None:
    app = create_app(settings.model_copy(update={"signin_failures_per_address": 8}), clock=clock)
    async with _client(app) as http, _client(app, ELSEWHERE) as other:
        for _ in range(5):
            await _login(http, "alice", "guess")
        assert (await _login(http, "alice", "demo")).status_code == 429
        for _ in range(2):
            assert (await _login(http, "bob", "guess")).status_code == 401
        assert (await _login(http, "bob", "demo")).status_code == 200  # 7 failures from here
        assert (await _login(http, "carol", "guess")).status_code == 401  # the 8th
        for user in ("carol", "dave"):  # dave never failed, but his address did
            refused = await _login(http, user, "demo")
            assert refused.status_code == 429
            assert refused.json()["message"] == (
                "Too many failed sign-ins from your address; try again in 1 min."
            )
        assert (await _login(other, "dave", "demo")).status_code == 200
        # only alice is locked for everyone: the account, wherever its guesser is
        assert (await _login(other, "alice", "demo")).status_code == 429
    by_address = [e for e in _audit(app, "login.locked") if e["detail"]["locked"] == "address"]
    assert [(e["actor"], e["detail"]["address"]) for e in by_address] == [("carol", "127.0.0.1")]


async def test_unknown_names_cost_the_same_hashing_and_are_locked_alike(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    costs: list[tuple[int, int, int]] = []
    derive = security._derive

    def counted(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        costs.append((n, r, p))
        return derive(secret, salt, n, r, p)

    monkeypatch.setattr(security, "_derive", counted)
    assert (await _login(http, "alice", "guess")).status_code == 401
    known = list(costs)
    costs.clear()
    unknown = await _login(http, "nobody", "guess")
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "The username or password is wrong."
    assert len(known) == 1 and costs == known  # one hash, at the same cost
    for _ in range(4):
        await _login(http, "nobody", "guess")
    assert (await _login(http, "nobody", "guess")).status_code == 429  # no hint it is unknown
    costs.clear()
    await _login(http, "nobody", "guess")
    assert costs == []  # while locked, nothing is hashed


async def test_api_accounts_are_locked_alike_and_the_client_says_when_to_retry(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    for _ in range(5):
        wrong = await http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(API_ID, "guess")
        )
        assert wrong.status_code == 401
    right = await http.post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(API_ID, API_SECRET)
    )
    assert right.status_code == 429 and right.headers["Retry-After"] == "60"
    assert right.json() == {
        "error": "too_many_sign_ins",
        "error_description": "Too many failed sign-ins for this account; try again in 1 min.",
    }
    assert _audit(app, "login.locked")[0]["target"] == "oauth2"
    async with ApplianceClient(
        BASE,
        credentials=ApiCredentials(API_ID, API_SECRET),
        transport=httpx.ASGITransport(app=app),
    ) as api:
        with pytest.raises(SignInLocked) as info:
            await api.sign_in()
    assert info.value.message == "Too many failed sign-ins for this account; try again in 1 min."
    assert info.value.retry_after == 60


async def test_guessers_wait_for_a_few_hashing_threads_while_others_are_served(
    settings: ApplianceSettings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 guessers at once: two secrets are checked at a time (the setting), in threads,
    and a signed-in representative's list is answered meanwhile."""
    app = create_app(settings.model_copy(update={"signin_hash_threads": 2}), clock=clock)
    async with _client(app) as http:
        await _sixteen_guessers(http, monkeypatch)


async def _sixteen_guessers(http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    bob = await _login(http, "bob", "demo")
    http.headers["Authorization"] = f"Bearer {bob.json()['access_token']}"
    loop = asyncio.get_running_loop()
    entered: asyncio.Queue[int] = asyncio.Queue()
    release = threading.Event()
    running, most = 0, 0
    lock = threading.Lock()
    derive = security._derive

    def held(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        loop.call_soon_threadsafe(entered.put_nowait, 1)
        release.wait(10)
        with lock:
            running -= 1
        return derive(secret, salt, n, r, p)

    monkeypatch.setattr(security, "_derive", held)
    guesses = [
        asyncio.create_task(_login(http, f"user{n}", "guess")) for n in range(16)
    ]  # 16 names: none is locked by the others' failures
    try:
        for _ in range(2):
            await asyncio.wait_for(entered.get(), 10)
        listed = await asyncio.wait_for(http.get("/api/rep/v1/jump-items"), 10)
        assert listed.status_code == 200 and listed.json()
    finally:
        release.set()
    answers = await asyncio.wait_for(asyncio.gather(*guesses), 30)
    assert [a.status_code for a in answers] == [401] * 16
    assert most == 2


async def test_the_site_counts_failures_for_all_nodes_in_redis(
    settings: ApplianceSettings, clock: FakeClock, redis: Redis
) -> None:
    """Guesses spread over two nodes lock the account on both."""
    nodes = [
        create_app(settings.model_copy(update={"bus": redis.url, "node_id": n}), clock=clock)
        for n in ("a", "b")
    ]
    async with _client(nodes[0]) as a, _client(nodes[1]) as b:
        for http in (a, b, a, b, a):
            assert (await _login(http, "carol", "guess")).status_code == 401
        for http in (a, b):
            assert (await _login(http, "carol", "demo")).status_code == 429
        clock.advance(60)
        assert (await _login(b, "carol", "demo")).status_code == 200
