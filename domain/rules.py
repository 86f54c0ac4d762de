"""The action rules of DOMAIN.md ("Rules the console and appliance enforce"), pure.

Each check answers ``None`` (allowed) or a :class:`Refusal`: a stable ``code`` the console
and CLI can act on, one sentence naming the item, and the details (``opens_at``, ``by``,
``retry_after`` ...). The appliance refuses with them; the console explains with the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from domain.access import ACTION_PERMISSION, Action
from domain.enums import (
    AutomaticUpgrades,
    ConnectionType,
    JumpGroupType,
    PromptAnswer,
    SiteSimultaneousJumps,
    UnavailableReason,
)
from domain.jump_client import JumpClient
from domain.jump_policy import JumpPolicy, effective_simultaneous_jumps, window_state
from domain.schedule import Schedule
from domain.text import visible
from domain.users import User
from domain.wording import describe_window, until

WAKE_COOLDOWN = timedelta(seconds=30)
MAX_MULTI_START = 10
RULE_STATUS = 409


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    status: int = RULE_STATUS
    details: dict[str, Any] = field(default_factory=dict)


_DOING: dict[str, str] = {
    "edit": "editing '{name}'",
    Action.START: "starting sessions on '{name}'",
    Action.WAKE: "waking '{name}'",
    Action.UPGRADE: "upgrading '{name}'",
    Action.REMOVE: "removing '{name}'",
    Action.COPY: "copying '{name}' to another group",
    Action.MOVE: "moving '{name}' to another group",
    Action.ADD_ITEMS: "adding Jump Items to the group of '{name}'",
    Action.EDIT_NAME: "renaming '{name}'",
    Action.EDIT_TAG: "changing the tag of '{name}'",
    Action.EDIT_COMMENTS: "changing the comments of '{name}'",
    Action.EDIT_JUMP_POLICY: "changing the Jump Policy of '{name}'",
    Action.EDIT_SESSION_POLICY: "changing the session policies of '{name}'",
    Action.EDIT_BEHAVIOR: "changing the behaviour of '{name}'",
}


def role_refusal(action: Action | Literal["edit"], client: JumpClient) -> Refusal:
    """``403 forbidden``: the representative's Jump Item Role does not allow ``action``
    (``edit``: any of the edit permissions)."""
    return Refusal(
        "forbidden",
        f"Your role does not allow {_DOING[action].format(name=client.name)}.",
        status=403,
        details={"action": str(action)},
    )


def availability(client: JumpClient) -> Refusal | None:
    """Can a session start on this item at all (before any policy)?"""
    name = client.name
    if client.connection_type is ConnectionType.UNINSTALLED:
        return Refusal("uninstalled", f"The Jump Client '{name}' has been uninstalled.")
    if client.unavailable_reason is UnavailableReason.DISABLED:
        return Refusal("disabled", f"The Jump Client '{name}' is disabled by its user.")
    if client.needs_update:
        return Refusal(
            "needs_update", f"The Jump Client '{name}' needs an upgrade before a session can start."
        )
    if not client.x_online and client.connection_type is ConnectionType.ACTIVE:
        return Refusal("offline", f"The Jump Client '{name}' is offline.")
    return None


def window_refusal(
    client: JumpClient, policy: JumpPolicy | None, schedule: Schedule | None, now: datetime
) -> Refusal | None:
    """``jump_policy_closed {opens_at}`` when the item's Jump Policy is closed at ``now``."""
    is_open, sentence = describe_window(policy, schedule, now)
    if is_open:
        return None
    assert policy is not None and schedule is not None
    opens = window_state(policy, schedule, now).opens_at
    details: dict[str, Any] = {
        "opens_at": opens.isoformat() if opens else None,
        "policy": policy.display_name,
        "timezone": schedule.timezone,
    }
    return Refusal("jump_policy_closed", sentence, details=details)


SimultaneousOutcome = Literal["start", "join"]


def simultaneous(
    client: JumpClient,
    policy: JumpPolicy | None,
    site_default: SiteSimultaneousJumps,
    holders: Sequence[str],
    me: str,
    *,
    invited: bool = False,
) -> SimultaneousOutcome | Refusal:
    """Start a new session, join the running one, or refuse (``in_use {by}``)."""
    if not holders or me in holders:
        return "start" if not holders else "join"
    mode = effective_simultaneous_jumps(policy, site_default)
    if mode is SiteSimultaneousJumps.JOIN or invited:
        return "join"
    return in_use(holders, invitation=True)


