"""What xterm sends for each key: Textual's key names as the bytes a program reads.

Textual names keys (``ctrl+c``, ``shift+up``, ``f5``, ``alt+x``); a program in a terminal
reads bytes (``\\x03``, ``ESC [1;2A``, ``ESC [15~``, ``ESC x``). :func:`key_bytes` turns one
into the other as xterm does (``TERM=xterm-256color`` on the endpoint), honouring application
cursor mode (DECCKM: ``ESC O A`` for up). :func:`paste_bytes` wraps a paste in bracketed-paste
markers when the program asked for them.
"""

from __future__ import annotations

_MODIFIERS = {"shift": 1, "alt": 2, "ctrl": 4, "meta": 2}

_SIMPLE = {
    "enter": b"\r",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "escape": b"\x1b",
    "backspace": b"\x7f",
    "shift+backspace": b"\x7f",
    "ctrl+backspace": b"\x08",
    "space": b" ",
    "shift+space": b" ",
    "ctrl+space": b"\x00",
    "ctrl+@": b"\x00",
    "ctrl+at": b"\x00",
    "ctrl+backslash": b"\x1c",
    "ctrl+right_square_bracket": b"\x1d",
    "ctrl+circumflex_accent": b"\x1e",
    "ctrl+underscore": b"\x1f",
    "ctrl+minus": b"\x1f",
}

#: keys whose sequence ends in a letter: CSI (or SS3 in application cursor mode) + letter
_LETTER = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
#: keys sent as CSI n ~
_TILDE = {"insert": 2, "delete": 3, "pageup": 5, "pagedown": 6}
#: function keys: F1–F4 as SS3 P–S, the others as CSI n ~
_FUNCTION = {
    1: "P",
    2: "Q",
    3: "R",
    4: "S",
    5: 15,
    6: 17,
    7: 18,
    8: 19,
    9: 20,
    10: 21,
    11: 23,
    12: 24,
}


def _function_key(number: int, modifier: int) -> bytes | None:
    if number > 12:  # Textual reports shift+F1 as F13 (what xterm's ESC [1;2P also means)
        number, modifier = number - 12, max(modifier, 1) | 1
    code = _FUNCTION.get(number)
    if code is None:
        return None
    if isinstance(code, str):
        return f"\x1b[1;{modifier + 1}{code}".encode() if modifier else f"\x1bO{code}".encode()
    return f"\x1b[{code};{modifier + 1}~".encode() if modifier else f"\x1b[{code}~".encode()


def key_bytes(key: str, character: str | None, *, app_cursor: bool = False) -> bytes | None:
    """The bytes xterm sends for ``key`` (a Textual key name, with the ``character`` Textual
    gave it); None for a key a terminal sends nothing for."""
    simple = _SIMPLE.get(key)
    if simple is not None:
        return simple
    *mods, base = key.split("+")
    modifier = 0
    for mod in mods:
        if mod not in _MODIFIERS:
            return None  # super+, hyper+: nothing a terminal program can read
        modifier |= _MODIFIERS[mod]
    letter = _LETTER.get(base)
    if letter is not None:
        if modifier:
            return f"\x1b[1;{modifier + 1}{letter}".encode()
        return f"\x1b{'O' if app_cursor else '['}{letter}".encode()
    tilde = _TILDE.get(base)
    if tilde is not None:
        return f"\x1b[{tilde};{modifier + 1}~".encode() if modifier else f"\x1b[{tilde}~".encode()
    if base[:1] == "f" and base[1:].isdigit():
        return _function_key(int(base[1:]), modifier)
    alt = b"\x1b" if modifier & 2 else b""
    if modifier & 4 and len(base) == 1 and base.isalpha():
        return alt + bytes([ord(base.lower()) - 96])
    if character is not None and len(character) == 1:
        if character.isprintable():
            return alt + character.encode()
        if ord(character) < 0x20 or character == "\x7f":
            return alt + character.encode()
    unmodified = _SIMPLE.get(base)
    if unmodified is not None and modifier == 2:
        return alt + unmodified
    return None


def paste_bytes(text: str, *, bracketed: bool) -> bytes:
    """A paste as the program should read it: line breaks as Enter (``\\r``), inside
    ``ESC [200~`` … ``ESC [201~`` when the program enabled bracketed paste (markers inside the
    pasted text are removed, so a paste cannot end the bracket early and run a command)."""
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    text = text.replace("\x1b[200~", "").replace("\x1b[201~", "")
    data = text.encode()
    return b"\x1b[200~" + data + b"\x1b[201~" if bracketed else data


__all__ = ["key_bytes", "paste_bytes"]
