"""The full-screen console in a real terminal (tmux): what it leaves behind when it is told to
stop by a signal, and what it draws with ``NO_COLOR``."""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil
import pytest

from tests.support.terminal import Terminal, eventually
from tests.support.terminal import terminal as make_terminal

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the console process in a terminal"),
]
SIZE = (160, 45)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    yield from make_terminal(tmp_path)


def start_console(
    term: Terminal, tmp_path: Path, parent: Sequence[str] = (), **env: str
) -> tuple[psutil.Process, list[psutil.Process]]:
    """``jump-console --demo-fleet 5`` (the embedded appliance and this machine's Jump Client)
    in the terminal, once it shows the live list; the console and what it started. With
    ``parent`` (a command that runs the one it is given as its child), under that."""
    settings = {
        "JUMP_CONSOLE_DATA_DIR": str(tmp_path / "data"),
        "JUMP_CONSOLE_CONFIG": str(tmp_path / "config.toml"),
        "JUMP_CONSOLE_STATE_FILE": str(tmp_path / "state.json"),
        "TERM": "xterm-256color",
    }
    command = [sys.executable, "-m", "console", "--demo-fleet", "5"]
    term.start(
        [*parent, *command],
        {**os.environ, **settings, **env},
        SIZE,
    )
    eventually(lambda: "● live" in term.screen(), what="the console to show the live list")
    console = term.process()

    def client() -> list[psutil.Process]:
        return [p for p in console.children(recursive=True) if "jump_client" in p.cmdline()]

    started = eventually(client, what="this machine's Jump Client to start")
    return console, started


def colours_in(drawn: str) -> set[str]:
    """The colours the escape sequences of ``drawn`` set (39 and 49, the defaults, are not)."""
    found = set()
    for sequence in re.findall(r"\x1b\[([0-9;]*)m", drawn):
        params = [int(p) for p in sequence.split(";") if p]
        i = 0
        while i < len(params):
            code = params[i]
            if code in (38, 48):  # 38;5;N or 38;2;R;G;B
                width = 3 if params[i + 1 : i + 2] == [5] else 5
                found.add(";".join(map(str, params[i : i + width])))
                i += width
                continue
            if 30 <= code <= 37 or 40 <= code <= 47 or 90 <= code <= 97 or 100 <= code <= 107:
                found.add(str(code))
            i += 1
    return found


def how_it_ended(terminal: Terminal) -> tuple[str, str] | None:
    """The dead pane's exit status and the signal that killed it, once tmux knows either: it
    tells them once it has reaped the process, which may be after the pane is dead. Bounded
    in the caller by more than the console's own bound on a stop (``GRACE_S``)."""
    ended = (terminal.show("pane_dead_status"), terminal.show("pane_dead_signal"))
    if not any(ended):
        # tmux 3.3 sometimes misses the SIGCHLD of a pane whose process leaves children
        # behind, and leaves it a zombie until the next one: remind it
        os.kill(int(terminal.show("pid")), signal.SIGCHLD)
    return ended if any(ended) else None


def gone(processes: list[psutil.Process], timeout: float = 20.0) -> list[psutil.Process]:
    """Which of ``processes`` still run once ``timeout`` has passed (or all ended); one that
    ended but is not reaped yet (a zombie) has ended."""

    def running(process: psutil.Process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def all_ended() -> bool:
        return not any(running(p) for p in processes)

    try:
        eventually(all_ended, timeout, what="the processes to end")
    finally:
        alive = [p for p in processes if running(p)]
        for process in alive:  # leave nothing behind for the next test, whatever happened
            process.kill()
    return alive


def test_kill_term_restores_the_terminal_and_stops_what_the_console_started(
    terminal: Terminal, tmp_path: Path
) -> None:
    console, started = start_console(terminal, tmp_path, NO_COLOR="1")
    # NO_COLOR: the terminal's own colours, never black on black; emphasis by attributes
    drawn = terminal.screen(escapes=True)
    assert "Name" in drawn and "online" in drawn
    assert "48;5;16" not in drawn  # the black background every cell had
    assert colours_in(drawn) == set(), "the terminal's own colours only"
    assert "\x1b[7m" in drawn  # the highlighted row is reversed

    console.terminate()  # kill -TERM
    eventually(lambda: terminal.show("pane_dead") == "1", what="the console to end")
    ended = eventually(lambda: how_it_ended(terminal), timeout=40, what="how the console ended")
    assert ended == ("143", ""), terminal.screen()  # it ended itself: 128 + SIGTERM
    assert terminal.show("alternate_on") == "0"
    for mouse in ("mouse_any_flag", "mouse_button_flag", "mouse_standard_flag", "mouse_sgr_flag"):
        assert terminal.show(mouse) == "0", mouse
    assert gone(started) == []


def test_closing_the_terminal_stops_the_console_and_what_it_started(
    terminal: Terminal, tmp_path: Path
) -> None:
    console, started = start_console(terminal, tmp_path)
    terminal.tmux("kill-session", "-t", "console")  # SIGHUP, as when SSH drops
    assert gone([console, *started]) == []


def test_a_terminal_that_hangs_up_with_no_sighup_sent_still_stops_the_console(
    terminal: Terminal, tmp_path: Path
) -> None:
    """As ``make run`` in tmux when its server ends: the kernel sends SIGHUP to the
    terminal's session leader only (make; here a parent that runs the console as its child),
    and to the console's process group only when that leader exits, which make does not: it
    waits for the console. The console read end-of-file at full CPU for ever, and no
    SIGTERM could stop it; it now sees the terminal hang up itself."""
    waits_for_its_child = (  # and keeps SIGHUP to itself, as make does
        "import signal, subprocess, sys; signal.signal(signal.SIGHUP, lambda *_: None); "
        "sys.exit(subprocess.call(sys.argv[1:]))"
    )
    console, started = start_console(
        terminal, tmp_path, parent=[sys.executable, "-c", waits_for_its_child]
    )
    # the parent leads the terminal's session (tmux's shell ran it in its place): the kernel's
    # SIGHUP is the parent's alone
    assert os.getsid(console.pid) == console.ppid()
    terminal.tmux("kill-server")  # the terminal closes; no one signals the console
    assert gone([console, *started]) == []
