"""The Config API as BeyondTrust documents it: Schemathesis drives a real appliance on 127.0.0.1
with requests generated from the vendor's own OpenAPI document (Remote Support Configuration
API 1.10, ``/work/shared/reference``, vendored in its Terraform provider) for the resources we
serve, valid data only, and checks every answer against that document.

Each operation must be served (a route for its method and path), and its answers must have a
documented status code, content type and schema. The document's prose (not its schemas) says
that any operation may answer 401 (an unknown parameter or field), 403, 404, 405, 422 and that
the rate limits answer 429: those are added to every operation before the run (README, "Config
API conformance"). Ids in paths are drawn from what the appliance holds, so an operation is
seen answering 200 and not only 404; the deletions run last.

``make test`` runs a fixed seed and a few examples per operation;
``JUMP_CONFORMANCE_SEED=<n>`` and ``JUMP_CONFORMANCE_EXAMPLES=<n>`` explore further.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode
from starlette.routing import Mount

from appliance.embedded import EmbeddedAppliance
from tests.support.api_site import api_site
from tests.support.processes import config_token
from tests.support.services import Postgres

pytestmark = [
    pytest.mark.integration,
    # the vendor's contract is the same whatever the engine (tests/security covers what
    # PostgreSQL answers differently)
    pytest.mark.not_storage("the vendor's contract, engine aside"),
]

#: the vendor's document is not ours to copy into the project: it is read where it is kept,
#: beside the project (``../shared/reference``), or where JUMP_BT_OPENAPI says
BESIDE = Path(__file__).resolve().parents[3] / "shared/reference"
DOCUMENT = Path(
    os.environ.get("JUMP_BT_OPENAPI") or BESIDE / "bt-rs-configuration-1.10.openapi.yaml"
)
API = "/api/config/v1"
ACCOUNT = ("bt", "bt-secret")
SEED = int(os.environ.get("JUMP_CONFORMANCE_SEED") or 19)
EXAMPLES = int(os.environ.get("JUMP_CONFORMANCE_EXAMPLES") or 4)

#: the resources of issue 19, as the document's paths
IN_SCOPE = re.compile(
    r"^/(jump-client(/\{id\}(/copy)?|/installer(/\{id\}|/\{installer_id\}/\{platform\})?)?"
    r"|jump-group(/\{id\}(/user(/\{user_id\})?)?)?|jump-item-role(/\{id\})?"
    r"|jump-policy(/\{id\}(/schedule)?)?|session-policy"
    r"|jumpoint(/\{id\}(/(installer|node|user(/\{user_id\})?))?)?|public-portal"
    r"|team(/\{id\}(/user(/\{user_id\})?)?)?|user(/\{id\})?)$"
)
METHODS = ("get", "post", "patch", "put", "delete")

#: What the document's prose says any operation may answer, beyond its own list: 404 (no such
#: resource) and 422 (a value the data refuses: an id that names nothing, a name in use). Not
#: 401, 403 or 405: to a valid token and documented parameters and fields, those would mean we
#: refuse what the document allows.
COMMON_STATUS = {
    "404": "No such resource",
    "422": "A value is invalid",
}

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@cache
def vendor_document() -> dict[str, Any]:
    document: dict[str, Any] = schemathesis.openapi.from_path(DOCUMENT).raw_schema
    return document


def operations() -> list[str]:
    """``METHOD /path`` of every in-scope operation, deletions last."""
    if not DOCUMENT.is_file():
        return []
    found = [
        f"{method.upper()} {path}"
        for path, item in vendor_document()["paths"].items()
        if IN_SCOPE.match(path)
        for method in item
        if method in METHODS
    ]
    return sorted(found, key=lambda label: label.startswith("DELETE"))


def _collection(path: str) -> str:
    """The list an ``{id}`` in ``path`` is one of (``/team/{id}/user`` → ``/team``)."""
    return path.split("/{id}")[0]


def _member_list(path: str) -> str | None:
    """The list a ``{user_id}`` in ``path`` is one of, with ``{id}`` still to fill."""
    return path.split("/{user_id}")[0] if "{user_id}" in path else None


def _ids(answer: httpx.Response, key: str = "id") -> list[int]:
    if answer.status_code != 200 or not isinstance(answer.json(), list):
        return []
    return [row[key] for row in answer.json()[:5] if isinstance(row, dict) and key in row]


def pin_ids(document: dict[str, Any], url: str, token: str) -> dict[str, Any]:
    """A copy of ``document`` whose ``{id}`` and ``{user_id}`` are ids the appliance holds
    (read from its own lists), where it has any."""
    pinned = copy.deepcopy(document)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        for path, item in pinned["paths"].items():
            if "{id}" not in path:
                continue
            ids = _ids(http.get(_collection(path)))
            if not ids:
                continue
            values: dict[str, list[int]] = {"id": ids}
            member_list = _member_list(path)
            if member_list is not None:
                for id_ in ids:
                    user_ids = _ids(http.get(member_list.replace("{id}", str(id_))), "user_id")
                    if user_ids:
                        values = {"id": [id_], "user_id": user_ids}
                        break
            for method in METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                operation["parameters"] = [
                    {
                        "in": "path",
                        "name": name,
                        "required": True,
                        "schema": {"type": "integer", "enum": choices},
                    }
                    for name, choices in values.items()
                ] + [
                    p
                    for p in operation.get("parameters", [])
                    if not (p.get("$ref", "").endswith("/IdParam") or p.get("name") in values)
                ]
    return pinned


def _closed(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a request body's) without room for fields the document does not name."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = copy.deepcopy(document["components"]["schemas"][ref.rsplit("/", 1)[1]])
    if schema.get("type") == "object" and "additionalProperties" not in schema:
        schema = {**schema, "additionalProperties": False}
    return schema


#: Lists the document describes as lists ("Returns the nodes", "a paginated list of
#: JumpointUser resources") but whose schemas forgot the array: we answer lists.
LISTS = (("/jumpoint/{id}/node", "get"), ("/jumpoint/{id}/user", "get"))


def _as_lists(document: dict[str, Any]) -> None:
    for path, method in LISTS:
        media = document["paths"][path][method]["responses"]["200"]["content"]
        schema = media["application/json"]["schema"]
        if schema.get("type") != "array":
            media["application/json"]["schema"] = {"type": "array", "items": schema}


def in_scope(document: dict[str, Any]) -> dict[str, Any]:
    """The document reduced to the in-scope paths, each operation allowing the common codes,
    each request body naming only the document's fields: the prose says a field it does not
    name is refused (401), the schemas forget to (README, "Config API conformance")."""
    reduced = copy.deepcopy(document)
    reduced["paths"] = {p: item for p, item in reduced["paths"].items() if IN_SCOPE.match(p)}
    for item in reduced["paths"].values():
        for method in METHODS:
            operation = item.get(method, {})
            for status, description in COMMON_STATUS.items():
                operation.get("responses", {}).setdefault(status, {"description": description})
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    media["schema"] = _closed(media["schema"], reduced)
    _as_lists(reduced)
    return reduced


@pytest.fixture(scope="module")
def appliance(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres | None
) -> Iterator[EmbeddedAppliance]:
    with api_site(tmp_path_factory.mktemp("bt"), "bt", postgres_server, ACCOUNT) as running:
        yield running


@pytest.fixture
def untouched(tmp_path: Path, postgres_server: Postgres | None) -> Iterator[EmbeddedAppliance]:
    """An appliance of its own: the demo site as it starts, whatever the run changed."""
    with api_site(tmp_path, "bt-script", postgres_server, ACCOUNT, unlimited=False) as running:
        yield running


@pytest.fixture(scope="module")
def token(appliance: EmbeddedAppliance) -> str:
    return config_token(appliance.url, *ACCOUNT)


def seed_resources(url: str, token: str) -> None:
    """One of each resource the demo site lacks, so each operation meets a real one."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        made = http.post("/jumpoint", json={"name": "Relay", "x_address": "http://127.0.0.1:1"})
        http.post(f"/jumpoint/{made.json()['id']}/user", json={"user_id": 1}).raise_for_status()
        http.post("/jump-client/installer", json={"jump_group_id": 1}).raise_for_status()


