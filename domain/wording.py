"""How the rules are put into words: durations, wall-clock times, Jump Policy windows.

The appliance's refusals and the console's explanations use these, so a representative reads
the same sentence whichever side said it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.enums import ConnectionType, ScreenSharing
from domain.jump_client import JumpClient
from domain.jump_policy import JumpPolicy, window_state
from domain.schedule import DAY_NAMES, Schedule

#: who may use the installers and the deployment wizard: the appliance refuses the others with
#: it (the CLI says it as it comes), and plain mode says it before asking
INSTALLERS_REFUSED = (
    "The installers are for site administrators and users with the installer permission; ask "
    "an administrator for it."
)

# -- screen sharing: the appliance's refusals, the Jump Client's answer, the console's view --
#: the policy's screen sharing is "not allowed" (also a websocket's close reason: short)
SCREEN_NOT_ALLOWED = "The session policy does not allow screen sharing."
#: the Jump Client has no display to capture (no DISPLAY, or the display cannot be read)
NO_DISPLAY = "This endpoint has no screen to share (no display)."
#: the endpoint is one that cannot share a screen at all (a demo or passive stand-in)
NO_CLIENT_SCREEN = "This Jump Client offers no screen to share (demo clients do not)."
#: the session ended while its screen was watched (a websocket's close reason)
SCREEN_ENDED = "The session has ended: its screen is no longer shared."
#: plain mode has no live view
SCREEN_PLAIN_ONLY = (
    "The live screen view is only in the full-screen console; screenshot N PATH saves a "
    "picture of session N's screen."
)


def screen_refusal(mode: ScreenSharing) -> str | None:
    """Why the screen may not be shared under a session's screen-sharing permission, or
    None when it may (view only, view and control)."""
    if mode in (ScreenSharing.VIEW_ONLY, ScreenSharing.VIEW_AND_CONTROL):
        return None
    return SCREEN_NOT_ALLOWED


def screen_prompt_question(representative: str, item_name: str) -> str:
    """What the present user is asked before their screen is shared, when the policy says
    to prompt."""
    return f"{representative} asks to see this computer's screen ({item_name}). Allow it?"


def screen_refused_by_user(item_name: str) -> str:
    """The present user said no (or nobody answered and the policy's default is no)."""
    return f"The user at '{item_name}' did not allow screen sharing."


def until(delta: timedelta) -> str:
    """``45 s``, ``12 min``, ``2 h 13 min``, ``14 h 02 min``, ``3 d 4 h``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def span(seconds: int) -> str:
    """A setting's length in words: ``2 minutes``, ``1 minute``, ``90 seconds``."""
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def countdown(left: timedelta) -> str:
    """A live countdown, to the second: ``4:59``, ``1:02:03`` (rounded up: ``0:00`` only
    at the end)."""
    seconds = max(0, math.ceil(left.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def strict_countdown(closes_at: datetime | None, now: datetime) -> str | None:
    """The line a strict session's header shows, live: ``Strict Jump Policy: the session
    ends in 4:59 (at 10:30 UTC).`` None for a session without a strict window."""
    if closes_at is None:
        return None
    left = closes_at - now
    if left <= timedelta(0):
        return f"Strict Jump Policy: the window closed at {closes_at:%H:%M} UTC; the session ends."
    return f"Strict Jump Policy: the session ends in {countdown(left)} (at {closes_at:%H:%M} UTC)."


def end_question(where: str, participants: list[str], *, ends: bool) -> tuple[str, str]:
    """(question, consequence) before ending a session (``ends``: for everyone in it) or
    leaving it; ``where`` names its item (``'web-01'``, ``'web-01' in Servers``)."""
    if ends:
        return (
            f"End the session on {where} for everyone in it ({', '.join(participants)})?",
            "Its shell and transfers stop.",
        )
    return f"Leave the session on {where}?", "It goes on for the others."


def quit_choices(names: list[str], grace_s: int) -> tuple[str, list[tuple[str, str]]]:
    """Quitting with sessions open (on the items ``names``): the question and its choices as
    (words, value); the TUI's dialog and plain mode ask the same. Value ``""`` cancels."""
    shown = ", ".join(f"'{name}'" for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    count = f"{len(names)} session{'s' if len(names) != 1 else ''}"
    return f"You are in {count}: {shown}{more}. Quit the console and…", [
        ("End them (or leave those others started), then quit", "end"),
        (
            "Keep them running and quit: the console reattaches when it starts again "
            f"(without a console they end after {span(grace_s)})",
            "keep",
        ),
        ("Cancel: stay in the console", ""),
    ]


def not_all_ended(failed: list[str], again: str) -> str:
    """Quitting could not end every session (``failed``: ``'web-01': why``); ``again`` says
    how to try again (``press ctrl+q``, ``say quit``)."""
    return (
        f"Not every session could be ended ({'; '.join(failed)}); the console stays open: "
        f"{again} to try again."
    )


def wall_time(moment: datetime, zone: str, now: datetime) -> str:
    """``09:00 Europe/Paris`` today, ``Mon 09:00 Europe/Paris`` on another day."""
    local = moment.astimezone(ZoneInfo(zone))
    here = now.astimezone(ZoneInfo(zone))
    day = "" if local.date() == here.date() else f"{DAY_NAMES[local.weekday()]} "
    return f"{day}{local:%H:%M} {zone}"


def describe_window(
    policy: JumpPolicy | None, schedule: Schedule | None, now: datetime
) -> tuple[bool, str]:
    """(open now?, one sentence) for an item's Jump Policy at ``now``."""
    if policy is None:
        return True, "No Jump Policy: sessions may start at any time."
    name = f"Jump Policy '{policy.display_name}'"
    if not policy.schedule_enabled or schedule is None:
        return True, f"{name} has no schedule: always open."
    state = window_state(policy, schedule, now)
    if state.open:
        if state.closes_at is None:
            return True, f"{name} is open at all times."
        strict = " (strict: sessions end then)" if policy.schedule_strict else ""
        when = wall_time(state.closes_at, schedule.timezone, now)
        return True, f"{name} is open — closes {when}, in {until(state.closes_at - now)}{strict}."
    if state.opens_at is None:
        return False, f"{name} is closed and its schedule never opens."
    when = wall_time(state.opens_at, schedule.timezone, now)
    return False, f"{name} is closed — opens {when} (in {until(state.opens_at - now)})."


def removal_outcome(client: JumpClient) -> str:
    """What removing the item does to its Jump Client, in one sentence: the remove dialog
    says it (the appliance tells a client that is online at once, and refuses one that
    comes back later, which then uninstalls itself)."""
    if client.connection_type is ConnectionType.UNINSTALLED:
        return "Its Jump Client is already uninstalled."
    if client.x_online:
        return "Its Jump Client is told now and uninstalls itself."
    return "Its Jump Client is offline: it uninstalls itself when it next connects."
