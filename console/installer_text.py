"""How an installer is named and described, once: the installer screens, plain mode and
``jump-console installers`` say the same (its group by name, its expiry, its elevation).
No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import Installer, JumpGroupType
from domain.installer import InstallerFields
from domain.wording import until

#: what an installer may let an install command line override (``allow_override_<name>``)
OVERRIDES: tuple[str, ...] = tuple(
    field.removeprefix("allow_override_")
    for field in InstallerFields.model_fields
    if field.startswith("allow_override_")
)


def is_expired(installer: Installer, now: datetime) -> bool:
    """An expired installer cannot deploy until it is extended."""
    return installer.expiration_timestamp <= now


@dataclass(frozen=True, slots=True)
class Names:
    """Labels for the ids an installer holds (from what the console already knows)."""

    groups: dict[tuple[JumpGroupType, int], str]
    jump_policies: dict[int, str]
    session_policies: dict[int, str]

    def group(self, installer: Installer) -> str:
        key = (installer.jump_group_type, installer.jump_group_id)
        if key in self.groups:
            return self.groups[key]
        if installer.jump_group_type is JumpGroupType.PERSONAL:
            return f"personal list of user {installer.jump_group_id}"
        return f"Jump Group {installer.jump_group_id}"

    def policy(self, pid: int | None) -> str:
        return "none" if pid is None else self.jump_policies.get(pid, f"policy {pid}")

    def session_policy(self, pid: int | None) -> str:
        return "item default" if pid is None else self.session_policies.get(pid, f"policy {pid}")


def expires_text(installer: Installer, now: datetime) -> str:
    left = installer.expiration_timestamp - now
    if left.total_seconds() <= 0:
        return f"EXPIRED {until(-left)} ago"
    return f"in {until(left)}"


def elevation_text(installer: Installer) -> str:
    if not installer.elevate_install:
        return "not elevated"
    return "elevated, prompts" if installer.elevate_prompt else "elevated"


def detail_rows(installer: Installer, names: Names, now: datetime) -> list[tuple[str, str]]:
    """Every field of an installer as (label, value), in the order the view shows them."""
    return [
        ("Name", installer.name or "(the computer's name)"),
        ("Jump Group", names.group(installer)),
        ("Tag", installer.tag or "—"),
        ("Comments", installer.comments or "—"),
        ("Jump Policy", names.policy(installer.jump_policy_id)),
        ("Session policy, present", names.session_policy(installer.attended_session_policy_id)),
        (
            "Session policy, not present",
            names.session_policy(installer.unattended_session_policy_id),
        ),
        ("Connection type", installer.connection_type.value),
        ("Public site address", installer.public_site_address or "default site"),
        ("Max offline minutes", str(installer.max_offline_minutes or "site setting")),
        ("Jumpoint proxy", str(installer.jumpoint_proxy or "none")),
        ("Elevation", elevation_text(installer)),
        ("End-user client at start", installer.customer_client_start_mode.value),
        ("Expires", expires_text(installer, now)),
        ("Key", installer.installer_id),
    ]
