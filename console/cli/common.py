"""What every command shares: the exit codes, the one-sentence error, the output in
aligned text or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from api_client import (
    ApplianceError,
    AuthenticationFailed,
    ConnectionFailed,
    Forbidden,
    NotFound,
    ProtocolError,
    RateLimited,
    Refused,
    ServiceUnavailable,
    ValidationFailed,
)
from domain.text import visible, visible_lines

OK, REFUSED, USAGE, UNREACHABLE = 0, 1, 2, 3


class CliError(Exception):
    """One sentence for stderr and the exit code that goes with it."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def exit_code(err: ApplianceError) -> int:
    if isinstance(err, ConnectionFailed | AuthenticationFailed | ServiceUnavailable):
        return UNREACHABLE
    if isinstance(err, ProtocolError):
        return UNREACHABLE
    if isinstance(err, ValidationFailed | NotFound):
        return USAGE
    if isinstance(err, Refused | Forbidden | RateLimited):
        return REFUSED
    return REFUSED


# -- output -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    rows = [[visible(str(c)) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)


class Out:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, document: Any, text: str) -> None:
        print(json.dumps(_plain(document), indent=2) if self.as_json else visible_lines(text))


def say_error(message: str) -> None:
    """An error on stderr: one sentence, which may name an item (shown, not interpreted)."""
    print(f"jump-console: {visible(message)}", file=sys.stderr)
