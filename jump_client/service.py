"""The service install: the dedicated user the service runs as, the folder handed over to it,
its systemd unit, and asking for elevation when an installer wants a service install.

A service-mode client runs as ``jumpclient``, never as root: the install (as root) creates
that user when it is missing and gives it the install folder, which stays 0700 and
``client.json`` 0600 (the secret readable by that user only), so the unit starts as written.

An installer made with ``elevate_install`` installs a service; run by a user who is not root,
it asks for administrator rights (``sudo``) when the installer also has ``elevate_prompt``
and the install is not silent, and otherwise — or when the rights are not given — installs
the client for that user only.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

SERVICE_USER = "jumpclient"
#: names another user for service installs (a site's own convention; a test suite run as root
#: names its own user rather than make ``jumpclient`` on the machine)
SERVICE_USER_ENV = "JUMP_CLIENT_SERVICE_USER"
UNIT_NAME = "jump-client.service"


class ServiceError(Exception):
    """The service user cannot be had; one sentence says what to do."""


def service_user() -> str:
    """The user a service install runs the client as."""
    return os.environ.get(SERVICE_USER_ENV) or SERVICE_USER


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def service_account(name: str) -> tuple[int, int]:
    """(uid, gid) of the service user, created (a system user, no login) when missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd")
        if useradd is None:
            raise ServiceError(
                f"the service user {name} does not exist and useradd is not here to create "
                f"it; create it (useradd --system {name}) and install again"
            ) from None
        nologin = shutil.which("nologin") or "/usr/sbin/nologin"
        made = subprocess.run(
            [useradd, "--system", "--user-group", "--no-create-home"]
            + ["--home-dir", "/nonexistent", "--shell", nologin, name],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if made.returncode != 0:
            raise ServiceError(
                f"the service user {name} could not be created (useradd exit "
                f"{made.returncode}); create it (useradd --system {name}) and install again"
            ) from None
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def hand_over(directory: Path, uid: int, gid: int) -> None:
    """Give the install folder and everything in it to the service user (modes unchanged:
    the folder stays 0700 and the state 0600, readable by that user only)."""
    os.chown(directory, uid, gid, follow_symlinks=False)
    for root, folders, files in os.walk(directory):
        for name in folders + files:
            os.chown(Path(root) / name, uid, gid, follow_symlinks=False)


def service_unit(install_dir: Path, python: str = sys.executable, user: str = SERVICE_USER) -> str:
    """A systemd unit running the client as the service user (not enabled here)."""
    try:
        group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        group = user
    return (
        "[Unit]\n"
        "Description=Jump Console Jump Client\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        "Type=simple\n"
        f"User={user}\n"
        f"Group={group}\n"
        f"ExecStart={python} -m jump_client run --dir {install_dir}\n"
        "Restart=always\n"
        "RestartSec=5\n"
        "NoNewPrivileges=yes\n"
        "ProtectSystem=strict\n"
        f"ReadWritePaths={install_dir}\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def elevate(installer_file: Path, arguments: list[str]) -> int | None:
    """Ask for administrator rights (``sudo`` prompts for the password) and run the
    installer again with them; its exit status, or None when the rights were not given
    (the caller then installs for this user only)."""
    sudo = shutil.which("sudo")
    if sudo is None:
        return None
    print(
        "This installer installs the Jump Client as a service, which needs administrator "
        "rights: sudo asks for your password (without them it is installed for you only).",
        file=sys.stderr,
    )
    try:
        if subprocess.run([sudo, "-v"], check=False).returncode != 0:
            return None
        again = [sudo, "--", sys.executable, str(installer_file), *arguments]
        return subprocess.run(again, check=False).returncode
    except KeyboardInterrupt:
        return None
