"""Teams, users and public portals as BeyondTrust's Config API documents them, and what a
representative sees because of them."""

from __future__ import annotations

import httpx
import pytest

from api_client import AuthenticationFailed
from tests.support.appliance import RepFactory

CONFIG = "/api/config/v1"
ALICE, BOB, CAROL, DAVE, ADMIN = 1, 2, 3, 4, 5
SERVICE_DESK = 1


async def personal_lists(rep: RepFactory, username: str) -> set[str]:
    me = await (await rep(username)).me()
    return {g.name for g in me.groups if g.name.startswith("Personal: ")}


async def test_a_team_lead_added_by_the_api_sees_the_members_lists_until_demoted(
    raw: httpx.AsyncClient, rep: RepFactory
) -> None:
    assert "Personal: Alice Martin" not in await personal_lists(rep, "dave")
    added = await raw.post(
        f"{CONFIG}/team/{SERVICE_DESK}/user", json={"user_id": DAVE, "role": "lead"}
    )
    assert added.status_code == 201
    assert added.json() == {"team_id": SERVICE_DESK, "user_id": DAVE, "role": "lead"}
    assert added.headers["Location"].endswith(f"/team/{SERVICE_DESK}/user/{DAVE}")
    assert "Personal: Alice Martin" in await personal_lists(rep, "dave")
    assert "Personal: Carol Okafor" not in await personal_lists(rep, "dave")  # a manager

    members = (await raw.get(f"{CONFIG}/team/{SERVICE_DESK}/user")).json()
    assert {m["user_id"]: m["role"] for m in members} == {
        ALICE: "member",
        BOB: "lead",
        CAROL: "manager",
        DAVE: "lead",
    }
    demoted = await raw.patch(f"{CONFIG}/team/{SERVICE_DESK}/user/{DAVE}", json={"role": "member"})
    assert demoted.json()["role"] == "member"
    assert "Personal: Alice Martin" not in await personal_lists(rep, "dave")
    assert "Personal: Dave Lindqvist" in await personal_lists(rep, "bob")  # dave is below bob

    gone = await raw.delete(f"{CONFIG}/team/{SERVICE_DESK}/user/{DAVE}")
    assert gone.status_code == 204
    assert (await raw.get(f"{CONFIG}/team/{SERVICE_DESK}/user/{DAVE}")).status_code == 404
    assert "Personal: Dave Lindqvist" not in await personal_lists(rep, "bob")


async def test_a_member_moves_to_another_team_keeping_the_role(
    raw: httpx.AsyncClient, rep: RepFactory
) -> None:
    moved = await raw.patch(f"{CONFIG}/team/{SERVICE_DESK}/user/{BOB}", json={"team_id": 2})
    assert moved.json() == {"team_id": 2, "user_id": BOB, "role": "lead"}
    assert (await raw.get(f"{CONFIG}/team/{SERVICE_DESK}/user/{BOB}")).status_code == 404
    lists = await personal_lists(rep, "bob")
    assert "Personal: Dave Lindqvist" in lists and "Personal: Alice Martin" not in lists


