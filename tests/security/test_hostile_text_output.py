"""An endpoint's hostile text through the console's line outputs: ``jump-console`` commands
(a real process) and plain mode (a real pseudo-terminal), against an embedded appliance.

Every control character from data is printed as a visible escape; none reaches the terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from domain import JumpClient
from tests.support.appliance import T0
from tests.support.console import Site, make_item
from tests.support.hostile import (
    CLIPBOARD,
    CLIPBOARD_SHOWN,
    ESC,
    RETITLE_SHOWN,
    controls_in,
    hostile_fields,
)

pytestmark = [pytest.mark.integration, pytest.mark.not_storage("the console's printed words")]


@pytest.fixture
def appliance(database: str) -> Iterator[EmbeddedAppliance]:
    running = EmbeddedAppliance(
        ApplianceSettings(db=database, demo_fleet=40, simulate=False), clock=FakeClock(T0)
    )
    running.start()
    yield running
    running.stop()


def hostile_item(appliance: EmbeddedAppliance, tmp_path: Path, *, online: bool) -> JumpClient:
    """An item whose endpoint reported terminal sequences in every text field it fills."""
    site = Site(appliance, tmp_path / "state.json")
    return make_item(site, x_online=online, **hostile_fields(900))


def _env(tmp_path: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")} | {
        "JUMP_CONSOLE_PASSWORD": "demo",
        "JUMP_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
        "NO_COLOR": "1",
    }


def jump_console(
    appliance: EmbeddedAppliance, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "--appliance", appliance.url, "--user", "carol", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
    )


def test_commands_print_hostile_text_as_escapes(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    item = hostile_item(appliance, tmp_path, online=False)

    shown = jump_console(appliance, tmp_path, "show", str(item.id))
    assert shown.returncode == 0, shown.stderr
    assert not controls_in(shown.stdout), shown.stdout
    for field in ("name", "tag", "hostname", "operating_system", "console_user", "comments"):
        line = next(x for x in shown.stdout.splitlines() if x.startswith(f"{field} "))
        assert RETITLE_SHOWN in line or CLIPBOARD_SHOWN in line, line

    listed = jump_console(
        appliance, tmp_path, "ls", "EVIL", "--columns", "id,name,tag,user,hostname"
    )
    assert listed.returncode == 0, listed.stderr
    assert not controls_in(listed.stdout), listed.stdout
    header, row = listed.stdout.splitlines()
    assert f"EVIL-900{RETITLE_SHOWN}" in row and f"mallory{CLIPBOARD_SHOWN}" in row
    assert row.index("mallory") == header.index("user")  # escapes keep the columns aligned

    # a refusal names the item: the sentence on stderr shows it too
    refused = jump_console(appliance, tmp_path, "jump", str(item.id))
    assert refused.returncode == 1
    assert f"EVIL-900{RETITLE_SHOWN}" in refused.stderr and not controls_in(refused.stderr)

    # JSON escapes control characters by itself; the data comes back exactly
    as_json = jump_console(appliance, tmp_path, "--json", "show", str(item.id))
    assert as_json.returncode == 0 and not controls_in(as_json.stdout)
    document = json.loads(as_json.stdout)
    assert document["name"] == item.name and document["hostname"].endswith(CLIPBOARD)


def test_plain_mode_says_hostile_text_as_escapes(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    item = hostile_item(appliance, tmp_path, online=False)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "console", "--plain", "--appliance", appliance.url, "--user", "carol"],
        env=_env(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    transcript: list[str] = []
    child.logfile_read = _Collector(transcript)
    try:
        child.expect(r"Loaded \d+ Jump Items")
        child.sendline("filter EVIL")
        child.expect_exact(f"1. EVIL-900{RETITLE_SHOWN}; group Servers; tag t{RETITLE_SHOWN}")
        child.sendline("show 1")
        child.expect_exact(f"EVIL-900{RETITLE_SHOWN}; status offline")
        child.expect_exact(f"Hostname: evil-900{CLIPBOARD_SHOWN}")
        child.expect_exact(f"Comments: note{CLIPBOARD_SHOWN}")
        child.expect_exact(f"Console user: mallory{CLIPBOARD_SHOWN}")
        child.expect_exact(f"Operating system: Linux{RETITLE_SHOWN}")
        child.sendline("jump 1")  # the appliance's refusal names the item
        child.expect_exact(f"The Jump Client 'EVIL-900{RETITLE_SHOWN}' is offline")
        child.sendline("quit")
        child.expect_exact("Goodbye.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    output = "".join(transcript)
    assert item.name not in output and ESC not in output
    # the pseudo-terminal ends lines with CR LF: any other control came from data
    assert not controls_in(output.replace("\r\n", "\n")), output


class _Collector:
    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        return None
