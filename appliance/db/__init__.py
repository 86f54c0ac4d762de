"""Storage of the appliance: the repository and its migrations."""

from __future__ import annotations

from appliance.db._engine import DatabaseUnavailable, redacted
from appliance.db.repository import Repository, SchemaTooNew

__all__ = ["DatabaseUnavailable", "Repository", "SchemaTooNew", "redacted"]
