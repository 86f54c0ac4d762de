"""A session's shell gets its keys' signals however its Jump Client was started: one started
by ``nohup`` or in the background of a script (SIGINT, SIGQUIT and SIGHUP ignored) still lets
a representative's Ctrl-C and Ctrl-\\ stop a program, and the session's end stops what the
shell left running — as a real process on a real PTY, through the appliance."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from api_client import ApplianceClient, RepCredentials, open_shell
from appliance.embedded import EmbeddedAppliance
from tests.support.jump_client import Client, eventually, install_client, installer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the Jump Client's shell and its programs' signals"),
]


def _started(client: Client, argv: list[str]) -> psutil.Process | None:
    """The program running ``argv`` in one of ``client``'s shells, once it runs."""
    for child in psutil.Process(client.process.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if child.cmdline() == argv:
                return child
    return None


async def _in_thread(check: Callable[..., object], *args: object) -> object:
    return await asyncio.to_thread(check, *args)


def _gone(program: psutil.Process) -> bool:
    try:
        return bool(program.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


async def test_ctrl_c_ctrl_backslash_and_the_end_reach_programs_of_a_nohup_client(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    inst = await installer(api, unattended_session_policy_id=3)  # "not present: full access"
    directory = tmp_path / "nohup"
    item_id = install_client(embedded.url, inst, directory)
    client = Client(directory, mac="02:00:5e:77:00:1f", ignoring="INT QUIT HUP")
    clients.append(client)
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:

        async def online() -> bool:
            return (await rep.jump_item(item_id)).x_online

        await eventually(online)
        sid = (await rep.start_session(item_id)).session.sid
        async with open_shell(rep, sid, cols=100, rows=30) as shell:
            seen = bytearray()
            chunks = aiter(shell)

            async def until(text: bytes) -> None:
                async def read() -> None:
                    while text not in seen:
                        seen.extend(await anext(chunks))

                await asyncio.wait_for(read(), 20)

            async def stops(command: str, key: bytes, marker: str) -> None:
                """``command`` runs until ``key``; the shell then runs the next command."""
                await shell.write(f"{command}\n".encode())
                program = await eventually(lambda: _in_thread(_started, client, command.split()))
                await shell.write(key)
                await eventually(lambda: _in_thread(_gone, program))
                await shell.write(f"echo {marker}-$((6*7))\n".encode())
                await until(f"{marker}-42".encode())

            await stops("sleep 3170", b"\x03", "interrupted")  # Ctrl-C
            await stops("sleep 3171", b"\x1c", "quit")  # Ctrl-\
            await shell.write(b"sleep 3172 &\n")  # left running when the session ends
            left = await eventually(lambda: _in_thread(_started, client, ["sleep", "3172"]))
        await rep.end_session(sid)
    # the shell's hang-up reaches the job it left: nothing of the session runs on
    await eventually(lambda: _in_thread(_gone, left))
    assert client.process.poll() is None  # the client itself ignores them still
