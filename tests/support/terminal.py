"""A real terminal for the console: a private tmux server, its one pane, what it shows."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0, what: str = "") -> T:
    """Poll ``check`` until it answers something true (bounded; fails the test otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what or 'a condition'}")
        time.sleep(0.05)


class Terminal:
    """One tmux pane running one command; the pane stays after the command ends, so what it
    left behind (alternate screen, mouse reporting) can still be read."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def tmux(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=20,
            env=dict(env) if env is not None else None,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, command: Sequence[str], env: Mapping[str, str], size: tuple[int, int]) -> None:
        width, height = size
        self.tmux(
            "new-session",
            "-d",
            "-s",
            "console",
            "-x",
            str(width),
            "-y",
            str(height),
            shlex.join(command),
            ";",
            "set-option",
            "-t",
            "console",
            "remain-on-exit",
            "on",
            env=env,  # the server, and so the pane, starts with this environment
        )

    def show(self, variable: str) -> str:
        """One of tmux's pane variables: ``alternate_on``, ``pane_dead``, ..."""
        return self.tmux("display-message", "-p", "-t", "console", f"#{{{variable}}}").strip()

    def screen(self, *, escapes: bool = False) -> str:
        """What the pane shows (with ``escapes``: the colour and attribute sequences too)."""
        return self.tmux("capture-pane", "-p", "-t", "console", *(["-e"] if escapes else []))

    def process(self) -> psutil.Process:
        """The command's process (tmux's shell, or a parent it was given, may have run it as
        a child)."""
        pane = psutil.Process(int(self.show("pane_pid")))

        def is_console(process: psutil.Process) -> bool:
            try:
                return process.cmdline()[1:3] == ["-m", "console"]
            except psutil.Error:  # a short-lived child of the console's, gone meanwhile
                return False

        found = [p for p in (pane, *pane.children(recursive=True)) if is_console(p)]
        assert len(found) == 1, f"the console is not alone in the pane: {found}"
        return found[0]


def terminal(tmp_path: Path) -> Iterator[Terminal]:
    """A private tmux server (its socket in ``tmp_path``); skipped where tmux is missing."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/test-services installs it)")
    term = Terminal(tmp_path / "tmux.sock")
    try:
        yield term
    finally:
        subprocess.run(
            ["tmux", "-S", str(term.socket), "kill-server"],
            capture_output=True,
            timeout=20,
            check=False,
        )
