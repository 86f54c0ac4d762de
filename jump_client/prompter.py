"""Asking the user at the endpoint to accept a session.

A :class:`Prompter` asks one question and answers True (accepted), False (refused) or None
(nobody answered in time, or nobody can be asked): the appliance then applies the session
policy's default answer. Which prompter a client uses is set with ``--prompter`` at install
or run time:

- ``notify`` — a desktop notification with Allow / Refuse buttons (``notify-send --wait``);
  the default where ``notify-send`` and a desktop session bus exist;
- ``command:ARGV`` — any program, e.g. ``command:zenity --question --text {question}``:
  ``{question}`` is replaced by the question (else it is added as the last argument), the
  question is also in ``$JUMP_CLIENT_QUESTION``; exit status 0 accepts, 1 refuses, and a
  program that prints ``accept`` or ``refuse`` says so too;
- ``none`` — never ask (the default answer applies at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import shutil
import signal
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("jump_client.prompter")


class Prompter(Protocol):
    @property
    def name(self) -> str: ...

    async def ask(self, question: str, timeout_s: float) -> bool | None: ...


class PrompterError(ValueError):
    """A ``--prompter`` value this client cannot use; the message says why."""


@dataclass(frozen=True, slots=True)
class NoPrompter:
    name: str = "none"

    async def ask(self, question: str, timeout_s: float) -> bool | None:
        return None


@dataclass(frozen=True, slots=True)
class CommandPrompter:
    """Run a program and read its answer from its exit status (or ``accept``/``refuse``)."""

    argv: tuple[str, ...]
    name: str = "command"

    def command(self, question: str) -> list[str]:
        if any("{question}" in arg for arg in self.argv):
            return [arg.replace("{question}", question) for arg in self.argv]
        return [*self.argv, question]

    async def ask(self, question: str, timeout_s: float) -> bool | None:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command(question),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env={**os.environ, "JUMP_CLIENT_QUESTION": question},
                start_new_session=True,  # its own group: a timeout ends its children too
            )
        except OSError as err:
            log.warning("The prompter could not start: %s.", err.strerror or err)
            return None
        try:
            async with asyncio.timeout(timeout_s):
                out, _ = await process.communicate()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            return None
        said = out.decode(errors="replace").strip().lower()
        if said in ("accept", "refuse"):
            return said == "accept"
        return {0: True, 1: False}.get(process.returncode or 0)


def notification_prompter() -> CommandPrompter | None:
    """A desktop notification with two buttons, where the desktop can show one."""
    notify = shutil.which("notify-send")
    if notify is None or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    return CommandPrompter(
        (
            notify,
            "--app-name=Jump Client",
            "--urgency=critical",
            "--wait",
            "--action=accept=Allow",
            "--action=refuse=Refuse",
            "Remote support",
            "{question}",
        ),
        name="notify",
    )


def make_prompter(spec: str) -> Prompter:
    """The prompter a ``--prompter`` value names ("" picks the best this machine has)."""
    spec = spec.strip()
    if spec in ("", "notify"):
        found = notification_prompter()
        if found is not None:
            return found
        if spec == "notify":
            log.warning("No desktop notifications here; the policy's default answer applies.")
        return NoPrompter()
    if spec == "none":
        return NoPrompter()
    if spec.startswith("command:"):
        try:
            argv = tuple(shlex.split(spec.removeprefix("command:")))
        except ValueError as err:
            raise PrompterError(f"The prompter command cannot be read: {err}.") from None
        if not argv:
            raise PrompterError("The prompter command is empty; give a program after 'command:'.")
        return CommandPrompter(argv)
    raise PrompterError(f"'{spec}' is not a prompter; use notify, none or command:PROGRAM [ARGS].")
