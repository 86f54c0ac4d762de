"""Self-upgrade: fetch the bundle, check its sha256, unpack it, switch atomically.

The install directory holds ``versions/<version>/`` and a ``current`` symlink to the one in
use; ``jump-client run`` runs the code ``current`` points to. A bundle whose hash does not
match is thrown away and the running version stays.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import urllib.request
import zipfile
from pathlib import Path

from jump_client.config import ClientConfig


class UpgradeFailed(Exception):
    pass


def fetch(config: ClientConfig) -> bytes:
    """Download the bundle; the credentials go in a header (an address may end up in logs)."""
    pair = f"{config.jump_client_id}:{config.secret}".encode()
    request = urllib.request.Request(
        f"{config.appliance.rstrip('/')}/api/agent/v1/bundle",
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
    )
    with urllib.request.urlopen(request, timeout=600) as answer:  # noqa: S310
        data: bytes = answer.read()
        return data


def install_bundle(directory: Path, version: str, data: bytes, sha256: str) -> Path:
    """Check, unpack and switch ``current`` to ``version``; return the new code's path."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256.lower():
        raise UpgradeFailed(
            "the bundle's sha256 does not match what the appliance announced; "
            "the running version stays"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _switch_to(directory, version, archive, archive.namelist())
    except zipfile.BadZipFile:
        raise UpgradeFailed("the bundle is not a readable zip archive") from None


def install_code(directory: Path, version: str, installer_file: Path) -> Path:
    """Lay down the client's code carried by a downloaded installer as ``version`` and point
    ``current`` at it (as an upgrade does), so the installed client runs without the installer
    and without anything installed system-wide. Only the code: not the installer's
    ``__main__.py``, which carries its key."""
    try:
        with zipfile.ZipFile(installer_file) as archive:
            members = [
                name for name in archive.namelist() if name.split("/", 1)[0] in CODE_PACKAGES
            ]
            return _switch_to(directory, version, archive, members)
    except (zipfile.BadZipFile, OSError):
        raise UpgradeFailed("the installer's code cannot be read from it") from None


#: the packages a client's code is made of (the installer and the bundle carry them)
CODE_PACKAGES = ("jump_client", "domain")


def _switch_to(directory: Path, version: str, archive: zipfile.ZipFile, members: list[str]) -> Path:
    """Unpack ``members`` of ``archive`` as ``versions/<version>`` and switch ``current`` to
    it atomically: the client runs either the old or the new version."""
    if not version or "/" in version or version.startswith("."):
        raise UpgradeFailed(f"'{version}' is not a version this client can install")
    for member in members:
        if member.startswith("/") or ".." in Path(member).parts:
            raise UpgradeFailed("the bundle holds a path outside its own folder")
    versions = directory / "versions"
    target = versions / version
    staging = versions / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        archive.extractall(staging, members)
    except (zipfile.BadZipFile, OSError):
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    link = directory / "current"
    fresh = directory / ".current.new"
    if fresh.is_symlink() or fresh.exists():
        fresh.unlink()
    os.symlink(target.relative_to(directory), fresh)
    os.replace(fresh, link)
    return target
