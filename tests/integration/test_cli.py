"""``jump-console <command>`` against a real appliance on 127.0.0.1: both output forms, every
exit code (0 ok, 1 refused, 2 usage or input, 3 unreachable or not signed in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appliance.embedded import EmbeddedAppliance
from console import cli
from console.cli import DEMO_ONLY
from console.cli.parser import LS_COLUMNS
from console.config import load_settings
from domain.columns import COLUMN_KEYS
from domain.wording import INSTALLERS_REFUSED
from tests.support.cli import as_json, quiet_appliance, run
from tests.support.services import Postgres

pytestmark = [
    pytest.mark.usefixtures("console_env"),
    pytest.mark.integration,
    pytest.mark.not_storage("the command line's words and exit codes"),
]


@pytest.fixture(scope="module")
def appliance(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres | None
) -> Iterator[EmbeddedAppliance]:
    yield from quiet_appliance(tmp_path_factory, "cli", postgres_server, fleet=40)


def test_ls_in_both_forms_with_a_filter_and_its_errors(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(appliance, capsys, "ls")
    assert code == 0 and out.splitlines()[0].split() == [
        "id",
        "name",
        "status",
        "group",
        "tag",
        "cpu",
        "disk",
    ]
    code, out, _ = run(appliance, capsys, "--json", "ls", "status:online")
    items = as_json(out)
    assert code == 0 and items and all(i["x_online"] for i in items)
    assert {"id", "name", "jump_group_id", "tag", "x_status"} <= set(items[0])  # the API's names
    code, out, _ = run(appliance, capsys, "ls", "--columns", "name,hostname", "status:online")
    assert code == 0 and out.splitlines()[0].split() == ["name", "hostname"]
    assert len(out.splitlines()) == len(items) + 1
    code, _, err = run(appliance, capsys, "ls", "status:")
    assert code == 2 and err.startswith("jump-console: The filter cannot be read")
    code, _, err = run(appliance, capsys, "ls", "--columns", "name,colour")
    assert code == 2 and "'colour' is not a column" in err


def test_show_by_id_and_by_name_and_what_is_not_one(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls")
    first = as_json(out)[0]
    code, out, _ = run(appliance, capsys, "show", str(first["id"]))
    assert code == 0 and "name" in out and first["name"] in out and "status" in out
    code, out, _ = run(appliance, capsys, "--json", "show", first["name"])
    assert code == 0 and as_json(out)["id"] == first["id"]
    code, _, err = run(appliance, capsys, "show", "no-such-machine")
    assert code == 2 and "No Jump Item is called 'no-such-machine'" in err
    code, _, err = run(appliance, capsys, "show", "99999")
    assert code == 2 and "No Jump Item has the id 99999" in err


def test_jump_sessions_and_end(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "status:online policy:24/7")
    candidates = as_json(out) or as_json(run(appliance, capsys, "--json", "ls", "status:online")[1])
    target = candidates[0]
    code, out, err = run(appliance, capsys, "--json", "jump", str(target["id"]))
    assert code == 0, err
    sid = as_json(out)["session"]["sid"]
    code, out, _ = run(appliance, capsys, "sessions", "ls")
    assert code == 0 and sid in out and target["name"] in out
    code, _, err = run(appliance, capsys, "sessions", "end", sid)  # a script must say so
    assert code == 2 and err == (
        f"jump-console: End the session on '{target['name']}' for everyone in it (carol)? "
        "Say --yes to do it from a script.\n"
    )
    code, out, _ = run(appliance, capsys, "sessions", "end", sid, "--yes")
    assert code == 0 and out == f"Ended the session on '{target['name']}'.\n"
    code, out, _ = run(appliance, capsys, "--json", "sessions", "ls")
    assert as_json(out) == []


def test_an_administrator_ends_a_session_others_may_not(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "status:online group:servers")
    target = as_json(out)[-1]
    code, out, err = run(appliance, capsys, "--json", "jump", str(target["id"]))
    assert code == 0, err
    sid = as_json(out)["session"]["sid"]
    code, out, _ = run(appliance, capsys, "sessions", "ls", user="admin")
    assert code == 0 and out == "You are in no session.\n"
    code, out, _ = run(appliance, capsys, "sessions", "ls", "--all", user="admin")
    assert code == 0 and sid in out and "carol" in out and "nobody attached" in out
    code, _, err = run(appliance, capsys, "sessions", "end", sid, "--yes", user="alice")
    assert code == 1 and err == (
        f"jump-console: Only carol, who started the session on '{target['name']}', the owner "
        "of that Jump Item or an administrator can end it.\n"
    )
    code, out, _ = run(appliance, capsys, "sessions", "end", sid, "--yes", user="admin")
    assert code == 0 and out == f"Ended the session on '{target['name']}'.\n"
    code, out, _ = run(appliance, capsys, "--json", "sessions", "ls")
    assert as_json(out) == []


def test_a_rule_refusal_is_one_sentence_and_exit_1(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "status:offline")
    offline = as_json(out)[0]
    code, out, err = run(appliance, capsys, "jump", str(offline["id"]))
    assert code == 1 and out == ""
    assert err.startswith("jump-console: ") and err.count("\n") == 1 and offline["name"] in err
    code, _, err = run(appliance, capsys, "settings", "set", "allow_wake=false")  # not an admin
    assert code == 1 and "administrators" in err


def test_administration_from_the_command_line(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(appliance, capsys, "settings", "get", "connection_rate", user="admin")
    assert code == 0 and out.strip() == "connection_rate = 50"
    code, out, _ = run(appliance, capsys, "settings", "set", "connection_rate=120", user="admin")
    assert code == 0 and "Saved connection_rate" in out
    code, out, _ = run(appliance, capsys, "--json", "settings", "get", user="admin")
    assert as_json(out)["connection_rate"] == 120
    code, _, err = run(appliance, capsys, "settings", "set", "days_before_lost=400", user="admin")
    assert code == 2 and "days_before_lost" in err  # the appliance's 422, one sentence
    code, out, err = run(
        appliance,
        capsys,
        "--json",
        "installers",
        "create",
        "--group",
        "Servers",
        "--tag",
        "kiosk",
        "--allow-override",
        "tag",
        user="admin",
    )
    assert code == 0, err
    made = as_json(out)
    assert made["tag"] == "kiosk" and made["allow_override_tag"]
    code, out, _ = run(appliance, capsys, "installers", "ls", user="admin")
    assert code == 0 and "kiosk" in out
    code, out, _ = run(
        appliance, capsys, "installers", "extend", str(made["id"]), "--minutes", "60", user="admin"
    )
    assert code == 0 and "now expires" in out
    code, out, _ = run(
        appliance,
        capsys,
        "installers",
        "download",
        str(made["id"]),
        "--to",
        str(tmp_path),
        user="admin",
    )
    assert code == 0 and (tmp_path / "jump-client-installer-linux-64.pyz").exists()
    code, _, err = run(
        appliance,
        capsys,
        "installers",
        "download",
        str(made["id"]),
        "--to",
        str(tmp_path),
        user="admin",
    )
    assert code == 2 and "exists" in err  # nothing overwritten
    # deleting asks first, naming the installer (a script must say --yes): its key stops working
    code, out, err = run(appliance, capsys, "installers", "delete", str(made["id"]), user="admin")
    assert code == 2 and out == "" and err.startswith("jump-console: Delete the installer '")
    assert err.endswith("Say --yes to do it from a script.\n")
    assert run(appliance, capsys, "installers", "show", str(made["id"]), user="admin")[0] == 0
    code, out, _ = run(
        appliance, capsys, "installers", "delete", str(made["id"]), "--yes", user="admin"
    )
    assert code == 0 and "its clients stay" in out


def test_who_may_not_use_the_installers_is_told_who_may(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the installer permission the installers are refused with the sentence plain
    mode says (not 'only site administrators': privileged users with the permission may)."""
    code, out, err = run(appliance, capsys, "installers", "ls")  # carol: no permission
    assert code == 1 and out == ""
    assert err == f"jump-console: {INSTALLERS_REFUSED}\n"
    assert run(appliance, capsys, "installers", "ls", user="bob")[0] == 0  # bob has it
    code, _, err = run(appliance, capsys, "settings", "get")  # the settings stay admin-only
    assert code == 1 and "Only site administrators" in err


