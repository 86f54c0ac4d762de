"""Turning pydantic/FastAPI validation errors into the API's error bag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from appliance.db import DatabaseUnavailable

_SECTIONS = {"body", "query", "path", "header"}


def unknown_field(errors: Sequence[Any]) -> str | None:
    """The first field refused as unknown (``extra="forbid"``), if any."""
    for error in errors:
        if error.get("type") == "extra_forbidden":
            loc = [str(p) for p in error.get("loc", ()) if p not in _SECTIONS]
            return ".".join(loc) or "?"
    return None


def error_bag(errors: Sequence[Any]) -> dict[str, list[str]]:
    """``{field: [message, ...]}``; errors about the whole body go under ``body``."""
    bag: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in _SECTIONS]
        field = ".".join(loc) or "body"
        message = str(error.get("msg", "is invalid"))
        if error.get("type") == "json_invalid":
            field, message = "body", "is not valid JSON"
        elif error.get("type") == "missing":
            message = "is required"
        message = message.removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        bag.setdefault(field, []).append(message)
    return bag


def bag_sentence(bag: dict[str, list[str]]) -> str:
    field, messages = next(iter(bag.items()))
    more = len(bag) - 1
    tail = f" (and {more} more field{'s' if more > 1 else ''})" if more else ""
    return f"The request is invalid: {field}: {messages[0]}{tail}."


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
