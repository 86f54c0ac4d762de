"""Plain mode's shell: what an endpoint prints reaches the representative's terminal as
drawing only — the sequences a full-screen program draws with pass unchanged; titles, the
clipboard, pictures, queries about this terminal and stray controls never do, even split
across chunks."""

from __future__ import annotations

import random

import pyte
import pytest

from console.plain.passthrough import RESET, SafeOutput

DRAWING = [
    b"plain text, caf\xc3\xa9 \xe2\x94\x80\xe2\x94\x80 and \xf0\x9f\x99\x82\r\n",
    b"\x1b[1;31mred bold\x1b[0m \x1b[38;2;10;20;30mtrue colour\x1b[m",
    b"\x1b[?1049h\x1b[H\x1b[2J\x1b[5;10Hvi's screen\x1b[K\x1b[?25l\x1b[?25h",
    b"\x1b[3;20r\x1b[2S\x1b[1T\x1b[3L\x1b[2M\x1b[4@\x1b[2P\x1b[5X\x1b7\x1b8\x1bM\x1bD\x1bE",
    b"\x1b(0lqqk\x1b(B\x1b[?1h\x1b=\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[4h\x1b[4l",
    b"\x1b[2 q\x1b[!p\x1b[6n\x1b[?1049l\tbell\x07back\x08\x0c",
]

HOSTILE = [
    b"\x1b]0;PWNED\x07",  # the window's title
    b"\x1b]2;PWNED\x1b\\",  # the same, ended by ST
    b"\x1b]52;c;cm0gLXJmIH4K\x07",  # the clipboard written
    b"\x1b]52;c;?\x07",  # the clipboard read back to the endpoint
    b"\x1b]8;;https://evil.example/\x1b\\a link\x1b]8;;\x1b\\",  # a link (its text shows)
    b"\x1b]1337;File=name=cGF5bG9hZA==;inline=0:UFdORUQ=\x07",  # a file dropped on this machine
    b"\x1bP+q544e\x1b\\",  # a DCS query (the terminal's name)
    b"\x1bPtmux;\x1b\x1b]0;PWNED\x07\x1b\\",  # a passthrough into an outer tmux
    b"\x1b_Gf=100,a=T;UFdORUQ=\x1b\\",  # a kitty picture
    b"\x1b^PWNED\x1b\\\x1bXPWNED\x1b\\",  # PM, SOS
    b"\x1b[c\x1b[>c\x1b[=c\x1b[21t\x1b[14t\x1b[8;100;300t\x1b[5i\x1b[x",  # reports, resize, print
    b"\x1b[?3h\x1b[?1049;3h",  # 132 columns (the window resized); the good mode stays
    b"\x1b[>4;1m\x1b[>1u\x1b[$p\x1b[1$q",  # keyboard protocols, mode and setting queries
    b"\x1bZ\x1b%@\x1b#8\x1b n\x1bn",  # identify, leave UTF-8, alignment test, 7/8 bit, shift
    "\u009b31m\u009d0;PWNED\u009c\u202e\u2066\u0085".encode(),  # C1 controls, bidi controls
    "\u200f\u200e\u061c".encode(),  # bidi marks: text after them would read reversed
    b"\x1b[20h\x1b[3g\x1bH",  # new-line mode (what Enter sends), tab stops (never put back)
    b"\x00\x05\x0e\x0f\x18\x1a\x7f",  # NUL, ENQ (answerback), shifts, CAN, SUB, DEL
    b"\x1b[" + b"1;" * 100 + b"m",  # longer than any real sequence
]


def passed(*chunks: bytes) -> bytes:
    safe = SafeOutput()
    return b"".join(safe.feed(chunk) for chunk in chunks)


@pytest.mark.parametrize("drawing", DRAWING)
def test_what_draws_passes_unchanged(drawing: bytes) -> None:
    assert passed(drawing) == drawing


