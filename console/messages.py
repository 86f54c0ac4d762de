"""App-wide messages of the console."""

from __future__ import annotations

import asyncio

from textual.message import Message

from api_client import FeedEvent
from console.backend import SignIn


class FeedEventArrived(Message):
    """One event of the live feed (status, snapshot, delta, statistics). ``handled`` is set
    once the app has applied it: the feed hands on its next event only then, so a key typed
    meanwhile waits for one event, not for every slice of a large batch queued before it."""

    def __init__(self, event: FeedEvent) -> None:
        super().__init__()
        self.event = event
        self.handled = asyncio.Event()


class SessionReady(Message):
    """Signed in: who we are, the groups we may see, and the site's policies."""

    def __init__(self, session: SignIn) -> None:
        super().__init__()
        self.session = session
