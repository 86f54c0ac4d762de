"""The session tab's terminal against real programs in a real PTY (bash, vi, sleep), through
Pilot: what the representative types reaches the program as typed, and what the program
draws is drawn — as cells, never as the program's bytes."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psutil
import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.support.console import until
from tests.support.pty import LocalPty, local_pty, pty_env
from themes import VARIABLE_DEFAULTS
from widgets.terminal import Terminal
from widgets.terminal_session import TerminalSession

SIZE = (100, 30)  # the terminal inside its border: 98 x 28
BASH = ["bash", "--norc", "--noprofile", "-i"]


class TerminalApp(App[None]):
    """One terminal on a local program, focused, as in a session tab."""

    def __init__(self, session: TerminalSession) -> None:
        super().__init__()
        self.session = session

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Terminal(self.session)

    def on_mount(self) -> None:
        self.query_one(Terminal).focus()
        self.run_worker(self.session.run(), exit_on_error=False)


class Program:
    """The program behind the terminal (its process, once started)."""

    pty: LocalPty | None = None


def bash_session(program: Program, argv: list[str] = BASH) -> TerminalSession:
    @asynccontextmanager
    async def opener(cols: int, rows: int) -> AsyncIterator[LocalPty]:
        async with local_pty(argv, cols, rows, pty_env()) as pty:
            program.pty = pty
            yield pty

    return TerminalSession("bash (here)", opener)


def shown(app: TerminalApp) -> list[str]:
    return app.session.emulator.display()


def drawn(app: TerminalApp) -> list[str]:
    """What the widget draws, line by line (the strips' text, without trailing blanks)."""
    terminal = app.query_one(Terminal)
    return [terminal.render_line(y).text.rstrip() for y in range(terminal.size.height)]


async def prompt(pilot: Pilot[None], app: TerminalApp) -> None:
    await until(pilot, lambda: app.session.state == "open")
    await until(pilot, lambda: any(line.startswith("$") for line in shown(app)))


async def test_clear_then_echo_draws_top_in_row_0_of_a_clean_screen() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"echo before; clear; echo TOP", "enter")
        await until(pilot, lambda: shown(app)[0] == "TOP")
        await until(pilot, lambda: drawn(app)[0] == "TOP")
        assert not any("before" in line for line in drawn(app))
        assert drawn(app)[1].startswith("$")


async def test_tab_completes_and_ctrl_q_ctrl_p_go_to_the_program() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"ech", "tab")
        await until(pilot, lambda: any(line.startswith("$ echo") for line in shown(app)))
        await pilot.press(*" completed", "enter")
        await until(pilot, lambda: "completed" in shown(app))
        await pilot.press("ctrl+p", "ctrl+q")  # bash's history; quoted insert: not the app's
        await pilot.press("escape", "ctrl+u")  # bash's too: the screen is not left
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1


async def test_ctrl_c_stops_a_running_program() -> None:
    program = Program()
    app = TerminalApp(bash_session(program))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"sleep 317", "enter")
        assert program.pty is not None
        bash = psutil.Process(program.pty.process.pid)

        def sleeping() -> bool:
            return any("sleep" in child.name() for child in bash.children())

        await until(pilot, sleeping)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: not sleeping())
        await until(pilot, lambda: [line for line in shown(app) if line][-1] == "$")


async def test_ctrl_c_stops_a_flood_and_the_prompt_comes_back() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"yes", "enter")
        await until(pilot, lambda: shown(app)[:-1] == ["y"] * (len(shown(app)) - 1))
        await pilot.press("ctrl+c")
        await until(pilot, lambda: [line for line in shown(app) if line][-1] == "$")
        await pilot.press(*"echo done-$((1+1))", "enter")
        await until(pilot, lambda: "done-2" in shown(app))


async def test_a_password_typed_at_read_s_is_not_drawn() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*'read -s PW; echo; echo "got ${#PW}"', "enter")
        await pilot.press(*"hunter2", "enter")
        await until(pilot, lambda: "got 7" in shown(app))
        await pilot.pause()
        assert not any("hunter2" in line for line in shown(app))
        assert not any("hunter2" in line for line in drawn(app))


