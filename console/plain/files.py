"""Plain mode's file transfer and system information, in the current session (the one last
started, joined or chosen with ``shell N``): the session screen's dialogs as questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console import transfers
from console.plain.ask import ask
from console.words import NO_SYSTEM_INFO, system_info_lines, transfer_refusal
from domain.session import MAX_TRANSFER_BYTES, SessionInfo
from domain.wording import screen_refusal

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


def _current(con: PlainConsole) -> SessionInfo | None:
    info = con.desk.current_session()
    if info is None:
        con.say("You are in no session; say jump N to start one.")
    return info


async def transfer(con: PlainConsole, direction: str) -> None:
    """``download`` or ``upload``: the paths are asked for and checked as the dialog does."""
    info = _current(con)
    if info is None:
        return
    permissions = info.permissions
    refusal = transfer_refusal(permissions, direction)
    if refusal is not None:
        con.say(refusal)
        return
    folders = permissions.file_transfer_paths
    where = (
        f"Allowed folders on the endpoint: {', '.join(folders)}."
        if folders
        else "Any folder on the endpoint the client's user may use."
    )
    remote_start = folders[0].rstrip("/") + "/" if folders else "/"
    client = con.backend.client
    if direction == "download":
        con.say(f"Download a file from {info.item_name}. {where} Nothing here is overwritten.")
        remote = await ask(
            con,
            "File on the endpoint, an absolute path (Enter cancels): ",
            transfers.check_remote_file,
        )
        folder = transfers.default_folder() + "/"
        local = await ask(
            con,
            f"Save to, a folder or a new file on this machine (Enter: {folder}): ",
            lambda text: transfers.check_download(remote, text),
            blank=folder,
        )
        error = transfers.check_download(remote, local)  # (the folder given by Enter too)
        if error:
            con.say(error)
            return
        line = await transfers.download(client, info.sid, remote, local, con.say)
    else:
        most = MAX_TRANSFER_BYTES // (1024 * 1024)
        con.say(f"Upload a file to {info.item_name}. {where} At most {most} MiB.")
        local = await ask(
            con,
            "File on this machine to send (Enter cancels): ",
            lambda text: transfers.check_upload(text, remote_start),
        )
        remote = await ask(
            con,
            f"Save on the endpoint as, a path ending in / keeps the name (Enter: {remote_start}): ",
            transfers.check_remote,
            blank=remote_start,
        )
        line = await transfers.upload(client, info.sid, local, remote, con.say)
    con.say(line)


async def screenshot(con: PlainConsole, rest: list[str]) -> None:
    """``screenshot [N] PATH``: a PNG of session N's screen (the current one by default)."""
    chosen = list(con.sessions.values())
    current = con.desk.current_session()
    numbered = len(rest) > 1 and rest[0].isdigit()
    index = int(rest[0]) - 1 if numbered else (chosen.index(current) if current else -1)
    path = " ".join(rest[1:] if numbered else rest)
    if not 0 <= index < len(chosen):
        con.say("You are in no session with that number; say sessions.")
        return
    if not path:
        con.say("Say screenshot N PATH: the session's number and a new PNG file or a folder.")
        return
    info = chosen[index]
    refusal = screen_refusal(info.permissions.screen_sharing)
    if refusal is not None:
        con.say(refusal)
        return
    try:
        con.say(await transfers.screenshot(con.backend.client, info.sid, info.item_name, path))
    except transfers.TransferFailed as err:
        con.say(str(err))


async def system_info(con: PlainConsole) -> None:
    """The endpoint's processes, disks, memory and services (session policy permitting)."""
    info = _current(con)
    if info is None:
        return
    if not info.permissions.system_info:
        con.say(NO_SYSTEM_INFO)
        return
    for line in system_info_lines(await con.backend.client.system_info(info.sid)):
        con.say(line)
