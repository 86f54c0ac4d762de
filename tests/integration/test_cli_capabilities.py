"""Every TUI capability from ``jump-console <command>`` against a real appliance on 127.0.0.1:
copy and remove, files and system information in a session with a real Jump Client, every
installer field, installer e-mail, names that are not settings or overrides, and the help."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api_client import ApplianceClient, RepCredentials
from appliance.embedded import EmbeddedAppliance
from domain import Installer
from tests.support.appliance import T0
from tests.support.cli import as_json, quiet_appliance, run
from tests.support.jump_client import Client, eventually, install_client
from tests.support.jump_client import cli as jump_client_cli
from tests.support.services import Postgres
from tests.support.smtp import PASSWORD, QUIET, USER, Inbox

pytestmark = [
    pytest.mark.usefixtures("console_env"),
    pytest.mark.integration,
    pytest.mark.not_storage("the command line's words and exit codes"),
]


@pytest.fixture(scope="module")
def appliance(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres | None
) -> Iterator[EmbeddedAppliance]:
    yield from quiet_appliance(tmp_path_factory, "cli-all", postgres_server, fleet=20)


class Typed(io.StringIO):
    """Standard input at a terminal, where someone types ``text``."""

    def isatty(self) -> bool:
        return True


def test_the_help_names_every_command_and_the_options_scripts_need(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")}
    env["JUMP_CONSOLE_CONFIG"] = str(tmp_path / "none.toml")
    done = subprocess.run(
        [sys.executable, "-m", "console", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for command in ("ls", "copy", "remove", "files", "sysinfo", "installers", "settings", "audit"):
        assert any(line.split()[:1] == [command] for line in lines), command
    assert "--json" in done.stdout and "--password-file" in done.stdout
    assert "2 usage or input error" in done.stdout


def test_copy_and_remove_name_the_item_and_remove_asks_first(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "group:servers")
    item = as_json(out)[0]
    code, out, _ = run(appliance, capsys, "--json", "copy", item["name"], "--to", "Servers")
    twin = as_json(out)  # the copy as the API answers it
    assert code == 0 and twin["jump_group_id"] == 1 and twin["id"] != item["id"]
    code, out, err = run(appliance, capsys, "copy", str(item["id"]), "--to", "my personal list")
    assert code == 0, err
    assert out.startswith(f"Copied '{item['name']}' to My personal list (new id ")
    code, _, err = run(appliance, capsys, "copy", str(item["id"]), "--to", "Nowhere")
    assert code == 2 and "'Nowhere' is not a group you see" in err and "Servers" in err

    question = f"Remove the Jump Item '{twin['name']}' ({twin['hostname']}) from Servers? Its "
    code, out, err = run(appliance, capsys, "remove", str(twin["id"]))  # a script must say so
    assert code == 2 and out == "" and err.startswith(f"jump-console: {question}")
    assert err.endswith(" Say --yes to do it from a script.\n") and err.count("\n") == 1
    monkeypatch.setattr(sys, "stdin", Typed("n\n"))  # at a terminal: asked, and "no"
    code, out, _ = run(appliance, capsys, "remove", str(twin["id"]))
    assert code == 0 and out.startswith(question) and out.endswith(" [y/N] Nothing was removed.\n")
    assert run(appliance, capsys, "show", str(twin["id"]))[0] == 0  # still there
    monkeypatch.setattr(sys, "stdin", Typed("y\n"))
    code, out, _ = run(appliance, capsys, "remove", str(twin["id"]))
    assert code == 0 and out.endswith(f"Removed '{twin['name']}'.\n")
    code, _, err = run(appliance, capsys, "show", str(twin["id"]))
    assert code == 2 and f"No Jump Item has the id {twin['id']}" in err
    _, out, _ = run(appliance, capsys, "--json", "ls", 'group:"My personal list"')
    mine = [i for i in as_json(out) if i["name"] == item["name"]]
    assert mine
    code, out, _ = run(appliance, capsys, "--json", "remove", str(mine[0]["id"]), "--yes")
    assert code == 0 and as_json(out) == {"id": mine[0]["id"], "removed": True}


def test_a_bad_setting_or_override_name_is_a_usage_error_naming_the_good_ones(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(appliance, capsys, "settings", "set", "colour=blue", user="admin")
    assert code == 2 and out == ""
    assert err.startswith("jump-console: 'colour' is not a setting; the settings are ")
    assert "connection_rate" in err and "allow_wake" in err and err.count("\n") == 1
    code, _, err = run(appliance, capsys, "settings", "get", "colour", user="admin")
    assert code == 2 and "'colour' is not a setting" in err
    code, _, err = run(
        appliance,
        capsys,
        "installers",
        "create",
        "--group",
        "Servers",
        "--allow-override",
        "tag,colour",
        user="admin",
    )
    assert code == 2 and "'colour' is not a field an installer lets a command line override" in err
    assert "tag" in err and "max_offline_minutes" in err
    code, out, _ = run(appliance, capsys, "--json", "installers", "ls", user="admin")
    assert code == 0 and not [i for i in as_json(out) if i["allow_override_tag"]]  # none made


def _jumpoint(appliance: EmbeddedAppliance) -> int:
    repo = appliance.app.state.appliance.site.repo  # type: ignore[attr-defined]

    def insert() -> int:
        with repo.transaction():
            return int(repo.jumpoints.insert({"name": "DMZ", "address": "http://127.0.0.1:9"}).id)

    return appliance.call(insert)


def _expires(appliance: EmbeddedAppliance, installer_id: int, when: datetime) -> None:
    repo = appliance.app.state.appliance.site.repo  # type: ignore[attr-defined]

    def change() -> None:
        with repo.transaction():
            repo.set_installer_expiry(installer_id, when.strftime("%Y-%m-%dT%H:%M:%SZ"))

    appliance.call(change)


@QUIET
def test_installers_with_every_field_by_name_listed_by_group_and_expiry_and_emailed(
    appliance: EmbeddedAppliance,
    capsys: pytest.CaptureFixture[str],
    smtp: tuple[Inbox, int],
) -> None:
    _jumpoint(appliance)
    code, out, err = run(
        appliance,
        capsys,
        "--json",
        "installers",
        "create",
        "--group",
        "My personal list",
        "--jump-policy",
        "Always (24/7)",
        "--attended-policy",
        "User present: prompt, view only",
        "--unattended-policy",
        "not_present_full",  # a code name works too
        "--site",
        "partners.jump.test",
        "--max-offline-minutes",
        "90",
        "--jumpoint",
        "dmz",
        "--no-elevate-prompt",
        "--start-mode",
        "hidden",
        "--connection",
        "passive",
        user="admin",
    )
    assert code == 0, err
    personal = as_json(out)
    assert personal["jump_group_type"] == "personal"
    assert (personal["jump_policy_id"], personal["attended_session_policy_id"]) == (4, 2)
    assert personal["unattended_session_policy_id"] == 3
    assert personal["public_site_address"] == "partners.jump.test"
    # BeyondTrust's jumpoint_proxy is the Jumpoint's name (given in any case)
    assert (personal["max_offline_minutes"], personal["jumpoint_proxy"]) == (90, "DMZ")
    assert personal["elevate_install"] and not personal["elevate_prompt"]
    assert personal["customer_client_start_mode"] == "hidden"
    assert personal["connection_type"] == "passive"
    code, _, err = run(
        appliance, capsys, "installers", "create", "--group", "Servers", "--jump-policy", "Never"
    )
    assert code == 2 and "No Jump Policy is called 'Never'" in err and "'Always (24/7)'" in err

    code, out, _ = run(appliance, capsys, "installers", "create", "--group", "1", user="admin")
    assert code == 0 and "Jump Group" in out and "Servers" in out  # the fields, by name
    servers = int(out.split()[2].rstrip(";"))
    # expired for the appliance's clock and this one; the other valid for both
    _expires(appliance, servers, T0 - timedelta(hours=2))
    _expires(appliance, personal["id"], datetime.now(UTC) + timedelta(days=2))
    code, out, _ = run(appliance, capsys, "installers", "ls", user="admin")
    assert code == 0
    *table, footer = out.splitlines()
    rows = {line.split()[0]: line for line in table[1:]}
    assert "My personal list" in rows[str(personal["id"])] and "in 1 d" in rows[str(personal["id"])]
    assert "Servers" in rows[str(servers)] and "EXPIRED" in rows[str(servers)]  # not "1"
    assert footer.startswith("1 of 2 expired (marked EXPIRED): they cannot deploy until extended")

    code, out, _ = run(appliance, capsys, "installers", "show", str(servers), user="admin")
    link = f"{appliance.url}/api/agent/v1/installer/"
    assert code == 0 and "Jump Group" in out and "Servers" in out and link in out
    assert "(expired: it works again once extended)" in out  # a dead link says so
    assert "jump-client install --key " in out  # and how to install with it
    code, out, _ = run(
        appliance, capsys, "--json", "installers", "show", str(personal["id"]), user="admin"
    )
    shown = as_json(out)
    assert shown["link"] == f"{link}{personal['installer_id']}/linux-64" and "expired" not in out

    inbox, port = smtp
    smtp_settings = {
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "username": USER,
        "password": PASSWORD,
        "from_address": "jump@example.org",
    }

    async def set_up_mail() -> None:
        credentials = RepCredentials("admin", "demo")
        async with ApplianceClient(appliance.url, credentials=credentials) as admin_client:
            await admin_client.update_smtp(smtp_settings)

    asyncio.run(set_up_mail())
    code, out, err = run(
        appliance,
        capsys,
        "installers",
        "email",
        str(personal["id"]),
        "ops@example.org",
        "lab@example.org",
        "--note",
        "For the lab.",
        user="admin",
    )
    assert code == 0, err
    assert "ops@example.org, lab@example.org" in out and out.count("\n") == 1
    assert inbox.envelopes == [["ops@example.org", "lab@example.org"]]
    code, out, err = run(
        appliance, capsys, "installers", "email", str(servers), "ops@example.org", user="admin"
    )
    assert code == 2 and out == "" and "expired; extend it first" in err  # the appliance's word
    code, _, err = run(
        appliance,
        capsys,
        "installers",
        "email",
        str(personal["id"]),
        "not-an-address",
        user="admin",
    )
    assert code == 2 and "not-an-address" in err
    assert len(inbox.envelopes) == 1


def test_files_and_system_information_in_a_session_with_a_real_client(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        appliance,
        capsys,
        "--json",
        "installers",
        "create",
        "--group",
        "Servers",
        "--unattended-policy",
        "User not present: full access",
        "--no-elevate",
        user="admin",
    )
    assert code == 0, err
    installer = Installer.model_validate(as_json(out))
    item_id = install_client(appliance.url, installer, tmp_path / "client")
    client = Client(tmp_path / "client", mac="02:00:5e:77:18:13")
    try:

        async def online() -> None:
            credentials = RepCredentials("carol", "demo")
            async with ApplianceClient(appliance.url, credentials=credentials) as rep:

                async def check() -> bool:
                    return (await rep.jump_item(item_id)).x_online

                await eventually(check)

        asyncio.run(online())
        code, out, err = run(appliance, capsys, "--json", "jump", str(item_id))
        assert code == 0, err
        sid, name = as_json(out)["session"]["sid"], as_json(out)["session"]["item_name"]
        share = tmp_path / "share"
        share.mkdir()
        local = tmp_path / "notes.txt"
        local.write_text("from the command line\n")
        code, out, err = run(appliance, capsys, "files", "upload", sid, str(local), f"{share}/")
        assert code == 0, err
        assert out == f"Uploaded {local} (22 bytes) as {share}/notes.txt.\n"
        assert (share / "notes.txt").read_text() == "from the command line\n"
        here = tmp_path / "here"
        here.mkdir()
        code, out, err = run(
            appliance, capsys, "--json", "files", "download", sid, f"{share}/notes.txt", str(here)
        )
        assert code == 0, err
        assert as_json(out)["path"] == str(here / "notes.txt")
        assert (
            as_json(out)["message"]
            == f"Downloaded {share}/notes.txt (22 bytes) to {here}/notes.txt."
        )
        assert (here / "notes.txt").read_text() == "from the command line\n"
        again = ("files", "download", sid, f"{share}/notes.txt", str(here))
        code, _, err = run(appliance, capsys, *again)
        assert code == 2 and "already exists" in err and "nothing is overwritten" in err
        code, _, err = run(appliance, capsys, "files", "download", sid, "notes.txt")
        assert code == 2 and "must be absolute" in err
        code, _, err = run(appliance, capsys, "files", "download", "no-such-sid", "/etc/hostname")
        assert code == 2 and "You are in no session no-such-sid" in err

        code, out, err = run(appliance, capsys, "sysinfo", sid)
        assert code == 0, err
        first, second, *_ = out.splitlines()
        assert first == f"'{name}':"
        assert second.startswith("System: ") and "processes; memory" in second
        code, out, _ = run(appliance, capsys, "--json", "sysinfo", sid)
        info = as_json(out)
        assert code == 0 and info["process_count"] > 0 and info["processes"]
        code, out, err = run(appliance, capsys, "sessions", "invite", sid, "alice")
        assert code == 0, err
        assert out == f"Invited alice to the session on '{name}'.\n"
        code, _, _ = run(appliance, capsys, "sessions", "end", sid, "--yes")
        assert code == 0
        code, _, err = run(appliance, capsys, "sysinfo", sid)
        assert code == 2 and f"You are in no session {sid}" in err

        code, out, _ = run(appliance, capsys, "requests")
        assert code == 0 and out == "No support request is waiting.\n"
        asked = jump_client_cli("request-support", "--dir", str(tmp_path / "client"))
        assert asked.returncode == 0, asked.stderr
        code, out, _ = run(appliance, capsys, "--json", "requests", "ls")
        (waiting,) = as_json(out)
        assert code == 0 and waiting["item_id"] == item_id
        code, out, _ = run(appliance, capsys, "requests")
        assert waiting["id"] in out and name in out and "normal, view only" in out
        code, out, err = run(appliance, capsys, "requests", "accept", waiting["id"])
        assert code == 0, err
        assert out.startswith(f"Support session on '{name}' (session ")
        support_sid = out.split("(session ")[1].split(")")[0]
        assert run(appliance, capsys, "sessions", "end", support_sid, "--yes")[0] == 0
    finally:
        client.stop()


def test_groups_and_an_items_policies_by_name(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(appliance, capsys, "groups")
    header, *rows = out.splitlines()
    assert code == 0 and header.split() == ["group", "type", "id", "online", "total"]
    names = {row.split("  ")[0] for row in rows}
    assert {"Servers", "My personal list"} <= names  # the names the tree shows
    assert any(name.startswith("Personal: ") for name in names)  # carol manages others
    code, out, _ = run(appliance, capsys, "--json", "groups")
    groups = {g["name"]: g for g in as_json(out)}
    _, out, _ = run(appliance, capsys, "--json", "ls", "group:servers")
    servers = as_json(out)
    assert groups["Servers"]["total"] == len(servers)
    assert groups["Servers"]["online"] == sum(1 for i in servers if i["x_online"])

    item = servers[0]
    code, out, err = run(
        appliance,
        capsys,
        "--json",
        "edit",
        str(item["id"]),
        "--jump-policy",
        "always",
        "--unattended-policy",
        "User not present: full access",
    )
    assert code == 0, err
    edited = as_json(out)
    assert (edited["jump_policy_id"], edited["unattended_session_policy_id"]) == (4, 3)
    code, out, _ = run(
        appliance, capsys, "--json", "edit", str(item["id"]), "--jump-policy", "none"
    )
    assert code == 0 and as_json(out)["jump_policy_id"] is None
    code, _, err = run(
        appliance, capsys, "edit", str(item["id"]), "--attended-policy", "Always (24/7)"
    )
    assert code == 2 and "No session policy is called 'Always (24/7)'" in err
