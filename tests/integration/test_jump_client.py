"""The Jump Client as real processes against a real appliance on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from api_client import ApiCredentials, ApplianceClient, ApplianceError, Refused, RepCredentials
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from domain.thumbnail import decode as decode_thumbnail
from jump_client.config import load, save
from jump_client.service import service_unit
from tests.support.jump_client import (
    GATEWAY,
    Client,
    cli,
    eventually,
    install_client,
    installer,
    running,
)
from tests.support.xvfb import start_xvfb

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the Jump Client process and what it does on its machine"),
]


async def test_install_with_allowed_and_refused_overrides_in_both_forms(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path
) -> None:
    inst = await installer(api, allow_override_tag=True, tag="default")
    refused = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        "--install-dir",
        str(tmp_path / "a"),
        "jc_name=Not allowed",
    )
    assert refused.returncode == 1
    assert (
        "The parameter jc_name may not be overridden by this installer (its name is fixed)."
    ) in refused.stderr
    assert not (tmp_path / "a").exists()
    ok = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        "--install-dir",
        str(tmp_path / "b"),
        "--jc-tag",
        "kiosk",
    )
    assert ok.returncode == 0, ok.stderr
    config = load(tmp_path / "b")
    assert config.state == "registered" and config.install_mode == "user"
    assert (tmp_path / "b" / "client.json").stat().st_mode & 0o077 == 0
    created = await api.jump_clients.get(config.jump_client_id or 0)
    assert created.tag == "kiosk" and created.hostname == socket.gethostname()
    msi = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        f"INSTALLDIR={tmp_path / 'c'}",
        "jc_tag=lobby",
        "/quiet",
    )
    assert msi.returncode == 0 and msi.stderr == "" and msi.stdout == ""
    assert (await api.jump_clients.get(load(tmp_path / "c").jump_client_id or 0)).tag == "lobby"
    status = cli("status", "--dir", str(tmp_path / "c"))
    assert status.stdout.startswith("Registered as Jump Client")
    taken = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        "--install-dir",
        str(tmp_path / "c"),
    )
    assert taken.returncode == 1 and "exists" in taken.stderr


async def test_the_installers_list_finds_the_installer_by_the_computer_it_installed_on(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path
) -> None:
    """BeyondTrust's ``hostname`` and ``fqdn`` filters of installers: those that installed a
    Jump Client on that computer."""
    used, unused = await installer(api, tag="used"), await installer(api, tag="unused")
    item = await api.jump_clients.get(install_client(embedded.url, used, tmp_path / "h"))
    for query in ({"hostname": item.hostname.upper()}, {"fqdn": item.fqdn}):
        answer = await api.request("GET", "/api/config/v1/jump-client/installer", params=query)
        found = {row["id"] for row in answer.json()}
        assert used.id in found and unused.id not in found, query


async def test_expired_installer_and_unknown_code_name(
    embedded: EmbeddedAppliance, api: ApplianceClient, clock: FakeClock, tmp_path: Path
) -> None:
    inst = await installer(api, valid_duration=10, allow_override_jump_group=True)
    unknown = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        "--install-dir",
        str(tmp_path / "u"),
        "--jc-jump-group",
        "jumpgroup:nowhere",
    )
    assert unknown.returncode == 1 and "No Jump Group has the code name 'nowhere'" in (
        unknown.stderr
    )
    clock.advance(11 * 60)
    expired = cli(
        "install",
        "--key",
        inst.installer_id,
        "--appliance",
        embedded.url,
        "--install-dir",
        str(tmp_path / "e"),
    )
    assert expired.returncode == 1 and "The installer has expired" in expired.stderr


async def test_run_reports_real_statistics_and_answers_presence(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    inst = await installer(api)
    item_id = running(embedded.url, inst, tmp_path / "r", clients, mac="02:00:5e:77:00:01")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        item = await eventually(lambda: _stats_of(rep, item_id))
        assert item.x_online and item.x_version == "1.0.0"
        assert item.x_gateway.ip == GATEWAY and item.x_mac == "02:00:5e:77:00:01"
        assert 0 <= item.x_stats.cpu_percent <= 100 and 0 < item.x_stats.disk_percent <= 100
        assert item.x_stats.uptime_s > 0
        assert item.x_stats.thumbnail is None  # no display: the thumbnail is unavailable
        started = await rep.start_session(item_id)  # presence is asked of the real client
        assert started.presence is False  # nobody is logged in at this machine's console
        assert "no user is present" in started.session.reason


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A virtual X screen, white, 320×180; skipped where Xvfb is not installed."""
    with start_xvfb(320, 180) as display:
        yield display


