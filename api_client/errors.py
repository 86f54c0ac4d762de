"""Every way a call to the appliance can fail, as one tree::

    ApplianceError                 anything the appliance client raises
    ├── ConnectionFailed           the appliance could not be reached (DNS, refused, timeout)
    ├── ProtocolError              the answer could not be read (not JSON, wrong shape)
    └── RequestFailed              the appliance answered with an error status
        ├── AuthenticationFailed   401: wrong credentials, expired token, unknown field
        │   └── SignInLocked       429 at sign-in: too many failed sign-ins; try again later
        ├── Forbidden              403: signed in, but not allowed
        ├── NotFound               404: no such resource (or not visible to you)
        ├── Refused                409: a rule said no (policy closed, in use, cooldown, ...)
        ├── ValidationFailed       422: the request broke a limit; ``errors`` says where
        ├── RateLimited            429: too many requests, even after waiting and retrying
        └── ServerError            5xx
            └── ServiceUnavailable 503, even after retrying

Each error carries ``message``: one sentence for the user saying what happened and what to
do, ``status`` (the HTTP status, None when no answer came) and ``item``, the resource the
call was about when there was one. No error ever contains a secret or a token.
"""

from __future__ import annotations

from typing import Any


class ApplianceError(Exception):
    """Base of every error of the appliance client."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        item: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.item = item
        self.code = code
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


class ConnectionFailed(ApplianceError):
    """No answer: the appliance is down, unreachable, or too slow."""


class ProtocolError(ApplianceError):
    """An answer came but could not be understood."""


class RequestFailed(ApplianceError):
    """The appliance answered with an error status."""


class AuthenticationFailed(RequestFailed):
    pass


class SignInLocked(AuthenticationFailed):
    """The appliance refuses sign-ins of this account or from this address for a while,
    after too many failed ones (the right password too); ``message`` says when to try
    again, ``retry_after`` in seconds."""

    @property
    def retry_after(self) -> float | None:
        value = self.details.get("retry_after")
        return float(value) if isinstance(value, int | float) else None


class Forbidden(RequestFailed):
    pass


class NotFound(RequestFailed):
    pass


class Refused(RequestFailed):
    """A rule of the domain refused the request; ``code`` names the rule."""


class ValidationFailed(RequestFailed):
    """The request broke a documented limit."""

    @property
    def errors(self) -> dict[str, list[str]]:
        bag = self.details.get("errors")
        return bag if isinstance(bag, dict) else {}


class RateLimited(RequestFailed):
    @property
    def retry_after(self) -> float | None:
        value = self.details.get("retry_after")
        return float(value) if isinstance(value, int | float) else None


class ServerError(RequestFailed):
    pass


class ServiceUnavailable(ServerError):
    pass


_BY_STATUS: dict[int, type[RequestFailed]] = {
    401: AuthenticationFailed,
    403: Forbidden,
    404: NotFound,
    409: Refused,
    422: ValidationFailed,
    429: RateLimited,
    503: ServiceUnavailable,
}

_FALLBACK_SENTENCE: dict[int, str] = {
    401: "The appliance did not accept the credentials; check them and sign in again.",
    403: "You are not allowed to do that; ask an administrator for the permission.",
    404: "That no longer exists on the appliance; refresh and try again.",
    409: "The appliance refused the request under its rules.",
    422: "The request is invalid; correct it and try again.",
    429: "The appliance is rate-limiting requests; wait a moment and try again.",
    503: "The appliance is temporarily unavailable; try again shortly.",
}


def error_for(status: int, body: Any, *, item: str | None = None) -> RequestFailed:
    """The error for an answer with ``status`` and decoded JSON ``body`` (or None)."""
    details: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    message = details.pop("message", None) or details.pop("error_description", None)
    code = details.pop("error", None)
    if not isinstance(message, str) or not message:
        message = _FALLBACK_SENTENCE.get(
            status,
            "The appliance had an internal error; try again, and report it if it goes on."
            if status >= 500
            else f"The appliance refused the request (HTTP {status}).",
        )
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else RequestFailed)
    return cls(
        message,
        status=status,
        item=item,
        code=code if isinstance(code, str) else None,
        details=details,
    )
