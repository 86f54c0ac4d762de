"""What the appliance keeps of a shell between consoles: the screen to replay, whose size
the terminal has."""

from __future__ import annotations

from appliance.shell_state import RESET, Replay, ShellState, without_queries


def test_the_replay_drops_what_would_make_a_terminal_answer() -> None:
    asked = (
        b"a\x1b[6nb\x1b[cc\x1b[>0cd\x1b[?6ne\x1b[?2004$pf\x1b[>qg\x1b[18th"
        b"\x1b]11;?\x07i\x1b]52;c;?\x1b\\j\x1bP+q544e\x1b\\k\x1bZl\x05m"
    )
    assert without_queries(asked) == b"abcdefghijklm"
    kept = b"\x1b[31mred\x1b[0m \x1b[2J\x1b[H\x1b[?1049h\x1b]0;title\x07\r\n"
    assert without_queries(kept) == kept  # drawing, modes and titles stay


def test_the_replay_keeps_the_latest_output_from_a_lines_start() -> None:
    replay = Replay(limit=16)
    assert replay.screen() == b""
    replay.add(b"first line\r\n")
    replay.add(b"second line\r\nthird")
    assert replay.screen() == RESET + b"third"  # "second line" did not fit whole
    replay.add(b"\x1b[6n ok")
    assert replay.screen() == RESET + b"third ok"
    replay.add(b"x" * 50)  # no line start left: the newest bytes only
    assert replay.screen() == RESET + b"x" * 16


def test_the_terminal_follows_the_console_that_typed_last() -> None:
    carol, alice = object(), object()
    shell = ShellState()
    assert shell.attach(carol, (100, 30)) == ("open", (100, 30))
    assert shell.attach(alice, (90, 25)) is None  # carol drives: alice sees 100x30
    assert shell.resized(alice, (80, 24)) is None  # not hers to change yet
    assert shell.typed(alice) == ("resize", (80, 24))
    assert shell.typed(alice) is None  # already her size
    assert shell.resized(carol, (120, 40)) is None
    assert shell.typed(carol) == ("resize", (120, 40))
    assert shell.resized(carol, (110, 40)) == ("resize", (110, 40))  # hers: it follows
    shell.detach(carol)
    assert shell.resized(alice, (81, 24)) == ("resize", (81, 24))  # nobody else drives
    shell.detach(alice)
    assert shell.attach(carol, (100, 30)) == ("resize", (100, 30))  # comes back alone
    shell.exit()
    assert shell.exited and shell.attach(alice, (90, 25)) == ("open", (90, 25))
