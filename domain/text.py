"""Text from data is shown, never interpreted.

Names, comments, tags, hostnames, OS strings and console users come from people and from
endpoints. A control character in them (an ESC that starts a terminal sequence, a BEL that
ends one, a C1 CSI, a bidi override that reorders what is read) must never reach a
terminal as itself: on every output path it becomes a visible escape (``\\x1b``, ``\\x07``,
``\\u202e``). Where people type text, the writable models refuse such characters instead
(``domain._types``); what is already stored, or reported by an endpoint, still loads and is
neutralised here on the way out.

:func:`visible` runs on hot paths (every table cell drawn, every line said): when there is
nothing to change it costs one ``str.isprintable`` (C speed; control and format characters
are not printable), and a precompiled regex search only for text that has other unprintable
characters (a no-break space, say).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from unicodedata import category

#: C0 controls, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
CONTROL_CLASS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: What never takes a cell as itself: controls, format characters (bidi, zero-width), line
#: and paragraph separators.
_NOT_IN_A_CELL = frozenset(("Cc", "Cf", "Zl", "Zp"))
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_of(char: str) -> str:
    """The visible form of one control character: ``\\n``, ``\\x1b``, ``\\u202e``."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape(match: re.Match[str]) -> str:
    return escape_of(match.group())


def visible(text: str) -> str:
    """``text`` with every control character made a visible escape (one line out)."""
    if text.isprintable() or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escape, text)


def visible_lines(text: str) -> str:
    """Like :func:`visible`, but newlines stay line breaks: for output made of lines."""
    if text.isprintable() or _CONTROL_BUT_NEWLINE.search(text) is None:
        return text
    return _CONTROL_BUT_NEWLINE.sub(_escape, text)


def cell_glyph(char: str) -> str:
    """The visible form of one control or format character in a single terminal cell
    (where an escape such as ``\\x1b`` would not fit): a C0 control as its Control Picture
    (``␛`` for ESC), DEL as ``␡``, anything else unprintable (C1, a bidi override) as ``�``."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def visible_cells(text: str) -> str:
    """``text`` laid out in cells with every control or format character a visible glyph
    (:func:`cell_glyph`), one cell each: what a terminal view draws of an endpoint's output."""
    if text.isprintable():
        return text
    return "".join(
        cell_glyph(c) if category(c) in _NOT_IN_A_CELL else c for c in text
    )  # private-use glyphs (a prompt's icons) are not printable, yet shown as they are


def without_controls(text: str) -> str:
    """``text`` with its control characters left out (they take no cell on a screen, so
    leaving them out keeps a laid-out line's width): the last resort where text is already
    laid out and can no longer be escaped."""
    if text.isprintable() or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub("", text)


def first_control(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """Where the first character a person may not type is, and its visible form.

    On one line every control character counts; in multi-line text (comments,
    descriptions) tab and newline are allowed.
    """
    found = (_CONTROL_BUT_LAYOUT if multiline else _CONTROL).search(text)
    return None if found is None else (found.start(), escape_of(found.group()))


def _shown_arg(value: object) -> object:
    if isinstance(value, str):
        return visible(value)
    if value is None or isinstance(value, int | float):
        return value
    return visible(str(value))


class ShownLogRecord(logging.LogRecord):
    """A log record whose message, arguments, traceback and stack are shown, not interpreted.

    Arguments are neutralised as the record is made (formatters that read ``args`` directly
    see them safe) and the formatted message again when it is asked for; the traceback text
    a formatter adds keeps its line breaks. Installed by :func:`show_logs_plainly`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given = self.args
        if isinstance(given, Mapping):
            self.args = {k: _shown_arg(v) for k, v in given.items()}
        elif given:
            self.args = tuple(_shown_arg(v) for v in given)

    def getMessage(self) -> str:
        return visible(super().getMessage())

    @property
    def exc_text(self) -> str | None:
        text: str | None = self.__dict__.get("_exc_text")
        return None if text is None else visible_lines(text)

    @exc_text.setter
    def exc_text(self, value: str | None) -> None:
        self.__dict__["_exc_text"] = value

    @property
    def stack_info(self) -> str | None:
        text: str | None = self.__dict__.get("_stack_info")
        return None if text is None else visible_lines(text)

    @stack_info.setter
    def stack_info(self, value: str | None) -> None:
        self.__dict__["_stack_info"] = value


def show_logs_plainly() -> None:
    """Every log record made in this process from now on is a :class:`ShownLogRecord`.

    One place for every logger and handler (the programs' own, uvicorn's, an embedded
    appliance's), whenever its handlers were set up. A factory someone else installed is
    left alone.
    """
    if logging.getLogRecordFactory() is logging.LogRecord:
        logging.setLogRecordFactory(ShownLogRecord)
