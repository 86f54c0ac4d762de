"""The Jump Client on its endpoint, as real processes: restarts, stops, removal, the service
user, failed silent installs (issue 18)."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
    SIGTERM and started 3 minutes later, stays installed: it was offline 3 minutes, not 13."""
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


async def test_a_removed_item_uninstalls_its_client_at_once_and_uninstall_stops_run(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    """Removed from a console, a connected client uninstalls itself at once; `jump-client
    uninstall` on the machine stops the running client before it removes its folder."""
    inst = await installer(api)
    removed, local = tmp_path / "removed", tmp_path / "local"
    removed_id = install_client(embedded.url, inst, removed)
    local_id = install_client(embedded.url, inst, local)
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
    assert clients[1].process.poll() == 0  # stopped (cleanly), not left running
    assert not local.exists()
    assert (await api.jump_clients.get(local_id)).x_status.value == "uninstalled"
