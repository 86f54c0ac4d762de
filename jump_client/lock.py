"""One running Jump Client per install folder, and a client that goes when its starter goes.

``run`` holds an exclusive lock (``flock``) on ``run.lock`` in its folder for as long as it
runs: a second ``run`` on the same folder says which process holds it and stops, and whoever
wants to start one (the console) can ask first. The lock belongs to the open file, so it goes
with the process however that ends — even ``kill -9`` leaves nothing to clean up.

``--stop-with-parent`` (the console's own client): the starter keeps the client's standard
input open as a pipe and never writes to it; when the starter ends, however it ends, the pipe
closes and the client stops as if it were sent SIGTERM.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = "run.lock"


class AlreadyRunning(Exception):
    """Another process runs a Jump Client from this folder."""

    def __init__(self, directory: Path, pid: int | None) -> None:
        who = f"process {pid}" if pid else "another process"
        super().__init__(
            f"A Jump Client already runs from {directory} ({who}); stop it first, or "
            "install another one in another folder."
        )
        self.pid = pid


def _pid_in(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    return None


@contextlib.contextmanager
def run_lock(directory: Path) -> Iterator[None]:
    """Hold the folder's lock while the client runs; raises :class:`AlreadyRunning`."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(directory, _pid_in(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def running_pid(directory: Path) -> int | None:
    """The process that runs a client from ``directory`` (0 when it cannot be told), or None
    when none does."""
    path = directory / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid_in(fd) or 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class CannotStop(Exception):
    """The client running from a folder could not be stopped; one sentence says why."""


def stop_running(directory: Path, timeout: float = 15.0) -> int | None:
    """Stop the client that runs from ``directory``, if one does: SIGTERM (it closes its
    channel and writes its last contact), then SIGKILL if it has not ended within
    ``timeout``. Answers the process it stopped (None: none ran); raises
    :class:`CannotStop`."""
    pid = running_pid(directory)
    if pid is None:
        return None
    if pid == 0:
        raise CannotStop(
            f"A Jump Client runs from {directory}, but which process is unknown; stop it "
            "first (systemctl stop jump-client, or end its process)."
        )
    try:
        os.kill(pid, signal.SIGTERM)
        if not _ended(directory, timeout):
            os.kill(pid, signal.SIGKILL)
            _ended(directory, 5.0)
    except ProcessLookupError:
        pass  # it ended meanwhile
    except PermissionError:
        raise CannotStop(
            f"A Jump Client runs from {directory} as process {pid}, which this user may not "
            "stop; stop it first (systemctl stop jump-client) or uninstall as root."
        ) from None
    if running_pid(directory) is not None:
        raise CannotStop(f"The Jump Client running from {directory} (process {pid}) did not stop.")
    return pid


def _ended(directory: Path, timeout: float) -> bool:
    """Wait (bounded) until no process holds the folder's lock."""
    deadline = time.monotonic() + timeout
    while running_pid(directory) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def stop_with_parent() -> None:
    """Stop this process (SIGTERM) once standard input closes: the starter has ended."""

    def watch() -> None:
        with contextlib.suppress(OSError):  # no standard input at all: no parent to wait for
            while os.read(0, 4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