@pytest.mark.parametrize("hostile", HOSTILE)
def test_what_reaches_past_the_screen_never_passes(hostile: bytes) -> None:
    out = passed(b"before ", hostile, b" after")
    assert out.startswith(b"before ") and out.endswith(b" after")
    assert b"\x1b]" not in out and b"\x1bP" not in out and b"\x1b_" not in out
    assert b"PWNED" not in out
    text = out.decode()
    assert all(c.isprintable() or c in "\x1b\r\n" for c in text), repr(text)
    for sequence in (
        "\x1b[20h",
        "\x1b[3g",
        "\x1bH",
        "\x1b[c",
        "\x1b[>",
        "\x1b[=",
        "\x1b[21t",
        "\x1b[8;",
        "\x1b[5i",
        "\x1b[?3h",
    ):
        assert sequence not in text.removeprefix("before ").removesuffix(" after"), sequence


def test_a_good_mode_stays_when_a_bad_one_goes_with_it() -> None:
    assert passed(b"\x1b[?1049;3h") == b"\x1b[?1049h"


@pytest.mark.parametrize("seed", range(20))
def test_split_anywhere_it_passes_the_same(seed: int) -> None:
    """However the stream is cut into chunks (one byte, the middle of a sequence or of a
    UTF-8 character), the same bytes pass."""
    stream = b"".join(DRAWING + HOSTILE + DRAWING)
    whole = passed(stream)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(1, 60)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert passed(*pieces) == whole


def test_giving_the_terminal_back_leaves_the_screen_the_program_took() -> None:
    safe = SafeOutput()
    safe.feed(b"\x1b[?1049h\x1b[?1000h")
    assert safe.restore().startswith(b"\x1b[?1049l")
    assert b"\x1b[?1049l" not in safe.restore()  # the main screen already: nothing to leave
    safe.feed(b"\x1b[?1049h\x1b[?1049l")
    assert b"\x1b[?1049l" not in safe.restore()
    assert safe.restore().endswith(RESET.encode())


def screen_after(*chunks: bytes, restore: bool = True) -> pyte.Screen:
    """A terminal (pyte) 40×10 that was at line 6 when the shell began, then drew ``chunks``
    through the filter; given back (restored) unless ``restore`` is False."""
    screen = pyte.Screen(40, 10)
    stream = pyte.ByteStream(screen)
    stream.feed(b"plain mode\r\n" * 5 + b"> shell")
    safe = SafeOutput()
    for chunk in chunks:
        stream.feed(safe.feed(chunk))
    if restore:
        stream.feed(safe.restore())
    return screen


def test_giving_back_a_scrolling_region_keeps_the_cursor_where_the_program_left_it() -> None:
    screen = screen_after(b"\x1b[2;4r\x1b[9;3Hend")
    assert (screen.cursor.y, screen.cursor.x) == (8, 5)
    assert screen.margins is None or (screen.margins.top, screen.margins.bottom) == (0, 9)


def test_giving_back_origin_mode_puts_the_cursor_on_the_last_line() -> None:
    screen = screen_after(b"\x1b[2;4r\x1b[?6h\x1b[2;3Hend")
    assert pyte.modes.DECOM not in screen.mode
    assert screen.cursor.y == 9 and screen.cursor.x == 0
    assert screen.margins is None or (screen.margins.top, screen.margins.bottom) == (0, 9)


def test_giving_back_shows_the_cursor_and_plain_colours() -> None:
    screen = screen_after(b"\x1b[1;31;44mvi\x1b[?25l\x1b(0\x1b[4h")
    assert not screen.cursor.hidden and pyte.modes.IRM not in screen.mode
    attrs = screen.cursor.attrs
    assert (attrs.fg, attrs.bg, attrs.bold) == ("default", "default", False)
    assert screen.charset == 0 and screen.g0_charset == pyte.charsets.LAT1_MAP


def test_a_terminal_that_does_not_read_utf8_gets_no_byte_it_could_read_as_a_control() -> None:
    """In a Latin-1 terminal the second byte of Û (C3 9B) is CSI."""
    out = SafeOutput(utf8=False).feed("Ûber \x1b[1mcafé\x1b[0m".encode())
    assert out == b"?ber \x1b[1mcaf?\x1b[0m"