def in_use(holders: Sequence[str], *, invitation: bool = False) -> Refusal:
    """``in_use {by}``: someone else holds the item (a start may ask for an invitation; a
    removal must wait for the session to end)."""
    by = ", ".join(holders)
    then = "ask for an invitation" if invitation else "end the session first"
    return Refusal("in_use", f"In use by {by} — {then}.", details={"by": list(holders)})


def invite_refusal(username: str, item_name: str) -> Refusal:
    """``cannot_invite``: no representative of that name, or one who may not see the item.
    Both get this one answer, so an invitation cannot tell which names exist."""
    return Refusal(
        "cannot_invite",
        f"'{visible(username)}' cannot be invited: no representative of that name may see "
        f"'{item_name}' — check the username.",
    )


STRICT_WARNINGS_MIN = (15, 5, 1)
"""A strict session is warned this many minutes before its Jump Policy window closes."""


def strict_warnings(left_at_start: timedelta) -> set[int]:
    """The warnings a strict session gets: only the thresholds below the time it had left
    when it started (one started 5 min 39 s before the close hears of 5 and 1 minutes)."""
    return {m for m in STRICT_WARNINGS_MIN if left_at_start > timedelta(minutes=m)}


def strict_warning_due(left: timedelta, pending: Iterable[int]) -> int | None:
    """The warning to give with ``left`` before the close: the nearest of the ``pending``
    thresholds reached (never "15 minutes" when 3 are left), or None."""
    reached = [m for m in pending if left <= timedelta(minutes=m)]
    return min(reached) if reached else None


def may_end_session(user: User, *, owner: str, group: tuple[JumpGroupType, int] | None) -> bool:
    """Who may end a session for everyone in it: the representative who started it, the
    owner of the personal list its item is on (``group``: the item's), administrators."""
    return user.is_admin or user.username == owner or group == (JumpGroupType.PERSONAL, user.id)


def end_refusal(
    user: User, *, owner: str, group: tuple[JumpGroupType, int] | None, item_name: str
) -> Refusal | None:
    """``403 forbidden`` for a representative who may not end the session (a joined one
    leaves it instead)."""
    if may_end_session(user, owner=owner, group=group):
        return None
    return Refusal(
        "forbidden",
        f"Only {visible(owner)}, who started the session on '{item_name}', the owner of "
        "that Jump Item or an administrator can end it.",
        status=403,
    )


def start_verdict(
    client: JumpClient,
    *,
    permissions: Iterable[str],
    policy: JumpPolicy | None,
    schedule: Schedule | None,
    site_simultaneous: SiteSimultaneousJumps,
    holders: Sequence[str],
    me: str,
    invited: bool,
    now: datetime,
) -> SimultaneousOutcome | Refusal:
    """Every rule a start meets before the endpoint is asked anything, in DOMAIN.md's order:
    role → availability → Jump Policy window → simultaneous jumps. The appliance refuses
    with it; the console explains with it."""
    if ACTION_PERMISSION[Action.START] not in permissions:
        return role_refusal(Action.START, client)
    refusal = availability(client) or window_refusal(client, policy, schedule, now)
    if refusal is not None:
        return refusal
    return simultaneous(client, policy, site_simultaneous, holders, me, invited=invited)


def remove_refusal(client: JumpClient, permissions: Iterable[str]) -> Refusal | None:
    """A removal needs ``perm_remove`` and no session on the item (on any node: the holders
    live in the shared database)."""
    if ACTION_PERMISSION[Action.REMOVE] not in permissions:
        return role_refusal(Action.REMOVE, client)
    if client.x_in_session_by:
        return in_use(client.x_in_session_by)
    return None


def is_present(
    *, console_user: str | None, locked: bool, screen_saver: bool, by_screen_state: bool
) -> bool:
    """Presence: a logged-in user, and with the screen-state setting an unlocked screen."""
    if not console_user:
        return False
    if by_screen_state:
        return not locked and not screen_saver
    return True


