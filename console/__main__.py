"""``jump-console``: start the representative console.

With no appliance configured it starts the embedded appliance (SQLite in the user data dir,
a seeded demo fleet) on a free 127.0.0.1 port and signs in as a demo representative.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appliance.embedded import EmbeddedAppliance
    from console.backend import Backend
    from console.config import ConsoleSettings


def _parser() -> argparse.ArgumentParser:
    from console.cli.parser import overview
    from themes import SHORT_NAMES_TEXT

    p = argparse.ArgumentParser(
        prog="jump-console",
        description="The Jump Console representative console.",
        epilog=overview(),  # the commands for scripts, their options and exit codes
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--appliance",
        metavar="URL",
        help="connect to this appliance (default: start the embedded demo)",
    )
    p.add_argument("--user", dest="username", help="representative to sign in as")
    p.add_argument(
        "--demo-fleet",
        type=int,
        metavar="N",
        help="size of the embedded demo fleet on first start (default 500)",
    )
    p.add_argument(
        "--demo-user",
        help="demo representative for the embedded appliance "
        "(alice, bob, carol, dave, admin; default carol)",
    )
    p.add_argument("--theme", help=f"{SHORT_NAMES_TEXT} (default: dark; no-color with NO_COLOR)")
    p.add_argument(
        "--plain",
        action="store_true",
        help="labelled lines instead of the full screen (for screen readers; also "
        "JUMP_CONSOLE_PLAIN=1, plain = true in the config, or TERM=dumb)",
    )
    p.add_argument("--config", type=Path, help="config file (default: platform config dir)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


_VALUED = {
    "--appliance",
    "--user",
    "--demo-fleet",
    "--demo-user",
    "--theme",
    "--config",
    "--password-file",
}


def _plain_reason(flag: bool, configured: bool) -> str | None:
    """Why plain mode is on (None: it is not), in the words the first line says."""
    if flag:
        return "turned on by --plain"
    if os.environ.get("JUMP_CONSOLE_PLAIN", "").lower() in ("1", "true", "yes", "on"):
        return "turned on by JUMP_CONSOLE_PLAIN"
    if configured:
        return "turned on by the config file"
    if os.environ.get("TERM") == "dumb":
        return "turned on because TERM is dumb"
    return None


def _run_plain(
    backend: Backend | None,
    reason: str,
    embedded: EmbeddedAppliance | None,
    settings: ConsoleSettings,
    connect: Callable[[str, str], Backend],
) -> int:
    import asyncio
    import getpass

    from console.plain import PlainConsole, setup_readline

    if backend is None:  # an appliance without a password yet: ask for it, plainly
        username = settings.username or input("User name: ")
        backend = connect(username, getpass.getpass(f"Password for {username}: "))
    setup_readline()
    local = _start_local_client(embedded, settings) if embedded is not None else None
    _collect_again()
    try:
        return asyncio.run(PlainConsole(backend, reason=reason).run())
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(local, embedded)


def _stop(local: subprocess.Popen[bytes] | None, embedded: EmbeddedAppliance | None) -> None:
    """Stop this machine's demo client and the embedded appliance, whichever front end ran."""
    if local is not None:
        local.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            local.wait(10)
        if local.stdin is not None:
            local.stdin.close()
    if embedded is not None:
        embedded.stop()


