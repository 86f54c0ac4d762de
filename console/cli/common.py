"""What every command shares: the exit codes, the one-sentence error, the output in
aligned text or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
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


def not_one_of(word: str, a_thing: str, the_things: str, valid: Iterable[str]) -> CliError:
    """A usage error naming the bad word and every good one: ``'colour' is not a setting; the
    settings are ...``."""
    return CliError(f"'{word}' is not {a_thing}; {the_things} are {', '.join(valid)}.")


def pick(text: str, choices: Sequence[tuple[int, Sequence[str]]], what: str) -> int:
    """The id ``text`` names among ``choices`` (id, its names): an id, or a name in any case;
    else a usage error listing the names."""
    if text.isdigit() and any(cid == int(text) for cid, _ in choices):
        return int(text)
    for cid, names in choices:
        if any(n and n.lower() == text.strip().lower() for n in names):
            return cid
    valid = ", ".join(f"'{names[0]}'" for _, names in choices)
    if not valid:
        raise CliError(f"No {what} is called '{text}'; this site has none.")
    raise CliError(f"No {what} is called '{text}'; give one of {valid}.")


def confirm(question: str, yes: bool, then: str = "") -> bool:
    """True when the user said yes (or ``--yes`` did). A script without ``--yes`` gets the
    question back as a usage error, so nothing happens unasked."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CliError(f"{question} Say --yes to do it from a script.")
    prompt = " ".join(part for part in (visible(question), visible(then), "[y/N] ") if part)
    return input(prompt).strip().lower() in ("y", "yes")