def session_policy_for(client: JumpClient, present: bool) -> tuple[int | None, str]:
    """The item's session policy for this presence (None: the site default) and why."""
    if present:
        chosen, why = client.attended_session_policy_id, "a user is present"
    else:
        chosen, why = client.unattended_session_policy_id, "no user is present"
    if chosen is None:
        return None, f"{why}; the item sets no policy for that, so the site default applies"
    return chosen, why


def prompt_question(representative: str, item_name: str) -> str:
    """What the present user is asked when the session policy says to prompt."""
    return (
        f"{representative} asks to start a remote support session on this computer "
        f"({item_name}). Allow it?"
    )


def prompt_outcome(answer: bool | None, default: PromptAnswer) -> tuple[bool, str]:
    """Whether the session may start after the prompt, and what the user did (for the reason).

    ``answer`` is None when nobody answered in time or nobody could be asked: the policy's
    default answer decides.
    """
    if answer is not None:
        return answer, "accepted" if answer else "refused"
    accepted = default is PromptAnswer.ACCEPT
    return accepted, (
        "did not answer, so the policy's default answer (accept) applied"
        if accepted
        else "did not answer, so the policy's default answer (refuse) applied"
    )


# -- maintenance --------------------------------------------------------------------------------

Maintenance = Literal["lost", "delete", "uninstalled"]


def offline_since(client: JumpClient) -> datetime | None:
    """Since when an offline item is counted out of reach: its last disconnect, else its last
    connect, else (a client that never connected) its installation."""
    return (
        client.last_disconnect_timestamp
        or client.last_connect_timestamp
        or client.x_created_timestamp
    )


def maintenance(
    client: JumpClient, *, days_before_lost: int, days_before_deleted: int, now: datetime
) -> Maintenance | None:
    """What the sweep does to an item now (None: nothing).

    Offline is counted from the last disconnect, else the last connect, else (a client that
    never connected) its installation; an item with none of them is left alone. A client's
    own max offline minutes (ephemeral: 5) come first: past them the client has removed
    itself, so the item is uninstalled. Otherwise it is lost after ``days_before_lost`` and
    deleted after ``days_before_deleted``.
    """
    if client.x_online or client.connection_type is ConnectionType.UNINSTALLED:
        return None
    since = offline_since(client)
    if since is None:
        return None
    offline = now - since
    if client.max_offline_minutes and offline > timedelta(minutes=client.max_offline_minutes):
        return "uninstalled"
    if offline >= timedelta(days=days_before_deleted):
        return "delete"
    if offline >= timedelta(days=days_before_lost) and not client.is_lost:
        return "lost"
    return None


def expires_at(client: JumpClient, *, days_before_deleted: int, now: datetime) -> datetime | None:
    """When the client removes itself if it stays out of reach (BeyondTrust's
    ``expiration_timestamp``): its own max offline minutes, else the site's delete period,
    after it last reached the appliance (now, while online). None for an item never seen or
    already uninstalled. ``maintenance`` counts the same way."""
    if client.connection_type is ConnectionType.UNINSTALLED:
        return None
    since = now if client.x_online else offline_since(client)
    if since is None:
        return None
    if client.max_offline_minutes:
        return since + timedelta(minutes=client.max_offline_minutes)
    return since + timedelta(days=days_before_deleted)


# -- wake ---------------------------------------------------------------------------------------

_MAC = re.compile(r"^([0-9a-fA-F]{2})([:-]?)(?:[0-9a-fA-F]{2}\2){4}[0-9a-fA-F]{2}$")


def parse_mac(text: str) -> bytes:
    """Six bytes from ``aa:bb:cc:dd:ee:ff``, ``aa-bb-...`` or ``aabbccddeeff``."""
    if not _MAC.match(text.strip()):
        raise ValueError(f"'{text}' is not a MAC address")
    return bytes.fromhex(re.sub(r"[:-]", "", text.strip()))


