"""Websocket close codes (4000–4999: the application's own), the same on every channel, and
the reasons an open connection is closed with when a right it holds ends.

Each code mirrors the HTTP status it stands for, so a client reads them as it reads answers.
A reason is one sentence for the person at the console (a close reason holds 123 bytes).
"""

from __future__ import annotations

from enum import IntEnum


class Close(IntEnum):
    NORMAL = 1000
    TRY_AGAIN_LATER = 1013
    """Refused for now (admission, a full node, the database unavailable): connect again
    later (a Jump Client is told when, first)."""
    BAD_REQUEST = 4400
    """A frame that cannot be read, or not the one expected now."""
    UNAUTHORIZED = 4401
    """No valid sign-in (none sent, or a token that expired): sign in again (a client that
    holds the credentials may do so by itself)."""
    FORBIDDEN = 4403
    """Signed in, but the right is gone (a membership removed, a policy that denies)."""
    NOT_FOUND = 4404
    """No such session (or item) of yours (any more: you left it)."""
    CONFLICT = 4409
    """A rule says no (the endpoint offers no shell, the session ended)."""
    REVOKED = 4410
    """The sign-in was ended on purpose (a newer sign-in of the account replaced it, the
    account was disabled, its password changed): a client must not sign in again by itself;
    the person does, if they still may."""
    GONE = 4411
    """The Jump Item was deleted: its Jump Client removes itself rather than come back."""
    FLOOD = 4429
    """Too many frames: the sender is cut off."""


#: The sign-in's token expired (``UNAUTHORIZED``).
EXPIRED = "Your sign-in has expired; sign in again."
#: A newer sign-in of the account replaced this one (``REVOKED``): at most
#: ``max_tokens_per_account`` sign-ins of an account stay valid.
REPLACED = "Your sign-in was ended by newer sign-ins of your account: sign in again."
#: An administrator disabled the account (``REVOKED``).
DISABLED = "Your account was disabled: ask an administrator to enable it."
#: An administrator deleted the account (``REVOKED``).
DELETED = "Your account was deleted: ask an administrator for a new one."
#: The account's password was changed (``REVOKED``).
PASSWORD_CHANGED = "Your password was changed: sign in again with the new one."
#: The token is gone, for a reason this node did not hear (``REVOKED``).
SIGNED_OUT = "Your sign-in was ended: sign in again."
#: The session ended (``CONFLICT``).
SESSION_ENDED = "The session has ended: its shell is closed."
#: The representative left the session (``NOT_FOUND``).
LEFT_SESSION = "You are no longer in this session: its shell is closed to you."
#: The representative may no longer start sessions on the item (``FORBIDDEN``).
NO_LONGER_ALLOWED = "You may no longer start sessions on this Jump Item: its shell is closed."
