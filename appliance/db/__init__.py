"""Storage of the appliance: the repository and its migrations."""

from __future__ import annotations

from appliance.db.repository import Repository, SchemaTooNew

__all__ = ["Repository", "SchemaTooNew"]