def _command_of(argv: list[str]) -> str | None:
    """The first word that is neither an option nor an option's value."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    # The start makes some 400,000 objects that stay (modules, classes, the screens) and
    # little cyclic garbage: the collector's passes over them while it imports cost about
    # 0.2 s of CPU. It runs again once the start is over (_collect_again).
    gc.disable()
    try:
        return _start(sys.argv[1:] if argv is None else argv)
    finally:
        _collect_again()


def _collect_again() -> None:
    """The start is over: what it made is kept out of the collector's scans (it stays), and
    the collector runs again (before the front end runs, and at exit)."""
    gc.freeze()
    gc.enable()


def _start(argv: list[str]) -> int:
    from api_client import ApplianceClient, RepCredentials
    from console.backend import Backend
    from console.cli.parser import COMMANDS
    from console.config import ConfigError, load_settings
    from console.embedded import start_embedded
    from domain.text import show_logs_plainly

    show_logs_plainly()  # names and hostnames in log lines are shown, never interpreted
    if _command_of(argv) in COMMANDS:  # a command for scripts: no Textual at all
        from console import cli  # only here: the full screen waits for none of it

        _collect_again()
        return cli.main(argv, load_settings)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(
            args.config,
            appliance=args.appliance,
            username=args.username,
            demo_fleet=args.demo_fleet,
            demo_user=args.demo_user,
            theme=args.theme,
        )
    except ConfigError as err:
        print(f"jump-console: {err}", file=sys.stderr)
        return 2
    plain = _plain_reason(args.plain, settings.plain)
    if plain is None:  # the keys matter to the full screen: checked before anything starts
        from console.keymap import check_keymap

        try:
            check_keymap(settings)
        except ConfigError as err:
            print(f"jump-console: {err}", file=sys.stderr)
            return 2
    embedded = None
    backend: Backend | None = None
    url = settings.appliance or ""

    def connect(username: str, password: str) -> Backend:
        return Backend(ApplianceClient(url, credentials=RepCredentials(username, password)))

    try:
        if settings.appliance:
            if settings.username and settings.password is not None:
                backend = connect(settings.username, settings.password.get_secret_value())
            elif not sys.stdin.isatty():
                raise ConfigError(
                    "No password: set JUMP_CONSOLE_USERNAME and JUMP_CONSOLE_PASSWORD (or the "
                    "config file), or run in a terminal to sign in."
                )
        else:
            embedded, url = start_embedded(settings)
            backend = connect(settings.demo_user, "demo")
    except ConfigError as err:
        print(f"jump-console: {err}", file=sys.stderr)
        return 2
    if plain is not None:
        return _run_plain(backend, plain, embedded, settings, connect)
    return _run_tui(backend, url, embedded, settings, connect)


def _run_tui(
    backend: Backend | None,
    url: str,
    embedded: EmbeddedAppliance | None,
    settings: ConsoleSettings,
    connect: Callable[[str, str], Backend],
) -> int:
    """The full-screen console. Textual loads only here, once the arguments are good.

    Three things overlap while it loads: the appliance checks the password (on a thread of
    the backend's), the terminal answers what pictures it draws (on a thread here; Textual
    reads the keys only once that is done), and the console's screens are imported."""
    if backend is not None:
        backend.sign_in_early()
    import threading

    from widgets.screen_graphics import choose

    asking = threading.Thread(target=choose, args=(settings.graphics,), name="graphics")
    asking.start()
    from console.app import JumpConsoleApp
    from console.config import load_state
    from console.shutdown import run_until_stopped
    from themes import starting_theme

    asking.join()  # before Textual reads the keys: the terminal's answers are read first
    state, state_notice = load_state(settings.state_path)
    app = JumpConsoleApp(
        backend,
        connect=connect,
        appliance=url,
        username=settings.username or "",
        state=state,
        state_path=lambda: settings.state_path,
        theme=starting_theme(
            settings.theme if "theme" in settings.model_fields_set else None,
            os.environ,
            state.theme,
        ),
        keymap=settings.keymap,
        notices=[n for n in (state_notice,) if n],
    )
    local = _start_local_client(embedded, settings) if embedded is not None else None
    _collect_again()
    try:
        code = run_until_stopped(app)  # a signal exits like ctrl+q: the terminal is restored
    finally:
        _stop(local, embedded)
    return code or 0


def _start_local_client(
    embedded: EmbeddedAppliance, settings: ConsoleSettings
) -> subprocess.Popen[bytes] | None:
    """A real Jump Client for this machine, connected over loopback (demo only).

    Installed once (user mode) in the data dir; its output goes to a log file beside it.
    Turn it off with ``local_client = false`` in the config file. Never two for one folder:
    when one already runs from it (another console's), that one is left alone and used.
    The client ends with the console however the console ends (even ``kill -9``): it holds
    the read end of a pipe whose other end only the console holds (``--stop-with-parent``).
    """
    from jump_client.lock import running_pid

    if not settings.local_client:
        return None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    directory = settings.data_dir / "this-machine-client"
    log_path = settings.data_dir / "this-machine-client.log"
    command = [sys.executable, "-m", "jump_client"]
    if running_pid(directory) is not None:
        return None
    with open(log_path, "ab") as log:
        if not (directory / "client.json").exists():
            key = embedded.local_installer_key()
            subprocess.run(
                [
                    *command,
                    "install",
                    "--key",
                    key,
                    "--appliance",
                    embedded.url,
                    "--install-dir",
                    str(directory),
                    "--wol-broadcast",
                    "127.0.0.1:9",
                    "/quiet",
                ],
                stdout=log,
                stderr=log,
                timeout=60,
                check=False,
            )
        if not (directory / "client.json").exists():
            return None
        # The appliance's port changes from run to run: point the client at this one.
        state = json.loads((directory / "client.json").read_text())
        state["appliance"] = embedded.url
        (directory / "client.json").write_text(json.dumps(state, indent=2))
        return subprocess.Popen(
            [*command, "run", "--dir", str(directory), "--stop-with-parent"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


if __name__ == "__main__":
    sys.exit(main())
