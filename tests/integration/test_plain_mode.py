"""Plain mode through a real pseudo-terminal, against an embedded appliance on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pexpect
import pytest

from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from domain import Installer
from domain.rules import invite_refusal
from tests.support.appliance import T0

pytestmark = [pytest.mark.integration, pytest.mark.not_storage("the plain console's words")]
BOX_DRAWING = re.compile("[\u2500-\u257f\u2580-\u259f]")


@pytest.fixture
def appliance(database: str) -> Iterator[EmbeddedAppliance]:
    running = EmbeddedAppliance(
        ApplianceSettings(db=database, demo_fleet=60, simulate=False),
        clock=FakeClock(T0),
    )
    running.start()
    yield running
    running.stop()


def test_plain_mode_lists_narrows_shows_jumps_and_announces(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")} | {
        "TERM": "dumb",
        "NO_COLOR": "1",
        "JUMP_CONSOLE_PASSWORD": "demo",
        "JUMP_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "console", "--appliance", appliance.url, "--user", "carol"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    transcript: list[str] = []
    child.logfile_read = _Collector(transcript)
    try:
        child.expect_exact("plain mode (turned on because TERM is dumb)")
        child.expect(r"Loaded \d+ Jump Items")
        child.sendline("group Servers")
        child.expect(r"Items 1 to \d+ of \d+")
        child.sendline("filter policy:always status:online")
        child.expect(r"Filter policy:always status:online: \d+ items\.")
        child.expect(r"1\. (\S+); group Servers")
        first = child.match.group(1)
        child.sendline("show 1")
        child.expect_exact(f"{first}; status online")
        child.expect_exact("Start session: available")
        child.sendline("jump 1")
        child.expect_exact(f"Session started on {first} with")
        child.sendline("invite dave")  # dave may not see Servers: told as a name nobody has
        child.expect_exact(invite_refusal("dave", first).message)
        child.sendline("end")
        child.expect_exact(f"Left the session on {first}.")

        child.sendline("filter status:offline")
        child.expect(r"1\. (\S+); group Servers")
        offline = child.match.group(1)
        child.sendline("jump 1")  # a refusal: one sentence naming the item
        child.expect(rf"The Jump Client '{re.escape(offline)}' is offline[^\n]*\.")

        child.sendline("filter policy:always status:online")
        child.expect(r"1\. (\S+); group Servers")
        watched = child.match.group(1)
        child.sendline("follow 1")
        child.expect_exact(f"Following {watched}")
        state: Services = appliance.app.state.appliance

        def goes_offline() -> None:
            client = next(c for c in state.site.repo.clients.find() if c.name == watched)
            with state.site.repo.transaction():
                state.site.repo.clients.update(client.id, {"x_online": False})
            state.site.changed([client.id])

        appliance.call(goes_offline)
        child.expect_exact(f"{watched} went offline.")
        child.sendline("settings")  # carol is no administrator: told why, in words
        child.expect_exact("The settings are for site administrators")
        child.sendline("quit")
        child.expect_exact("Goodbye.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    output = "".join(transcript)
    assert not BOX_DRAWING.search(output), "plain mode drew boxes"
    assert "\x1b[" not in output, "plain mode sent terminal escapes with NO_COLOR"


class _Collector:
    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        return None


def test_a_sessions_shell_runs_inline_and_gives_the_terminal_back(
    appliance: EmbeddedAppliance, tmp_path: Path
) -> None:
    import asyncio

    from api_client import ApplianceClient, RepCredentials
    from tests.support.jump_client import Client, install_client

    state: Services = appliance.app.state.appliance
    with state.site.repo.transaction():
        state.site.repo.session_policies.update(3, {"permissions": {"command_shell": "allow"}})

    async def make_installer() -> Installer:
        async with ApplianceClient(
            appliance.url, credentials=RepCredentials("admin", "demo")
        ) as admin:
            return await admin.installers.create(
                {
                    "jump_group_id": 1,
                    "elevate_install": False,
                    "tag": "inline",
                    "unattended_session_policy_id": 3,
                }
            )

    inst = asyncio.run(make_installer())
    install_client(appliance.url, inst, tmp_path / "c")
    client = Client(tmp_path / "c", mac="02:00:5e:77:00:20")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")} | {
        "NO_COLOR": "1",
        "JUMP_CONSOLE_PASSWORD": "demo",
        "JUMP_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "console", "--plain", "--appliance", appliance.url, "--user", "carol"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    try:
        child.expect(r"Loaded \d+ Jump Items")
        for _ in range(100):  # until the client is online
            child.sendline("filter tag:inline status:online")
            if child.expect([r"1\. \S+; group Servers", r"No Jump Item matches"]) == 0:
                break
            child.expect_exact("Command: ")
        child.sendline("jump 1")
        child.expect_exact("Session started on")
        child.sendline("shell")
        child.expect_exact("Control and right bracket returns")
        child.sendline("echo inline-$((6*7))")
        child.expect_exact("inline-42")
        child.sendline("stty size")  # the endpoint's terminal has this one's size
        child.expect_exact("40 120")
        child.setwinsize(30, 100)  # and follows it when it changes (SIGWINCH)
        for _ in range(20):  # the new size and the next line race to the endpoint: ask again
            child.sendline("stty size")
            if child.expect_exact(["30 100", "40 120"]) == 0:
                break
        else:
            raise AssertionError("the endpoint's terminal kept its old size")
        # The endpoint draws here, and does nothing else: no title, clipboard, terminal
        # query or private string reaches this terminal (the line typed holds no ESC).
        child.sendline(
            r"printf 'A\033]0;T\007B\033]52;c;cHduZWQ=\007C\033P+q544e\033\\D"
            r"\033_x\033\\E\033[cF\033[1mG\033[0m\n'"
        )
        child.expect_exact("ABCDEF\x1b[1mG\x1b[0m")
        for hostile in ("\x1b]", "\x1bP", "\x1b_", "\x1b[c", "\x07"):
            assert hostile not in child.before
        child.sendline("exit")
        child.expect_exact("Back in plain mode: the shell exited with code 0.")
        child.sendline("quit")
        child.expect_exact("1. End them (or leave those others started), then quit")
        child.sendline("1")
        child.expect_exact("Goodbye.")
    finally:
        child.close(force=True)
        client.stop()


def _guess_five_times(url: str, username: str) -> None:
    with httpx.Client(base_url=url) as guesser:
        for _ in range(5):
            guesser.post("/api/rep/v1/login", json={"username": username, "password": "guess"})


async def test_plain_mode_says_when_a_locked_account_may_sign_in_again(
    appliance: EmbeddedAppliance,
) -> None:
    from api_client import ApplianceClient, RepCredentials
    from console.backend import Backend
    from console.plain import PlainConsole

    await asyncio.to_thread(_guess_five_times, appliance.url, "dave")
    out = io.StringIO()
    client = ApplianceClient(appliance.url, credentials=RepCredentials("dave", "demo"))
    plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
    assert await plain.run(read=lambda _prompt: "quit") == 2
    assert out.getvalue().splitlines()[-1] == (
        "Too many failed sign-ins for this account; try again in 1 min."
    )


async def test_plain_mode_reads_the_audit_log_and_an_items_history(
    appliance: EmbeddedAppliance,
) -> None:
    from api_client import ApplianceClient, RepCredentials
    from console.backend import Backend
    from console.plain import PlainConsole
    from domain.audit import AUDIT_FOR_ADMINS

    async def transcript(user: str, *said: str) -> list[str]:
        out = io.StringIO()
        client = ApplianceClient(appliance.url, credentials=RepCredentials(user, "demo"))
        plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
        lines = iter([*said, "quit"])
        assert await plain.run(read=lambda _prompt: next(lines)) == 0
        return out.getvalue().splitlines()

    state: Services = appliance.app.state.appliance
    item = state.site.repo.clients.find([("jump_group_id", 1)])[0]
    async with ApplianceClient(
        appliance.url, credentials=RepCredentials("carol", "demo")
    ) as carol_api:
        await carol_api.edit_item(item.id, {"comments": "checked"})
    carol = await transcript("carol", f'filter "{item.name}"', "show 1", "audit")
    history = carol.index("History, newest first:")  # in the item's details, for whoever sees it
    assert carol[history + 1].endswith("UTC: carol, jump_item.update; fields=[comments]")
    assert carol[-2] == AUDIT_FOR_ADMINS  # the whole log is not hers to read
    admin = await transcript("admin", "audit action:login actor:carol", "audit action:sesion")
    start = next(n for n, line in enumerate(admin) if line.startswith("Audit entries 1 to"))
    assert admin[start + 1].endswith("UTC: carol, login on rep_api")
    assert any("'sesion' is not an audited action" in line for line in admin)


async def test_quitting_plain_mode_with_a_session_open_asks_what_becomes_of_it(
    appliance: EmbeddedAppliance,
) -> None:
    from api_client import ApplianceClient, RepCredentials
    from console.backend import Backend
    from console.plain import PlainConsole
    from domain.wording import quit_choices

    state: Services = appliance.app.state.appliance
    item = state.site.repo.clients.find([("jump_group_id", 1), ("x_online", True)])[0]

    async def transcript(*said: str) -> list[str]:
        out = io.StringIO()
        client = ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo"))
        plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
        lines = iter(said)
        assert await plain.run(read=lambda _prompt: next(lines)) == 0
        return out.getvalue().splitlines()

    async with ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo")) as api:
        sid = (await api.start_session(item.id)).session.sid
        said = await transcript("quit", "3", "quit", "2")  # cancel, then keep it running
        question, choices = quit_choices([item.name], 120)  # the TUI's very words
        at = said.index(question)
        assert said[at + 1 : at + 4] == [f"{n}. {words}" for n, (words, _) in enumerate(choices, 1)]
        assert said[at + 4] == "Not quitting: your sessions go on."
        assert said[-1] == "Goodbye." and said.count(question) == 2
        assert [s.sid for s in await api.sessions()] == [sid]  # kept for a reattach

        said = await transcript("quit", "1")  # end it
        assert said[-1] == "Goodbye."
        assert await api.sessions() == []