@pytest.fixture(scope="module")
def vendor(appliance: EmbeddedAppliance, token: str) -> Any:
    base = f"{appliance.url}{API}"
    seed_resources(base, token)
    loaded = schemathesis.openapi.from_dict(pin_ids(in_scope(vendor_document()), base, token))
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE])
    return loaded


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as kept:
        yield kept


def _template(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "{}", path)


@pytest.fixture(scope="module")
def served(appliance: EmbeddedAppliance) -> frozenset[str]:
    """``METHOD /path`` of every operation the Config API serves (path parameters unnamed)."""
    assert appliance.app is not None
    (config_api,) = (r.app for r in appliance.app.routes if isinstance(r, Mount) and r.path == API)
    assert isinstance(config_api, FastAPI)
    ours = config_api.openapi()["paths"]
    return frozenset(
        f"{method.upper()} {_template(path)}"
        for path, item in ours.items()
        for method in item
        if method in METHODS
    )


@pytest.mark.skipif(not DOCUMENT.is_file(), reason=f"no vendor document at {DOCUMENT}")
@pytest.mark.parametrize("label", operations() or ["(no document)"])
def test_the_config_api_conforms_to_the_vendor_document(
    label: str,
    appliance: EmbeddedAppliance,
    token: str,
    vendor: Any,
    session: requests.Session,
    served: frozenset[str],
) -> None:
    method, path = label.split(" ", 1)
    operation = vendor[path][method]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case: Any) -> None:
        case.call_and_validate(
            base_url=f"{appliance.url}{API}",
            session=session,
            headers=headers,
            checks=CHECKS,
        )

    assert f"{method} {_template(path)}" in served, f"{label} is not served"
    run()


