"""The Jump Client on its endpoint, as real processes: restarts, stops, removal, the service
user, failed silent installs (issue 18)."""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_client import ApplianceClient, RepCredentials
from appliance.embedded import EmbeddedAppliance
from jump_client.config import CLOCK_ENV, load, save
from tests.support.jump_client import Client, cli, eventually, install_client, installer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the Jump Client process and what it does on its machine"),
]


def _connected(embedded: EmbeddedAppliance, item_id: int, connected: bool = True) -> Any:
    """A check for :func:`eventually`: the client's channel is open to the appliance (or
    closed), as the appliance itself holds it (no API request: the limit stays untouched)."""
    agents = embedded.app.state.appliance.agents  # type: ignore[union-attr]

    async def check() -> bool:
        return (agents.local(item_id) is not None) is connected

    return check


def _set_clock(path: Path, at: datetime) -> None:
    path.write_text(at.isoformat())


async def test_a_client_stopped_and_started_again_counts_only_the_time_it_was_offline(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    """An ephemeral client (5 minutes offline at most) connected for 10 minutes, stopped with
    SIGTERM and started 3 minutes later, stays installed: it was offline 3 minutes, not 13.
    SIGINT stops it as cleanly, its last contact written."""
    inst = await installer(api, max_offline_minutes=5)
    directory = tmp_path / "eph"
    item_id = install_client(embedded.url, inst, directory)
    config = load(directory)
    config.heartbeat_s = 0.2  # the minute of the real client, shortened
    save(config)
    clock_file = tmp_path / "clock"
    start = datetime.now(UTC).replace(microsecond=0)
    _set_clock(clock_file, start)
    env = {CLOCK_ENV: str(clock_file)}
    clients.append(Client(directory, mac="02:00:5e:77:01:01", env=env))
    await eventually(_connected(embedded, item_id))

    later = start + timedelta(minutes=10)
    _set_clock(clock_file, later)  # ten minutes connected: the client keeps its last contact

    async def written() -> bool:
        contact = load(directory).last_contact
        return contact is not None and contact >= later

    await eventually(written)
    clients[-1].process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(clients[-1].process.wait, 20) == 0  # a clean stop
    await eventually(_connected(embedded, item_id, False))  # it closed its channel

    _set_clock(clock_file, later + timedelta(minutes=3))
    clients.append(Client(directory, mac="02:00:5e:77:01:01", env=env))
    await eventually(_connected(embedded, item_id))
    assert directory.exists()
    assert clients[-1].process.poll() is None
    clients[-1].process.send_signal(signal.SIGINT)  # Ctrl-C stops it as cleanly
    assert await asyncio.to_thread(clients[-1].process.wait, 20) == 0
    assert load(directory).last_contact == later + timedelta(minutes=3)


async def test_a_removed_item_uninstalls_its_client_at_once_and_uninstall_stops_run(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    """Removed from a console, a connected client uninstalls itself at once; `jump-client
    uninstall` on the machine stops the running client before it removes its folder."""
    inst = await installer(api)
    removed, local = tmp_path / "removed", tmp_path / "local"
    removed_id, local_id = await asyncio.gather(  # side by side: each is a process
        asyncio.to_thread(install_client, embedded.url, inst, removed),
        asyncio.to_thread(install_client, embedded.url, inst, local),
    )
    clients.append(Client(removed, mac="02:00:5e:77:01:02"))
    clients.append(Client(local, mac="02:00:5e:77:01:03"))
    await eventually(_connected(embedded, removed_id))
    await eventually(_connected(embedded, local_id))

    # a representative removes the item: its client is told now and uninstalls itself
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await rep.remove_item(removed_id)
    assert await asyncio.to_thread(clients[0].process.wait, 20) == 0
    assert not removed.exists()

    # `jump-client uninstall` on the machine stops the running client first, then goes
    done = await asyncio.to_thread(cli, "uninstall", "--dir", str(local))
    assert done.returncode == 0, done.stderr
    assert "Stopped the running Jump Client" in done.stderr
    # stopped (cleanly), not left running: it ends as its lock is let go
    assert await asyncio.to_thread(clients[1].process.wait, 20) == 0
    assert not local.exists()
    assert (await api.jump_clients.get(local_id)).x_status.value == "uninstalled"


async def test_a_failed_silent_install_keeps_its_reason_beside_the_folder_it_deletes(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path
) -> None:
    """The reason is kept beside the install folder (with or without a system log), and told
    on stderr even though the install is silent."""
    inst = await installer(api)
    folder = tmp_path / "quiet"
    failed = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        f"INSTALLDIR={folder}",
        "jc_name=Not allowed",  # the installer does not allow it: the install fails
        "/quiet",
    )
    reason = "The parameter jc_name may not be overridden by this installer"
    assert failed.returncode == 1 and not folder.exists()
    log = tmp_path / "quiet.install.log"
    assert reason in log.read_text()  # where an administrator finds it, the folder gone
    assert reason in failed.stderr and str(log) in failed.stderr  # and what ran it is told


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder every user may reach and write in (as /tmp), unlike the test's own tmp_path."""
    path = Path(tempfile.mkdtemp(prefix="jump-client-test-"))
    path.chmod(0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def user_name() -> Iterator[str]:
    """The name of a user of the test's own, deleted afterwards if something made it (a
    service install, as it would make ``jumpclient``). Needs root, as CI has."""
    if os.geteuid() != 0:
        pytest.skip("a service install, and a user made for it, need root (CI runs as root)")
    for tool in ("useradd", "userdel", "setpriv", "pkill"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed here")
    name = f"jctest{os.getpid()}x{next(_USERS)}"  # each test its own: none inherits another's
    yield name
    # whatever still runs as that user ends first: userdel refuses a user with processes
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, check=False)
    subprocess.run(["userdel", name], capture_output=True, check=False)
    subprocess.run(["groupdel", name], capture_output=True, check=False)


_USERS = itertools.count(1)


def _as_user(name: str, command: list[str]) -> list[str]:
    """``command`` run as the user ``name`` (its own uid, gid, no other groups)."""
    user = pwd.getpwnam(name)
    return [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--",
        *command,
    ]


async def test_a_service_install_starts_as_its_service_user(
    embedded: EmbeddedAppliance, api: ApplianceClient, open_dir: Path, user_name: str
) -> None:
    """Installed as root, the client runs as its own user (made by the install), as its
    unit says: that user owns its folder, which no one else may read."""
    inst = await installer(api, elevate_install=True)
    folder = open_dir / "service"
    done = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        "--install-dir",
        str(folder),
        "--service-user",
        user_name,
    )
    assert done.returncode == 0, done.stderr
    owner = pwd.getpwnam(user_name)  # made by the install
    for path in (folder, folder / "client.json"):
        assert path.stat().st_uid == owner.pw_uid
        assert path.stat().st_mode & 0o077 == 0  # the secret is still the user's alone
    unit = (folder / "jump-client.service").read_text()
    assert f"User={user_name}" in unit
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    command = shlex.split(start.removeprefix("ExecStart="))
    service = subprocess.Popen(
        _as_user(user_name, command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    connected = _connected(embedded, load(folder).jump_client_id or 0)

    async def running_and_connected() -> bool:
        if service.poll() is not None:  # it ended: say why, rather than wait out the bound
            said = service.stderr.read()[-2000:] if service.stderr else b""
            raise AssertionError(f"the service ended ({service.returncode}): {said!r}")
        return bool(await connected())

    try:
        # a new user's first start on a loaded machine is slow: bounded, but generously
        try:
            await eventually(running_and_connected, timeout=60)
        except TimeoutError:
            service.kill()
            _out, errors = await asyncio.to_thread(service.communicate, timeout=20)
            raise AssertionError(f"no connection in 60 s; it said: {errors[-2000:]!r}") from None
        service.send_signal(signal.SIGTERM)
        _out, errors = await asyncio.to_thread(service.communicate, timeout=20)
        assert service.returncode == 0, errors
    finally:
        if service.poll() is None:  # never left running (nor its user, kept by it)
            service.kill()
            await asyncio.to_thread(service.communicate, timeout=20)


async def _download(embedded: EmbeddedAppliance, api: ApplianceClient, key: str, to: Path) -> Path:
    """The installer with ``key``, downloaded as an administrator would, into ``to``."""
    token = await api.bearer()
    async with httpx.AsyncClient(base_url=embedded.url) as http:
        answer = await http.get(
            f"/api/config/v1/jump-client/installer/{key}/linux-64",
            headers={"Authorization": f"Bearer {token}"},
        )
    answer.raise_for_status()
    to.write_bytes(answer.content)
    to.chmod(0o644)
    return to


async def test_the_installer_asks_for_elevation_only_when_its_elevate_prompt_says_so(
    embedded: EmbeddedAppliance, api: ApplianceClient, open_dir: Path, user_name: str
) -> None:
    """Run by a user who is not root, an installer with elevate_prompt asks for the rights
    (sudo) and, given them, runs itself again with them; one without installs the client
    for that user only, asking nothing."""
    made = subprocess.run(["useradd", "--user-group", "--no-create-home", user_name], check=False)
    assert made.returncode == 0
    asked = open_dir / "sudo-was-asked"
    asked.touch(mode=0o666)
    asked.chmod(0o666)
    fake = open_dir / "bin"
    fake.mkdir(mode=0o755)
    sudo = fake / "sudo"  # says yes, and records what it was asked (it cannot make root)
    sudo.write_text(f'#!/bin/sh\necho "$@" >> {asked}\n')
    sudo.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}

    async def run_installer(name: str, **fields: Any) -> subprocess.CompletedProcess[str]:
        inst = await installer(api, elevate_install=True, **fields)
        pyz = await _download(embedded, api, inst.installer_id, open_dir / f"{name}.pyz")
        command = [sys.executable, str(pyz), "--install-dir", str(open_dir / name)]
        return await asyncio.to_thread(
            subprocess.run,
            _as_user(user_name, command),
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=open_dir,
        )

    quiet = await run_installer("quiet", elevate_prompt=False)
    assert quiet.returncode == 0, quiet.stderr
    assert asked.read_text() == ""  # nobody was asked
    assert load(open_dir / "quiet").install_mode == "user"

    prompting = await run_installer("prompting", elevate_prompt=True)
    assert prompting.returncode == 0, prompting.stderr
    assert "needs administrator rights" in prompting.stderr
    validate, again = asked.read_text().splitlines()
    assert validate == "-v"  # sudo asks for the password
    # then the same installer runs again with the rights; nothing was installed without them
    pyz, folder = open_dir / "prompting.pyz", open_dir / "prompting"
    assert again == f"-- {sys.executable} {pyz} --install-dir {folder}"
    assert not folder.exists()
