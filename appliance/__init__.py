"""The reference appliance: Config API, representative API, SQLite system of record."""

from __future__ import annotations

from appliance.app import create_app
from appliance.config import ApplianceSettings

__all__ = ["ApplianceSettings", "create_app"]
