"""The audit log read back through the representative API: the whole log for a site
administrator (filtered, paged, newest first), refused to others in one sentence, and an
item's own history for whoever may see the item."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from api_client import ApplianceClient, Forbidden, NotFound, ValidationFailed
from appliance.clock import FakeClock
from domain.audit import AUDIT_FOR_ADMINS, AuditFilter
from tests.support.appliance import API_ID, BASE, LAB, SERVERS, WORKSTATIONS, RepFactory, make_item


async def test_an_administrator_reads_the_log_filtered_and_paged(
    app: FastAPI, rep: RepFactory, clock: FakeClock
) -> None:
    carol, admin = await rep("carol"), await rep("admin")
    await admin.sign_in()  # signing in is audited too: before what is looked for
    first, second = make_item(app, console_user=""), make_item(app, name="Renamed later")
    started = await carol.start_session(first.id)
    await carol.end_session(started.session.sid)
    clock.advance(3600)
    await carol.edit_item(second.id, {"comments": "rack 4"})
    await carol.remove_item(second.id)

    newest = await admin.audit(per_page=5)
    assert [e.action for e in newest.items[:2]] == ["jump_item.remove", "jump_item.update"]
    assert newest.items[0].item_name == "Renamed later"  # removed: named as it was removed
    assert newest.total > 5 and newest.last_page > 1  # the pagination is in the headers
    ids = [e.id for e in newest.items]
    assert ids == sorted(ids, reverse=True)

    about_first = await admin.audit(AuditFilter(item_id=first.id))
    assert [e.action for e in about_first.items] == ["session.end", "session.start"]
    assert all(e.item_id == first.id and e.item_name == first.name for e in about_first.items)
    assert about_first.items[1].detail["sid"] == started.session.sid
    by_carol = await admin.audit(AuditFilter(actor="carol", action="session"))
    assert {e.action for e in by_carol.items} == {"session.start", "session.end"}
    assert [
        e.action for e in (await admin.audit(AuditFilter(action="jump_item.update"))).items
    ] == ["jump_item.update"]
    late = await admin.audit(AuditFilter(actor="carol", since=clock.now()))
    assert [e.action for e in late.items] == ["jump_item.remove", "jump_item.update"]
    early = await admin.audit(AuditFilter(actor="carol", until=clock.now() - timedelta(minutes=30)))
    assert "jump_item.update" not in {e.action for e in early.items} and early.items

    # the next page follows the last entry read, whatever arrived meanwhile
    await carol.edit_item(first.id, {"comments": "arrived meanwhile"})
    following = await admin.audit(per_page=5, before=ids[-1])
    assert following.items[0].id < ids[-1]
    everything = [e.id async for e in admin.iter_audit(per_page=5)]
    assert everything == sorted(set(everything), reverse=True) and ids[0] in everything

    with pytest.raises(ValidationFailed) as bad:
        await admin.audit(AuditFilter(action="sesion"))
    assert "'sesion' is not an audited action" in bad.value.message


async def test_others_are_refused_the_whole_log_in_one_sentence(rep: RepFactory) -> None:
    with pytest.raises(Forbidden) as refused:
        await (await rep("carol")).audit()
    assert refused.value.message == AUDIT_FOR_ADMINS


async def test_an_items_history_for_whoever_may_see_it(app: FastAPI, rep: RepFactory) -> None:
    carol, alice, admin = await rep("carol"), await rep("alice"), await rep("admin")
    item = make_item(app, group=SERVERS, console_user="")
    copy = await carol.copy_item(item.id, {"jump_group_id": WORKSTATIONS, "name": "Copy"})
    await carol.edit_item(item.id, {"tag": "db"})

    seen = await alice.item_audit(item.id)
    assert [(e.actor, e.action) for e in seen] == [
        ("carol", "jump_item.update"),  # a support desk reads who did what
        ("carol", "jump_item.copy"),
    ]
    assert seen[0].detail == {"fields": ["tag"]}
    assert "copy_id" not in seen[1].detail  # the copy may be where alice cannot look
    assert (await admin.item_audit(item.id))[1].detail["copy_id"] == copy.id
    assert len(await alice.item_audit(item.id, limit=1)) == 1

    hidden = make_item(app, group=LAB)
    with pytest.raises(NotFound) as refused:
        await alice.item_audit(hidden.id)
    assert f"No Jump Item has the id {hidden.id}, or you may not see it." in refused.value.message


async def test_bad_filters_are_refused_in_words_never_a_server_error(
    app: FastAPI, rep: RepFactory
) -> None:
    admin = await rep("admin")
    token = await admin.bearer()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as raw:
        for query in (
            "since=yesterday",
            "since=2026-11-24T10:00:00+01:00",
            "item_id=0",
            "item_id=99999999999999999999999",
            "before=-1",
            "action=",
            "per_page=1000",
        ):
            answer = await raw.get(
                f"/api/rep/v1/audit?{query}", headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 422, query
            assert answer.json()["message"], query


async def test_api_accounts_read_the_log_through_the_config_api(
    app: FastAPI, api: ApplianceClient, raw: httpx.AsyncClient
) -> None:
    await api.update_settings({"statistics_interval_s": 60})
    changed = await api.config_audit(AuditFilter(action="settings.update"), per_page=5)
    [entry] = changed.items
    assert entry.actor == f"api:{API_ID}" and entry.detail["changes"]["statistics_interval_s"]
    assert entry.target == "jump_client_settings" and entry.item_id is None
    answer = await raw.get("/api/config/v1/audit", params={"per_page": 5})
    assert answer.status_code == 200 and int(answer.headers["X-BT-Pagination-Total"]) >= 2
    assert (await raw.get("/api/config/v1/audit", params={"who": "x"})).status_code == 401
    bad = await raw.get("/api/config/v1/audit", params={"action": "nothing"})
    assert bad.status_code == 422 and "'nothing' is not an audited action" in bad.json()["message"]
