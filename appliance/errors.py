"""One refusal for the whole appliance: :class:`Refused`, raised wherever a request is
refused (a rule, a missing right, an unknown id, invalid input), and rendered by each API
in its own body shape:

- the representative and agent APIs: ``{"error": CODE, "message": sentence, ...details}``
  (:class:`domain.protocol.rep.RefusalBody`);
- the Config API, as BeyondTrust's: ``{"message": sentence}``, and for 422 the field
  error bag beside it, ``{"message", "errors": {field: [message]}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.protocol.rep import RefusalBody
from domain.rules import Refusal


class Refused(Exception):
    """A request the appliance will not carry out: the refusal (code, one sentence,
    status, details) and the headers its answer carries (``Retry-After``, ...)."""

    def __init__(self, refusal: Refusal, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
        self.headers = dict(headers or {})

    @classmethod
    def because(
        cls,
        status: int,
        code: str,
        sentence: str,
        *,
        headers: Mapping[str, str] | None = None,
        **details: Any,
    ) -> Refused:
        """A refusal with this status, code, sentence and details."""
        return cls(Refusal(code, sentence, status=status, details=details), headers=headers)

    @property
    def status(self) -> int:
        return self.refusal.status

    @property
    def code(self) -> str:
        return self.refusal.code

    @property
    def message(self) -> str:
        return self.refusal.message


def not_found(sentence: str) -> Refused:
    """``404 not_found`` with this sentence."""
    return Refused.because(404, "not_found", sentence)


def invalid(field: str, message: str) -> Refused:
    """``422 invalid``: ``field`` breaks a rule (named in the error bag)."""
    return Refused.because(
        422,
        "invalid",
        f"The request is invalid: {field} {message}.",
        errors={field: [message]},
    )


#: the refusals any operation of the representative and agent APIs may answer, documented
#: once for all of them (their body is always :class:`RefusalBody`)
CODED_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": RefusalBody, "description": description}
    for status, description in (
        (400, "The body could not be read"),
        (401, "No valid sign-in, or credentials the appliance does not know"),
        (403, "A role or a policy does not allow it"),
        (404, "No such resource, or not one the caller may see"),
        (405, "The path does not take this method"),
        (409, "A rule says no (the item is offline, in use, outside its window ...)"),
        (410, "The installer has expired"),
        (422, "A value breaks a documented limit, or the body is too large"),
        (429, "Too many attempts; see Retry-After"),
        (502, "A server the appliance relies on refused"),
        (503, "The appliance cannot answer now; see Retry-After"),
    )
}


def coded_body(refusal: Refusal) -> dict[str, Any]:
    """The representative and agent APIs' body: ``{"error", "message", ...details}``."""
    return RefusalBody.of(refusal).model_dump()


#: where the APIs answering :func:`coded_body` are mounted; the Config API is the others
CODED_APIS = ("/api/rep/", "/api/agent/")


def body_at(path: str, refusal: Refusal) -> dict[str, Any]:
    """``refusal`` in the body of the API that ``path`` is an address of: for answers given
    before any API is reached (an address none routes, a body over the size limit)."""
    return coded_body(refusal) if path.startswith(CODED_APIS) else config_body(refusal)


def config_body(refusal: Refusal) -> dict[str, Any]:
    """The Config API's body: ``{"message"}``, with the ``errors`` bag when there is one."""
    body: dict[str, Any] = {"message": refusal.message}
    errors = refusal.details.get("errors")
    if errors is not None:
        body["errors"] = errors
    return body
