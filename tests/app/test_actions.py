"""Jump actions from the keyboard, against a real embedded appliance."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api_client import ApplianceClient, RepCredentials
from console.dialogs import ConfirmScreen, EditScreen, PromptScreen
from console.session_screen import SessionsScreen
from domain import Installer
from domain.rules import invite_refusal
from jump_client.config import load
from tests.support.appliance import SERVERS
from tests.support.console import (
    SIZE,
    Site,
    appliance_state,
    details_text,
    focus_on,
    loaded,
    make_item,
    make_site,
    toasts,
    until,
)
from widgets import StatusBar
from widgets.terminal import Terminal

pytestmark = pytest.mark.not_storage("the console's screens and keys")


async def test_start_a_session_from_the_keyboard(site: Site) -> None:
    item = make_item(site)
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, item)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        await pilot.pause()
        body = str(app.screen.query_one(".session-body").render())
        assert item.name in body and "User not present: full access" in body
        assert "no user is present" in body and "offers none" in body
        assert app.query_one(StatusBar).sessions == 1
        assert any("Session started on" in t for t in toasts(app))
        await pilot.press("escape")
        await until(pilot, lambda: "You have no session" not in details_text(app))


async def test_disabled_actions_say_why(site: Site) -> None:
    offline = make_item(site, x_online=False)
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, offline)
        text = details_text(app)
        assert f"The Jump Client '{offline.name}' is offline." in text
        assert "already up to date" in text
        await pilot.press("j")
        await pilot.pause()
        assert f"The Jump Client '{offline.name}' is offline." in toasts(app)
        assert not isinstance(app.screen, SessionsScreen)


async def test_closed_policy_explains_when_it_opens(site: Site) -> None:
    state = appliance_state(site)
    ny = next(p for p in state.site.repo.policies.find() if p.code_name == "business_ny")
    item = make_item(site, jump_policy_id=ny.id)
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await focus_on(pilot, item)
        assert (
            "Jump Policy 'Business hours (New York)' is closed — opens 09:00 "
            "America/New_York (in 3 h 55 min)."
        ) in details_text(app)


async def test_in_use_by_another_representative(site: Site) -> None:
    disallow = next(
        p for p in appliance_state(site).site.repo.policies.find() if p.code_name == "exclusive"
    )
    item = make_item(site, jump_policy_id=disallow.id)
    async with ApplianceClient(
        site.appliance.url, credentials=RepCredentials("alice", "demo")
    ) as alice:
        await alice.start_session(item.id)
        app = site.console()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await focus_on(pilot, item)
            assert "In use by alice — ask for an invitation." in details_text(app)


async def test_an_invited_representative_joins_from_the_list(site: Site) -> None:
    """alice holds an item whose policy disallows simultaneous jumps and invites bob: bob's
    console says he may join, and enter joins (the appliance agrees)."""
    disallow = next(
        p for p in appliance_state(site).site.repo.policies.find() if p.code_name == "exclusive"
    )
    item = make_item(site, jump_policy_id=disallow.id)
    async with ApplianceClient(
        site.appliance.url, credentials=RepCredentials("alice", "demo")
    ) as alice:
        started = await alice.start_session(item.id)
        app = site.console("bob")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await loaded(pilot)
            await focus_on(pilot, item)
            assert "In use by alice — ask for an invitation." in details_text(app)
            await alice.invite(started.session.sid, "bob")
            await until(pilot, lambda: "joins the session of alice" in details_text(app))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
            assert any("Joined the session on" in t for t in toasts(app))
            sessions = await alice.sessions()
            assert {"alice", "bob"} <= set(sessions[0].participants)


async def test_wake_is_explained_as_the_appliance_decides_it(site: Site) -> None:
    """No online peer behind the item's gateway: the details say so before any dialog, and
    w says it again without asking for a password."""
    lonely = make_item(
        site,
        x_online=False,
        x_mac="02:00:5e:66:00:77",
        x_gateway={"ip": "127.16.77.1", "mac": "02:00:5e:77:00:fe"},
    )
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, lonely)
        sentence = (
            f"No online Jump Client on the same network as '{lonely.name}' can send the "
            "wake packet."
        )
        await until(pilot, lambda: sentence in details_text(app))
        await pilot.press("w")
        await until(pilot, lambda: sentence in toasts(app))
        assert not isinstance(app.screen, PromptScreen)


async def test_wake_with_a_masked_password_then_the_cooldown(
    site: Site, udp: socket.socket
) -> None:
    appliance_state(site).site.config.wol_broadcast = f"127.0.0.1:{udp.getsockname()[1]}"
    make_item(site)  # the peer on the same gateway
    target = make_item(site, x_online=False, x_mac="02:00:5e:66:00:42")
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, target)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        field = app.screen.query_one("#prompt-input")
        assert field.password  # type: ignore[attr-defined]
        await pilot.press(*"zz", "enter")  # not hex: said inline, nothing sent
        await pilot.pause()
        assert "4 or 6 bytes" in str(app.screen.query_one("#prompt-error").render())
        await pilot.press("backspace", "backspace", *"aa:bb:cc:dd", "enter")
        packet, _ = await asyncio.to_thread(udp.recvfrom, 200)  # the loop must keep running
        assert packet.endswith(bytes.fromhex("02005e660042") + b"\xaa\xbb\xcc\xdd")
        await until(pilot, lambda: any("sent via" in t for t in toasts(app)))
        await until(pilot, lambda: "Wake tried 0 s ago — available in 30 s." in details_text(app))
        assert not any("aa:bb:cc:dd" in t for t in toasts(app))


async def test_upgrade_runs_to_done(site: Site) -> None:
    item = make_item(site, needs_update=True, x_version="0.9.2")
    appliance_state(site).site.config.upgrade_bundle_bytes = 64 * 1024
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, item)
        await pilot.press("u")
        await until(pilot, lambda: any("queued for an upgrade" in t for t in toasts(app)))
        await until(
            pilot,
            lambda: app.highlighted_item() is not None and not app.highlighted_item().needs_update,
        )  # type: ignore[union-attr]
        assert app.highlighted_item().x_version == "1.0.0"  # type: ignore[union-attr]


async def test_edit_form_validates_then_saves(site: Site) -> None:
    make_item(site)
    make_item(site)
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"filter zz-test", "enter")
        await until(pilot, lambda: len(app.store.view) == 2)
        await until(pilot, lambda: app.highlighted_item() is not None)
        below = app.store.ids[app.store.view[1]]
        # a key pressed at once after a move, before the moved-to item's record is here
        # (fetched once the highlight rests), acts on that item when its record arrives
        await pilot.press("down", "e")
        await until(pilot, lambda: isinstance(app.screen, EditScreen))
        assert app.screen.item.id == below  # type: ignore[attr-defined]
        item = app.screen.item  # type: ignore[attr-defined]
        await pilot.press("ctrl+a", "ctrl+k")  # empty the name
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least 1 character" in str(app.screen.query_one("#error-name").render())
        await pilot.press(*"Renamed server", "ctrl+s")
        await until(pilot, lambda: any("Saved the properties" in t for t in toasts(app)))
        # The new name no longer matches the filter, so the item leaves the view.
        await until(pilot, lambda: app.store.name[app.store.row_of[item.id]] == "Renamed server")


async def test_remove_asks_first_naming_the_item(site: Site) -> None:
    item = make_item(site)
    offline = make_item(site, x_online=False)
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await focus_on(pilot, offline)
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        # what happens to the client, truthfully: it hears of it when it comes back
        question = app.screen.question  # type: ignore[attr-defined]
        assert "Its Jump Client is offline: it uninstalls itself when it next connects." in question
        await pilot.press("n")
        await focus_on(pilot, item)
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert item.name in app.screen.question  # type: ignore[attr-defined]
        assert "Servers" in app.screen.question  # type: ignore[attr-defined]  # and its group
        # an online client is told at once
        assert "Its Jump Client is told now and uninstalls itself." in app.screen.question  # type: ignore[attr-defined]
        await pilot.press("n")
        await pilot.pause()
        assert item.id in app.store.row_of
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: item.id not in app.store.row_of)
        assert f"Removed '{item.name}'." in toasts(app)


async def test_mark_two_and_start_both_then_invite(site: Site) -> None:
    first, second = make_item(site), make_item(site)
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: second.id in app.store.row_of)
        await pilot.press("colon", *"filter zz-test", "enter")
        await until(pilot, lambda: len(app.store.view) == 2)
        await pilot.press("space", "down", "space")
        assert app.query_one(StatusBar).marked == 2
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        assert "Started 2 of 2 sessions." in toasts(app)
        assert app.query_one(StatusBar).sessions == 2
        await pilot.press("i", *"bob", "enter")
        await until(pilot, lambda: any("Invited bob" in t for t in toasts(app)))
        await pilot.press("i", *"dave", "enter")  # dave may not see Servers
        refusals = {invite_refusal("dave", item.name).message for item in (first, second)}
        await until(pilot, lambda: bool(refusals & set(toasts(app))))
        await pilot.press("x")  # ending a session asks first, naming its item and group
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "ZZ-TEST-" in app.screen.question and "Servers" in app.screen.question  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(pilot, lambda: len(app.actions.sessions) == 1)
        assert first.id in {s.item_id for s in app.actions.sessions.values()} or (
            second.id in {s.item_id for s in app.actions.sessions.values()}
        )


def _pid(lines: list[str]) -> str | None:
    """The output of ``echo $$``: the first line after it that is only digits."""
    for before, line in zip(lines, lines[1:], strict=False):
        if before.endswith("echo $$") and line.isdigit():
            return line
    return None


@pytest.fixture
def site_with_a_client(tmp_path: Path, database: str) -> Iterator[Site]:
    """A quiet site whose statistics come every second, not twenty times a second: a real Jump
    Client reports at the site's interval, and at twenty a second the console is never idle, so
    each key a test presses waits out Pilot's idle timeout (a second) before the next."""
    yield from make_site(tmp_path, database, simulate=False, interval=1.0)