async def test_the_screen_thumbnail_comes_from_the_display(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp_path: Path,
    clients: list[Client],
    xvfb: str,
) -> None:
    inst = await installer(api)
    item_id = install_client(embedded.url, inst, tmp_path / "x")
    clients.append(Client(tmp_path / "x", mac="02:00:5e:77:00:09", display=xvfb))
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:

        async def thumbnail() -> Any:
            item = await rep.jump_item(item_id)
            return item.x_stats.thumbnail if item.x_stats else None

        thumb = decode_thumbnail(await eventually(thumbnail))
        assert thumb is not None and (thumb.width, thumb.height) == (48, 27)  # 16:9 kept
        assert all(value >= 250 for value in thumb.rgb)  # the white screen of Xvfb -wr
        listed = await rep.jump_items()  # lists stay light: no thumbnails in them
        mine = next(i for i in listed.items if i.id == item_id)
        assert mine.x_stats is not None and mine.x_stats.thumbnail is None


async def _stats_of(rep: ApplianceClient, item_id: int) -> Any:
    item = await rep.jump_item(item_id)
    return item if item.x_online and item.x_stats is not None else None


async def test_wake_through_a_real_peer(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp_path: Path,
    clients: list[Client],
    udp: socket.socket,
) -> None:
    inst = await installer(api)
    for name in ("peer", "sleeper"):
        assert (
            cli(
                "install",
                "--key",
                inst.installer_id,
                "--appliance",
                embedded.url,
                "--install-dir",
                str(tmp_path / name),
            ).returncode
            == 0
        )
    listener = f"127.0.0.1:{udp.getsockname()[1]}"
    peer = Client(tmp_path / "peer", mac="02:00:5e:77:00:0a", broadcast=listener)
    sleeper = Client(tmp_path / "sleeper", mac="02:00:5e:77:00:0b")
    clients += [peer, sleeper]
    sleeper_id = load(tmp_path / "sleeper").jump_client_id or 0
    peer_id = load(tmp_path / "peer").jump_client_id or 0
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, sleeper_id, True))
        await eventually(lambda: _online(rep, peer_id, True))  # the peer that will relay
        sleeper.stop()  # the machine goes to sleep; its MAC is known from its hello
        await eventually(lambda: _online(rep, sleeper_id, False))
        said = (await rep.wake(sleeper_id, wol_password="01:02:03:04:05:06")).message
        assert said.endswith(f"sent via {load(tmp_path / 'peer').name}.")
        packet, _ = await asyncio.to_thread(udp.recvfrom, 200)
        assert packet == (
            b"\xff" * 6 + bytes.fromhex("02005e77000b") * 16 + bytes.fromhex("010203040506")
        )


async def _online(rep: ApplianceClient, item_id: int, online: bool) -> bool:
    return (await rep.jump_item(item_id)).x_online is online


async def test_reconnects_after_the_appliance_restarts(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp_path: Path,
    clients: list[Client],
    clock: FakeClock,
) -> None:
    inst = await installer(api)
    item_id = running(embedded.url, inst, tmp_path / "k", clients, mac="02:00:5e:77:00:0c")

    def online(client: ApplianceClient) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            clock.advance(0.1)  # the time between polls: the request limit refills with it
            return await _online_api(client, item_id)

        return check

    await eventually(online(api))  # however long the client takes to start on a busy machine
    embedded.stop()
    embedded.start()
    async with ApplianceClient(
        embedded.url, credentials=ApiCredentials("it", "it-secret")
    ) as again:
        # The restart marked it offline; the client comes back by itself.
        await eventually(online(again), timeout=60)


async def _online_api(api: ApplianceClient, item_id: int) -> bool:
    return (await api.jump_clients.get(item_id)).x_online


async def test_local_uninstall_marks_the_item_uninstalled(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path
) -> None:
    inst = await installer(api)
    install_client(embedded.url, inst, tmp_path / "x")
    item_id = load(tmp_path / "x").jump_client_id or 0
    done = cli("uninstall", "--dir", str(tmp_path / "x"))
    assert done.returncode == 0 and not (tmp_path / "x").exists()
    assert (await api.jump_clients.get(item_id)).x_status.value == "uninstalled"