def test_a_script_written_against_beyondtrusts_documentation_runs_unchanged(
    untouched: EmbeddedAppliance,
) -> None:
    """What a BeyondTrust example script does, as its documentation says to do it: a token by
    the client-credentials grant with Basic authentication, Jump Clients by tag, a new
    installer, a user added to a team, a Jump Policy's schedule."""
    site = untouched.url
    token = requests.post(
        f"{site}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=ACCOUNT,
        timeout=10,
    ).json()["access_token"]
    api = requests.Session()
    api.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    base = f"{site}{API}"

    by_tag: dict[str, str | int] = {"tag": "db", "per_page": 5}
    tagged = api.get(f"{base}/jump-client", params=by_tag, timeout=10)
    assert tagged.status_code == 200 and "X-BT-Pagination-Total" in tagged.headers
    assert all(client["tag"].lower() == "db" for client in tagged.json())

    installer = api.post(
        f"{base}/jump-client/installer",
        json={"jump_group_id": 1, "tag": "db", "valid_duration": 60},
        timeout=10,
    )
    assert installer.status_code == 201 and len(installer.json()["installer_id"]) == 32
    assert installer.json()["key_info"]["encodedInfo"] == installer.json()["installer_id"]
    of_group = {"jump_group_id": 1, "connection_type": "active", "tag": "db"}
    listed = api.get(f"{base}/jump-client/installer", params=of_group, timeout=10).json()
    assert [i["id"] for i in listed] == [installer.json()["id"]]

    team = api.get(f"{base}/team", params={"name": "Field Engineering"}, timeout=10).json()[0]
    added = api.post(f"{base}/team/{team['id']}/user", json={"user_id": 1}, timeout=10)
    assert added.status_code == 201 and added.json()["role"] == "member"
    members = api.get(f"{base}/team/{team['id']}/user", timeout=10).json()
    assert {"team_id": team["id"], "user_id": 1, "role": "member"} in members

    policy = api.get(f"{base}/jump-policy", timeout=10).json()[0]
    schedule = api.get(f"{base}/jump-policy/{policy['id']}/schedule", timeout=10)
    assert schedule.status_code == 200 and "entries" in schedule.json()
