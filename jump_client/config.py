"""The Jump Client's own state, kept in its install directory (``client.json``, mode 0600)."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from domain.site import DEFAULT_PASSIVE_PORT

CONFIG_NAME = "client.json"
#: names a file holding the current time (ISO 8601), read instead of the system clock: a test
#: (or a drill) moves a real client's clock by writing it
CLOCK_ENV = "JUMP_CLIENT_CLOCK"
#: how often a connected client writes its last contact (a cheap write: client.json is small)
HEARTBEAT_S = 60.0


class ClientConfig(BaseModel):
    appliance: str
    key: str
    parameters: list[str] = Field(default_factory=list)
    install_dir: str
    install_mode: Literal["user", "service"] = "user"
    state: Literal["pending", "registered"] = "pending"
    register_until: datetime
    jump_client_id: int | None = None
    secret: str | None = Field(default=None, repr=False)
    name: str = ""
    days_before_deleted: int = 180
    max_offline_minutes: int = 0
    last_contact: datetime | None = None
    restrict_local_uninstall: bool = False
    passive: bool = False
    passive_listen: str = ""
    """Where a passive client listens for the appliance's connect request (HOST:PORT); empty:
    every address, on the site's passive port (which follows the site settings)."""
    site_passive_port: int = DEFAULT_PASSIVE_PORT
    wol_broadcast: str = "255.255.255.255:9"
    prompter: str = ""
    """How to ask a present user to accept a session (see ``jump_client.prompter``)."""
    silent: bool = False
    heartbeat_s: float = Field(default=HEARTBEAT_S, gt=0)
    """How often a connected client writes its last contact, so that after a stop it does
    not count the time it was connected as time offline."""

    def offline_limit_s(self) -> float:
        """How long the client may go without reaching the appliance before it removes
        itself: its own max offline minutes, else the site's delete period."""
        if self.max_offline_minutes:
            return self.max_offline_minutes * 60.0
        return self.days_before_deleted * 86400.0


class ConfigError(Exception):
    pass


def load(directory: Path) -> ClientConfig:
    path = directory / CONFIG_NAME
    try:
        return ClientConfig.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"No Jump Client is installed in {directory}.") from None
    except (OSError, ValidationError, ValueError):
        raise ConfigError(
            f"The Jump Client state in {path} is damaged; reinstall the client."
        ) from None


def save(config: ClientConfig) -> None:
    """Write atomically and readable by the owner only (the file holds the secret)."""
    path = Path(config.install_dir) / CONFIG_NAME
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config.model_dump(mode="json"), handle, indent=2)
    temporary.replace(path)


def now() -> datetime:
    """The current instant (aware UTC): the system clock, or the instant written in the file
    ``JUMP_CLIENT_CLOCK`` names."""
    fake = os.environ.get(CLOCK_ENV)
    if fake:
        with contextlib.suppress(OSError, ValueError):
            told = datetime.fromisoformat(Path(fake).read_text().strip())
            return told if told.tzinfo is not None else told.replace(tzinfo=UTC)
    return datetime.now(UTC)
