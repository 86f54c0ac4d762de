"""What must never leak: personal Jump Items to other representatives, secrets to logs, and
one holder's rights to another's token.

The demo site's teams (DOMAIN.md): alice is a member of the Service Desk, bob its lead and
carol its manager; dave is in another team; admin in none. A personal list is seen by its
owner, and by the lead or manager of a team the owner belongs to (above the owner's rank).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
import pytest

from api_client import ApiCredentials, ApplianceClient, ItemDelta, LiveFeed, RepCredentials
from api_client.errors import ApplianceError, NotFound
from api_client.live import SnapshotLoaded
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from domain import JumpClient, JumpGroupType
from tests.support.feed import Events

pytestmark = pytest.mark.integration
USERS = {"alice": 1, "bob": 2, "carol": 3, "dave": 4, "admin": 5}
#: whose personal lists each representative may see, by user id (the rule, written out)
MAY_SEE = {"alice": {1}, "bob": {1, 2}, "carol": {1, 2, 3}, "dave": {4}, "admin": {5}}


def _personal(item: JumpClient) -> bool:
    return item.jump_group_type is JumpGroupType.PERSONAL


async def test_no_answer_and_no_live_frame_carries_another_reps_personal_item(
    database: str,
) -> None:
    appliance = EmbeddedAppliance(
        ApplianceSettings(db=database, demo_fleet=150, simulate=False, live_interval_s=0.1),
        api_account=("it", "it-secret"),
    )
    appliance.start()
    try:
        async with ApplianceClient(
            appliance.url, credentials=ApiCredentials("it", "it-secret")
        ) as api:
            everything = [c async for c in api.jump_clients.iter()]
        personal = {
            c.id: c.jump_group_id for c in everything if c.jump_group_type is JumpGroupType.PERSONAL
        }
        assert set(personal.values()) >= {1, 2, 3, 4}  # the demo has personal items to hide
        for user, allowed in MAY_SEE.items():
            async with ApplianceClient(
                appliance.url, credentials=RepCredentials(user, "demo")
            ) as rep:
                listed = [c async for c in rep.iter_jump_items()]
                owners = {
                    c.jump_group_id for c in listed if c.jump_group_type is JumpGroupType.PERSONAL
                }
                assert owners <= allowed, (user, owners)
                assert USERS[user] in owners or USERS[user] == 5
                for item_id, owner in personal.items():
                    if owner not in allowed:
                        with pytest.raises(NotFound):
                            await rep.jump_item(item_id)
                events = Events(LiveFeed(rep))
                snap = await events.until(lambda e: isinstance(e, SnapshotLoaded))
                assert isinstance(snap, SnapshotLoaded)
                seen = {
                    i.jump_group_id
                    for i in snap.items
                    if i.jump_group_type is JumpGroupType.PERSONAL
                }
                assert seen <= allowed, (user, seen)
                # a change to each personal item: only those allowed get a delta for it
                hidden = [i for i, o in personal.items() if o not in allowed]
                async with ApplianceClient(
                    appliance.url, credentials=ApiCredentials("it", "it-secret")
                ) as api:
                    for item_id in hidden[:5]:
                        await api.jump_clients.update(item_id, {"comments": f"for {user}?"})
                    mine = listed[0].id  # one the representative sees: the feed's marker
                    await api.jump_clients.update(mine, {"comments": f"for {user}"})
                await events.until(
                    lambda e, mine=mine: (
                        isinstance(e, ItemDelta) and any(i.id == mine for i in e.upserts)
                    )
                )
                leaked = [
                    i.id
                    for e in events.seen
                    if isinstance(e, ItemDelta)
                    for i in e.upserts
                    if i.id in hidden
                ]
                assert not leaked, (user, leaked)
                await events.close()
    finally:
        appliance.stop()


async def test_secrets_never_reach_the_logs(
    database: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret, smtp_password, wol = "api-secret-7f3a", "smtp-pw-91be", "c0ffee00beef"
    appliance = EmbeddedAppliance(
        ApplianceSettings(db=database, demo_fleet=40, simulate=False),
        api_account=("it", secret),
    )
    appliance.start()
    try:
        async with ApplianceClient(appliance.url, credentials=ApiCredentials("it", secret)) as api:
            await api.jump_groups.list()
            token = api._token.value or ""  # the token must not be logged either
            await api.update_smtp({"host": "127.0.0.1", "port": 1, "password": smtp_password})
        wrong = httpx.post(
            f"{appliance.url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("it", "not-" + secret),
            timeout=10,
        )
        assert wrong.status_code == 401 and secret not in wrong.text
        async with ApplianceClient(
            appliance.url, credentials=RepCredentials("carol", "demo")
        ) as rep:
            offline = [c async for c in rep.iter_jump_items() if not c.x_online and c.x_mac]
            for item in offline[:3]:
                with contextlib.suppress(ApplianceError):  # refused or sent: the logs matter
                    await rep.wake(item.id, wol_password=wol)
        await asyncio.sleep(0.2)
    finally:
        appliance.stop()
    logged = "\n".join(r.getMessage() + " " + str(r.args) for r in caplog.records)
    for value in (secret, smtp_password, wol, token):
        if value:
            assert value not in logged


def test_a_token_acts_only_for_its_own_account(database: str) -> None:
    """Two API accounts (full access and read-only), a representative and an administrator:
    each token does what its own holder may, and nothing the other's could."""
    from appliance.bootstrap import ensure_api_account
    from tests.support.processes import config_token

    appliance = EmbeddedAppliance(
        # an hour's limit, not a second's: a slow machine refills a per-second bucket mid-test
        ApplianceSettings(db=database, demo_fleet=5, simulate=False, rate_per_hour=6),
        api_account=("it", "it-secret"),
    )
    appliance.start()
    try:
        repo = appliance.app.state.appliance.site.repo
        reader = ensure_api_account(repo, "auditor", "auditor-secret", "Auditor")
        repo.execute("UPDATE api_account SET access = 'read_only' WHERE id = ?", (reader.id,))
        config, rep = f"{appliance.url}/api/config/v1", f"{appliance.url}/api/rep/v1"
        full = {"Authorization": "Bearer " + config_token(appliance.url, "it", "it-secret")}
        read = {
            "Authorization": "Bearer " + config_token(appliance.url, "auditor", "auditor-secret")
        }
        with httpx.Client(timeout=10) as http:
            item = http.get(f"{config}/jump-client", headers=read, params={"per_page": 5}).json()[0]
            # the read-only account's token does not borrow the full account's rights
            refused = http.patch(
                f"{config}/jump-client/{item['id']}", headers=read, json={"comments": "x"}
            )
            assert refused.status_code == 403
            assert (
                http.get(f"{config}/jump-client/{item['id']}", headers=read).json()["comments"]
                == item["comments"]
            )
            changed = http.patch(
                f"{config}/jump-client/{item['id']}", headers=full, json={"comments": "by it"}
            )
            assert changed.status_code == 200
            audited = [e for e in repo.audit_log(20) if e["target"] == f"jump_client:{item['id']}"]
            assert audited and audited[0]["actor"] == "api:it"
            # one account's requests do not spend the other's limit
            spent = [http.get(f"{config}/jump-group", headers=full).status_code for _ in range(8)]
            assert 429 in spent
            assert http.get(f"{config}/jump-group", headers=read).status_code == 200
            # a Config API token is not a representative's sign-in, nor the other way round
            assert http.get(f"{rep}/jump-items", headers=full).status_code == 401
            alice = http.post(f"{rep}/login", json={"username": "alice", "password": "demo"})
            as_alice = {"Authorization": "Bearer " + alice.json()["access_token"]}
            assert http.get(f"{config}/jump-client", headers=as_alice).status_code == 403
            assert http.get(f"{rep}/me", headers=as_alice).json()["user"]["username"] == "alice"
            # a new secret for one account ends its tokens only
            ensure_api_account(repo, "it", "new-secret", "IT")
            assert http.get(f"{config}/jump-group", headers=full).status_code == 401
            assert http.get(f"{config}/jump-group", headers=read).status_code == 200
    finally:
        appliance.stop()
