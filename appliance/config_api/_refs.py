"""Checks that the ids and addresses a request names exist (422 with the field otherwise)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appliance.bootstrap import DEFAULT_SITE_ADDRESS
from appliance.errors import invalid
from appliance.site import Site
from domain import JumpGroupType


def check_references(app: Site, values: Mapping[str, Any]) -> None:
    """Raise a 422 naming the first field whose target does not exist."""
    repo = app.repo
    if "jump_group_id" in values:
        kind = JumpGroupType(values.get("jump_group_type") or JumpGroupType.SHARED)
        gid = values["jump_group_id"]
        if kind is JumpGroupType.SHARED and repo.groups.get(gid) is None:
            raise invalid("jump_group_id", f"names no Jump Group (id {gid})")
        if kind is JumpGroupType.PERSONAL and repo.users.get(gid) is None:
            raise invalid("jump_group_id", f"names no representative's personal list (id {gid})")
    policy = values.get("jump_policy_id")
    if policy is not None and repo.policies.get(policy) is None:
        raise invalid("jump_policy_id", f"names no Jump Policy (id {policy})")
    for field in ("attended_session_policy_id", "unattended_session_policy_id"):
        sp = values.get(field)
        if sp is not None and repo.session_policies.get(sp) is None:
            raise invalid(field, f"names no session policy (id {sp})")
    jumpoint = values.get("jumpoint_proxy")
    if jumpoint and repo.jumpoint_named(jumpoint) is None:
        raise invalid("jumpoint_proxy", f"names no Jumpoint ('{jumpoint}')")
    address = values.get("public_site_address")
    if address is not None and address not in site_addresses(app):
        raise invalid("public_site_address", f"'{address}' is not an address of a public site")


def site_addresses(app: Site) -> set[str]:
    return {a for site in app.repo.public_sites.find() for a in site.addresses}


def default_address(app: Site) -> str:
    """The address of the default public site (its first): where an installer naming none
    sends its clients (the bootstrap's, should the site have no default)."""
    default = next((s for s in app.repo.public_sites.find() if s.is_default), None)
    return default.addresses[0] if default else DEFAULT_SITE_ADDRESS
