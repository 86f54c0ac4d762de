"""An endpoint that reports hostile text: terminal sequences in every field it may fill.

``RETITLE`` retitles a terminal and blanks its screen; ``CLIPBOARD`` (OSC 52) would write the
representative's clipboard. Shown safely, each control character is a visible escape.
"""

from __future__ import annotations

from typing import Any

RETITLE = "\x1b]0;PWNED\x07\x1b[2J"
CLIPBOARD = "\x1b]52;c;SGVsbG8=\x07"
RETITLE_SHOWN = "\\x1b]0;PWNED\\x07\\x1b[2J"
CLIPBOARD_SHOWN = "\\x1b]52;c;SGVsbG8=\\x07"
#: the characters that must never reach a terminal from data in these tests
ESC, BEL = "\x1b", "\x07"


def hostile_fields(number: int) -> dict[str, Any]:
    """Name, comments, tag, hostname, OS and console user as an endpoint could report them."""
    return {
        "name": f"EVIL-{number}{RETITLE}",
        "comments": f"note{CLIPBOARD}",
        "tag": f"t{RETITLE}"[:64],
        "hostname": f"evil-{number}{CLIPBOARD}",
        "fqdn": f"evil-{number}.test",
        "operating_system": f"Linux{RETITLE}",
        "console_user": f"mallory{CLIPBOARD}",
    }


def controls_in(text: str) -> list[str]:
    """The C0/DEL/C1 controls in ``text``, but line breaks (output is made of lines)."""
    return [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)]
