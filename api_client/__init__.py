"""Typed async client of the Jump Console appliance."""

from __future__ import annotations

from api_client.client import (
    ApiCredentials,
    ApplianceClient,
    Credentials,
    Page,
    RepCredentials,
    Resource,
    RetryPolicy,
)
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
    ValidationFailed,
)

__all__ = [
    "ApiCredentials",
    "ApplianceClient",
    "ApplianceError",
    "AuthenticationFailed",
    "ConnectionFailed",
    "Credentials",
    "Forbidden",
    "NotFound",
    "Page",
    "ProtocolError",
    "RateLimited",
    "Refused",
    "RepCredentials",
    "RequestFailed",
    "Resource",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "ValidationFailed",
]