async def test_teams_are_created_found_by_code_name_changed_and_deleted(
    raw: httpx.AsyncClient, rep: RepFactory
) -> None:
    created = await raw.post(f"{CONFIG}/team", json={"name": "Night Shift"})
    assert created.status_code == 201
    team = created.json()
    assert team["code_name"] == "night_shift" and team["comments"] == ""
    assert created.headers["Location"].endswith(f"/team/{team['id']}")
    found = await raw.get(f"{CONFIG}/team", params={"code_name": "night_shift"})
    assert [t["id"] for t in found.json()] == [team["id"]]
    renamed = await raw.patch(f"{CONFIG}/team/{team['id']}", json={"comments": None})
    assert renamed.status_code == 200 and renamed.json()["comments"] == ""
    twice = await raw.post(f"{CONFIG}/team", json={"name": "night shift"})
    assert twice.status_code == 422 and "name" in twice.json()["errors"]

    assert "Personal: Alice Martin" in await personal_lists(rep, "bob")
    assert (await raw.delete(f"{CONFIG}/team/{SERVICE_DESK}")).status_code == 204
    assert "Personal: Alice Martin" not in await personal_lists(rep, "bob")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": 999}, "user_id"),
        ({"user_id": ALICE}, "user_id"),  # already a member
        ({"user_id": DAVE, "team_id": 2}, "team_id"),  # not the path's team
        ({"user_id": DAVE, "role": "boss"}, "role"),
    ],
)
async def test_bad_team_members_are_refused(
    raw: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    answer = await raw.post(f"{CONFIG}/team/{SERVICE_DESK}/user", json=body)
    assert answer.status_code == 422
    assert field in answer.json()["errors"]
    assert len((await raw.get(f"{CONFIG}/team/{SERVICE_DESK}/user")).json()) == 3


async def test_users_answer_with_beyondtrusts_names(raw: httpx.AsyncClient) -> None:
    alice = (await raw.get(f"{CONFIG}/user/{ALICE}")).json()
    assert alice["public_display_name"] == alice["private_display_name"] == "Alice Martin"
    assert alice["perm_admin"] is False and alice["enabled"] is True
    renamed = await raw.patch(
        f"{CONFIG}/user/{ALICE}", json={"private_display_name": "Alice M.", "username": "amartin"}
    )
    assert renamed.json()["public_display_name"] == "Alice M."
    found = await raw.get(f"{CONFIG}/user", params={"username": "AMARTIN"})
    assert [u["id"] for u in found.json()] == [ALICE]


async def test_a_deleted_user_is_signed_out_and_their_personal_list_goes(
    raw: httpx.AsyncClient, rep: RepFactory
) -> None:
    dave = await rep("dave")
    assert await dave.me()
    personal = await raw.get(
        f"{CONFIG}/jump-client", params={"jump_group_type": "personal", "jump_group_id": DAVE}
    )
    assert personal.json()
    assert (await raw.delete(f"{CONFIG}/user/{DAVE}")).status_code == 204
    with pytest.raises(AuthenticationFailed):
        await dave.me()
    assert (await raw.get(f"{CONFIG}/user/{DAVE}")).status_code == 404
    for item in personal.json():
        assert (await raw.get(f"{CONFIG}/jump-client/{item['id']}")).status_code == 404
    admin = await raw.delete(f"{CONFIG}/user/{ADMIN}")
    assert admin.status_code == 422 and "administrator" in admin.json()["message"]


async def test_public_portals_list_the_public_sites(raw: httpx.AsyncClient) -> None:
    portals = (await raw.get(f"{CONFIG}/public-portal")).json()
    assert portals[0]["id"] == 1 and portals[0]["addresses"]
    assert set(portals[0]) == {"id", "name", "addresses"}


async def test_code_names_are_made_from_names_when_left_out(raw: httpx.AsyncClient) -> None:
    group = await raw.post(f"{CONFIG}/jump-group", json={"name": "Kiosks & Screens"})
    assert group.json()["code_name"] == "kiosks_screens"
    policy = await raw.post(f"{CONFIG}/jump-policy", json={"display_name": "Night shift"})
    assert policy.json()["code_name"] == "night_shift"
    emptied = await raw.patch(f"{CONFIG}/jump-group/{group.json()['id']}", json={"code_name": ""})
    assert emptied.status_code == 422 and "code_name" in emptied.json()["errors"]


async def test_jump_policies_keep_beyondtrusts_rules_and_refuse_two_factor(
    raw: httpx.AsyncClient,
) -> None:
    changed = await raw.patch(
        f"{CONFIG}/jump-policy/1",
        json={
            "simultaneous_jumps_rdp": "new_session",
            "simultaneous_jump_behavior_applies_to_copies": True,
        },
    )
    assert changed.status_code == 200
    assert (await raw.get(f"{CONFIG}/jump-policy/1")).json()[
        "simultaneous_jumps_rdp"
    ] == "new_session"
    refused = await raw.patch(
        f"{CONFIG}/jump-policy/1", json={"two_factor_challenge_required": True}
    )
    assert (
        refused.status_code == 422 and "two_factor_challenge_required" in refused.json()["errors"]
    )


async def test_jumpoints_answer_beyondtrusts_fields_and_ours_under_x(
    raw: httpx.AsyncClient,
) -> None:
    made = await raw.post(
        f"{CONFIG}/jumpoint",
        json={
            "name": "Branch office",
            "platform": "linux-x86",
            "x_address": "http://127.0.0.1:8500",
        },
    )
    assert made.status_code == 201
    jumpoint = made.json()
    assert jumpoint["x_address"] == "http://127.0.0.1:8500" and "address" not in jumpoint
    assert jumpoint["code_name"] == "branch_office" and jumpoint["enabled"] is True
    path = f"{CONFIG}/jumpoint/{jumpoint['id']}"
    assert (await raw.get(f"{path}/node")).json() == []
    assert (await raw.get(f"{CONFIG}/jumpoint", params={"hostname": "relay"})).json() == []
    assert (await raw.post(f"{path}/user", json={"user_id": ALICE})).status_code == 201
    assert (await raw.get(f"{path}/user")).json() == [{"user_id": ALICE}]
    assert (await raw.delete(f"{path}/user/{ALICE}")).status_code == 204
    assert (await raw.get(f"{path}/user/{ALICE}")).status_code == 404
    disabled = await raw.patch(path, json={"enabled": False})
    assert disabled.status_code == 422 and "enabled" in disabled.json()["errors"]
    script = await raw.get(f"{path}/installer")
    assert script.headers["content-type"] == "application/x-executable"
    assert "jump-appliance jumpoint --appliance" in script.text and "0.0.0.0:8500" in script.text


async def test_jump_clients_answer_their_expiration_and_refuse_a_support_button(
    raw: httpx.AsyncClient,
) -> None:
    items = (await raw.get(f"{CONFIG}/jump-client", params={"connection_type": "active"})).json()
    assert all("expiration_timestamp" in item and item["is_quiet"] for item in items)
    assert all(
        item.get("last_access_timestamp") is not None
        for item in items
        if "last_access_timestamp" in item
    )
    refused = await raw.patch(
        f"{CONFIG}/jump-client/{items[0]['id']}", json={"support_button_direct_queue": "team:desk"}
    )
    assert refused.status_code == 422
    taken = await raw.patch(
        f"{CONFIG}/jump-client/{items[0]['id']}",
        json={"support_button_direct_queue": "", "tag": "x"},
    )
    assert taken.status_code == 200 and taken.json()["tag"] == "x"
