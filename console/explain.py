"""Which actions the highlighted item offers now, and in words why not (pure).

The console explains; the appliance decides. Each reason is the appliance's own
:class:`domain.rules.Refusal` for the same state (same function, same sentence), so what
the details pane says is what the appliance answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import AutomaticUpgrades, JumpClient, SiteSimultaneousJumps
from domain.access import Action
from domain.groups import ROLE_PERMISSIONS
from domain.rules import (
    Refusal,
    remove_refusal,
    role_refusal,
    start_verdict,
    upgrade_refusal,
    wake_refusal,
)
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
    in_session: bool = False,
    invited: bool = False,
    wake_verdict: Refusal | str | None = None,
) -> dict[str, ActionState]:
    """What each action would do now. ``in_session``: this representative is in a session
    on the item; ``invited``: they were invited to one; ``wake_verdict``: the appliance's
    answer to "could it be woken now?" (a refusal, or the peer that would send the packet),
    when it was asked."""
    states: dict[str, ActionState] = {}
    labels = dict(ACTIONS)

    def put(action: str, refusal: Refusal | None, note: str = "") -> None:
        reason = refusal.message if refusal is not None else None
        states[action] = ActionState(action, labels[action], reason, note)

    name = item.name
    # start
    policies = {p.id: p for p in site.jump_policies} if site else {}
    policy = policies.get(item.jump_policy_id or 0)
    site_mode = site.settings.simultaneous_jumps if site else SiteSimultaneousJumps.JOIN
    holders = list(item.x_in_session_by)
    verdict = start_verdict(
        item,
        permissions=permissions,
        policy=policy,
        schedule=policy.schedule if policy else None,
        site_simultaneous=site_mode,
        holders=holders,
        me=username,
        invited=invited,
        now=now,
    )
    if isinstance(verdict, Refusal):
        put("start", verdict)
    elif verdict == "join" and username not in holders:
        put("start", None, f"joins the session of {', '.join(holders)}")
    else:
        put("start", None, "asks the Jump Client to connect first" if not item.x_online else "")
    # wake: the console cannot see every peer, so the appliance's answer has the last word
    refusal = wake_refusal(
        item,
        allowed=site.settings.allow_wake if site else True,
        last_attempt=wake_tried,
        now=now,
        permissions=permissions,
    )
    if refusal is None and isinstance(wake_verdict, Refusal):
        refusal = wake_verdict
    if refusal is not None:
        put("wake", refusal)
    elif isinstance(wake_verdict, str) and wake_verdict:
        put("wake", None, f"{wake_verdict} on the same network sends the packet")
    else:
        put("wake", None, "a peer on the same network sends the packet")
    # upgrade
    upgrades = site.settings.automatic_upgrades if site else AutomaticUpgrades.DISABLED
    put("upgrade", upgrade_refusal(item, upgrades, permissions))
    # edit, copy, remove
    put("edit", None if permissions & _EDIT_PERMISSIONS else role_refusal("edit", item))
    put(
        "copy",
        None if "perm_assign_jump_group" in permissions else role_refusal(Action.COPY, item),
    )
    put("remove", remove_refusal(item, permissions))
    # invite
    if not in_session:
        put(
            "invite",
            Refusal("no_session", f"You have no session on '{name}' to invite someone to."),
        )
    else:
        put("invite", None)
    return states
