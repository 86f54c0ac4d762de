"""Typed async client of the Jump Console appliance."""

from __future__ import annotations

from api_client._config import Resource
from api_client._transport import ApiCredentials, Credentials, Page, RepCredentials, RetryPolicy
from api_client.client import ApplianceClient
from api_client.errors import (
    ApplianceError,
    AuthenticationFailed,
    ConnectionFailed,
    Forbidden,
    NotFound,
    ProtocolError,
    RateLimited,
    Refused,
    RequestFailed,
    ServerError,
    ServiceUnavailable,
    SignInLocked,
    ValidationFailed,
)
from api_client.live import (
    FeedEvent,
    FeedState,
    FeedStatus,
    LiveFeed,
    SnapshotLoaded,
    SnapshotPart,
)
from api_client.screen import ScreenConnection, open_screen
from api_client.shell import ShellConnection, open_shell
from domain.protocol.live import ItemDelta, Resumed

__all__ = [
    "ApiCredentials",
    "ApplianceClient",
    "ApplianceError",
    "AuthenticationFailed",
    "ConnectionFailed",
    "Credentials",
    "FeedEvent",
    "FeedState",
    "FeedStatus",
    "Forbidden",
    "ItemDelta",
    "LiveFeed",
    "NotFound",
    "Page",
    "ProtocolError",
    "RateLimited",
    "Refused",
    "RepCredentials",
    "RequestFailed",
    "Resource",
    "Resumed",
    "RetryPolicy",
    "ScreenConnection",
    "ServerError",
    "ServiceUnavailable",
    "ShellConnection",
    "SignInLocked",
    "SnapshotLoaded",
    "SnapshotPart",
    "ValidationFailed",
    "open_screen",
    "open_shell",
]
