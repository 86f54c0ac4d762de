"""A real appliance on 127.0.0.1 for the runs that drive its APIs from OpenAPI documents
(tests/integration/test_bt_conformance.py, test_openapi_fuzz.py): the demo site, nothing
simulated, one API account."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from tests.support.appliance import new_database
from tests.support.services import Postgres

#: rate limits no generated run reaches (the limits themselves are tested on their own)
UNLIMITED = {"rate_per_second": 100000, "rate_per_hour": 10_000_000}


@contextmanager
def api_site(
    folder: Path,
    name: str,
    postgres_server: Postgres | None,
    account: tuple[str, str],
    *,
    unlimited: bool = True,
) -> Iterator[EmbeddedAppliance]:
    """The demo site (20 Jump Clients) with the API account ``account`` (id, secret);
    ``unlimited``: without rate limits a run would reach."""
    settings = ApplianceSettings(
        db=new_database(folder, name, postgres_server),
        demo_fleet=20,
        simulate=False,
        **(UNLIMITED if unlimited else {}),
    )
    running = EmbeddedAppliance(settings, api_account=account)
    running.start()
    try:
        yield running
    finally:
        running.stop()
