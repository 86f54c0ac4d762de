"""The representative's side of a file transfer: checking local paths and saving safely.

No Textual here: the session screen's dialog asks for the paths and calls these checks,
which answer an error sentence (or None), so nothing is sent or overwritten by mistake.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from pathlib import Path

from domain.session import MAX_TRANSFER_BYTES

_MIB = 1024 * 1024


def default_folder() -> str:
    """Where downloads go unless the representative says otherwise."""
    downloads = Path.home() / "Downloads"
    return str(downloads if downloads.is_dir() else Path.cwd())


def remote_target(remote: str, local_file: str) -> str:
    """The endpoint path of an upload: a path ending in ``/`` takes the local file's name."""
    remote = remote.strip()
    return remote + Path(local_file).name if remote.endswith("/") else remote


def local_target(local: str, remote_file: str) -> Path:
    """Where a download is saved: a folder (or a path ending in ``/``) takes the remote name."""
    path = Path(local.strip()).expanduser()
    if local.strip().endswith("/") or path.is_dir():
        return path / posixpath.basename(remote_file.rstrip("/"))
    return path


def check_remote(remote: str) -> str | None:
    remote = remote.strip()
    if not remote:
        return "Give the path on the endpoint."
    if not remote.startswith("/"):
        return "The path on the endpoint must be absolute (start with /)."
    return None


def check_download(remote: str, local: str) -> str | None:
    """Why this download cannot go ahead, or None."""
    error = check_remote(remote)
    if error:
        return error
    if remote.strip().endswith("/"):
        return "Give a file on the endpoint, not a folder."
    if not local.strip():
        return "Give where to save the file on this machine."
    target = local_target(local, remote)
    if not target.parent.is_dir():
        return f"The folder {target.parent} does not exist on this machine."
    if target.exists():
        return f"{target} already exists; choose another name (nothing is overwritten)."
    if not os.access(target.parent, os.W_OK):
        return f"You may not write to {target.parent}."
    return None


def check_upload(local: str, remote: str) -> str | None:
    """Why this upload cannot go ahead, or None."""
    if not local.strip():
        return "Give the file on this machine to send."
    path = Path(local.strip()).expanduser()
    if not path.is_file():
        return f"{path} is not a file on this machine."
    if path.stat().st_size > MAX_TRANSFER_BYTES:
        return f"{path} is larger than {MAX_TRANSFER_BYTES // _MIB} MiB, the most a session sends."
    if not os.access(path, os.R_OK):
        return f"You may not read {path}."
    return check_remote(remote)


def save_new(target: Path, data: bytes) -> None:
    """Write a new file whole (temporary file, then a rename that never replaces one)."""
    fd, staging = tempfile.mkstemp(dir=target.parent, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(staging, target)  # fails if the name was taken meanwhile: nothing overwritten
    finally:
        os.unlink(staging)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < _MIB:
        return f"{size / 1024:.1f} KiB"
    return f"{size / _MIB:.1f} MiB"
