"""The Jump Client as a real process (``python -m jump_client``) against an appliance."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api_client import ApplianceClient
from domain import Installer
from jump_client.config import load

GATEWAY = "127.16.77.1"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jump_client", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


class Client:
    """One running ``jump-client run`` process."""

    def __init__(
        self,
        directory: Path,
        *,
        mac: str,
        broadcast: str | None = None,
        display: str | None = None,
        prompter: str | None = None,
        console_user: str | None = None,
        env: dict[str, str] | None = None,
        ignoring: str = "",
    ) -> None:
        """``ignoring``: signals it starts with ignored ("INT QUIT HUP": as ``nohup`` and a
        script's background job start it)."""
        args = [sys.executable, "-m", "jump_client", "run", "--dir", str(directory)]
        if broadcast:
            args += ["--wol-broadcast", broadcast]
        env = {
            **os.environ,
            "JUMP_CLIENT_GATEWAY": GATEWAY,
            "JUMP_CLIENT_MAC": mac,
            **(env or {}),
        }
        # the shells it serves start in a home of their own: this machine's rc files (a
        # version manager's hooks, a stale lock of theirs) are not what a test is about
        home = directory.parent / f"{directory.name}-home"
        home.mkdir(parents=True, exist_ok=True)
        env["HOME"] = str(home)
        env.pop("DISPLAY", None)  # a screen only where a test gives one
        if display:
            env["DISPLAY"] = display
        if prompter:
            args += ["--prompter", prompter]
        if console_user:
            env["JUMP_CLIENT_CONSOLE_USER"] = console_user
        if ignoring:  # the shell's trap "" ignores them; exec keeps them ignored
            args = ["sh", "-c", f'trap "" {ignoring}; exec "$@"', "sh", *args]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def install_client(url: str, inst: Installer, directory: Path) -> int:
    """``jump-client install`` into ``directory``; the new item's id."""
    done = cli(
        "install", "--key", inst.installer_id, "--appliance", url, "--install-dir", str(directory)
    )
    assert done.returncode == 0, done.stderr
    return load(directory).jump_client_id or 0


def running(url: str, inst: Installer, directory: Path, clients: list[Client], *, mac: str) -> int:
    """Install and start ``jump-client run``; the item's id."""
    item_id = install_client(url, inst, directory)
    clients.append(Client(directory, mac=mac))
    return item_id


async def installer(api: ApplianceClient, **fields: Any) -> Installer:
    return await api.installers.create({"jump_group_id": 1, "elevate_install": False, **fields})


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll an appliance-side condition until it holds (bounded)."""

    async def wait() -> Any:
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), timeout)
