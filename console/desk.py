"""The representative's desk: what the console knows beyond the item list, without any UI.

Sessions this representative is in, sessions they were invited to, the items marked for a
multi-start and the wake cooldowns they started. The TUI and plain mode both keep theirs
here, so both explain an item the same way and both see a session joined elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from api_client import ApplianceClient, ApplianceError
from console.backend import SignIn
from console.explain import ActionState, explain
from domain import JumpClient
from domain.rules import MAX_MULTI_START, Refusal
from domain.session import SessionEvent, SessionInfo


@dataclass
class Desk:
    """One representative's sessions, invitations, marks and wake cooldowns."""

    username: str = ""
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    """Sessions this representative takes part in, by sid."""
    invitations: dict[str, SessionInfo] = field(default_factory=dict)
    """Sessions someone invited this representative to and they have not joined yet."""
    marked: list[int] = field(default_factory=list)
    wake_tried: dict[int, datetime] = field(default_factory=dict)
    wake_verdicts: dict[int, Refusal | str] = field(default_factory=dict)
    """The appliance's latest answer to "could this item be woken now?" (refusal or peer)."""
    current: str | None = None
    """The session last started, joined or looked at: where keys and plain mode's ``shell``
    go unless told otherwise (never merely the last one listed)."""

    # -- sessions ----------------------------------------------------------------------------

    def session_on(self, item_id: int) -> SessionInfo | None:
        return next((s for s in self.sessions.values() if s.item_id == item_id), None)

    def invited_on(self, item_id: int) -> bool:
        return any(s.item_id == item_id for s in self.invitations.values())

    def joined(self, info: SessionInfo) -> None:
        """A session this representative started or joined (from the action's answer)."""
        self.sessions[info.sid] = info
        self.invitations.pop(info.sid, None)
        self.current = info.sid

    def current_session(self) -> SessionInfo | None:
        """The :attr:`current` session while it is open, else the last one listed."""
        if self.current in self.sessions:
            return self.sessions[self.current]
        return next(reversed(self.sessions.values()), None)

    def left(self, sid: str) -> SessionInfo | None:
        self.invitations.pop(sid, None)
        return self.sessions.pop(sid, None)

    async def end_all(self, client: ApplianceClient, sessions: list[SessionInfo]) -> list[str]:
        """End (or leave) ``sessions`` before quitting; those that could not be, as
        ``'web-01': why`` (the others are left here)."""
        failed = []
        for info in sessions:
            try:
                await client.end_session(info.sid)
            except ApplianceError as err:
                failed.append(f"'{info.item_name}': {err.message}")
            else:
                self.left(info.sid)
        return failed

    def on_event(self, event: SessionEvent) -> None:
        """Follow a ``session`` frame of the live feed."""
        info = event.session
        me = self.username
        if event.event == "ended" or me not in info.participants:
            self.sessions.pop(info.sid, None)  # over for us (it may go on for others)
        else:
            self.sessions[info.sid] = info
        if event.event != "ended" and me in info.invited and me not in info.participants:
            self.invitations[info.sid] = info
        else:
            self.invitations.pop(info.sid, None)

    def sync(self, sessions: Iterable[SessionInfo]) -> None:
        """After (re)connecting: the appliance's list of our sessions is the truth."""
        me = self.username
        listed = list(sessions)
        self.sessions = {s.sid: s for s in listed if me in s.participants}
        self.invitations = {
            s.sid: s for s in listed if me in s.invited and me not in s.participants
        }

    # -- marks -------------------------------------------------------------------------------

    def toggle_mark(self, item_id: int) -> Refusal | None:
        """Mark or unmark ``item_id``; refused past the multi-start limit."""
        if item_id in self.marked:
            self.marked.remove(item_id)
        elif len(self.marked) >= MAX_MULTI_START:
            return Refusal(
                "too_many",
                f"At most {MAX_MULTI_START} Jump Items can be started at once; unmark "
                "one first (space).",
            )
        else:
            self.marked.append(item_id)
        return None

    # -- explanations ------------------------------------------------------------------------

    def states(
        self, item: JumpClient, signed_in: SignIn | None, now: datetime
    ) -> dict[str, ActionState]:
        """What each action would do on ``item`` now, in the appliance's words."""
        key = (item.jump_group_type, item.jump_group_id)
        permissions = set(signed_in.permissions.get(key, [])) if signed_in else set()
        return explain(
            item,
            permissions=permissions,
            site=signed_in.site if signed_in else None,
            now=now,
            username=self.username,
            wake_tried=self.wake_tried.get(item.id),
            in_session=self.session_on(item.id) is not None,
            invited=self.invited_on(item.id),
            wake_verdict=self.wake_verdicts.get(item.id),
        )
