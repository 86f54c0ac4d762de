"""Plain mode's commands for what the full screen does with items, sessions and the site,
against one real appliance on 127.0.0.1 (and a real Jump Client where files move): the plain
console answers a scripted user, each answer given to the prompt it is meant for, and its
transcript is what a screen reader says."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from api_client import ApplianceClient, Refused, RepCredentials
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from console.backend import Backend
from console.plain import PlainConsole
from console.registry import PLAIN_WORDS
from console.words import remove_question
from domain import JumpClient
from domain.jump_client import console_user_of
from domain.protocol.live import StatsBatch
from domain.wording import NO_DISPLAY, SCREEN_PLAIN_ONLY
from tests.support.appliance import T0, new_database
from tests.support.jump_client import Client, eventually, install_client, installer
from tests.support.services import Postgres
from tests.support.smtp import PASSWORD, QUIET, USER, Inbox

pytestmark = [pytest.mark.integration, pytest.mark.not_storage("the plain console's words")]

#: an answer: the text typed, or a function of what was said so far that gives it
Answer = str | Callable[[list[str]], str]


@pytest.fixture(scope="module")
def appliance(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres | None
) -> Iterator[EmbeddedAppliance]:
    db = new_database(tmp_path_factory.mktemp("plain"), "plain", postgres_server)
    # the fake clock never moves, so the Config API's per-second budget would never refill:
    # the rate limit is not what these tests are about
    settings = ApplianceSettings(db=db, demo_fleet=40, simulate=False, rate_per_second=10_000)
    running = EmbeddedAppliance(settings, clock=FakeClock(T0))
    running.start()
    yield running
    running.stop()


class Script:
    """The user: a command (a string) for each ``Command:`` prompt, and ``(words, answer)``
    for a question whose prompt has those words (a different question fails the test).
    When the script ends the user quits, ending any session left."""

    def __init__(self, out: io.StringIO, steps: tuple[Answer | tuple[str, Answer], ...]) -> None:
        self.out = out
        self.steps = list(steps)

    def __call__(self, prompt: str) -> str:
        if not self.steps:
            return "1" if prompt.startswith("Say 1 to") else "quit"
        step = self.steps.pop(0)
        expect, answer = step if isinstance(step, tuple) else ("Command: ", step)
        assert expect in prompt, f"asked {prompt!r} where the script answers {expect!r}"
        return answer(self.out.getvalue().splitlines()) if callable(answer) else answer


async def transcript(
    appliance: EmbeddedAppliance, user: str, *steps: Answer | tuple[str, Answer]
) -> list[str]:
    """What plain mode says to ``user`` who answers as ``steps`` say."""
    out = io.StringIO()
    client = ApplianceClient(appliance.url, credentials=RepCredentials(user, "demo"))
    # the console reads the site's (fake) clock: an installer made "for 7 days" at T0 has not
    # expired for the console, whatever today's date is
    assert appliance.clock is not None
    plain = PlainConsole(
        Backend(client), reason="turned on by --plain", out=out, clock=appliance.clock.now
    )
    script = Script(out, steps)
    assert await plain.run(read=script) == 0
    assert not script.steps, f"the console never asked for {script.steps[0]!r}"
    return out.getvalue().splitlines()


def services(appliance: EmbeddedAppliance) -> Services:
    state: Services = appliance.app.state.appliance
    return state


def number_of(label: str) -> Callable[[list[str]], str]:
    """The number the last numbered list said before ``label``."""

    def find(said: list[str]) -> str:
        for line in reversed(said):
            match = re.match(rf"(\d+)\. {re.escape(label)}\b", line)
            if match:
                return match.group(1)
        raise AssertionError(f"no numbered line says {label!r}")

    return find


def one_item(appliance: EmbeddedAppliance, *where: tuple[str, object]) -> JumpClient:
    return services(appliance).site.repo.clients.find(list(where))[0]


async def test_show_says_every_field_the_details_pane_shows(
    appliance: EmbeddedAppliance,
) -> None:
    repo = services(appliance).site.repo
    item = next(c for c in repo.clients.find([("jump_group_id", 1)]) if c.jump_policy_id)
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as api:
        policy = await api.jump_policies.get(item.jump_policy_id or 0)
    said = await transcript(appliance, "carol", f'filter "{item.name}"', "show 1")
    listed = next(line for line in said if line.startswith(f"1. {item.name};"))
    user = re.search(r"; user ([^;]+)", listed)
    shown = said[said.index(f"{item.name}; status online") :]
    for section in ("Actions:", "Identity:", "Live statistics:", "Policies:", "Connection:"):
        assert section in shown
    assert f"Jump Item id: {item.id}" in shown
    assert any(line.startswith(f"Window: Jump Policy '{policy.display_name}'") for line in shown), (
        "the Jump Policy and its window"
    )
    assert any(line.startswith("User present: ") for line in shown)
    assert any(line.startswith("User not present: ") for line in shown)
    assert f"Public site: {item.public_site_address}" in shown
    assert f"Public IP: {item.public_ip}" in shown
    assert f"Private IP: {item.private_ip}" in shown
    assert any(line.startswith("Last connect: 20") for line in shown)
    # the same console user as the list line (its live value, not only the record's)
    assert f"Console user: {user.group(1) if user else 'nobody logged in'}" in shown
    assert "Start session: available" in shown


async def test_a_command_without_its_number_says_what_it_needs(
    appliance: EmbeddedAppliance,
) -> None:
    said = await transcript(
        appliance, "carol", "jump", "remove", "group", "sort colour", "sort cpu desc"
    )
    assert (
        "Say jump and the numbers of up to 10 items of the list (for example jump 1); "
        "list shows the numbers."
    ) in said
    assert (
        "Say remove and the number of an item of the list (for example remove 1); "
        "list shows the numbers."
    ) in said
    assert "Say group and its name (group also takes a number); groups lists them." in said
    assert any(line.startswith("'colour' is not a column; the columns are ") for line in said)
    at = said.index("Sorted by cpu, descending.")
    cpus = [int(m) for m in re.findall(r"; CPU (\d+) percent", "\n".join(said[at + 2 : at + 8]))]
    assert len(cpus) > 2 and cpus == sorted(cpus, reverse=True)


async def test_edit_copy_and_remove_ask_check_again_and_confirm(
    appliance: EmbeddedAppliance,
) -> None:
    repo = services(appliance).site.repo
    item = one_item(appliance, ("jump_group_id", 1), ("x_online", False))
    said = await transcript(
        appliance,
        "admin",
        f'filter "{item.name}"',
        "edit 1",
        ("Name, 1 to 128 characters", ""),  # Enter keeps it
        ("Tag, up to 64 characters", "t" * 65),  # refused, and asked again
        ("Tag, up to 64 characters", "plain-tag"),
        ("Comments", "-"),  # cleared
        ("Say 0 to", ""),  # the Jump Policy kept
        ("Say 0 to", ""),
        ("Say 0 to", ""),
        "copy 1",
        ("Say 1 to", "999"),  # no such number: asked again
        ("Say 1 to", number_of("Workstations")),
        "remove 1",
        ("Say yes to confirm", "no"),
        "remove 1",
        ("Say yes to confirm", "yes"),
    )
    assert any(line.startswith("Tag: ") and "64" in line for line in said), said
    assert f"Saved the properties of '{item.name}'." in said
    assert "'999' is not one of the numbers" in "\n".join(said)
    copied = next(line for line in said if line.startswith(f"Copied '{item.name}' to "))
    assert copied.startswith(f"Copied '{item.name}' to Workstations (new id ")
    copy = repo.clients.get(int(re.findall(r"new id (\d+)", copied)[0]))
    assert copy is not None and copy.jump_group_id != item.jump_group_id
    assert (copy.tag, copy.comments) == ("plain-tag", "")  # as edited, before the copy
    assert copy.jump_policy_id == item.jump_policy_id  # kept, as Enter said
    question = remove_question(item, "Servers")
    assert said.count(question) == 2  # named, with its host and group, each time
    assert "Cancelled; nothing was done." in said
    assert f"Removed '{item.name}'." in said and repo.clients.get(item.id) is None


async def test_wake_asks_for_a_secureon_password_and_checks_it(
    appliance: EmbeddedAppliance,
) -> None:
    online = one_item(appliance, ("jump_group_id", 1), ("x_online", True))
    item = await _wakeable(appliance)
    said = await transcript(
        appliance,
        "admin",
        f'filter "{online.name}"',
        "wake 1",  # refused before any password is asked, in the appliance's words
        f'filter "{item.name}"',
        "wake 1",
        ("SecureOn password", "zz"),
        ("SecureOn password", "aa:bb:cc:dd"),
    )
    assert f"'{online.name}' is online; there is nothing to wake." in said
    assert "A SecureOn password is 4 or 6 bytes in hex, like aa:bb:cc:dd." in said
    assert any(re.fullmatch(rf"Wake packet for '{item.name}' sent via \S+\.", s) for s in said)


async def test_settings_change_is_guided_and_checked_with_the_sites_rules(
    appliance: EmbeddedAppliance,
) -> None:
    said = await transcript(
        appliance,
        "admin",
        "settings",
        "set",
        ("Which setting", "days before lost"),
        ("days before lost (now 30)", "many"),
        ("days before lost", "400"),  # more than the days before deleted (180)
        ("days before lost", "45"),
        "set allow wake",
        ("allow wake (now yes)", ""),  # Enter cancels
        "set smtp port",
        ("smtp port", "0"),
        ("smtp port", "2525"),
        "set smtp password",
        ("not shown as you type", "a-new-secret"),
        "settings",
    )
    assert any(re.fullmatch(r"\d+\. days before lost: 30", line) for line in said)
    assert "'many' is not a whole number." in said
    assert any("deleted" in line for line in said[said.index("'many' is not a whole number.") :])
    assert "Saved: days before lost is now 45." in said
    assert "Cancelled; nothing was done." in said
    assert services(appliance).site.settings().days_before_lost == 45
    assert "Port: input should be greater than or equal to 1." in said
    assert "Saved: smtp port is now 2525." in said
    assert "Saved: the smtp password was changed." in said
    assert "a-new-secret" not in "\n".join(said)  # write-only: never said back
    assert any(re.fullmatch(r"\d+\. smtp password: set", line) for line in said)
    carol = await transcript(appliance, "carol", "set")
    assert "The settings are for site administrators; ask one to make the change." in carol


@QUIET
async def test_installers_are_created_with_guided_questions_then_e_mailed_and_deleted(
    appliance: EmbeddedAppliance, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as api:
        await api.update_smtp(
            {
                "host": "127.0.0.1",
                "port": port,
                "starttls": False,
                "username": USER,
                "password": PASSWORD,
                "from_address": "jump@example.org",
            }
        )
    no = ("command line", "")
    said = await transcript(
        appliance,
        "admin",
        "deploy",
        ("Say 1 to", number_of("Servers")),
        no,
        ("Valid for how long", "2y"),  # longer than a year: asked again
        ("Valid for how long", "7d"),
        ("Name", "plain-deployed"),
        no,
        ("Tag", "plain"),
        ("command line", "yes"),
        ("Comments", ""),
        no,
        ("Public site address", ""),
        no,
        ("Say 0 to", ""),  # no Jump Policy
        no,
        ("Say 0 to", ""),
        no,
        ("Say 0 to", ""),
        no,
        ("Say 1 to 2", ""),  # the site's default connection type
        ("Max offline minutes", "-5"),
        ("Max offline minutes", "60"),
        no,
        ("elevated install", "no"),
        ("elevation credentials", ""),
        ("Say 1 to 3", ""),
        "installers",
        "installer extend",  # no number: says how
        "installer 1 download",
        ("Save the linux-64 installer", str(tmp_path)),
        "installer 1 extend",
        ("Extend 'plain-deployed'", "52w"),
        "installer 1 email",
        ("E-mail the installer 'plain-deployed'", "ops@example.org, nope"),
        ("E-mail the installer 'plain-deployed'", "ops@example.org"),
        "installer 1 link",
        "installer 1 key",
        "installer 1 delete",
        ("Say yes to confirm", "yes"),
    )
    text = "\n".join(said)
    assert "An installer is valid for 10 minutes to 1 year." in said
    assert "Max offline minutes: input should be greater than or equal to 0." in said
    created = next(line for line in said if line.startswith("Created the installer"))
    assert "'plain-deployed'" in created and "for Servers" in created
    assert "1. plain-deployed; group Servers; tag plain;" in text
    assert "Say installer, the number of one" in text
    assert re.search(r"Saved the installer to .*jump-client-installer-linux-64\.pyz", text)
    assert list(tmp_path.glob("jump-client-installer-*.pyz"))
    assert "Extended the installer 'plain-deployed' to" in text
    assert inbox.envelopes == [["ops@example.org"]]  # the address refused was asked again
    assert any("ops@example.org" in line for line in said)  # the appliance's sentence
    assert "Delete the installer 'plain-deployed' (Servers)?" in text
    assert "Deleted the installer; its deployed Jump Clients stay." in said
    assert re.search(
        r"The direct download link \(anyone with it can download until the "
        r"installer expires\): http://127\.0\.0\.1:\d+/api/agent/v1/installer/",
        text,
    )
    assert re.search(r"^Installer key: [0-9a-f]{32}$", text, re.MULTILINE)
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as api:
        assert not [i async for i in api.installers.iter() if i.name == "plain-deployed"]


async def test_support_requests_are_listed_and_one_is_accepted(
    appliance: EmbeddedAppliance,
) -> None:
    state = services(appliance)
    item = one_item(appliance, ("jump_group_id", 1), ("x_online", True))
    appliance.call(lambda: state.support.raise_request(item, "okim", "the printer is stuck"))
    said = await transcript(appliance, "carol", "accept 5", "requests", "accept 1", "sessions")
    assert "Say accept and the number of a support request (1 to 1); say requests." in said
    listed = said[said.index("1 support requests waiting; accept N takes one:") + 1]
    assert listed.startswith(f"1. {item.name} — okim, ") and "the printer is stuck" in listed
    assert any(line.startswith(f"Support session started on '{item.name}'") for line in said)
    assert any(line.startswith(f"1. {item.name}; policy ") for line in said)


async def test_files_move_both_ways_and_system_information_is_read_in_a_session(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    state = services(appliance)
    with state.site.repo.transaction():
        state.site.repo.session_policies.update(
            3,
            {
                "permissions": {
                    "file_transfer_upload": "allow",
                    "file_transfer_download": "allow",
                    "system_info": "allow",
                }
            },
        )
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as api:
        inst = await installer(api, tag="plain-files", unattended_session_policy_id=3)
        item_id = install_client(appliance.url, inst, tmp_path / "client")
        client = Client(tmp_path / "client", mac="02:00:5e:77:00:21")
        try:

            async def online() -> bool:
                return (await api.jump_item(item_id)).x_online

            await eventually(online)
            mine = tmp_path / "note.txt"
            mine.write_text("from plain mode\n")
            endpoint = tmp_path / "endpoint"
            endpoint.mkdir()
            back = tmp_path / "back"
            back.mkdir()
            said = await transcript(
                appliance,
                "carol",
                "sysinfo",  # no session yet: says how to start one
                "filter tag:plain-files",
                "jump 1",
                "sysinfo",
                "upload",
                ("File on this machine", str(tmp_path / "missing.txt")),
                ("File on this machine", str(mine)),
                ("Save on the endpoint as", f"{endpoint}/"),
                "download",
                ("File on the endpoint", "note.txt"),
                ("File on the endpoint", str(endpoint / "note.txt")),
                ("Save to", f"{back}/"),
                "download",
                ("File on the endpoint", str(endpoint / "note.txt")),
                ("Save to", f"{back}/"),  # there now: nothing is overwritten
                ("Save to", "cancel"),
                "screen",  # no live view here: says so
                f"screenshot 1 {tmp_path / 'shot.png'}",  # a client without a display
            )
        finally:
            client.stop()
    assert "You are in no session; say jump N to start one." in said
    assert any(re.fullmatch(r"System: \d+ processes; memory .*", line) for line in said)
    assert f"{tmp_path / 'missing.txt'} is not a file on this machine." in said
    assert (endpoint / "note.txt").read_text() == "from plain mode\n"
    assert f"Uploaded {mine} (16 bytes) as {endpoint}/note.txt." in said
    assert "The path on the endpoint must be absolute (start with /)." in said
    assert (back / "note.txt").read_text() == "from plain mode\n"
    assert f"Downloaded {endpoint}/note.txt (16 bytes) to {back}/note.txt." in said
    assert f"{back}/note.txt already exists; choose another name (nothing is overwritten)." in said
    assert "Cancelled; nothing was done." in said
    assert SCREEN_PLAIN_ONLY in said
    assert NO_DISPLAY in said and not (tmp_path / "shot.png").exists()


def test_in_a_terminal_help_names_the_commands_and_a_secureon_password_is_not_echoed(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    item = asyncio.run(_wakeable(appliance))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")} | {
        "TERM": "dumb",
        "NO_COLOR": "1",
        "JUMP_CONSOLE_PASSWORD": "demo",
        "JUMP_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "console", "--appliance", appliance.url, "--user", "admin"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    seen: list[str] = []
    child.logfile_read = _Collector(seen)
    try:
        child.expect(r"Loaded \d+ Jump Items")
        child.sendline("help")
        for usage in ("edit N", "copy N", "remove N", "download, upload", "sysinfo", "deploy"):
            child.expect_exact(usage)
        child.sendline("jump")
        child.expect_exact("Say jump and the numbers of up to 10 items of the list")
        child.sendline(f'filter "{item.name}"')
        child.expect_exact(f"1. {item.name};")
        child.sendline("wake 1")
        child.expect_exact("SecureOn password (optional, not shown as you type)")
        child.sendline("de:ad:be:ef")
        child.expect_exact(f"Wake packet for '{item.name}' sent via")
        child.sendline("quit")
        child.expect_exact("Goodbye.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "de:ad:be:ef" not in "".join(seen), "the password was echoed"


async def _wakeable(appliance: EmbeddedAppliance) -> JumpClient:
    """An offline item that a peer on its network can wake."""
    offline = services(appliance).site.repo.clients.find([("x_online", False)])
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as api:
        for item in offline:
            with contextlib.suppress(Refused):
                await api.can_wake(item.id)
                return item
    raise AssertionError("no offline demo item has a peer to wake it")


class _Collector:
    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        return None


async def test_every_word_the_help_lists_is_a_command(appliance: EmbeddedAppliance) -> None:
    asked = {"set": ("Which setting", "cancel"), "deploy": ("Say 1 to", "cancel")}
    steps: list[Answer | tuple[str, Answer]] = []
    for word in PLAIN_WORDS:
        if word != "quit":
            steps += [word, *([asked[word]] if word in asked else [])]
    said = await transcript(appliance, "admin", *steps)
    assert not [line for line in said if "is not a command" in line]
    assert said[-1] == "Goodbye."


async def test_show_names_the_console_user_the_list_line_names(
    appliance: EmbeddedAppliance,
) -> None:
    repo = services(appliance).site.repo
    item = next(
        c
        for c in repo.clients.find([("jump_group_id", 1), ("x_online", True)])
        if not console_user_of(c)
    )
    out = io.StringIO()
    client = ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo"))
    plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
    loop = asyncio.get_running_loop()
    tick = StatsBatch(1, [(item.id, 5.0, 20.0, "okim", 3600, "2026-11-24T10:00:00+00:00")])
    lines = iter([f'filter "{item.name}"', "show 1", "list", "quit"])

    def read(_prompt: str) -> str:
        line = next(lines)
        if line == "show 1":  # meanwhile a statistics tick says who logged in (as the feed)
            loop.call_soon_threadsafe(plain.on_event, tick)
        return line

    assert await plain.run(read=read) == 0
    said = out.getvalue().splitlines()
    assert "Console user: okim" in said  # not "nobody": the record is older than the tick
    assert any(line.startswith(f"1. {item.name};") and "; user okim;" in line for line in said)
