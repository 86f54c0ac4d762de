"""Which actions the highlighted item offers now, and in words why not (pure).

The console explains; the appliance decides. Every reason comes from the same rules in
:mod:`domain.rules` the appliance enforces, phrased for the footer and details pane.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.explain import describe_window
from domain import AutomaticUpgrades, JumpClient, SimultaneousJumps
from domain.groups import ROLE_PERMISSIONS
from domain.jump_policy import effective_simultaneous_jumps
from domain.rules import WAKE_COOLDOWN, availability, upgrade_refusal
from domain.session import SessionInfo
from domain.site import RepSite

ACTIONS: tuple[tuple[str, str], ...] = (
    ("start", "Start session"),
    ("wake", "Wake"),
    ("upgrade", "Upgrade"),
    ("edit", "Edit properties"),
    ("copy", "Copy"),
    ("remove", "Remove"),
    ("invite", "Invite to my session"),
)
_EDIT_PERMISSIONS = frozenset(p for p in ROLE_PERMISSIONS if p.startswith("perm_edit_"))


@dataclass(frozen=True, slots=True)
class ActionState:
    action: str
    label: str
    reason: str | None  # None: available
    note: str = ""  # what will happen, when available ("joins alice's session")

    @property
    def available(self) -> bool:
        return self.reason is None


def explain(
    item: JumpClient,
    *,
    permissions: frozenset[str] | set[str],
    site: RepSite | None,
    now: datetime,
    username: str,
    wake_tried: datetime | None = None,
    my_session: SessionInfo | None = None,
) -> dict[str, ActionState]:
    states: dict[str, ActionState] = {}
    labels = dict(ACTIONS)

    def put(action: str, reason: str | None, note: str = "") -> None:
        states[action] = ActionState(action, labels[action], reason, note)

    name = item.name
    # start
    policies = {p.id: p for p in site.jump_policies} if site else {}
    policy = policies.get(item.jump_policy_id or 0)
    holders = [h for h in item.x_in_session_by if h != username]
    if "perm_start" not in permissions:
        put("start", f"Your role does not allow starting sessions on '{name}'.")
    elif (refusal := availability(item)) is not None:
        put("start", refusal.message)
    else:
        is_open, sentence = describe_window(policy, policy.schedule if policy else None, now)
        if not is_open:
            put("start", sentence)
        elif holders and username not in item.x_in_session_by:
            site_mode = site.settings.simultaneous_jumps if site else None
            mode = (
                effective_simultaneous_jumps(policy, site_mode)
                if site_mode
                else (policy.simultaneous_jumps if policy else SimultaneousJumps.GLOBAL)
            )
            invited = my_session is not None and username in my_session.invited
            if mode.value == "disallow" and not invited:
                put("start", f"In use by {', '.join(holders)} — ask for an invitation.")
            else:
                put("start", None, f"joins the session of {', '.join(holders)}")
        else:
            put("start", None, "asks the Jump Client to connect first" if not item.x_online else "")
    # wake
    if site is not None and not site.settings.allow_wake:
        put("wake", "Wake-on-LAN is turned off in the site settings.")
    elif item.x_online:
        put("wake", f"'{name}' is online; there is nothing to wake.")
    elif not item.x_mac:
        put("wake", f"The MAC address of '{name}' is not known.")
    elif wake_tried is not None and now - wake_tried < WAKE_COOLDOWN:
        ago = int((now - wake_tried).total_seconds())
        left = int((WAKE_COOLDOWN - (now - wake_tried)).total_seconds() + 0.999)
        put("wake", f"Wake tried {ago} s ago — available in {left} s.")
    elif "perm_start" not in permissions:
        put("wake", f"Your role does not allow waking '{name}'.")
    else:
        put("wake", None, "a peer on the same network sends the packet")
    # upgrade
    upgrades = site.settings.automatic_upgrades if site else AutomaticUpgrades.DISABLED
    refusal = upgrade_refusal(item, upgrades)
    if "perm_add" not in permissions:
        put("upgrade", f"Your role does not allow upgrading '{name}'.")
    elif refusal is not None:
        put(
            "upgrade",
            "Automatic upgrades are on."
            if refusal.code == "automatic_upgrades_enabled"
            else refusal.message,
        )
    else:
        put("upgrade", None)
    # edit, copy, remove
    put(
        "edit",
        None if permissions & _EDIT_PERMISSIONS else f"Your role does not allow editing '{name}'.",
    )
    put(
        "copy",
        None
        if "perm_assign_jump_group" in permissions
        else f"Your role does not allow copying '{name}' to another group.",
    )
    if "perm_remove" not in permissions:
        put("remove", f"Your role does not allow removing '{name}'.")
    elif item.x_in_session_by:
        put("remove", f"'{name}' is in a session; end it first.")
    else:
        put("remove", None)
    # invite
    if my_session is None or username not in my_session.participants:
        put("invite", f"You have no session on '{name}' to invite someone to.")
    else:
        put("invite", None)
    return states
