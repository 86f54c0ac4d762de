"""Turning pydantic/FastAPI validation errors into the API's error bag."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from appliance.db import DatabaseUnavailable
from domain._types import NOT_UNICODE

_SECTIONS = {"body", "query", "path", "header"}


def _field(error: Any) -> str:
    """The field an error is about: its location past the request part it is in (``body``,
    ``query`` ...), whose own name may be a field's too (a query parameter ``path``)."""
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in _SECTIONS:
        loc = loc[1:]
    return ".".join(loc)


def unknown_field(errors: Sequence[Any]) -> str | None:
    """The first field refused as unknown (``extra="forbid"``), if any."""
    for error in errors:
        if error.get("type") == "extra_forbidden":
            return _field(error) or "?"
    return None


#: what a missing request part is, by where it is missing from
_REQUIRED = {"query": "is a required query parameter", "header": "is a required header"}


def error_bag(errors: Sequence[Any]) -> dict[str, list[str]]:
    """``{field: [message, ...]}``; errors about the whole body go under ``body``."""
    bag: dict[str, list[str]] = {}
    for error in errors:
        field = _field(error) or "body"
        kind = error.get("type")
        message = str(error.get("msg", "is invalid"))
        if kind == "json_invalid":
            field, message = "body", "is not valid JSON"
        elif kind == "missing":
            message = _REQUIRED.get(str(next(iter(error.get("loc", ())), "")), "is required")
        elif kind == "string_unicode":  # a lone surrogate, refused by a bounded string
            message = NOT_UNICODE
        message = message.removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        bag.setdefault(field, []).append(message)
    return bag


def bag_sentence(bag: dict[str, list[str]]) -> str:
    field, messages = next(iter(bag.items()))
    more = len(bag) - 1
    tail = f" (and {more} more field{'s' if more > 1 else ''})" if more else ""
    return f"The request is invalid: {field}: {messages[0]}{tail}."


def coded_invalid(errors: Sequence[Any]) -> JSONResponse:
    """The representative and agent APIs' 422: ``{"error": "invalid", "message": sentence,
    "errors": bag}``."""
    bag = error_bag(errors)
    body = {"error": "invalid", "message": bag_sentence(bag), "errors": bag}
    return JSONResponse(body, status_code=422)


def answer_invalid_input(api: FastAPI, answer: Callable[[Sequence[Any]], JSONResponse]) -> None:
    """Invalid input (a request, or a model merged from one) is answered by ``answer`` from
    its errors, never with the framework's own body (which repeats what was sent)."""

    async def on_invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        return answer(exc.errors())

    for invalid_input in (RequestValidationError, ValidationError):
        api.add_exception_handler(invalid_input, on_invalid)


#: the framework's own refusals, in the coded APIs' words ("": its own sentence)
_HTTP_ERRORS = {
    400: ("invalid", "The request body could not be read; send JSON in UTF-8."),
    404: ("not_found", ""),
    405: ("method_not_allowed", "This address does not take that method; see Allow."),
}


def answer_coded_errors(api: FastAPI) -> None:
    """The representative and agent APIs' answers to what is not a refusal of theirs:
    invalid input (:func:`coded_invalid`), an unknown path or method, an unavailable
    database; each ``{"error": CODE, "message": sentence}``."""
    answer_database_unavailable(api, with_code=True)
    answer_invalid_input(api, coded_invalid)

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code, message = _HTTP_ERRORS.get(exc.status_code, ("http_error", str(exc.detail)))
        return JSONResponse(
            {"error": code, "message": message or str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    api.add_exception_handler(HTTPException, on_http)


def answer_database_unavailable(api: FastAPI, *, with_code: bool) -> None:
    """A request the database cannot serve now answers 503 with one sentence and Retry-After.

    ``with_code`` adds ``error`` (the representative and agent APIs' bodies carry one).
    """

    async def on_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        body = {"message": str(exc)}
        if with_code:
            body = {"error": "database_unavailable", **body}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})

    api.add_exception_handler(DatabaseUnavailable, on_unavailable)