def test_edit_an_item(appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "group:servers")
    item = as_json(out)[0]
    code, out, err = run(appliance, capsys, "edit", str(item["id"]), "--comments", "rack 4")
    assert code == 0, err
    assert (
        as_json(run(appliance, capsys, "--json", "show", str(item["id"]))[1])["comments"]
        == "rack 4"
    )
    code, _, err = run(appliance, capsys, "edit", str(item["id"]), "--tag", "x" * 65)
    assert code == 2 and "tag" in err
    code, _, err = run(appliance, capsys, "edit", str(item["id"]))
    assert code == 2 and "Nothing to change" in err


def test_sign_in_and_reach_errors_exit_3(
    appliance: EmbeddedAppliance,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JUMP_CONSOLE_PASSWORD", "wrong")
    code, _, err = run(appliance, capsys, "ls")
    assert code == 3 and err.startswith("jump-console: ")
    monkeypatch.setenv("JUMP_CONSOLE_PASSWORD", "demo")
    code = cli.main(["--appliance", "http://127.0.0.1:1", "--user", "carol", "ls"], load_settings)
    assert code == 3 and "jump-console: " in capsys.readouterr().err
    code = cli.main(["--appliance", appliance.url, "ls"], load_settings)  # who signs in?
    assert code == 2 and "--user" in capsys.readouterr().err


def test_a_locked_account_is_told_when_to_sign_in_again(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    with httpx.Client(base_url=appliance.url) as guesser:
        for _ in range(5):  # someone guessed dave's password
            guesser.post("/api/rep/v1/login", json={"username": "dave", "password": "guess"})
    code, _, err = run(appliance, capsys, "ls", user="dave")  # with the right password
    assert code == 3
    assert err == "jump-console: Too many failed sign-ins for this account; try again in 1 min.\n"


def test_the_console_program_runs_a_command_and_says_usage_errors(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")} | {
        "JUMP_CONSOLE_PASSWORD": "demo",
        "JUMP_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "--appliance",
            appliance.url,
            "--user",
            "carol",
            "--json",
            "ls",
            "status:online",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0 and isinstance(json.loads(done.stdout), list)
    assert "\x1b[" not in done.stdout  # no terminal codes in script output
    bad = subprocess.run(
        [sys.executable, "-m", "console", "--appliance", appliance.url, "jump"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_wake_and_upgrade_answer_in_words_and_codes(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "status:online")
    online = as_json(out)[0]
    code, _, err = run(appliance, capsys, "wake", str(online["id"]))
    assert code == 1 and "nothing to wake" in err  # a rule: it is online
    code, _, err = run(appliance, capsys, "upgrade", str(online["id"]))
    assert code == 1 and err.startswith("jump-console: ") and err.count("\n") == 1
    secret = tmp_path / "secureon"
    secret.write_text("not-hex")
    _, out, _ = run(appliance, capsys, "--json", "ls", "status:offline")
    offline = as_json(out)[0]
    code, _, err = run(
        appliance, capsys, "wake", str(offline["id"]), "--wol-password-file", str(secret)
    )
    assert code == 2 and "SecureOn" in err and "not-hex" not in err  # never echoed


def test_an_ambiguous_name_lists_its_candidates_and_json_answers_for_changes(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    state = appliance.app.state.appliance  # type: ignore[attr-defined]
    twins = []

    def make_twins() -> None:
        template = state.site.repo.clients.find([("jump_group_id", 1)])[0]
        with state.site.repo.transaction():
            for _ in range(2):
                values = template.model_dump(exclude={"id"}) | {"name": "TWIN-PC"}
                twins.append(state.site.repo.clients.insert(values).id)

    appliance.call(make_twins)
    code, _, err = run(appliance, capsys, "show", "TWIN-PC")
    assert code == 2 and "names 2 Jump Items" in err
    assert all(f"id {i}" in err for i in twins)
    code, out, _ = run(appliance, capsys, "--json", "edit", str(twins[0]), "--tag", "twin")
    assert code == 0 and as_json(out)["tag"] == "twin"  # the item as the API answers it
    code, out, _ = run(appliance, capsys, "--json", "installers", "ls", user="admin")
    assert code == 0 and isinstance(as_json(out), list)
    code, out, _ = run(appliance, capsys, "--json", "sessions", "ls")
    assert code == 0 and as_json(out) == []


def test_the_audit_log_for_administrators_in_both_forms(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(appliance, capsys, "--json", "ls", "group:servers")
    item = as_json(out)[0]
    code, _, err = run(appliance, capsys, "edit", str(item["id"]), "--comments", "audited")
    assert code == 0, err
    hostile = httpx.post(  # a name typed at the sign-in is written down as typed
        f"{appliance.url}/api/rep/v1/login",
        json={"username": "\x1b[31mevil", "password": "wrong"},
    )
    assert hostile.status_code == 401

    code, out, err = run(
        appliance, capsys, "audit", "--item", str(item["id"]), "--action", "jump_item", user="admin"
    )
    assert code == 0, err
    header, first, *_ = out.splitlines()
    assert header.split() == ["time", "(UTC)", "actor", "action", "item", "detail"]
    assert first.split()[2:4] == ["carol", "jump_item.update"]
    assert f"{item['name']} ({item['id']})" in first and "fields=[comments]" in first
    code, out, _ = run(appliance, capsys, "--json", "audit", "--limit", "1", user="admin")
    [entry] = as_json(out)
    assert {"id", "at", "actor", "action", "target", "item_id", "detail"} <= set(entry)
    code, out, _ = run(appliance, capsys, "audit", "--action", "login.refused", user="admin")
    assert code == 0 and "\\x1b[31mevil" in out and "\x1b" not in out  # shown, not obeyed

    code, out, err = run(appliance, capsys, "audit")
    assert code == 1 and out == "" and "for site administrators" in err
    code, _, err = run(appliance, capsys, "audit", "--since", "yesterday", user="admin")
    assert code == 2 and "'yesterday' is not a time" in err
    code, _, err = run(appliance, capsys, "audit", "--action", "sesion", user="admin")
    assert code == 2 and "'sesion' is not an audited action" in err


def test_with_no_appliance_it_says_the_demo_site_lasts_only_for_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A session started by one command is gone at the next when no appliance is configured
    (each runs its own demo site): said on stderr, the output left as it is."""
    code = cli.main(["--json", "sessions", "ls"], load_settings)
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out) == []
    assert captured.err == f"jump-console: {DEMO_ONLY}\n"
    assert "not kept" in captured.err and "--appliance" in captured.err


def test_ls_offers_every_column_of_the_list_with_its_words(
    appliance: EmbeddedAppliance, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console's list columns, all of them (last seen, uptime, OS and comments too), said
    as the list says them."""
    words = {"console_user": "user"}
    assert {words.get(key, key) for key in COLUMN_KEYS} <= set(LS_COLUMNS)
    code, out, _ = run(appliance, capsys, "--json", "ls")
    items = {i["id"]: i for i in as_json(out)}
    code, out, _ = run(appliance, capsys, "ls", "--columns", "id,last_seen,uptime")
    assert code == 0 and out.splitlines()[0].split() == ["id", "last_seen", "uptime"]
    seen = dict(line.split(maxsplit=1) for line in out.splitlines()[1:])
    assert len(seen) == len(items)
    for item_id, text in seen.items():
        item = items[int(item_id)]
        if item["x_online"]:
            assert text.startswith("now")  # then its uptime, when the site collects it
        else:
            assert " ago" in text or text.startswith("never"), text
    code, out, _ = run(appliance, capsys, "ls", "--columns", "os,comments")
    assert code == 0 and any(i["operating_system"] in out for i in items.values())
