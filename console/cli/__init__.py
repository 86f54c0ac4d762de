"""``jump-console <command>``: the console's capabilities for scripts.

Every command goes through the same appliance APIs and rules as the TUI. Output is aligned
text, or with ``--json`` one JSON document with the API's field names. Errors are one sentence
on stderr; exit codes: 0 ok, 1 refused by a rule, 2 usage or input error, 3 the appliance
cannot be reached or refused the sign-in. Passwords come from the config file, the
environment, ``--password-file`` or a prompt, never from an argument.

Text output shows data and never interprets it: a control character in a name or a
hostname is printed as an escape (``\\x1b``); JSON escapes it in its own way.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import ValidationError

from api_client import ApplianceClient, ApplianceError, RepCredentials
from console.cli.admin import cmd_audit, cmd_settings
from console.cli.common import OK, USAGE, CliError, Out, exit_code, say_error
from console.cli.installers import cmd_installers
from console.cli.items import (
    cmd_copy,
    cmd_edit,
    cmd_groups,
    cmd_jump,
    cmd_ls,
    cmd_remove,
    cmd_show,
    cmd_upgrade,
    cmd_wake,
)
from console.cli.parser import COMMANDS, overview, parser
from console.cli.sessions import (
    cmd_files,
    cmd_requests,
    cmd_screenshot,
    cmd_sessions,
    cmd_sysinfo,
)
from console.config import ConfigError, ConsoleSettings
from console.embedded import start_embedded

__all__ = ["COMMANDS", "main", "overview"]

HANDLERS: dict[str, Callable[[ApplianceClient, argparse.Namespace, Out], Awaitable[int]]] = {
    "groups": cmd_groups,
    "ls": cmd_ls,
    "show": cmd_show,
    "jump": cmd_jump,
    "wake": cmd_wake,
    "upgrade": cmd_upgrade,
    "edit": cmd_edit,
    "copy": cmd_copy,
    "remove": cmd_remove,
    "files": cmd_files,
    "sysinfo": cmd_sysinfo,
    "screenshot": cmd_screenshot,
    "requests": cmd_requests,
    "sessions": cmd_sessions,
    "settings": cmd_settings,
    "installers": cmd_installers,
    "audit": cmd_audit,
}


def _password(settings: ConsoleSettings, path: Path | None) -> str:
    if path is not None:
        try:
            return path.read_text().strip()
        except OSError as err:
            raise CliError(f"The password file cannot be read: {err.strerror}.") from None
    if settings.password is not None:
        return settings.password.get_secret_value()
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {settings.username}: ")
    raise CliError(
        "No password: set JUMP_CONSOLE_PASSWORD or the config file, or give --password-file."
    )


#: said when no appliance is configured: each command then has a demo site of its own
DEMO_ONLY = (
    "No appliance is configured, so this command runs on a demo site that ends with it "
    "(sessions started and changes made are not kept); give --appliance URL or set it in "
    "the config to work on a real site."
)


async def run(args: argparse.Namespace, url: str, username: str, password: str) -> int:
    out = Out(args.json)
    async with ApplianceClient(url, credentials=RepCredentials(username, password)) as client:
        return await HANDLERS[args.command](client, args, out)


def main(argv: list[str], load: Callable[..., ConsoleSettings]) -> int:
    """Run one command; ``load`` reads the console's settings (config file and environment)."""
    args = parser().parse_args(argv)
    embedded = None
    try:
        settings = load(args.config, appliance=args.appliance, username=args.username)
        if settings.appliance:
            url, username = settings.appliance, settings.username or ""
            if not username:
                raise CliError(
                    "Say who signs in: --user NAME, JUMP_CONSOLE_USERNAME or the config."
                )
            password = _password(settings, args.password_file)
        else:
            say_error(DEMO_ONLY)  # a note, on stderr: what the script reads is unchanged
            embedded, url = start_embedded(settings)
            username, password = settings.demo_user, "demo"
        return asyncio.run(run(args, url, username, password))
    except CliError as err:
        say_error(err.message)
        return err.code
    except ConfigError as err:
        say_error(str(err))
        return USAGE
    except ApplianceError as err:
        say_error(err.message)
        return exit_code(err)
    except ValidationError as err:
        say_error(f"{err.errors()[0]['msg']}.")
        return USAGE
    except BrokenPipeError:  # the reader stopped (`| head`): that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK
    finally:
        if embedded is not None:
            embedded.stop()
