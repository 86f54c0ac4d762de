"""Settings of the appliance process: flags, environment ``JUMP_APPLIANCE_*``, defaults."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_db_path() -> Path:
    return Path(user_data_dir("jump-console", appauthor=False)) / "appliance.sqlite3"


class ApplianceSettings(BaseSettings):
    """How one appliance runs. Every field can come from ``JUMP_APPLIANCE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="JUMP_APPLIANCE_", extra="ignore")

    db: str = Field(default_factory=lambda: str(default_db_path()))
    """A SQLite file path, or ``postgresql://USER:PASSWORD@HOST:PORT/NAME`` for a shared site."""
    host: str = "127.0.0.1"
    port: int = Field(default=8400, ge=0, le=65535)
    demo_fleet: int | None = Field(default=None, ge=0, le=1_000_000)
    demo_seed: int = 42
    demo_password: str = Field(default="demo", repr=False)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    token_ttl_s: int = Field(default=3600, ge=60)
    rep_token_ttl_s: int = Field(default=8 * 3600, ge=60)
    max_tokens_per_account: int = Field(default=30, ge=1)
    rate_per_second: int = Field(default=20, ge=1)
    rate_per_hour: int = Field(default=15_000, ge=1)
    signin_failures_per_account: int = Field(default=5, ge=1)
    """Failed sign-ins of one account (representative or API account) before it is locked."""
    signin_failures_per_address: int = Field(default=30, ge=1)
    """Failed sign-ins from one client address (any accounts) before it is locked."""
    signin_window_s: float = Field(default=900, gt=0)
    """Failures are forgotten once this long has passed without one (and without a lockout)."""
    signin_lockout_s: float = Field(default=60, gt=0)
    """The first lockout; each further failure after it doubles the next one."""
    signin_lockout_max_s: float = Field(default=900, gt=0)
    """The longest lockout."""
    signin_hash_threads: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) // 2), ge=1, le=64
    )
    """Secrets checked at once (each check is tens of ms of CPU and 16 MiB), in threads
    beside the event loop; more sign-ins wait their turn. Half the processors by default:
    the other half keeps answering everyone else."""
    body_idle_timeout_s: float = Field(default=15, gt=0)
    """A request body that sends nothing for this long is refused (408) and its connection
    closed."""
    body_timeout_s: float = Field(default=120, gt=0)
    """A request body must arrive whole within this long (408 otherwise)."""
    bus: str | None = None
    """``redis://HOST:PORT/N`` shared by the nodes of one site; None for a node alone."""
    node_id: str | None = None
    """This node's name on the bus (default: random at each start)."""
    gc_freeze_s: float = Field(default=5.0, ge=0)
    """Every so often, set the live objects aside from the garbage collector (see
    ``appliance.collector``); 0 leaves the collector alone (an embedded appliance does)."""
    live_interval_s: float | None = Field(default=None, gt=0)
    """Overrides the site's statistics interval for the live feed (tests, demos)."""
    simulate: bool = True
    wol_broadcast: str = "127.0.0.1:9"
    """Where demo agents send wake packets (HOST:PORT). Loopback: demos never reach a LAN."""
    client_bundle: Path | None = None
    """A Jump Client bundle (zip of the client code) that installed clients upgrade to."""
    client_bundle_version: str = ""
    """The version inside ``client_bundle``; clients reporting another need an update."""
    upgrade_bundle_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    """Size of the demo upgrade bundle each demo agent downloads through the throttle."""
    """With a demo fleet, simulate its statistics and churn."""

    @field_validator("db", mode="before")
    @classmethod
    def _db_text(cls, value: object) -> object:
        return str(value) if isinstance(value, Path) else value
