"""File transfer on the endpoint, within the session policy's permissions and folders."""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from domain.session import MAX_TRANSFER_BYTES as MAX_BYTES


class TransferRefused(ValueError):
    pass


def _confined(path: str, roots: list[str]) -> Path:
    if not path.startswith("/"):
        raise TransferRefused("the path must be absolute")
    target = Path(os.path.realpath(path))  # symlinks resolved: no way out of the roots
    if roots and not any(
        target == Path(os.path.realpath(r)) or Path(os.path.realpath(r)) in target.parents
        for r in roots
    ):
        raise TransferRefused(
            f"{path} is outside the folders this session may use ({', '.join(roots)})"
        )
    return target


def download(permissions: dict[str, Any], path: str) -> dict[str, Any]:
    if not permissions.get("file_transfer_download"):
        raise TransferRefused("the session policy does not allow downloading files")
    target = _confined(path, list(permissions.get("file_transfer_paths") or []))
    if not target.is_file():
        raise TransferRefused(f"{path} is not a file")
    if target.stat().st_size > MAX_BYTES:
        raise TransferRefused(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return {"data": base64.b64encode(target.read_bytes()).decode(), "size": target.stat().st_size}


def upload(permissions: dict[str, Any], path: str, data_b64: str) -> dict[str, Any]:
    if not permissions.get("file_transfer_upload"):
        raise TransferRefused("the session policy does not allow uploading files")
    target = _confined(path, list(permissions.get("file_transfer_paths") or []))
    data = base64.b64decode(data_b64, validate=True)
    if len(data) > MAX_BYTES:
        raise TransferRefused(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if target.is_dir():
        raise TransferRefused(f"{path} is a folder; name the file to write in it")
    if not target.parent.is_dir():
        raise TransferRefused(f"the folder {target.parent} does not exist")
    fd, staging = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:  # written whole, then renamed: never half a file
            handle.write(data)
        os.replace(staging, target)
    except BaseException:  # nothing is left behind: not even the staging file
        with contextlib.suppress(OSError):
            os.unlink(staging)
        raise
    return {"size": len(data)}
