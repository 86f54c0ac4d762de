"""Schemathesis over the OpenAPI documents of the Config API, the representative API (signed in
as a representative) and the agent API, against a real appliance on 127.0.0.1: a fixed set of
requests per operation; no answer is a 500, and every answer matches the schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode

from appliance.embedded import EmbeddedAppliance
from tests.support.api_site import api_site
from tests.support.appliance import ENGINE
from tests.support.processes import config_token
from tests.support.services import Postgres

pytestmark = [
    pytest.mark.integration,
    # what PostgreSQL answers otherwise (ids past its columns, text it refuses) is checked on
    # both engines, each case named, by tests/security/test_bad_input.py
    pytest.mark.not_storage("the APIs' schemas and answers, engine aside"),
]
#: ``make test`` runs the same requests every time (a red CI is a real regression): each
#: operation's schema examples, then Schemathesis's coverage phase, which tries every field at
#: and past its bounds (the largest number, one past it, the wrong type, a missing body, a
#: stray method), about 2,500 requests for the Config API. JUMP_FUZZ_EXAMPLES=500 adds that
#: many random examples per operation, for as long as one wants to explore.
EXPLORE = bool(os.environ.get("JUMP_FUZZ_EXAMPLES"))
EXAMPLES = int(os.environ.get("JUMP_FUZZ_EXAMPLES") or 1)
ACCOUNT = ("fuzz", "fuzz-secret")


def api(url: str) -> Any:
    """The OpenAPI document at ``url`` as Schemathesis tests it on this run's engine."""
    loaded = schemathesis.openapi.from_url(url)
    loaded.config.phases.fuzzing.enabled = EXPLORE
    if ENGINE == "postgresql" and not EXPLORE:
        # on PostgreSQL, what reaches the database: valid values at their bounds (a wrong
        # type, a missing body or a stray method is refused before any engine is asked)
        loaded.config.phases.coverage.generation.modes = [GenerationMode.POSITIVE]
    return loaded


@pytest.fixture(scope="module")
def appliance(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres | None
) -> Iterator[EmbeddedAppliance]:
    with api_site(tmp_path_factory.mktemp("fuzz"), "fuzz", postgres_server, ACCOUNT) as running:
        yield running


@pytest.fixture(scope="module")
def token(appliance: EmbeddedAppliance) -> str:
    return config_token(appliance.url, *ACCOUNT)


@pytest.fixture(scope="module")
def rep_token(appliance: EmbeddedAppliance) -> str:
    """A representative with every right (signed in before any sign-in is fuzzed)."""
    answer = httpx.post(
        f"{appliance.url}/api/rep/v1/login", json={"username": "admin", "password": "demo"}
    )
    return str(answer.json()["access_token"])


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """One HTTP session for every call: a connection kept, not opened per example."""
    with requests.Session() as kept:
        yield kept


@pytest.fixture(scope="module")
def config_api(appliance: EmbeddedAppliance) -> Any:
    return api(f"{appliance.url}/api/config/v1/openapi.json")


@pytest.fixture(scope="module")
def rep_api(appliance: EmbeddedAppliance) -> Any:
    return api(f"{appliance.url}/api/rep/v1/openapi.json")


@pytest.fixture(scope="module")
def agent_api(appliance: EmbeddedAppliance) -> Any:
    return api(f"{appliance.url}/api/agent/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("config_api")
rep_schema = schemathesis.pytest.from_fixture("rep_api")
agent_schema = schemathesis.pytest.from_fixture("agent_api")


#: What the appliance promises of every answer. Not checked: that every schema-valid request
#: succeeds (many are refused by rules no schema can say: unique names, references, URL
#: forms), nor that a lax scalar ("1" for true) is refused — both are answered with 422 bags.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.allow_header_conformance,
]


def _config_case(
    case: Any, appliance: EmbeddedAppliance, token: str, session: requests.Session
) -> None:
    case.call_and_validate(
        base_url=f"{appliance.url}/api/config/v1",
        session=session,
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )


# The Config API in two halves (Jump Clients and installers; the rest), so two workers share it.
JUMP_CLIENTS = "^/jump-client"


@schema.include(path_regex=JUMP_CLIENTS).parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_config_apis_jump_clients_never_fail_and_keep_their_schema(
    case: Any, appliance: EmbeddedAppliance, token: str, session: requests.Session
) -> None:
    _config_case(case, appliance, token, session)


@schema.exclude(path_regex=JUMP_CLIENTS).parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_rest_of_the_config_api_never_fails_and_keeps_its_schema(
    case: Any, appliance: EmbeddedAppliance, token: str, session: requests.Session
) -> None:
    _config_case(case, appliance, token, session)


@rep_schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_rep_api_never_fails_and_keeps_its_schema(
    case: Any, appliance: EmbeddedAppliance, rep_token: str, session: requests.Session
) -> None:
    case.call_and_validate(
        base_url=f"{appliance.url}/api/rep/v1",
        session=session,
        headers={"Authorization": f"Bearer {rep_token}"},
        checks=CHECKS,
    )


@agent_schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_agent_api_never_fails_and_keeps_its_schema(
    case: Any, appliance: EmbeddedAppliance, session: requests.Session
) -> None:
    case.call_and_validate(base_url=f"{appliance.url}/api/agent/v1", session=session, checks=CHECKS)
