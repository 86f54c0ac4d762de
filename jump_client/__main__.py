"""``jump-client``: install, run, status and uninstall the Jump Client on this machine."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from domain.installer import Elevation
from jump_client import install as installer
from jump_client.prompter import PrompterError, make_prompter
from jump_client.service import service_user

#: what stops a running client cleanly (``systemctl stop`` sends SIGTERM; Ctrl-C SIGINT)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PROMPTER_HELP = (
    "how to ask a present user to accept a session: notify (desktop notification, the "
    "default where one can be shown), none, or command:PROGRAM [ARGS] ({question} is replaced)"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jump-client", description="The Jump Console Jump Client.")
    commands = p.add_subparsers(dest="command", required=True)
    i = commands.add_parser(
        "install",
        help="install from an installer key",
        description="Install the Jump Client. Installer parameters may follow in either form: "
        "--jc-name NAME, --jc-jump-group user:NAME|jumpgroup:CODE, --jc-tag TAG, "
        "--jc-comments TEXT, --jc-jump-policy CODE, --jc-session-policy-present CODE, "
        "--jc-session-policy-not-present CODE, --jc-public-site-address HOST, "
        "--jc-max-offline-minutes N, --jc-ephemeral, --install-dir DIR, --silent; or "
        "jc_name=NAME, jc_tag=TAG, ..., INSTALLDIR=DIR, /quiet.",
    )
    i.add_argument("--key", required=True, help="the installer key (MSI form: KEY_INFO=KEY)")
    i.add_argument("--appliance", required=True, help="the appliance URL")
    i.add_argument(
        "--wol-broadcast",
        metavar="HOST:PORT",
        help="where to send wake packets (default 255.255.255.255:9)",
    )
    i.add_argument("--prompter", metavar="SPEC", default="", help=PROMPTER_HELP)
    i.add_argument("--valid-minutes", type=int, help=argparse.SUPPRESS)
    # what the downloaded installer carries: the elevation its installer asks for, and where
    # it is (to run it again with administrator rights)
    i.add_argument("--elevation", choices=[e.value for e in Elevation], help=argparse.SUPPRESS)
    i.add_argument("--installer-file", type=Path, help=argparse.SUPPRESS)
    i.add_argument("--service-user", default=service_user(), help=argparse.SUPPRESS)
    r = commands.add_parser(
        "request-support",
        help="ask a representative for help with this machine",
        description="Ask for help: representatives who look after this machine are told at "
        "once, and one of them starts a session through this Jump Client.",
    )
    r.add_argument("--dir", required=True, type=Path, help="the install directory")
    r.add_argument("--message", default="", help="what you need help with")
    for name in ("run", "status", "uninstall"):
        c = commands.add_parser(name, help=f"{name} the installed client")
        c.add_argument("--dir", required=True, type=Path, help="the install directory")
        if name == "run":
            c.add_argument(
                "--wol-broadcast", metavar="HOST:PORT", help="where to send wake packets"
            )
            c.add_argument(
                "--passive-listen",
                metavar="HOST:PORT",
                help="where a passive client listens (default: every address, on the site's "
                "passive port)",
            )
            c.add_argument("--prompter", metavar="SPEC", help=PROMPTER_HELP)
            c.add_argument(
                "--stop-with-parent",
                action="store_true",
                help="stop when standard input closes: the program that started this client "
                "keeps it open as a pipe, so the client ends with it (the console's own client)",
            )
    return p


def _key_info_as_key(argv: list[str]) -> list[str]:
    """``KEY_INFO=KEY`` (the MSI form's spelling of the installer key) → ``--key=KEY``."""
    return [
        f"--key={w.removeprefix('KEY_INFO=')}" if w.startswith("KEY_INFO=") else w for w in argv
    ]


def main(argv: list[str] | None = None) -> int:
    words = _key_info_as_key(list(sys.argv[1:] if argv is None else argv))
    args, extra = _parser().parse_known_args(words)
    if getattr(args, "prompter", None):
        try:
            make_prompter(args.prompter)
        except PrompterError as err:
            print(f"jump-client: {err}", file=sys.stderr)
            return 2
    if args.command == "install":
        return installer.install(
            extra,
            key=args.key,
            appliance=args.appliance,
            wol_broadcast=args.wol_broadcast,
            valid_minutes=args.valid_minutes,
            prompter=args.prompter,
            elevation=Elevation(args.elevation) if args.elevation else None,
            installer_file=args.installer_file,
            service_user=args.service_user,
        )
    if extra:
        print(f"jump-client: unexpected arguments: {' '.join(extra)}", file=sys.stderr)
        return 2
    if args.command == "request-support":
        return installer.request_support(args.dir, args.message)
    if args.command == "status":
        return installer.status(args.dir)
    if args.command == "uninstall":
        return installer.uninstall(args.dir)
    return run(
        args.dir,
        args.wol_broadcast,
        args.passive_listen,
        args.prompter,
        stop_with_parent=args.stop_with_parent,
    )


def _exec_current(directory: Path, *, stop_with_parent: bool = False) -> None:
    """Run the code of the installed bundle ``current`` points to (after an upgrade)."""
    current = directory / "current"
    if not current.exists():
        return
    code = str(current.resolve())
    if os.environ.get("JUMP_CLIENT_BUNDLE") == code:
        return
    path = os.pathsep.join(p for p in (code, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "JUMP_CLIENT_BUNDLE": code}
    # -P: no current directory on sys.path, so the bundle's code is the code that runs.
    argv = [sys.executable, "-P", "-m", "jump_client", "run", "--dir", str(directory)]
    os.execve(sys.executable, argv + ["--stop-with-parent"] * stop_with_parent, env)


async def until_stopped(work: Coroutine[Any, Any, int]) -> int:
    """Run the client until it ends by itself, or until SIGTERM or SIGINT: then it stops
    cleanly (its channel closed, its last contact written) and answers 0."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
        logging.getLogger("jump-client").info("Stopped.")
        return 0
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def run(
    directory: Path,
    wol_broadcast: str | None,
    passive_listen: str | None = None,
    prompter: str | None = None,
    *,
    stop_with_parent: bool = False,
) -> int:
    from jump_client.agent import RESTART, Agent
    from jump_client.config import ConfigError, load, save
    from jump_client.lock import AlreadyRunning, run_lock
    from jump_client.lock import stop_with_parent as watch_parent

    if stop_with_parent:
        watch_parent()  # before anything that may take long: the parent may be gone already
    _exec_current(directory, stop_with_parent=stop_with_parent)

    try:
        config = load(directory)
    except ConfigError as err:
        print(f"jump-client: {err}", file=sys.stderr)
        return 2
    code = 0
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(run_lock(directory))  # one running client per folder
        except AlreadyRunning as err:
            print(f"jump-client: {err}", file=sys.stderr)
            return 2
        if wol_broadcast or passive_listen or prompter:
            config.wol_broadcast = wol_broadcast or config.wol_broadcast
            config.passive_listen = passive_listen or config.passive_listen
            config.prompter = prompter or config.prompter
            save(config)
        installer.make_logger(directory / installer.RUN_LOG, silent=config.silent)
        agent = Agent(config, remove=lambda: installer.remove_local(directory))
        with contextlib.suppress(KeyboardInterrupt):
            code = asyncio.run(until_stopped(agent.run()))
    if code == RESTART:  # replaces this process with the upgraded client
        _exec_current(directory, stop_with_parent=stop_with_parent)
    return code


if __name__ == "__main__":
    sys.exit(main())