async def test_a_shell_in_the_session_tab(site_with_a_client: Site, tmp_path: Any) -> None:
    site = site_with_a_client
    state = appliance_state(site)

    def create_installer() -> Installer:
        installer = Installer(
            id=state.site.repo.next_id("installer"),
            installer_id="f" * 32,
            jump_group_id=SERVERS,
            elevate_install=False,
            unattended_session_policy_id=3,
            expiration_timestamp=state.site.clock.now() + timedelta(days=1),
        )
        with state.site.repo.transaction():
            state.site.repo.add_installer(installer)
        return installer

    key = site.appliance.call(create_installer).installer_id
    directory = tmp_path / "client"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "jump_client",
            "install",
            "--key",
            key,
            "--appliance",
            site.appliance.url,
            "--install-dir",
            str(directory),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    client = subprocess.Popen(
        [sys.executable, "-m", "jump_client", "run", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # its shells start in a home of their own, not this machine's rc files
        env={**os.environ, "JUMP_CLIENT_GATEWAY": "127.16.88.1", "HOME": str(tmp_path)},
    )
    try:
        item_id = load(directory).jump_client_id
        app = site.console()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await until(
                pilot,
                lambda: (
                    item_id in app.store.row_of
                    and app.store.status_at(app.store.row_of[item_id]).value == "online"
                ),
            )
            item = await app.client.jump_item(item_id or 0)
            await focus_on(pilot, item)
            await pilot.press("enter")
            await until(
                pilot,
                lambda: isinstance(app.screen, SessionsScreen) and bool(app.screen.query(Terminal)),
            )
            terminal = app.screen.query_one(Terminal)
            await until(pilot, lambda: terminal.session.state == "open")
            assert app.focused is terminal  # the keys go to the endpoint's shell at once
            await pilot.press(*"echo console-$((6*7))", "enter")
            shown = terminal.session.emulator.display
            await until(pilot, lambda: any(line == "console-42" for line in shown()))
            await pilot.press(*"echo $$", "enter")  # the shell's process id, to find it again
            await until(pilot, lambda: _pid(shown()) is not None)
            pid = _pid(shown())
            await pilot.press("ctrl+right_square_bracket")  # leave the terminal: session keys
            await pilot.press("y")  # system information into the session's events
            await until(
                pilot,
                lambda: "Busiest processes:" in str(app.screen.query_one(".session-body").render()),
            )
            await pilot.press("v")  # back to the list: the shell goes on without a view
            await until(pilot, lambda: not isinstance(app.screen, SessionsScreen))
            await pilot.press("v")  # and back: the same shell, its screen as it was
            await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
            await pilot.pause()
            terminal = app.screen.query_one(Terminal)
            await until(pilot, lambda: app.focused is terminal)
            assert terminal.session.state == "open"
            assert any(line == "console-42" for line in terminal.session.emulator.display())
            await pilot.press(*"clear; echo again-$$", "enter")
            shown = terminal.session.emulator.display
            await until(pilot, lambda: shown()[0] == f"again-{pid}")
    finally:
        client.terminate()
        client.wait(10)
