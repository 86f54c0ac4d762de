"""What an installer and its command line's overrides make of a new Jump Client item."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.config_api._refs import default_address, site_addresses
from appliance.errors import Refused
from domain import JumpGroupType

if TYPE_CHECKING:
    from appliance.site import Site


def jumpoint_address(app: Site, name: str) -> str | None:
    """The address of the Jumpoint of this name (None: none named, or it was deleted)."""
    found = app.repo.jumpoint_named(name)
    return found.address if found else None


def resolve_fields(app: Site, overrides: dict[str, Any], installer: Any) -> dict[str, Any]:
    """Installer defaults + overrides → Jump Client fields (code names looked up)."""
    repo = app.repo
    values: dict[str, Any] = {
        "jump_group_id": installer.jump_group_id,
        "jump_group_type": installer.jump_group_type,
        "jump_policy_id": installer.jump_policy_id,
        "tag": installer.tag,
        "comments": installer.comments,
        "attended_session_policy_id": installer.attended_session_policy_id,
        "unattended_session_policy_id": installer.unattended_session_policy_id,
        "public_site_address": installer.public_site_address,
        "customer_client_start_mode": installer.customer_client_start_mode,
        "max_offline_minutes": installer.max_offline_minutes,
        "connection_type": installer.connection_type.value,
    }
    if "jump_group" in overrides:
        kind, _, name = str(overrides["jump_group"]).partition(":")
        if kind == "user":
            found = repo.user_by_name(name)
            if found is None:
                raise Refused.because(
                    422,
                    "unknown_code_name",
                    f"No representative is called '{name}' (from the jump group parameter).",
                )
            values["jump_group_type"], values["jump_group_id"] = JumpGroupType.PERSONAL, found[0].id
        else:
            groups = repo.groups.find([("code_name", name)])
            if not groups:
                raise Refused.because(
                    422, "unknown_code_name", f"No Jump Group has the code name '{name}'."
                )
            values["jump_group_type"], values["jump_group_id"] = JumpGroupType.SHARED, groups[0].id
    lookups = (
        ("jump_policy", "jump_policy_id", repo.policies, "Jump Policy"),
        (
            "session_policy_present",
            "attended_session_policy_id",
            repo.session_policies,
            "session policy",
        ),
        (
            "session_policy_not_present",
            "unattended_session_policy_id",
            repo.session_policies,
            "session policy",
        ),
    )
    for key, field, table, kind in lookups:
        if key in overrides:
            ids = table.ids([("code_name", overrides[key])])
            if not ids or (ids[0] == 1 and field != "jump_policy_id"):
                raise Refused.because(
                    422, "unknown_code_name", f"No {kind} has the code name '{overrides[key]}'."
                )
            values[field] = ids[0]
    for key in ("name", "tag", "comments", "max_offline_minutes"):
        if key in overrides:
            values[key] = overrides[key]
    address = overrides.get("public_site_address") or values["public_site_address"]
    if not address or address not in site_addresses(app):  # unknown host → default site
        address = default_address(app)
    values["public_site_address"] = address
    return values
