"""Sentences every front of the console says (the full screen, plain mode and the
``jump-console`` commands): written once, so a screen-reader user hears what a sighted user
reads and a script gets the same words. No Textual here."""

from __future__ import annotations

from datetime import datetime

from domain import Installer, JumpClient
from domain.protocol.rep import SystemInfo
from domain.session import SessionInfo
from domain.session_policy import ResolvedPermissions
from domain.support import SupportRequest
from domain.wording import removal_outcome, until


def remove_question(item: JumpClient, group: str) -> str:
    """What removing an item is confirmed with: the item, its host and its group by name."""
    return f"Remove the Jump Item '{item.name}' ({item.hostname}) from {group}? " + (
        removal_outcome(item)
    )


NO_SYSTEM_INFO = "The session policy does not allow system information."


def transfer_refusal(permissions: ResolvedPermissions, direction: str) -> str | None:
    """Why the session's policy refuses this transfer (``download`` or ``upload``), or None
    when it allows it."""
    allowed = (
        permissions.file_transfer_download
        if direction == "download"
        else permissions.file_transfer_upload
    )
    return None if allowed else f"The session policy does not allow {direction}ing files."


def system_info_lines(info: SystemInfo) -> list[str]:
    """The endpoint's processes, disks, memory and services, a sentence each."""
    lines = [
        f"System: {info.process_count} processes; memory "
        f"{info.memory_percent}% of {info.memory_total_gb} GB."
    ]
    disks = "; ".join(f"{d.mount} {d.percent}% of {d.total_gb} GB" for d in info.disks[:6])
    if disks:
        lines.append(f"Disks: {disks}.")
    busiest = ", ".join(f"{p.name} ({p.pid}, {p.cpu_percent}% CPU)" for p in info.processes[:5])
    if busiest:
        lines.append(f"Busiest processes: {busiest}.")
    services = info.services
    if services:
        lines.append(
            f"Services: {len(services)} listed; "
            + ", ".join(f"{s.name} {s.state}" for s in services[:5])
            + "."
        )
    return lines


def support_request_line(request: SupportRequest, now: datetime) -> str:
    """One waiting support request: where, who, how long ago, what kind, what they wrote."""
    return (
        f"{request.item_name} — {request.console_user or 'someone'}, "
        f"{until(now - request.requested_at)} ago — "
        f"{'elevated' if request.elevated else 'normal, view only'}"
        + (f" — {request.message[:60]}" if request.message else "")
    )


def copied(name: str, group: str, new_id: int) -> str:
    return f"Copied '{name}' to {group} (new id {new_id})."


def removed(name: str) -> str:
    return f"Removed '{name}'."


def saved_properties(name: str) -> str:
    return f"Saved the properties of '{name}'."


def secureon_hint(how: str) -> str:
    """What the wake dialog asks for (``how``: how the typed password is hidden)."""
    return (
        f"SecureOn password (optional, {how}): 4 or 6 bytes in hex. Enter with nothing typed "
        "sends no password"
    )


def support_started(info: SessionInfo) -> str:
    return f"Support session started on '{info.item_name}' — {info.reason}."


def delete_installer_question(installer: Installer, group: str) -> str:
    """What deleting an installer is confirmed with (its deployed clients stay)."""
    return (
        f"Delete the installer '{installer.name or '(computer name)'}' ({group})? Its key stops "
        "working; Jump Clients it already deployed stay."
    )
