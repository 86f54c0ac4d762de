"""A jump session as the representative API and the live feed describe it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain._types import Model, UtcDateTime
from domain.session_policy import ResolvedPermissions

#: the largest file a session transfers either way (it travels whole, in one message: base64
#: makes 8 MiB about 10.7 MiB, under the 16 MiB websocket frames of both ends)
MAX_TRANSFER_BYTES = 8 * 1024 * 1024


class SessionInfo(Model):
    sid: str
    item_id: int
    item_name: str
    owner: str
    participants: list[str]
    invited: list[str] = Field(default_factory=list)
    present: bool
    session_policy_id: int
    session_policy_name: str
    reason: str
    permissions: ResolvedPermissions
    started_at: UtcDateTime
    strict: bool = False
    closes_at: UtcDateTime | None = None
    shell: bool = False
    """True when the Jump Client offers a command shell for this session."""
    unattended_until: UtcDateTime | None = None
    """Set while none of its representatives has a console attached: the session (and its
    shell) ends then, unless one comes back (the site's ``session_grace_s``)."""


class SessionStarted(Model):
    """``201`` answer of ``POST /jump-items/{id}/sessions``."""

    session: SessionInfo
    session_policy_id: int
    presence: bool
    permissions: ResolvedPermissions
    joined: bool


SessionEventKind = Literal["started", "joined", "invited", "warning", "left", "ended"]


class SessionEvent(Model):
    """A ``session`` frame of the live feed, sent to participants (and invitees)."""

    type: Literal["session"] = "session"
    event: SessionEventKind
    session: SessionInfo
    message: str