async def test_a_client_whose_item_is_deleted_removes_itself_at_once(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    """An administrator deletes the item of a connected client: the appliance closes its
    channel saying so, and the client removes itself rather than reconnect for ever."""
    inst = await installer(api)
    item_id = running(embedded.url, inst, tmp_path / "del", clients, mac="02:00:5e:77:00:1a")
    state = embedded.app.state.appliance  # type: ignore[union-attr]

    async def connected() -> bool:
        return state.agents.local(item_id) is not None

    await eventually(connected)
    await api.jump_clients.delete(item_id)
    assert await asyncio.to_thread(clients[-1].process.wait, 20) == 0
    assert not (tmp_path / "del").exists()


def test_unreachable_appliance_installs_pending_then_gives_up(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pending = cli(
        "install",
        "--key",
        "k" * 32,
        "--appliance",
        f"http://127.0.0.1:{port}",
        "--install-dir",
        str(tmp_path / "p"),
    )
    assert pending.returncode == 0 and "could not be reached" in pending.stderr
    assert cli("status", "--dir", str(tmp_path / "p")).stdout.startswith("Pending")
    config = load(tmp_path / "p")
    config.register_until = config.register_until - timedelta(days=2)  # validity is over
    save(config)
    gone = cli("run", "--dir", str(tmp_path / "p"))
    assert gone.returncode == 0 and not (tmp_path / "p").exists()


def test_offline_longer_than_allowed_removes_itself(tmp_path: Path) -> None:
    directory = tmp_path / "lost"
    directory.mkdir()
    (directory / "client.json").write_text(
        json.dumps(
            {
                "appliance": "http://127.0.0.1:9",
                "key": "k",
                "install_dir": str(directory),
                "state": "registered",
                "register_until": "2026-01-01T00:00:00+00:00",
                "jump_client_id": 7,
                "secret": "s",
                "max_offline_minutes": 5,
                "last_contact": "2026-01-01T00:00:00+00:00",
            }
        )
    )
    gone = cli("run", "--dir", str(directory))
    assert gone.returncode == 0 and not directory.exists()


def test_service_unit_runs_as_a_dedicated_user(tmp_path: Path) -> None:
    unit = service_unit(tmp_path)
    assert "User=jumpclient" in unit and "NoNewPrivileges=yes" in unit
    assert f'ExecStart="{tmp_path}/jump-client" run --dir "{tmp_path}"' in unit
    assert "WantedBy=multi-user.target" in unit
    # not started again once it removed itself (0) or cannot start at all (2)
    assert "Restart=on-failure" in unit and "RestartPreventExitStatus=2" in unit


async def test_a_shell_session_runs_a_command_and_returns_its_output(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    from api_client import open_shell

    inst = await installer(api, unattended_session_policy_id=3)  # "not present: full access"
    item_id = running(embedded.url, inst, tmp_path / "sh", clients, mac="02:00:5e:77:00:0d")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        started = await rep.start_session(item_id)
        assert started.permissions.command_shell and started.session.shell
        async with open_shell(rep, started.session.sid, cols=100, rows=30) as shell:
            await shell.write(b"echo answer-$((6*7))\n")
            seen = b""

            async def until_answer() -> None:
                nonlocal seen
                async for chunk in shell:
                    seen += chunk
                    if b"answer-42" in seen:
                        return

            await asyncio.wait_for(until_answer(), 20)
            await shell.write(b"exit\n")
            await asyncio.wait_for(_drain(shell), 20)
            assert shell.exit_code == 0
        await rep.end_session(started.session.sid)


async def test_bad_shell_frames_are_refused_and_neither_end_stops(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    """A console's bad frames stop at the appliance; bad frames that reach the Jump Client
    anyway are refused there: the client stays connected and its shell goes on."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from api_client import open_shell
    from domain.protocol.close import Close

    inst = await installer(api, unattended_session_policy_id=3)
    item_id = running(embedded.url, inst, tmp_path / "bad", clients, mac="02:00:5e:77:00:0e")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        sid = (await rep.start_session(item_id)).session.sid
        url = embedded.url.replace("http://", "ws://", 1) + f"/api/rep/v1/sessions/{sid}/shell"
        auth = {"Authorization": f"Bearer {await rep.bearer()}"}
        async with connect(f"{url}?cols=abc&rows=24", additional_headers=auth) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.BAD_REQUEST
        async with connect(f"{url}?cols=100&rows=30", additional_headers=auth) as ws:
            for bad in (
                {"type": "resize", "cols": None, "rows": 24},
                {"type": "resize", "cols": "abc", "rows": 24},
                {"type": "input", "data": 7},
                ["not", "a", "frame"],
            ):
                await ws.send(json.dumps(bad))  # dropped by the appliance, not relayed

        # frames as a faulty appliance might send them, straight to the Jump Client
        state = embedded.app.state.appliance  # type: ignore[union-attr]
        agent = state.agents.local(item_id)
        assert agent is not None and embedded._loop is not None
        for bad in (
            {"type": "shell.resize", "sid": sid, "cols": None, "rows": 24},
            {"type": "shell.resize", "sid": sid, "cols": "abc", "rows": "x"},
            {"type": "shell.open", "sid": sid, "cols": [], "rows": 24},
            {"type": "wake", "id": 9999, "mac": None},
            {"type": "no.such.thing", "id": 9998},
        ):
            sent = asyncio.run_coroutine_threadsafe(agent.send(bad), embedded._loop)
            await asyncio.wrap_future(sent)

        async with open_shell(rep, sid, cols=100, rows=30) as shell:
            await shell.write(b"echo still-$((6*7))\n")
            seen = b""

            async def until_answer() -> None:
                nonlocal seen
                async for chunk in shell:
                    seen += chunk
                    if b"still-42" in seen:
                        return

            await asyncio.wait_for(until_answer(), 20)
        assert all(c.process.poll() is None for c in clients)  # the client did not die
        assert state.agents.local(item_id) is agent  # nor did its connection
        await rep.end_session(sid)


async def _drain(shell: Any) -> None:
    async for _chunk in shell:
        pass


async def test_the_shell_is_refused_when_the_policy_denies_it(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    from api_client import Refused, open_shell

    inst = await installer(api, unattended_session_policy_id=2)  # view only: no shell
    item_id = running(embedded.url, inst, tmp_path / "ns", clients, mac="02:00:5e:77:00:0e")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        started = await rep.start_session(item_id)
        assert not started.permissions.command_shell and not started.session.shell
        with pytest.raises(Refused) as info:
            async with open_shell(rep, started.session.sid) as shell:
                await _drain(shell)
        assert "does not allow the command shell" in info.value.message


async def test_the_console_starts_a_real_client_for_this_machine(tmp_path: Path) -> None:
    from console.__main__ import _start_local_client
    from console.config import ConsoleSettings
    from jump_client.lock import running_pid

    settings = ApplianceSettings(
        db=tmp_path / "local.sqlite3", demo_fleet=5, live_interval_s=0.2, simulate=False
    )
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    process = _start_local_client(appliance, ConsoleSettings(data_dir=tmp_path / "data"))
    try:
        assert process is not None
        async with ApplianceClient(
            appliance.url, credentials=RepCredentials("carol", "demo")
        ) as rep:

            async def online() -> Any:
                page = await rep.jump_items("tag:this-machine status:online")
                return page.items

            items = await eventually(online)
            assert items[0].hostname == socket.gethostname()
            started = await rep.start_session(items[0].id)
            assert started.session.shell  # a real shell on this machine
        # never two for one folder: a second console leaves the running client alone ...
        folder = tmp_path / "data" / "this-machine-client"
        assert running_pid(folder) == process.pid
        assert _start_local_client(appliance, ConsoleSettings(data_dir=tmp_path / "data")) is None
        # ... and a second client on the folder says so and stops
        second = cli("run", "--dir", str(folder))
        assert second.returncode == 2
        assert f"A Jump Client already runs from {folder} (process {process.pid})" in second.stderr
        # the client ends with the console, however the console ends: its pipe closes, and
        # it stops as on SIGTERM: cleanly
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(15) == 0
        assert running_pid(folder) is None
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(10)
        appliance.stop()


def make_bundle(tmp_path: Path, version: str) -> Path:
    """A client bundle built from this checkout's code, reporting ``version``."""
    import zipfile

    root = Path(__file__).resolve().parents[2]
    bundle = tmp_path / f"bundle-{version}.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for package in ("jump_client", "domain"):
            for source in sorted((root / package).rglob("*.py")):
                text = source.read_text()
                if source.name == "system.py" and package == "jump_client":
                    text = text.replace('CLIENT_VERSION = "1.0.0"', f'CLIENT_VERSION = "{version}"')
                archive.writestr(str(source.relative_to(root)), text)
    assert shutil.which("python3") is not None
    return bundle


def upgrading_appliance(tmp_path: Path, announce: str | None = None) -> EmbeddedAppliance:
    settings = ApplianceSettings(
        db=tmp_path / "up.sqlite3",
        demo_fleet=5,
        live_interval_s=0.2,
        simulate=False,
        client_bundle=make_bundle(tmp_path, "1.1.0"),
        client_bundle_version="1.1.0",
    )
    appliance = EmbeddedAppliance(settings, api_account=("it", "it-secret"))
    appliance.start()
    if announce is not None:
        from appliance.agents.bundle import Bundle

        state = appliance.app.state.appliance  # type: ignore[union-attr]
        state.bundle = Bundle(
            state.bundle.version, state.bundle.data, state.bundle.sha256, announce
        )
    return appliance


async def _upgrade_one(
    appliance: EmbeddedAppliance, tmp_path: Path, clients: list[Client]
) -> tuple[int, ApplianceClient]:
    async with ApplianceClient(appliance.url, credentials=ApiCredentials("it", "it-secret")) as api:
        inst = await installer(api)
    item_id = running(appliance.url, inst, tmp_path / "u", clients, mac="02:00:5e:77:00:10")
    rep = ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo"))

    async def needs_it() -> bool:
        item = await rep.jump_item(item_id)
        return item.x_online and item.needs_update

    await eventually(needs_it)
    await rep.upgrade(item_id)
    return item_id, rep


async def test_self_upgrade_to_a_new_bundle(tmp_path: Path, clients: list[Client]) -> None:
    appliance = upgrading_appliance(tmp_path)
    try:
        item_id, rep = await _upgrade_one(appliance, tmp_path, clients)
        try:

            async def upgraded() -> Any:
                item = await rep.jump_item(item_id)
                return item if item.x_online and item.x_version == "1.1.0" else None

            item = await eventually(upgraded, timeout=60)
            assert not item.needs_update and item.x_upgrade_state.value == "done"
            current = (tmp_path / "u" / "current").resolve()
            assert current == (tmp_path / "u" / "versions" / "1.1.0").resolve()
        finally:
            await rep.aclose()
    finally:
        appliance.stop()


async def test_a_bundle_with_a_bad_hash_is_refused(tmp_path: Path, clients: list[Client]) -> None:
    appliance = upgrading_appliance(tmp_path, announce="0" * 64)
    try:
        item_id, rep = await _upgrade_one(appliance, tmp_path, clients)
        try:

            async def failed() -> Any:
                item = await rep.jump_item(item_id)
                return item if item.x_upgrade_state.value == "failed" else None

            item = await eventually(failed, timeout=60)
            assert item.x_online and item.x_version == "1.0.0"  # the old version keeps running
            assert not (tmp_path / "u" / "current").exists()
        finally:
            await rep.aclose()
    finally:
        appliance.stop()


async def test_a_passive_client_checks_in_and_connects_when_asked(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    inst = await installer(api, connection_type="passive", unattended_session_policy_id=3)
    install_client(embedded.url, inst, tmp_path / "pv")
    config = load(tmp_path / "pv")
    assert config.passive
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config.passive_listen = f"127.0.0.1:{port}"
    save(config)
    clients.append(Client(tmp_path / "pv", mac="02:00:5e:77:00:11"))
    item_id = config.jump_client_id or 0
    state = embedded.app.state.appliance  # type: ignore[union-attr]
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:

        async def passive_and_listening() -> bool:
            item = await rep.jump_item(item_id)
            return item.x_status.value == "passive" and item_id in state.agents.passive

        await eventually(passive_and_listening)
        assert state.agents._agents.get(item_id) is None  # no standing connection
        started = await rep.start_session(item_id)  # the appliance knocks; the client connects
        assert started.session.shell
        assert state.agents._agents.get(item_id) is not None
        await rep.end_session(started.session.sid)
    await api.jump_clients.delete(item_id)  # knocked on, it connects, hears it, and goes
    assert await asyncio.to_thread(clients[-1].process.wait, 20) == 0
    assert not (tmp_path / "pv").exists()


async def test_system_information_when_the_policy_allows_it(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    from api_client import Forbidden

    inst = await installer(api, unattended_session_policy_id=3)
    item_id = running(embedded.url, inst, tmp_path / "si", clients, mac="02:00:5e:77:00:12")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        started = await rep.start_session(item_id)
        assert started.permissions.system_info
        info = await rep.system_info(started.session.sid)
        assert info.process_count > 0 and info.processes
        assert any(d.mount == "/" for d in info.disks) or info.disks == []
        assert 0 < info.memory_percent <= 100
        await rep.end_session(started.session.sid)
        state = embedded.app.state.appliance  # type: ignore[union-attr]
        repo = state.site.repo
        with repo.transaction():  # a policy that denies system information
            repo.session_policies.update(
                3, {"permissions": {"system_info": "deny", "command_shell": "allow"}}
            )
        again = await rep.start_session(item_id)
        assert not again.permissions.system_info
        with pytest.raises(Forbidden):
            await rep.system_info(again.session.sid)


async def test_the_downloaded_installer_installs_with_parameters(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path
) -> None:
    import httpx

    inst = await installer(api, allow_override_tag=True)
    token = await api.bearer()
    async with httpx.AsyncClient(base_url=embedded.url) as http:
        answer = await http.get(
            f"/api/config/v1/jump-client/installer/{inst.installer_id}/linux-64",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
        missing = await http.get(
            f"/api/config/v1/jump-client/installer/{inst.installer_id}/beos-32",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert missing.status_code == 404 and "linux-64" in missing.json()["message"]
    artifact = tmp_path / "jump-client-installer-linux-64.pyz"
    artifact.write_bytes(answer.content)
    done = subprocess.run(
        [sys.executable, str(artifact), "--install-dir", str(tmp_path / "d"), "jc_tag=downloaded"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    created = await api.jump_clients.get(load(tmp_path / "d").jump_client_id or 0)
    assert created.tag == "downloaded"
    assert load(tmp_path / "d").appliance == embedded.url
    # the client runs from its folder, with the code the installer carried (an endpoint
    # has no jump_client installed), by the command the install names
    command = tmp_path / "d" / "jump-client"
    assert f"Run it with: {command} run --dir" in done.stdout
    carried = tmp_path / "d" / "current" / "jump_client" / "__init__.py"
    carried.write_text(carried.read_text() + "\nprint('the code the installer carried')\n")
    ran = subprocess.run(
        [str(command), "status", "--dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert "the code the installer carried" in ran.stdout, ran.stderr
    assert not (tmp_path / "d" / "current" / "__main__.py").exists()  # not its key


def _files_allowed_in(embedded: EmbeddedAppliance, share: Path) -> Any:
    """Session policy 3 (user not present) allows the shell and files, within ``share``."""
    repo = embedded.app.state.appliance.site.repo  # type: ignore[union-attr]
    with repo.transaction():
        repo.session_policies.update(
            3,
            {
                "permissions": {
                    "command_shell": "allow",
                    "file_transfer_upload": "allow",
                    "file_transfer_download": "allow",
                    "file_transfer_paths": [str(share)],
                }
            },
        )
    return repo


async def test_file_transfer_within_the_policy_and_its_folders(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    from api_client import Forbidden, Refused

    share = tmp_path / "share"
    share.mkdir()
    (tmp_path / "secret.txt").write_text("not for you")
    repo = _files_allowed_in(embedded, share)
    inst = await installer(api, unattended_session_policy_id=3)
    item_id = running(embedded.url, inst, tmp_path / "ft", clients, mac="02:00:5e:77:00:13")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        started = await rep.start_session(item_id)
        sid = started.session.sid
        assert started.permissions.file_transfer_paths == [str(share)]
        await rep.upload_file(sid, str(share / "notes.txt"), b"hello from the console\n")
        big = os.urandom(6 * 1024 * 1024)  # several MiB both ways, through both websockets
        await rep.upload_file(sid, str(share / "big.bin"), big)
        assert (share / "big.bin").read_bytes() == big
        assert await rep.download_file(sid, str(share / "big.bin")) == big
        assert (share / "notes.txt").read_bytes() == b"hello from the console\n"
        assert await rep.download_file(sid, str(share / "notes.txt")) == (
            b"hello from the console\n"
        )
        with pytest.raises(Refused) as folder:  # the folder itself, not a file in it
            await rep.upload_file(sid, str(share), b"not a folder")
        assert folder.value.message == (
            f"The upload was refused: {share} is a folder; name the file to write in it."
        )
        assert share.is_dir() and not [*tmp_path.glob(".upload-*"), *share.glob(".upload-*")]
        with pytest.raises(Refused) as info:
            await rep.download_file(sid, str(tmp_path / "secret.txt"))
        assert "outside the folders" in info.value.message
        with pytest.raises(Refused):  # a symlink inside the share does not lead out of it
            (share / "link").symlink_to(tmp_path / "secret.txt")
            await rep.download_file(sid, str(share / "link"))
        await rep.end_session(sid)
        with repo.transaction():
            repo.session_policies.update(
                3, {"permissions": {"command_shell": "allow", "file_transfer_download": "deny"}}
            )
        again = await rep.start_session(item_id)
        with pytest.raises(Forbidden) as denied:
            await rep.download_file(again.session.sid, str(share / "notes.txt"))
        assert "does not allow file downloads" in denied.value.message


async def test_a_present_user_is_asked_and_the_answer_decides(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    asked = tmp_path / "asked.txt"
    answer = tmp_path / "answer"
    script = tmp_path / "prompt.sh"
    # the user's answer is whatever the test wrote in `answer`; "wait" means nobody answers
    script.write_text(
        f'printf "%s\\n" "$1" >> {asked}\n'
        f'case "$(cat {answer})" in accept) exit 0;; refuse) exit 1;; *) sleep 60;; esac\n'
    )
    quick = await api.session_policies.create(
        {
            "display_name": "Prompt, accept on timeout",
            "code_name": "prompt_quick",
            "permissions": {
                "prompt_end_user": "allow",
                "prompt_timeout_s": 5,
                "prompt_default_answer": "accept",
                "command_shell": "allow",
            },
        }
    )
    inst = await installer(api, attended_session_policy_id=2)
    item_id = install_client(embedded.url, inst, tmp_path / "p")
    clients.append(
        Client(
            tmp_path / "p",
            mac="02:00:5e:77:00:0a",
            prompter=f"command:sh {script} {{question}}",
            console_user="ann",
        )
    )
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        answer.write_text("accept")
        started = await rep.start_session(item_id)
        assert started.presence and started.session.reason.endswith("the user accepted")
        assert "Carol" in asked.read_text() and "(carol) asks to start" in asked.read_text()
        await rep.end_session(started.session.sid)

        answer.write_text("refuse")
        with pytest.raises(Refused) as refused:
            await rep.start_session(item_id)
        assert refused.value.code == "refused_by_user"
        assert "refused; the session did not start" in refused.value.message

        await api.jump_clients.update(item_id, {"attended_session_policy_id": quick.id})
        answer.write_text("wait")  # nobody answers within the policy's 5 s: accept applies
        late = await rep.start_session(item_id)
        assert "default answer (accept) applied" in late.session.reason
        assert late.permissions.command_shell
    assert len(asked.read_text().splitlines()) == 3  # asked once per start


async def test_files_go_both_ways_from_the_console_session_screen(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    from console.dialogs import PathsScreen
    from tests.support.console import SIZE, Site, loaded, until
    from widgets.terminal import Terminal

    share, mine = tmp_path / "share", tmp_path / "mine"
    share.mkdir()
    mine.mkdir()
    (share / "report.txt").write_bytes(b"disk report\n")
    (mine / "report.txt").write_bytes(b"older, keep me\n")
    (mine / "fix.sh").write_bytes(b"echo fixed\n")
    _files_allowed_in(embedded, share)
    inst = await installer(api, unattended_session_policy_id=3, tag="files")
    running(embedded.url, inst, tmp_path / "fc", clients, mac="02:00:5e:77:00:14")
    app = Site(embedded, tmp_path / "state.json").console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"filter tag:files status:online", "enter")
        await until(pilot, lambda: app._details_item is not None, timeout=30)
        await pilot.press("enter")  # start the session: the sessions screen opens
        await until(pilot, lambda: bool(app.actions.sessions))
        sid = next(iter(app.actions.sessions))
        await until(pilot, lambda: bool(app.screen.query(Terminal)))
        terminal = app.screen.query_one(Terminal)
        await until(pilot, lambda: terminal.session.state == "open", timeout=30)
        cols, rows = terminal.size  # the view's size reached the endpoint's terminal
        await pilot.press(*"stty size", "enter")

        def shown() -> str:
            return "\n".join(terminal.session.emulator.display())

        await until(pilot, lambda: f"{rows} {cols}" in shown(), timeout=30)
        await pilot.press("ctrl+right_square_bracket")  # F-keys are the shell's until then

        async def fill(first: str, second: str) -> PathsScreen:
            await until(pilot, lambda: isinstance(app.screen, PathsScreen))
            dialog = app.screen
            assert isinstance(dialog, PathsScreen)
            dialog.query_one("#path-0", Input).value = first
            dialog.query_one("#path-1", Input).value = second
            dialog.query_one("#path-0", Input).focus()
            await pilot.pause()
            await pilot.press("enter", "enter")
            await pilot.pause()
            return dialog

        await pilot.press("f5")  # download
        dialog = await fill(str(share / "report.txt"), str(mine) + "/")
        error = str(dialog.query_one("#paths-error", Static).render())
        assert "already exists" in error and app.screen is dialog  # nothing overwritten
        await fill(str(share / "report.txt"), str(mine / "report-new.txt"))
        await until(pilot, lambda: (mine / "report-new.txt").exists())
        assert (mine / "report-new.txt").read_bytes() == b"disk report\n"
        assert (mine / "report.txt").read_bytes() == b"older, keep me\n"

        await pilot.press("f6")  # upload into an allowed folder, keeping the name
        await fill(str(mine / "fix.sh"), str(share) + "/")
        await until(pilot, lambda: (share / "fix.sh").exists())
        assert (share / "fix.sh").read_bytes() == b"echo fixed\n"
        await until(pilot, lambda: any("Uploaded" in line for line in app.actions.logs[sid]))
        assert any("Downloaded" in line for line in app.actions.logs[sid])

        await pilot.press("f6")  # outside the policy's folders: refused by the client
        await fill(str(mine / "fix.sh"), "/tmp/")
        await until(
            pilot,
            lambda: any("outside the folders" in n.message for n in app._notifications),
        )


async def test_a_statistics_change_reaches_a_running_client_at_once(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    inst = await installer(api)
    item_id = running(embedded.url, inst, tmp_path / "s", clients, mac="02:00:5e:77:00:15")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        item = await eventually(lambda: _stats_of(rep, item_id))
        assert item.x_stats.disk_percent is not None
        await api.update_settings({"statistics": ["cpu"]})  # disk, uptime, user: no more

        async def cpu_only() -> Any:
            stats = (await rep.jump_item(item_id)).x_stats
            return stats is not None and stats.disk_percent is None and stats.uptime_s is None

        await eventually(cpu_only)
        assert (await rep.jump_item(item_id)).x_stats.cpu_percent is not None


class JumpointProcess:
    """``jump-appliance jumpoint`` on a free loopback port, with what it prints."""

    def __init__(self, appliance: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "appliance",
                "jumpoint",
                "--appliance",
                appliance,
                "--listen",
                "127.0.0.1:0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        assert "Jumpoint listening on 127.0.0.1:" in first, first
        self.url = "http://" + first.split("listening on ")[1].split(",")[0]
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


async def test_a_client_connects_through_the_jumpoint_its_installer_names(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    relay = JumpointProcess(embedded.url)
    try:
        created = await api.request(
            "POST",
            "/api/config/v1/jumpoint",
            json={"name": "Branch office", "x_address": relay.url},
        )
        jumpoint_id = created.json()["id"]
        inst = await installer(api, jumpoint_proxy="Branch office")  # by name, as BT's
        assert inst.jumpoint_proxy == "Branch office"
        artifact = await api.download_installer(inst.installer_id)
        main = zipfile.ZipFile(io.BytesIO(artifact)).read("__main__.py").decode()
        assert relay.url in main  # the downloaded installer goes through the Jumpoint too
        item_id = install_client(embedded.url, inst, tmp_path / "j")
        assert load(tmp_path / "j").appliance == relay.url
        clients.append(Client(tmp_path / "j", mac="02:00:5e:77:00:16"))
        async with ApplianceClient(
            embedded.url, credentials=RepCredentials("carol", "demo")
        ) as rep:
            await eventually(lambda: _online(rep, item_id, True))
            assert any("relaying a connection" in line for line in relay.lines)
            relay.stop()  # the only way the client reaches the appliance
            await eventually(lambda: _online(rep, item_id, False))
        with pytest.raises(ApplianceError) as in_use:
            await api.request("DELETE", f"/api/config/v1/jumpoint/{jumpoint_id}")
        assert "send their clients through this Jumpoint" in in_use.value.message
    finally:
        if relay.process.poll() is None:
            relay.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _listening(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def test_a_passive_client_listens_on_the_sites_passive_port_and_follows_it(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    first, second = _free_port(), _free_port()
    await api.update_settings({"passive_port": first})
    inst = await installer(api, connection_type="passive")
    install_client(embedded.url, inst, tmp_path / "pp")
    # the install tells it the site's port: it never listens on the default 5832 first
    assert load(tmp_path / "pp").site_passive_port == first
    clients.append(Client(tmp_path / "pp", mac="02:00:5e:77:00:17"))
    await eventually(lambda: _listening(first))
    await api.update_settings({"passive_port": second})  # told at its next check-in
    await eventually(lambda: _listening(second))
    assert load(tmp_path / "pp").site_passive_port == second


async def test_a_user_asks_for_support_and_a_representative_takes_it(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    from console.dialogs import ChoiceScreen
    from console.session_screen import SessionsScreen
    from tests.support.console import SIZE, Site, loaded, until

    inst = await installer(api, attended_session_policy_id=3, tag="helpdesk")
    item_id = running(embedded.url, inst, tmp_path / "h", clients, mac="02:00:5e:77:00:18")
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        await eventually(lambda: _online(rep, item_id, True))
        asked = await asyncio.to_thread(
            cli, "request-support", "--dir", str(tmp_path / "h"), "--message", "printer jam"
        )
        assert asked.returncode == 0, asked.stderr
        assert "normal support session" in asked.stdout  # ad-hoc sessions are off by default
        (waiting,) = await rep.support_requests()
        assert waiting.item_id == item_id and waiting.message == "printer jam"
        assert not waiting.elevated
        started = await rep.accept_support(waiting.id)
        assert started.presence and "normal support session" in started.session.reason
        assert not started.permissions.command_shell and not started.session.shell
        assert await rep.support_requests() == []  # taken: gone from every list
        await rep.end_session(started.session.sid)

    await api.update_settings({"allow_adhoc_sessions": True})
    app = Site(embedded, tmp_path / "state.json").console("carol")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        asked = await asyncio.to_thread(cli, "request-support", "--dir", str(tmp_path / "h"))
        assert "through this Jump Client (elevated)" in asked.stdout
        await until(
            pilot, lambda: any("Support requested on" in n.message for n in app._notifications)
        )
        await pilot.press("colon", *"requests", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionsScreen), timeout=30)
        (info,) = app.actions.sessions.values()
        assert "elevated" in info.reason and info.permissions.command_shell and info.shell


async def test_an_interval_change_reaches_consoles_and_clients_within_one_interval(
    tmp_path: Path, clients: list[Client]
) -> None:
    from tests.support.console import SIZE, Site, loaded, until

    settings = ApplianceSettings(db=tmp_path / "iv.sqlite3", demo_fleet=5, simulate=False)
    appliance = EmbeddedAppliance(settings, api_account=("it", "it-secret"))
    appliance.start()
    try:
        async with ApplianceClient(
            appliance.url, credentials=ApiCredentials("it", "it-secret")
        ) as api:
            await api.update_settings({"statistics_interval_s": 3600})  # an hour apart
            inst = await installer(api)
            item_id = running(
                appliance.url, inst, tmp_path / "iv", clients, mac="02:00:5e:77:00:19"
            )
            app = Site(appliance, tmp_path / "state.json").console("carol")
            async with app.run_test(size=SIZE) as pilot:
                await loaded(pilot)
                assert app._stats_interval == 3600
                async with ApplianceClient(
                    appliance.url, credentials=RepCredentials("carol", "demo")
                ) as rep:
                    await eventually(lambda: _stats_of(rep, item_id))
                    await api.update_settings({"statistics_interval_s": 5})
                    await until(pilot, lambda: app._stats_interval == 5)  # the console follows
                    seen: set[str] = set()

                    async def reports_at_the_new_interval() -> bool:  # at 3600 s there would be one
                        stats = (await rep.jump_item(item_id)).x_stats
                        if stats is not None:
                            seen.add(stats.at.isoformat())
                        return len(seen) >= 3

                    await eventually(reports_at_the_new_interval, timeout=14)  # the client follows
    finally:
        appliance.stop()
