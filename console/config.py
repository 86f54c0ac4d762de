"""Console configuration: ``config.toml`` in the platform config dir, ``JUMP_CONSOLE_*``
environment variables over it, command-line flags over both; and the UI state kept between
runs (column order, sort) in ``state.json`` beside it.

Example ``~/.config/jump-console/config.toml``::

    appliance = "https://appliance.example:8400"   # none: start the embedded demo appliance
    username = "alice"
    theme = "high-contrast"                          # dark, light, high-contrast, 16, no-color
    graphics = "halfblock"                           # the Screen view: auto, kitty, sixel
    [keymap]
    "app.filter" = "f6"                              # binding id = keys
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, Field, PrivateAttr, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from domain.columns import COLUMN_KEYS
from themes import SHORT_NAMES_TEXT, resolve


def config_dir() -> Path:
    return Path(user_config_dir("jump-console", appauthor=False))


def default_config_file() -> Path:
    return Path(os.environ.get("JUMP_CONSOLE_CONFIG", config_dir() / "config.toml"))


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and what to do."""


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JUMP_CONSOLE_", extra="ignore")
    config_file: ClassVar[Path | None] = None

    appliance: str | None = None
    """URL of the appliance; none starts the embedded demo appliance."""
    username: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)
    theme: str = "jump-dark"
    keymap: dict[str, str] = Field(default_factory=dict)
    demo_fleet: int = Field(default=500, ge=0, le=1_000_000)
    demo_user: str = "carol"
    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("jump-console", appauthor=False))
    )
    state_file: Path | None = None
    plain: bool = False
    local_client: bool = True
    """With the embedded demo appliance, also run a real Jump Client for this machine."""
    graphics: Literal["auto", "halfblock", "kitty", "sixel"] = "auto"
    """How the Screen view draws the endpoint's screen: ``auto`` asks the terminal (kitty
    graphics or sixel at full resolution where it answers, half-blocks where not); the others
    force one (``halfblock`` never asks: for a terminal that answers wrongly)."""
    _flags: frozenset[str] = PrivateAttr(default=frozenset())

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.config_file is not None and cls.config_file.exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.config_file))
        return tuple(sources)

    @property
    def state_path(self) -> Path:
        return self.state_file or (config_dir() / "state.json")

    def source_of(self, name: str) -> str:
        """Where a setting came from, as a sentence names it: ``--theme``,
        ``JUMP_CONSOLE_THEME`` or ``the config file PATH``."""
        if name in self._flags:
            return f"--{name.replace('_', '-')}"
        variable = f"JUMP_CONSOLE_{name.upper()}"
        if any(key.upper() == variable for key in os.environ):
            return variable
        return f"the config file {self.config_file or default_config_file()}"


def load_settings(config_file: Path | None = None, **overrides: Any) -> ConsoleSettings:
    """Read the settings; raise :class:`ConfigError` with one sentence when they are bad."""
    path = config_file or default_config_file()
    ConsoleSettings.config_file = path
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = ConsoleSettings(**given)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(
            f"The config file {path} is not valid TOML ({err}); fix it or move it away."
        ) from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"The setting '{where}' is invalid: {first['msg'].lower()} "
            f"(config file {path} or JUMP_CONSOLE_* variables)."
        ) from None
    except OSError as err:
        raise ConfigError(f"The config file {path} cannot be read: {err.strerror}.") from None
    settings._flags = frozenset(given)
    if resolve(settings.theme) is None:
        raise ConfigError(
            f"The theme '{settings.theme}' that {settings.source_of('theme')} asks for does "
            f"not exist; use {SHORT_NAMES_TEXT}."
        )
    return settings


class UiState(BaseModel):
    """What the console remembers between runs."""

    columns: list[str] = Field(default_factory=lambda: list(COLUMN_KEYS))
    sort_key: str = "name"
    sort_descending: bool = False
    theme: str | None = None
    """The theme last chosen with ``:theme`` or the palette (None: never chosen)."""

    def cleaned(self) -> UiState:
        """Drop unknown columns and fall back to defaults for what is no longer valid."""
        columns = [c for c in self.columns if c in COLUMN_KEYS] or list(COLUMN_KEYS)
        columns = list(dict.fromkeys(columns))
        sort_key = self.sort_key if self.sort_key in COLUMN_KEYS else "name"
        return UiState(
            columns=columns,
            sort_key=sort_key,
            sort_descending=self.sort_descending,
            theme=resolve(self.theme) if self.theme else None,
        )


def load_state(path: Path) -> tuple[UiState, str | None]:
    """The saved UI state, or defaults and a sentence saying why it was not used."""
    if not path.exists():
        return UiState(), None
    try:
        return UiState.model_validate_json(path.read_bytes()).cleaned(), None
    except (OSError, ValidationError, ValueError):
        return UiState(), f"The saved layout in {path} could not be read; defaults are used."


def save_state(path: Path, state: UiState) -> None:
    """Write atomically: a crash mid-write never leaves a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state.model_dump(), indent=2))
    temporary.replace(path)
