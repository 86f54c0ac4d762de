"""Websocket close codes (4000–4999: the application's own), the same on every channel.

Each mirrors the HTTP status it stands for, so a client reads them as it reads answers.
"""

from __future__ import annotations

from enum import IntEnum


class Close(IntEnum):
    NORMAL = 1000
    BAD_REQUEST = 4400
    """A frame that cannot be read, or not the one expected now."""
    UNAUTHORIZED = 4401
    """No valid sign-in (a token that expired or was revoked): sign in again."""
    FORBIDDEN = 4403
    """Signed in, but the right is gone (a membership removed, a policy that denies)."""
    NOT_FOUND = 4404
    """No such session (or item) of yours."""
    CONFLICT = 4409
    """A rule says no (the endpoint offers no shell, the session ended)."""
    GONE = 4410
    """The Jump Item was deleted: its Jump Client removes itself rather than come back."""
    FLOOD = 4429
    """Too many frames: the sender is cut off."""
