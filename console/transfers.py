"""The representative's side of a file transfer: checking local paths and saving safely.

No Textual here: the session screen's dialog and plain mode ask for the paths and call these
checks, which answer an error sentence (or None), so nothing is sent or overwritten by mistake;
then :func:`download` or :func:`upload` moves the file and answers what was done, in a sentence.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from domain.session import MAX_TRANSFER_BYTES

if TYPE_CHECKING:
    from api_client import ApplianceClient

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


def check_remote_file(remote: str) -> str | None:
    """Why ``remote`` is not a file on the endpoint to download, or None."""
    error = check_remote(remote)
    if error:
        return error
    if remote.strip().endswith("/"):
        return "Give a file on the endpoint, not a folder."
    return None


def check_download(remote: str, local: str) -> str | None:
    """Why this download cannot go ahead, or None."""
    error = check_remote_file(remote)
    if error:
        return error
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


class TransferFailed(Exception):
    """The file moved, or not, for a reason on this machine: one sentence saying which."""


async def download(
    client: ApplianceClient,
    sid: str,
    remote: str,
    local: str,
    progress: Callable[[str], None] = lambda _line: None,
) -> str:
    """Fetch ``remote`` from the session's endpoint into a new file; what was done, said."""
    target = local_target(local, remote)
    progress(f"Downloading {remote.strip()}…")
    data = await client.download_file(sid, remote.strip())
    try:
        await asyncio.to_thread(save_new, target, data)
    except FileExistsError:
        raise TransferFailed(f"{target} appeared meanwhile; the download was not saved.") from None
    except OSError as err:
        raise TransferFailed(
            f"The download could not be saved to {target}: {err.strerror}."
        ) from None
    return f"Downloaded {remote.strip()} ({size_text(len(data))}) to {target}."


async def upload(
    client: ApplianceClient,
    sid: str,
    local: str,
    remote: str,
    progress: Callable[[str], None] = lambda _line: None,
) -> str:
    """Send the local file to the session's endpoint; what was done, said."""
    source = Path(local.strip()).expanduser()
    target = remote_target(remote, str(source))
    try:
        data = await asyncio.to_thread(source.read_bytes)
    except OSError as err:
        raise TransferFailed(f"{source} could not be read: {err.strerror}.") from None
    progress(f"Uploading {source.name}…")
    await client.upload_file(sid, target, data)
    return f"Uploaded {source} ({size_text(len(data))}) as {target}."


def free_name(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name-2``, ``name-3``... so no file is overwritten."""
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def check_screenshot(local: str) -> str | None:
    """Why ``local`` is not where a screenshot can be saved (a new file, or a folder), or
    None."""
    text = local.strip()
    if not text:
        return "Give the file (or folder) to save the screenshot in."
    path = Path(text).expanduser()
    if path.is_dir() or text.endswith("/"):
        return None if path.is_dir() else f"There is no folder {path}."
    if path.exists():
        return f"{path} exists; give a new file name (nothing is overwritten)."
    if not path.parent.is_dir():
        return f"There is no folder {path.parent}."
    return None


async def screenshot(client: ApplianceClient, sid: str, item_name: str, local: str) -> str:
    """Save a PNG of the session's endpoint's screen in a new file (a folder given takes
    ``screen-ITEM.png``, numbered when taken); what was done, said."""
    problem = check_screenshot(local)
    if problem:
        raise TransferFailed(problem)
    path = Path(local.strip()).expanduser()
    png = await client.screenshot(sid)
    if path.is_dir():
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in item_name) or "endpoint"
        path = free_name(path, f"screen-{safe}.png")
    try:
        await asyncio.to_thread(save_new, path, png)
    except FileExistsError:
        raise TransferFailed(f"{path} appeared meanwhile; the screenshot was not saved.") from None
    except OSError as err:
        raise TransferFailed(
            f"The screenshot could not be saved to {path}: {err.strerror}."
        ) from None
    return f"Saved the screen of {item_name} ({size_text(len(png))}) to {path}."
