"""The Config API through our client and through raw HTTP, against a real SQLite file."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api_client import (
    ApiCredentials,
    ApplianceClient,
    AuthenticationFailed,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from appliance.app import create_app
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from domain import JumpClientUpdate, Schedule, ScheduleEntry
from tests.support.appliance import API_ID, API_SECRET, BASE

CONFIG = "/api/config/v1"

# -- tokens ---------------------------------------------------------------------------------


async def test_wrong_secret_is_refused_with_a_sentence(app: FastAPI) -> None:
    async with ApplianceClient(
        BASE, credentials=ApiCredentials(API_ID, "wrong"), transport=httpx.ASGITransport(app=app)
    ) as client:
        with pytest.raises(AuthenticationFailed) as info:
            await client.jump_groups.list()
    assert "client id and secret" in info.value.message
    assert "wrong" not in info.value.message


async def test_token_needs_client_credentials_grant(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        answer = await c.post(
            "/oauth2/token", data={"grant_type": "password"}, auth=(API_ID, API_SECRET)
        )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


async def test_the_31st_token_invalidates_the_oldest(app: FastAPI, clock: FakeClock) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        tokens = []
        for _ in range(31):
            answer = await c.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(API_ID, API_SECRET),
            )
            tokens.append(answer.json()["access_token"])
            clock.advance(0.001)

        async def status(token: str) -> int:
            r = await c.get(f"{CONFIG}/jump-group", headers={"Authorization": f"Bearer {token}"})
            return r.status_code

        assert await status(tokens[0]) == 401
        assert await status(tokens[1]) == 200
        assert await status(tokens[30]) == 200


async def test_tokens_expire_after_an_hour(raw: httpx.AsyncClient, clock: FakeClock) -> None:
    assert (await raw.get(f"{CONFIG}/jump-group")).status_code == 200
    clock.advance(3601)
    answer = await raw.get(f"{CONFIG}/jump-group")
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"]


# -- jump-client ------------------------------------------------------------------------------


async def test_list_paginates_with_headers_and_links(raw: httpx.AsyncClient) -> None:
    answer = await raw.get(f"{CONFIG}/jump-client", params={"per_page": 7, "current_page": 2})
    assert answer.status_code == 200
    assert len(answer.json()) == 7
    h = answer.headers
    assert (h["X-BT-Pagination-Current-Page"], h["X-BT-Pagination-Per-Page"]) == ("2", "7")
    assert h["X-BT-Pagination-Total"] == "60"
    assert h["X-BT-Pagination-Last-Page"] == "9"
    links = {part.split('rel="')[1].rstrip('"'): part for part in h["Link"].split(", ")}
    assert set(links) == {"first", "previous", "next", "last"}
    assert "current_page=3" in links["next"] and "current_page=9" in links["last"]
    assert int(h["X-RateLimit-Remaining"]) < int(h["X-RateLimit-Limit"])


async def test_iterating_all_pages_yields_every_client_once(api: ApplianceClient) -> None:
    ids = [c.id async for c in api.jump_clients.iter()]
    assert len(ids) == len(set(ids)) == 60


@pytest.mark.parametrize("params", [{"per_page": 4}, {"per_page": 101}, {"current_page": 0}])
async def test_pagination_limits(raw: httpx.AsyncClient, params: dict[str, int]) -> None:
    answer = await raw.get(f"{CONFIG}/jump-client", params=params)
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == set(params)


async def test_filters_are_exact_case_insensitive_and_combine(api: ApplianceClient) -> None:
    everything = [c async for c in api.jump_clients.iter()]
    sample = next(c for c in everything if c.tag)
    page = await api.jump_clients.list(name=sample.name.upper())
    assert [c.id for c in page.items] == [sample.id]
    tagged = await api.jump_clients.list(tag=sample.tag, jump_group_id=sample.jump_group_id)
    expected = {
        c.id for c in everything if c.tag == sample.tag and c.jump_group_id == sample.jump_group_id
    }
    assert {c.id for c in tagged.items} == expected
    assert tagged.total == len(expected)
    none = await api.jump_clients.list(name=sample.name[:-1])
    assert none.items == [] and none.total == 0


async def test_unknown_query_parameter_is_401(raw: httpx.AsyncClient) -> None:
    answer = await raw.get(f"{CONFIG}/jump-client", params={"colour": "blue"})
    assert answer.status_code == 401
    assert "colour" in answer.json()["message"]


async def test_show_patch_and_missing_item(api: ApplianceClient) -> None:
    first = (await api.jump_clients.list(per_page=5)).items[0]
    updated = await api.jump_clients.update(
        first.id, JumpClientUpdate(name="Renamed", tag="db", jump_policy_id=None)
    )
    assert (updated.name, updated.tag, updated.jump_policy_id) == ("Renamed", "db", None)
    assert (await api.jump_clients.get(first.id)).name == "Renamed"
    with pytest.raises(NotFound) as info:
        await api.jump_clients.get(999_999)
    assert "999999" in info.value.message


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "x" * 129}, 422, "name"),
        ({"name": None}, 422, "name"),
        ({"name": 5}, 422, "name"),
        ({"tag": "t" * 65}, 422, "tag"),
        ({"jump_policy_id": 4242}, 422, "jump_policy_id"),
        ({"attended_session_policy_id": 1}, 422, "attended_session_policy_id"),
        ({"public_site_address": "elsewhere.test"}, 422, "public_site_address"),
        ({"jump_group_id": 4242}, 422, "jump_group_id"),
        ({"hostname": "changed"}, 401, None),
        ({"name": "ok", "surprise": True}, 401, None),
    ],
)
async def test_bad_patches_are_refused_and_change_nothing(
    raw: httpx.AsyncClient, body: dict[str, object], status: int, field: str | None
) -> None:
    before = (await raw.get(f"{CONFIG}/jump-client/1")).json()
    answer = await raw.patch(f"{CONFIG}/jump-client/1", json=body)
    assert answer.status_code == status
    assert answer.json()["message"].endswith(".")
    if field:
        assert field in answer.json()["errors"]
    assert (await raw.get(f"{CONFIG}/jump-client/1")).json() == before


async def test_malformed_and_oversized_bodies_change_nothing(raw: httpx.AsyncClient) -> None:
    before = (await raw.get(f"{CONFIG}/jump-client/1")).json()
    bad_json = await raw.patch(
        f"{CONFIG}/jump-client/1",
        content=b'{"name": "x"',
        headers={"content-type": "application/json"},
    )
    assert bad_json.status_code == 422
    assert bad_json.json()["errors"] == {"body": ["is not valid JSON"]}
    huge = await raw.patch(f"{CONFIG}/jump-client/1", json={"comments": "x" * 2_000_000})
    assert huge.status_code == 413
    assert huge.json() == {"message": "The request body is larger than the 1 MiB limit; send less."}
    not_object = await raw.patch(f"{CONFIG}/jump-client/1", json=["name"])
    assert not_object.status_code == 422
    assert (await raw.get(f"{CONFIG}/jump-client/1")).json() == before


async def test_delete_then_gone(raw: httpx.AsyncClient) -> None:
    assert (await raw.delete(f"{CONFIG}/jump-client/3")).status_code == 204
    assert (await raw.get(f"{CONFIG}/jump-client/3")).status_code == 404
    assert (await raw.delete(f"{CONFIG}/jump-client/3")).status_code == 404


async def test_copy_creates_a_new_item_in_the_target_group(raw: httpx.AsyncClient) -> None:
    answer = await raw.post(
        f"{CONFIG}/jump-client/2/copy", json={"jump_group_id": 4, "name": "Copy of two"}
    )
    assert answer.status_code == 200  # as BeyondTrust answers: the copy's id in destId
    assert answer.json()["action"] == "copy" and answer.json()["success"] == "1"
    copy = answer.json()["x_jump_client"]
    assert answer.json()["destId"] == copy["id"]
    assert copy["id"] != 2 and copy["jump_group_id"] == 4 and copy["name"] == "Copy of two"
    assert answer.headers["Location"].endswith(f"/api/config/v1/jump-client/{copy['id']}")
    refused = await raw.post(f"{CONFIG}/jump-client/2/copy", json={"jump_group_id": 99})
    assert refused.status_code == 422
    total = await raw.get(f"{CONFIG}/jump-client", params={"per_page": 5})
    assert total.headers["X-BT-Pagination-Total"] == "61"


async def test_every_get_answers_head(raw: httpx.AsyncClient) -> None:
    for path in ("/jump-client", "/jump-client/1", "/jump-group", "/jump-client/settings"):
        answer = await raw.head(CONFIG + path)
        assert answer.status_code == 200, path
        assert answer.content == b""
    listed = await raw.head(f"{CONFIG}/jump-client")
    assert listed.headers["X-BT-Pagination-Total"] == "60"


# -- jump-group ---------------------------------------------------------------------------------


async def test_group_lifecycle_and_members(raw: httpx.AsyncClient) -> None:
    created = await raw.post(f"{CONFIG}/jump-group", json={"name": "Kiosks", "code_name": "kiosk"})
    assert created.status_code == 201
    gid = created.json()["id"]
    assert created.headers["Location"].endswith(f"/jump-group/{gid}")
    dup = await raw.post(f"{CONFIG}/jump-group", json={"name": "kiosks"})
    assert dup.status_code == 422 and "name" in dup.json()["errors"]
    assert (
        await raw.post(
            f"{CONFIG}/jump-group/{gid}/user", json={"user_id": 1, "jump_item_role_id": 2}
        )
    ).status_code == 201
    again = await raw.post(
        f"{CONFIG}/jump-group/{gid}/user", json={"user_id": 1, "jump_item_role_id": 2}
    )
    assert again.status_code == 422
    assert (
        await raw.patch(f"{CONFIG}/jump-group/{gid}/user/1", json={"jump_item_role_id": 3})
    ).json()["jump_item_role_id"] == 3
    members = (await raw.get(f"{CONFIG}/jump-group/{gid}/user")).json()
    assert members == [{"user_id": 1, "jump_item_role_id": 3}]
    bad_role = await raw.post(
        f"{CONFIG}/jump-group/{gid}/user", json={"user_id": 2, "jump_item_role_id": 77}
    )
    assert bad_role.status_code == 422 and "jump_item_role_id" in bad_role.json()["errors"]
    assert (await raw.delete(f"{CONFIG}/jump-group/{gid}/user/1")).status_code == 204
    renamed = await raw.patch(f"{CONFIG}/jump-group/{gid}", json={"comments": "Lobby"})
    assert renamed.json()["comments"] == "Lobby"


async def test_deleting_a_group_deletes_its_items(raw: httpx.AsyncClient) -> None:
    in_lab = await raw.get(
        f"{CONFIG}/jump-client", params={"jump_group_id": 4, "jump_group_type": "shared"}
    )
    count = int(in_lab.headers["X-BT-Pagination-Total"])
    assert count > 0
    assert (await raw.delete(f"{CONFIG}/jump-group/4")).status_code == 204
    after = await raw.get(
        f"{CONFIG}/jump-client", params={"jump_group_id": 4, "jump_group_type": "shared"}
    )
    assert after.json() == []
    total = await raw.get(f"{CONFIG}/jump-client", params={"per_page": 5})
    assert int(total.headers["X-BT-Pagination-Total"]) == 60 - count


# -- users --------------------------------------------------------------------------------------


async def test_a_user_is_disabled_and_given_a_password_and_neither_is_answered(
    raw: httpx.AsyncClient, app: FastAPI
) -> None:
    secret = "a brand new passphrase"
    disabled = await raw.patch(f"{CONFIG}/user/1", json={"enabled": False})
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert (await raw.get(f"{CONFIG}/user/1")).json()["enabled"] is False
    changed = await raw.patch(f"{CONFIG}/user/1", json={"password": secret, "enabled": True})
    assert changed.status_code == 200 and changed.json()["enabled"] is True
    assert "password" not in changed.json() and secret not in changed.text
    audited = [e for e in app.state.appliance.site.repo.audit_log(5) if e["target"] == "user:1"]
    assert [e["detail"]["fields"] for e in audited] == [["enabled", "password"], ["enabled"]]
    assert secret not in str(audited)
    signed = await raw.post("/api/rep/v1/login", json={"username": "alice", "password": secret})
    assert signed.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"password": "short"}, 422, "password"),
        ({"password": "eight\u0000ch"}, 422, "password"),
        ({"enabled": None}, 422, "enabled"),
        ({"enabled": "maybe"}, 422, "enabled"),
        ({"nickname": "mallory"}, 401, None),  # not a field of the document
        ({"username": "ALICE"}, 422, "username"),  # another user's, any case
        ({"email_address": "carol@example.com"}, 422, "body"),  # a field we do not keep
        ({"public_display_name": "A", "private_display_name": "B"}, 422, "body"),
    ],
)
async def test_bad_user_changes_are_refused_and_change_nothing(
    raw: httpx.AsyncClient, body: dict[str, object], status: int, field: str | None
) -> None:
    before = (await raw.get(f"{CONFIG}/user/2")).json()
    answer = await raw.patch(f"{CONFIG}/user/2", json=body)
    assert answer.status_code == status
    assert answer.json()["message"]
    if "password" in body:
        assert str(body["password"]) not in answer.text  # never echoed
    if field is not None:
        assert field in answer.json()["errors"]
    assert (await raw.get(f"{CONFIG}/user/2")).json() == before
    assert (await raw.patch(f"{CONFIG}/user/999", json={"enabled": False})).status_code == 404


# -- policies -----------------------------------------------------------------------------------


async def test_jump_policy_and_its_schedule(api: ApplianceClient) -> None:
    policy = await api.jump_policies.create({"display_name": "Night shift", "code_name": "night"})
    assert (await api.jump_policies.schedule(policy.id)).entries == []
    schedule = Schedule(
        timezone="Asia/Tokyo",
        entries=[ScheduleEntry(start_day=4, start_time="22:00", end_day=0, end_time="06:00")],
    )
    assert await api.jump_policies.set_schedule(policy.id, schedule) == schedule
    assert await api.jump_policies.schedule(policy.id) == schedule
    with pytest.raises(ValidationFailed) as info:
        await api.jump_policies.set_schedule(policy.id, {"timezone": "Nowhere/City", "entries": []})
    assert "timezone" in info.value.errors
    with pytest.raises(NotFound):
        await api.jump_policies.schedule(999)


async def test_site_default_session_policy_cannot_be_deleted(api: ApplianceClient) -> None:
    created = await api.session_policies.create(
        {"display_name": "Read only", "permissions": {"command_shell": "deny"}}
    )
    assert created.id >= 2
    with pytest.raises(ValidationFailed) as info:
        await api.session_policies.delete(1)
    assert "site default" in info.value.message
    await api.session_policies.delete(created.id)
    with pytest.raises(NotFound):
        await api.session_policies.get(created.id)


# -- settings -----------------------------------------------------------------------------------


async def test_settings_rules_and_audit(api: ApplianceClient, app: FastAPI) -> None:
    settings = await api.settings()
    assert settings.connection_rate == 50 and settings.passive_port == 5832
    with pytest.raises(ValidationFailed) as info:
        await api.update_settings({"days_before_lost": 200, "days_before_deleted": 100})
    assert "days_before_lost must be less than days_before_deleted" in info.value.message
    with pytest.raises(ValidationFailed) as info:
        await api.update_settings({"connection_rate": 301})
    assert "connection_rate" in info.value.errors
    assert (await api.settings()) == settings
    changed = await api.update_settings({"statistics_interval_s": 60, "allow_wake": False})
    assert (changed.statistics_interval_s, changed.allow_wake) == (60, False)
    audit = app.state.appliance.site.repo.audit_log(1)[0]
    assert audit["action"] == "settings.update"
    assert audit["detail"]["changes"]["statistics_interval_s"] == [5, 60]


# -- limits, access, persistence ------------------------------------------------------------------


async def test_rate_limit_answers_429_with_retry_after(raw: httpx.AsyncClient) -> None:
    answers = [await raw.get(f"{CONFIG}/jump-group") for _ in range(21)]
    assert [a.status_code for a in answers[:20]] == [200] * 20
    limited = answers[20]
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "X-RateLimit-Remaining" in limited.headers


async def test_client_waits_out_429_as_told(app: FastAPI, clock: FakeClock) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    async with ApplianceClient(
        BASE,
        credentials=ApiCredentials(API_ID, API_SECRET),
        transport=httpx.ASGITransport(app=app),
        sleep=sleep,
    ) as client:
        for _ in range(25):
            await client.jump_groups.list()
    assert waits and all(w >= 1 for w in waits)


async def test_read_only_account_cannot_write(app: FastAPI) -> None:
    repo = app.state.appliance.site.repo
    repo.execute("UPDATE api_account SET access = 'read_only' WHERE client_id = ?", (API_ID,))
    async with ApplianceClient(
        BASE, credentials=ApiCredentials(API_ID, API_SECRET), transport=httpx.ASGITransport(app=app)
    ) as client:
        assert (await client.jump_groups.list()).total == 4
        with pytest.raises(Forbidden) as info:
            await client.jump_groups.create({"name": "Nope"})
    assert info.value.status == 403
    assert "only read" in info.value.message


async def test_openapi_is_served(raw: httpx.AsyncClient) -> None:
    spec = (await raw.get(f"{CONFIG}/openapi.json")).json()
    assert "/jump-client/{id}" in spec["paths"]
    assert "/jump-policy/{id}/schedule" in spec["paths"]


async def test_data_survives_a_restart(
    raw: httpx.AsyncClient, settings: ApplianceSettings, clock: FakeClock
) -> None:
    assert (await raw.patch(f"{CONFIG}/jump-client/5", json={"tag": "kept"})).status_code == 200
    again = create_app(settings, clock=clock, api_account=(API_ID, API_SECRET))
    async with ApplianceClient(
        BASE,
        credentials=ApiCredentials(API_ID, API_SECRET),
        transport=httpx.ASGITransport(app=again),
    ) as client:
        assert (await client.jump_clients.get(5)).tag == "kept"
        assert (await client.jump_clients.list()).total == 60  # the demo is not seeded twice


async def test_numbers_beyond_the_database_are_input_errors_not_server_errors(
    api: ApplianceClient, app: FastAPI
) -> None:
    huge = str(2**100)
    for path, params in (
        (f"/api/config/v1/jump-client/{huge}", {}),
        ("/api/config/v1/jump-client", {"jump_group_id": huge}),
        (f"/api/config/v1/jumpoint/{huge}", {}),
    ):
        with pytest.raises(ValidationFailed):
            await api.request("GET", path, params=params)
    # and should one reach the database anyway, it matches nothing instead of failing
    assert app.state.appliance.site.repo.clients.find([("jump_group_id", 2**70)]) == []
