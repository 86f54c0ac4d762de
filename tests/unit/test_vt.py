"""The terminal emulator and its keys, without a screen: what xterm's programs send is drawn as
xterm would, what it cannot use is skipped, and nothing is ever fatal."""

from __future__ import annotations

import pytest

from widgets.terminal_keys import key_bytes, paste_bytes
from widgets.vt import HISTORY, Emulator


def emulate(*chunks: bytes, columns: int = 40, lines: int = 6) -> Emulator:
    emulator = Emulator(columns, lines)
    for chunk in chunks:
        emulator.feed(chunk)
    return emulator


def test_the_alternate_screen_comes_and_goes_with_the_main_screen_kept() -> None:
    emulator = emulate(b"shell output\r\n$ vi")
    emulator.feed(b"\x1b[?1049h\x1b[H\x1b[2Jediting")
    assert emulator.screen.alternate and emulator.display()[0] == "editing"
    assert "shell output" not in emulator.display()
    emulator.feed(b"\x1b[?1049l")
    assert emulator.display()[:2] == ["shell output", "$ vi"]
    assert (emulator.screen.cursor.x, emulator.screen.cursor.y) == (4, 1)  # restored


def test_dec_line_drawing_in_utf8_mode() -> None:
    assert emulate(b"\x1b(0lqqk\x1b(B ok").display()[0] == "┌──┐ ok"


def test_xterm_extensions_are_skipped_not_misread() -> None:
    emulator = emulate(b"\x1b[>4;2m\x1b[?4m\x1b[=1c\x1b[ q\x1b[22;0tX")
    cell = emulator.screen.buffer[0][0]
    assert cell.data == "X" and not cell.underscore  # pyte read CSI > 4;2 m as underline


def test_repeat_scroll_and_colon_colours() -> None:
    emulator = emulate(b"a\x1b[3b\r\nline2\r\nline3\x1b[1S")
    assert emulator.display()[:2] == ["line2", "line3"]
    assert emulator.text_by_serial(emulator.first_serial()) == "aaaa"  # into the history
    cell = emulate(b"\x1b[38:2::255:0:0mR").screen.buffer[0][0]
    assert cell.fg == "ff0000"
    cell = emulate(b"\x1b[4;58;2;1;2;3;31mU").screen.buffer[0][0]
    assert cell.underscore and cell.fg == "red"  # an underline colour is not read as SGR 0


def test_sequences_and_characters_split_across_chunks() -> None:
    emulator = emulate(b"\x1b[3", b"1mR\x1b", b"[0m \xc3", b"\xa9")
    assert emulator.display()[0] == "R é"
    assert emulator.screen.buffer[0][0].fg == "red"


def test_scrollback_keeps_the_last_ten_thousand_lines() -> None:
    emulator = emulate(b"".join(b"%d\r\n" % n for n in range(1, 12_001)), columns=20, lines=24)
    history = emulator.screen.history
    assert len(history) == HISTORY
    first = emulator.first_serial()
    assert emulator.text_by_serial(first) == str(12_001 - 23 - HISTORY)
    assert emulator.display()[-2] == "12000"
    emulator.feed(b"\x1b[H\x1b[2J\x1b[3J")  # clear: the screen and its scrollback
    assert not history and emulator.display() == [""] * 24


def test_resizing_keeps_the_cursor_line_on_screen() -> None:
    emulator = emulate(b"$ prompt", columns=40, lines=20)
    emulator.resize(30, 10)
    assert emulator.display()[0] == "$ prompt"  # pyte's own resize dropped the top lines
    emulator = emulate(b"".join(b"%d\r\n" % n for n in range(1, 20)) + b"$", lines=20)
    emulator.resize(40, 10)
    assert emulator.display()[-1] == "$" and emulator.display()[0] == "11"
    assert emulator.text_by_serial(emulator.first_serial()) == "1"


def test_strings_are_read_to_their_end_and_only_titles_kept() -> None:
    emulator = emulate(
        b"\x1b]0;evil\x1b[31m\x07\x1b]52;c;aGk=\x07\x1bP+q544e\x1b\\\x1b_apc\x1b\\ok"
    )
    assert emulator.display()[0] == "ok"
    assert emulator.screen.title == "evil\\x1b[31m"  # kept as data, made visible
    endless = emulate(b"\x1b]0;" + b"x" * 70_000, b"more", b"\x07after")
    assert endless.display()[0] == "after"


def test_format_and_control_characters_never_stop_the_line() -> None:
    emulator = emulate("a\u202eb\x01c\x85d".encode())
    assert emulator.display()[0] == "a\ufffdbcd"  # the bidi override shown; C0/C1 skipped


def test_answers_the_program_asks_for_and_no_132_columns() -> None:
    emulator = emulate(b"ab\x1b[6n\x1b[c\x1b[?3h")
    assert emulator.take_replies() == b"\x1b[1;3R\x1b[?6c"
    assert emulator.screen.columns == 40


@pytest.mark.parametrize(
    ("key", "character", "app_cursor", "sent"),
    [
        ("a", "a", False, b"a"),
        ("ctrl+c", "\x03", False, b"\x03"),
        ("ctrl+d", "\x04", False, b"\x04"),
        ("ctrl+z", "\x1a", False, b"\x1a"),
        ("tab", "\t", False, b"\t"),
        ("shift+tab", None, False, b"\x1b[Z"),
        ("escape", "\x1b", False, b"\x1b"),
        ("enter", "\r", False, b"\r"),
        ("backspace", "\x7f", False, b"\x7f"),
        ("up", None, False, b"\x1b[A"),
        ("up", None, True, b"\x1bOA"),
        ("home", None, True, b"\x1bOH"),
        ("ctrl+right", None, False, b"\x1b[1;5C"),
        ("pageup", None, False, b"\x1b[5~"),
        ("delete", None, False, b"\x1b[3~"),
        ("f1", None, False, b"\x1bOP"),
        ("f12", None, False, b"\x1b[24~"),
        ("f13", None, False, b"\x1b[1;2P"),  # Textual's name for shift+F1
        ("alt+x", "x", False, b"\x1bx"),
        ("ctrl+space", None, False, b"\x00"),
        ("super+a", None, False, None),
    ],
)
def test_keys_as_xterm_sends_them(
    key: str, character: str | None, app_cursor: bool, sent: bytes | None
) -> None:
    assert key_bytes(key, character, app_cursor=app_cursor) == sent


def test_a_paste_cannot_end_its_bracket_early() -> None:
    pasted = paste_bytes("ls\x1b[201~; rm -rf /\nok", bracketed=True)
    assert pasted == b"\x1b[200~ls; rm -rf /\rok\x1b[201~"
    assert paste_bytes("a\r\nb", bracketed=False) == b"a\rb"