async def test_endpoint_escapes_never_reach_the_real_terminal() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        hostile = (  # a title, the clipboard (OSC 52), a DCS query, C0, DEL, a bidi override
            r"clear; printf '\033]0;PWNED\007\033]52;c;aGk=\007\033P+q544e\033\\"
            r"\x01\x7f\342\200\256ok\n'"
        )
        await pilot.press(*hostile, "enter")
        await until(pilot, lambda: any(line.endswith("ok") for line in shown(app)))
        await pilot.pause()
        terminal = app.query_one(Terminal)
        for y in range(terminal.size.height):
            for segment in terminal.render_line(y):
                assert segment.text.isprintable(), repr(segment.text)
        assert not any("PWNED" in line or "aGk=" in line for line in drawn(app))
        assert app.session.emulator.screen.title == "PWNED"  # kept as data, never shown
        assert any(line.endswith("\ufffdok") for line in drawn(app))  # bidi override


@pytest.mark.skipif(shutil.which("vi") is None, reason="no vi on this machine")
async def test_vi_opens_full_screen_and_q_closes_it() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"echo underneath; vi -u NONE -N", "enter")
        screen = app.session.emulator.screen
        await until(pilot, lambda: screen.alternate and shown(app)[1].startswith("~"))
        assert not any("underneath" in line for line in drawn(app))
        await pilot.press("i", *"typed in vi", "escape")
        await until(pilot, lambda: shown(app)[0] == "typed in vi")
        await pilot.press(*":q!", "enter")
        await until(pilot, lambda: not screen.alternate)
        await until(pilot, lambda: any(line == "underneath" for line in drawn(app)))
        assert not any("typed in vi" in line for line in shown(app))


async def test_the_pty_follows_the_view_size() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"stty size", "enter")
        await until(pilot, lambda: "28 98" in shown(app))
        await pilot.resize_terminal(82, 20)
        await pilot.press(*"clear; stty size", "enter")
        await until(pilot, lambda: shown(app)[0] == "18 80")


async def test_paste_is_bracketed_when_the_program_asks() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await until(pilot, lambda: app.session.emulator.bracketed_paste)  # readline asks
        terminal = app.query_one(Terminal)
        terminal.post_message(events.Paste("echo pasted-one\necho pasted-two"))
        await until(pilot, lambda: any("echo pasted-two" in line for line in shown(app)))
        await pilot.pause()
        assert "pasted-one" not in shown(app)  # bracketed: nothing ran before enter
        await pilot.press("enter")
        await until(pilot, lambda: "pasted-two" in shown(app))


async def test_scroll_mode_scrolls_back_searches_and_copies_on_request() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        await pilot.press(*"seq 1 500", "enter")
        await until(pilot, lambda: any(line == "500" for line in shown(app)))
        await pilot.press("ctrl+right_square_bracket")
        terminal = app.query_one(Terminal)
        assert terminal.scrolling
        await pilot.press("x", "enter")  # keys are the console's now: nothing reaches bash
        await pilot.press("ctrl+right_square_bracket", "slash", *"123", "enter")
        await until(pilot, lambda: "123" in drawn(app))
        assert app.clipboard == ""  # nothing copied unasked
        await pilot.press("space", "down", "c")
        await until(pilot, lambda: app.clipboard == "123\n124")
        await pilot.press("escape")
        assert not terminal.scrolling
        await pilot.press(*"echo live", "enter")
        await until(pilot, lambda: "live" in shown(app))
        assert not any(line.endswith("$ x") for line in shown(app))


async def test_the_shell_exiting_says_so_and_enter_opens_a_new_one() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        session.restart = lambda: app.run_worker(session.run(), exit_on_error=False) and None
        await prompt(pilot, app)
        await pilot.press(*"exit 3", "enter")
        await until(pilot, lambda: session.state == "ended")
        assert session.ending == "The shell exited with code 3."
        await pilot.press("enter")
        await until(pilot, lambda: session.state == "open")


async def test_the_leave_chord_is_remappable() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        app.set_keymap({"terminal.leave": "f12"})  # what [keymap] in the config does
        await prompt(pilot, app)
        terminal = app.query_one(Terminal)
        await pilot.press("ctrl+right_square_bracket")  # now the program's (telnet's escape)
        await pilot.pause()
        assert not terminal.scrolling
        await pilot.press("f12")
        await until(pilot, lambda: terminal.scrolling)


async def test_the_cursor_is_drawn_every_time_its_line_is() -> None:
    app = TerminalApp(bash_session(Program()))
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, app)
        terminal = app.query_one(Terminal)
        cursor = app.session.emulator.screen.cursor
        for _ in range(3):  # a cached style once lost the cursor after its first drawing
            cells = [s for s in terminal.render_line(cursor.y) if s.style and s.style.reverse]
            assert cells and cells[0].text == " "
