"""App-wide messages of the console."""

from __future__ import annotations

from textual.message import Message

from api_client import FeedEvent
from console.backend import SignIn


class FeedEventArrived(Message):
    """One event of the live feed (status, snapshot, delta, statistics)."""

    def __init__(self, event: FeedEvent) -> None:
        super().__init__()
        self.event = event


class SessionReady(Message):
    """Signed in: who we are, the groups we may see, and the site's policies."""

    def __init__(self, session: SignIn) -> None:
        super().__init__()
        self.session = session
