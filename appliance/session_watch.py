"""A running session, and whether it has a console: the grace period of one that has none.

A session outlives its consoles (leaving the sessions screen, a dropped connection, a console
that quits), for the console to reattach. While none of its representatives has a console
attached on this node (a live feed, the session's shell, or its screen), its
``unattended_until`` says when it ends unless one comes back: the site's ``session_grace_s``
after the last went.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from appliance.shells import ShellRelay
from appliance.site import Site
from domain.session import SessionInfo


@dataclass
class Session:
    info: SessionInfo
    warnings: set[int] = field(default_factory=set)
    """The strict-window warnings (minutes before the close) still to give."""
    grace_s: int = 0
    """The grace period counted since the last console went (while none is attached)."""


class Consoles:
    """Which sessions have a console here."""

    def __init__(
        self, site: Site, shells: ShellRelay, feeds: Callable[[], Collection[str]]
    ) -> None:
        """``feeds``: the representatives with a live feed (a console) on this node."""
        self.site = site
        self.shells = shells
        self.feeds = feeds
        self.watched: Callable[[str], bool] = lambda _sid: False
        """Whether someone watches the session's screen here (set with the screen relay)."""

    def attended(self, sid: str, info: SessionInfo, feeds: Collection[str]) -> bool:
        """A representative of the session has a console here: a live feed, its shell, or
        its screen."""
        return (
            bool(self.shells.viewers.get(sid))
            or self.watched(sid)
            or any(p in feeds for p in info.participants)
        )

    def follow(
        self, sid: str, session: Session, now: datetime, feeds: Collection[str] | None = None
    ) -> bool:
        """Note whether the session has a console (``feeds``: :attr:`feeds` taken once for
        many sessions); False when it has had none for the grace period (it is to end)."""
        info = session.info
        if self.attended(sid, info, self.feeds() if feeds is None else feeds):
            info.unattended_until = None
            return True
        if info.unattended_until is None:
            session.grace_s = self.site.settings().session_grace_s
            info.unattended_until = now + timedelta(seconds=session.grace_s)
        return now < info.unattended_until
