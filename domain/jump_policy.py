"""Jump Policies: when an item may be jumped to and by how many representatives at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

from domain._types import (
    CodeName,
    CodeName1,
    Id,
    Line1_255,
    Lines0_1000,
    Model,
    Patch,
    Str0_1000,
    Str1_255,
)
from domain.enums import SimultaneousJumps, SimultaneousJumpsRdp, SiteSimultaneousJumps
from domain.schedule import Schedule, is_open, next_close, next_open


def _no_two_factor(value: bool) -> bool:
    if value:
        raise ValueError("Jump Console has no two-factor challenge; leave it false")
    return value


#: BeyondTrust's ``two_factor_challenge_required``: Jump Console has no such challenge, so
#: ``true`` is refused rather than kept and not enforced.
NoTwoFactor = Annotated[bool, AfterValidator(_no_two_factor)]


class JumpPolicyFields(Model):
    display_name: Str1_255
    code_name: CodeName = ""
    description: Str0_1000 = ""
    schedule_enabled: bool = True
    schedule_strict: bool = False
    simultaneous_jumps: SimultaneousJumps = SimultaneousJumps.GLOBAL
    simultaneous_jump_behavior_applies_to_copies: bool = False
    simultaneous_jumps_rdp: SimultaneousJumpsRdp = SimultaneousJumpsRdp.GLOBAL
    ticket_id_required: bool = False
    two_factor_challenge_required: NoTwoFactor = False


class JumpPolicy(JumpPolicyFields):
    id: Id


class JumpPolicyWithSchedule(JumpPolicy):
    """A policy with its weekly windows, as the representative API answers it."""

    schedule: Schedule


class JumpPolicyCreate(JumpPolicyFields):
    """``POST /jump-policy``: what a person types, so no control characters."""

    """Without a code name, one is made from the display name."""

    display_name: Line1_255
    description: Lines0_1000 = ""


class JumpPolicyUpdate(Patch):
    display_name: Line1_255 | None = None
    code_name: CodeName1 | None = None
    description: Lines0_1000 | None = None
    schedule_enabled: bool | None = None
    schedule_strict: bool | None = None
    simultaneous_jumps: SimultaneousJumps | None = None
    simultaneous_jump_behavior_applies_to_copies: bool | None = None
    simultaneous_jumps_rdp: SimultaneousJumpsRdp | None = None
    ticket_id_required: bool | None = None
    two_factor_challenge_required: NoTwoFactor | None = None


@dataclass(frozen=True, slots=True)
class WindowState:
    """Whether a policy lets a session start now, and when that changes (UTC; None = never)."""

    open: bool
    opens_at: datetime | None
    closes_at: datetime | None


ALWAYS_OPEN = WindowState(open=True, opens_at=None, closes_at=None)


def window_state(policy: JumpPolicy | None, schedule: Schedule | None, at: datetime) -> WindowState:
    """The policy's window at ``at``: no policy, a disabled schedule or none = always open."""
    if policy is None or not policy.schedule_enabled or schedule is None:
        return ALWAYS_OPEN
    if is_open(schedule, at):
        return WindowState(open=True, opens_at=None, closes_at=next_close(schedule, at))
    return WindowState(open=False, opens_at=next_open(schedule, at), closes_at=None)


def effective_simultaneous_jumps(
    policy: JumpPolicy | None, site_default: SiteSimultaneousJumps
) -> SiteSimultaneousJumps:
    """``global`` (and no policy) follows the site setting; ``join``/``disallow`` are kept."""
    if policy is None or policy.simultaneous_jumps is SimultaneousJumps.GLOBAL:
        return site_default
    return SiteSimultaneousJumps(policy.simultaneous_jumps.value)
