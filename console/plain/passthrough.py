"""What a session's shell prints, made safe for the representative's own terminal.

Plain mode's ``shell`` hands this terminal to a program on the endpoint: its output has to
reach the terminal as terminal output (colours, the cursor moved, ``vi`` full screen), yet
the endpoint must not reach into the representative's machine through it. :class:`SafeOutput`
lets through what draws on the screen and nothing else:

- text, and the controls that lay it out (BEL, BS, TAB, LF, VT, FF, CR);
- escape sequences that move the cursor, erase, scroll, set colours and the modes a full-screen
  program needs (the alternate screen, cursor keys, bracketed paste, mouse reports to the
  program), each checked against a list;
- nothing else: not the strings (OSC: a title, the clipboard with OSC 52, a hyperlink, a
  colour query; DCS; APC: pictures; PM; SOS), not the queries whose answers would tell the
  endpoint about this terminal (device attributes, window reports), not printing (media copy),
  not C1 controls, bidi overrides or other controls. A sequence split across chunks is judged
  whole; one longer than any real one is dropped.

When the terminal is given back, :meth:`SafeOutput.restore` says what puts it back as plain
mode had it (the main screen, a visible cursor, colours and modes reset).
"""

from __future__ import annotations

import codecs
import re

#: Controls that lay text out; every other C0 control, DEL, C1 and bidi control is dropped.
_LAYOUT = frozenset("\x07\x08\t\n\x0b\x0c\r")
#: Where ground text stops being copied as it is: ESC, a control other than those, DEL, C1,
#: a bidi control.
_SPECIAL = re.compile("[\x00-\x06\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: ESC + one of these: save/restore cursor, index, next line, reverse index, keypad modes,
#: full reset. (Not a tab stop: plain mode could not put the terminal's own back.)
_ESC_FINALS = frozenset("78DEM=>c")
#: ESC + one of these + a designator: which character set G0..G3 is (ASCII, UK, line drawing).
_CHARSET_SLOTS = frozenset("()*+")
_CHARSETS = frozenset("0AB")
#: ESC + one of these starts a string, swallowed to its end: DCS, SOS, OSC, PM, APC.
_STRINGS = frozenset("PX]^_")
#: CSI finals with no private marker and no intermediate: cursor, erase, insert/delete,
#: scroll, tabs (moving by them, not clearing them), colours (SGR), the scrolling region,
#: save/restore cursor.
_CSI_FINALS = frozenset("@ABCDEFGHIJKLMPSTXZ`abdefmrsu")
#: CSI ``h``/``l`` modes (ANSI): insert. (Not new-line mode: it would change what Enter sends.)
_ANSI_MODES = frozenset({4})
#: CSI ``?`` ``h``/``l`` modes (DEC): cursor keys, reverse screen, origin, wrap, blinking and
#: visible cursor, the alternate screen, mouse and focus reports (to the program), bracketed
#: paste, synchronized output.
_DEC_MODES = frozenset(
    {1, 5, 6, 7, 12, 25, 47, 1000, 1002, 1003, 1004, 1005, 1006, 1015, 1047, 1048, 1049, 2004, 2026}
)
_ALTERNATE = frozenset({47, 1047, 1049})
#: CSI with an intermediate: the cursor's shape (``SP q``), a soft reset (``! p``).
_CSI_WITH_INTERMEDIATE = frozenset({(" ", "q"), ("!", "p")})
_LONGEST = 64
"""Characters of a CSI sequence past which it is no real one: dropped whole."""
_PARAMETERS = re.compile(r"[0-9;:]*")
#: A whole CSI sequence of a real length (``_step`` reads one split across chunks).
_WHOLE_CSI = re.compile(f"\x1b\\[([\x20-\x3f]{{0,{_LONGEST - 1}}})([\x40-\x7e])")

RESET = (
    "\x1b[0m"  # colours
    "\x1b(B\x1b)B"  # ASCII in G0 and G1 (no line drawing left on)
    "\x1b[?7h\x1b[4l"  # wrap on; insert off
    "\x1b[?1l\x1b>"  # cursor keys and keypad as plain mode reads them
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1004l\x1b[?1005l\x1b[?1006l\x1b[?1015l"  # no reports
    "\x1b[?2004l\x1b[?2026l\x1b[?5l"  # no bracketed paste, no held frame, normal video
    "\x1b[0 q\x1b[?12l\x1b[?25h"  # the terminal's own cursor, steady, shown
)
"""What gives the terminal back as plain mode had it, whatever the program left."""

#: C1 controls that start a sequence as ESC and a letter would (CSI, OSC, DCS, SOS, PM, APC):
#: some terminals read them so, so they are read so here, and judged the same.
_C1_STARTS = {"\x9b": "[", "\x9d": "]", "\x90": "P", "\x98": "X", "\x9e": "^", "\x9f": "_"}

_GROUND, _ESC, _CHARSET, _SKIP, _CSI, _STRING, _STRING_ESC = range(7)


class SafeOutput:
    """Feed it the program's output chunk by chunk; write what it answers."""

    def __init__(self, *, utf8: bool = True) -> None:
        """``utf8``: whether the terminal reads UTF-8. One that does not may read a byte of a
        UTF-8 character as a C1 control (0x9B is CSI): it is sent ASCII only."""
        self._encoding = "utf-8" if utf8 else "ascii"
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self._state = _GROUND
        self._pending = ""  # the sequence being read (ESC included)
        self._alternate = False
        self._origin = False  # the program's rows counted from its scrolling region's top

    def feed(self, data: bytes) -> bytes:
        """What of ``data`` may reach the terminal (sequences may straddle chunks)."""
        text = self._decode(data)
        out: list[str] = []
        at, end = 0, len(text)
        while at < end:
            if self._state == _GROUND:
                found = _SPECIAL.search(text, at)
                stop = found.start() if found else end
                if stop > at:
                    out.append(text[at:stop])
                if found is None:
                    break
                char = found.group()
                at = stop + 1
                if char == "\x1b":
                    whole = _WHOLE_CSI.match(text, stop)  # the usual case, read at once
                    if whole is not None:
                        allowed = self._allowed(whole.group(1), whole.group(2))
                        if allowed is not None:
                            out.append(allowed)
                        at = whole.end()
                    else:
                        self._state, self._pending = _ESC, char
                elif char in _C1_STARTS:
                    self._escape(_C1_STARTS[char], out)
                elif char in _LAYOUT:
                    out.append(char)
                continue
            char = text[at]
            at += 1
            self._step(char, out)
        return "".join(out).encode(self._encoding, "replace")

    def restore(self) -> bytes:
        """What puts the terminal back: the main screen if the program left it, then the
        colours, character sets and modes plain mode reads with."""
        self._state, self._pending = _GROUND, ""
        leave = "\x1b[?1049l" if self._alternate else ""
        # The whole screen scrolls again. Both ways of saying so home the cursor: it is kept
        # (saved and put back) unless the program counted rows from its region, when the
        # position saved would be read that way too; then it goes to the last line.
        whole = "\x1b[?6l\x1b[r\x1b[9999;1H" if self._origin else "\x1b7\x1b[r\x1b8"
        self._alternate = self._origin = False
        return (leave + whole + RESET).encode()

    def _step(self, char: str, out: list[str]) -> None:
        """One character inside a sequence (any state but ground)."""
        state = self._state
        if state == _STRING_ESC and char != "\\":  # ESC, not ST: a new sequence ends it
            self._state, self._pending = _ESC, "\x1b"
            state = _ESC
        elif state in (_STRING, _STRING_ESC):
            if state == _STRING_ESC or char in "\x07\x18\x1a\x9c":
                self._state = _GROUND  # its end (ST, BEL) or cancelled (CAN, SUB)
            elif char == "\x1b":
                self._state = _STRING_ESC
            return
        if char == "\x1b":  # a new sequence cancels the one being read
            self._state, self._pending = _ESC, char
            return
        if char in _C1_STARTS:
            self._escape(_C1_STARTS[char], out)
            return
        if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
            self._state, self._pending = _GROUND, ""  # a control ends it unfinished
            if char in _LAYOUT:
                out.append(char)
            return
        if state == _ESC:
            self._escape(char, out)
        elif state == _CHARSET:
            if char in _CHARSETS:
                out.append(self._pending + char)
            self._state, self._pending = _GROUND, ""
        elif state == _SKIP:
            self._state, self._pending = _GROUND, ""
        else:
            self._csi(char, out)

    def _escape(self, char: str, out: list[str]) -> None:
        if char == "[":
            self._state, self._pending = _CSI, ""
        elif char in _STRINGS:
            self._state, self._pending = _STRING, ""
        elif char in _CHARSET_SLOTS:
            self._state, self._pending = _CHARSET, "\x1b" + char
        elif char in "#% ":  # line sizes, coding systems, 7/8-bit controls: not for it
            self._state = _SKIP
        else:
            if char in _ESC_FINALS:
                out.append("\x1b" + char)
            self._state, self._pending = _GROUND, ""

    def _csi(self, char: str, out: list[str]) -> None:
        if not 0x40 <= ord(char) <= 0x7E:  # a parameter or an intermediate
            self._pending += char
            if len(self._pending) > _LONGEST:
                self._pending = self._pending[:_LONGEST]  # dropped whole at its end
            return
        body, self._state, self._pending = self._pending, _GROUND, ""
        if len(body) < _LONGEST:
            allowed = self._allowed(body, char)
            if allowed is not None:
                out.append(allowed)

    def _allowed(self, body: str, final: str) -> str | None:
        """The sequence ``CSI body final`` as it may be written, or None to drop it."""
        private = body[:1] if body[:1] in "<=>?" else ""
        params = body[len(private) :]
        intermediate = ""
        while params and params[-1] in " !\"#$%&'()*+,-./":
            intermediate = params[-1] + intermediate
            params = params[:-1]
        if _PARAMETERS.fullmatch(params) is None:
            return None
        if intermediate:
            if not private and (intermediate, final) in _CSI_WITH_INTERMEDIATE:
                return f"\x1b[{params}{intermediate}{final}"
            return None
        if final in "hl" and private in ("", "?"):
            allowed_modes = _DEC_MODES if private else _ANSI_MODES
            modes = [m for m in params.split(";") if m.isdigit() and int(m) in allowed_modes]
            if not modes:
                return None
            if private and _ALTERNATE.intersection(map(int, modes)):
                self._alternate = final == "h"
            if private and 6 in map(int, modes):
                self._origin = final == "h"
            return f"\x1b[{private}{';'.join(modes)}{final}"
        if private == "?" and final in "JK":  # selective erase
            return f"\x1b[?{params}{final}"
        if private or final not in _CSI_FINALS and not (final == "n" and params in ("5", "6")):
            return None
        return f"\x1b[{params}{final}"


__all__ = ["RESET", "SafeOutput"]