def parse_secureon(text: str) -> bytes:
    """A SecureOn password: 4 or 6 bytes, written as hex (``aa:bb:cc:dd`` or ``aabbccddeeff``)."""
    digits = re.sub(r"[:\-\s]", "", text.strip())
    if not re.fullmatch(r"[0-9a-fA-F]{8}|[0-9a-fA-F]{12}", digits):
        raise ValueError("a SecureOn password is 4 or 6 bytes in hex, like aa:bb:cc:dd")
    return bytes.fromhex(digits)


def magic_packet(mac: str, password: bytes | None = None) -> bytes:
    """6 × FF, 16 × the MAC, and the optional 4- or 6-byte SecureOn password."""
    if password is not None and len(password) not in (4, 6):
        raise ValueError("a SecureOn password is 4 or 6 bytes")
    return b"\xff" * 6 + parse_mac(mac) * 16 + (password or b"")


def wake_refusal(
    target: JumpClient,
    *,
    allowed: bool,
    last_attempt: datetime | None,
    now: datetime,
    permissions: Iterable[str] = ("perm_start",),
) -> Refusal | None:
    """Everything that refuses a wake before a peer is looked for (see :func:`wake_peer`)."""
    name = target.name
    if ACTION_PERMISSION[Action.WAKE] not in permissions:
        return role_refusal(Action.WAKE, target)
    if not allowed:
        return Refusal(
            "wake_disabled", "Wake-on-LAN is turned off in the site settings.", status=403
        )
    if target.x_online and target.connection_type is ConnectionType.PASSIVE:
        return Refusal(
            "passive",
            f"'{name}' is passive and checked in, so it needs no wake: "
            "starting a session asks it to connect.",
        )
    if target.x_online:
        return Refusal("online", f"'{name}' is online; there is nothing to wake.")
    if last_attempt is not None and now - last_attempt < WAKE_COOLDOWN:
        ago = now - last_attempt
        left = int((WAKE_COOLDOWN - ago).total_seconds() + 0.999)
        return Refusal(
            "cooldown",
            f"Wake tried {until(ago)} ago — available in {left} s.",
            details={"retry_after": left},
        )
    if not target.x_mac:
        return Refusal(
            "no_mac", f"The MAC address of '{name}' is not known, so it cannot be woken."
        )
    return None


def wake_peer(target: JumpClient, candidates: Iterable[JumpClient]) -> JumpClient | None:
    """Another online active client behind the same default gateway (ip, and mac if known)."""
    gateway = target.x_gateway
    if gateway is None:
        return None
    for peer in candidates:
        other = peer.x_gateway
        if (
            peer.id == target.id
            or not peer.x_online
            or peer.connection_type is not ConnectionType.ACTIVE
            or other is None
        ):
            continue
        if other.ip != gateway.ip:
            continue
        if gateway.mac and other.mac and gateway.mac.lower() != other.mac.lower():
            continue
        return peer
    return None


def no_peer(target: JumpClient) -> Refusal:
    return Refusal(
        "no_peer",
        f"No online Jump Client on the same network as '{target.name}' can send the wake packet.",
    )


# -- upgrade ------------------------------------------------------------------------------------


def upgrade_refusal(
    client: JumpClient, mode: AutomaticUpgrades, permissions: Iterable[str] = ("perm_add",)
) -> Refusal | None:
    if ACTION_PERMISSION[Action.UPGRADE] not in permissions:
        return role_refusal(Action.UPGRADE, client)
    if mode is not AutomaticUpgrades.DISABLED:
        return Refusal(
            "automatic_upgrades_enabled",
            "Automatic upgrades are on; the appliance upgrades clients itself.",
        )
    if not client.needs_update:
        return Refusal("up_to_date", f"'{client.name}' is already up to date.")
    if client.connection_type is ConnectionType.UNINSTALLED:
        return Refusal("uninstalled", f"The Jump Client '{client.name}' has been uninstalled.")
    if not client.x_online and client.connection_type is ConnectionType.ACTIVE:
        return Refusal(  # nothing can take the bundle (a passive one is knocked on)
            "offline",
            f"The Jump Client '{client.name}' is offline; upgrade it once it is online.",
        )
    return None


#: A participant who may no longer start sessions on the session's item (a membership removed,
#: the item moved out of reach): the session's files and system information close to them too.
NO_LONGER_REACHABLE = (
    "You may no longer start sessions on this Jump Item, so its files and system information "
    "are closed to you."
)
