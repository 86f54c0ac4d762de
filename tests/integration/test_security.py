"""What must never leak: personal Jump Items to other representatives, and secrets to logs.

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
from tests.integration.test_live_feed import Events

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
