"""For site administrators: the audit log, the site's settings, the installers."""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, datetime
from typing import Any

from api_client import (
    ApplianceClient,
)
from console.audit_view import COLUMNS, entry_cells
from console.cli.common import (
    OK,
    CliError,
    Out,
    table,
)
from console.cli.items import group_names, resolve
from domain.audit import AuditFilter, actions_named, parse_when


async def cmd_audit(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if not 0 < args.limit <= 100_000:
        raise CliError("--limit takes a number from 1 to 100000.")
    now = datetime.now(UTC)
    try:
        if args.action is not None:
            actions_named(args.action)
        since = parse_when(args.since, now) if args.since is not None else None
        until = parse_when(args.until, now) if args.until is not None else None
    except ValueError as err:
        raise CliError(str(err)) from None
    item_id = None
    if args.item is not None:
        item_id = int(args.item) if args.item.isdigit() else (await resolve(client, args.item)).id
    filters = AuditFilter(item_id, args.actor, args.action, since, until)
    entries = []
    pages = client.iter_audit(filters, per_page=max(5, min(args.limit, 100)))
    async with contextlib.aclosing(pages):
        async for entry in pages:
            entries.append(entry)
            if len(entries) >= args.limit:
                break
    rows = [entry_cells(e) for e in entries]
    out.emit(entries, table(rows, COLUMNS) if rows else "No audit entry matches.")
    return OK


def _setting_value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered.lstrip("-").isdigit():
        return int(lowered)
    if "," in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text.strip()


async def cmd_settings(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if args.action == "get":
        current = (await client.settings()).model_dump(mode="json")
        if args.key:
            if args.key not in current:
                raise CliError(
                    f"'{args.key}' is not a setting; the settings are {', '.join(current)}."
                )
            out.emit({args.key: current[args.key]}, f"{args.key} = {current[args.key]}")
            return OK
        width = max(len(k) for k in current)
        out.emit(current, "\n".join(f"{k.ljust(width)}  {v}" for k, v in current.items()))
        return OK
    changes: dict[str, Any] = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"'{pair}' is not KEY=VALUE.")
        changes[key.strip()] = _setting_value(value)
    if "statistics" in changes and not isinstance(changes["statistics"], list):
        changes["statistics"] = [changes["statistics"]]
    saved = await client.update_settings(changes)
    out.emit(saved, f"Saved {', '.join(sorted(changes))}.")
    return OK


async def cmd_installers(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    api = client.installers
    if args.action == "ls":
        found = [i async for i in api.iter()]
        rows = [
            [
                str(i.id),
                i.name or "(computer name)",
                str(i.jump_group_id),
                i.tag,
                i.connection_type.value,
                str(i.expiration_timestamp)[:16],
            ]
            for i in found
        ]
        header = ("id", "name", "group", "tag", "connection", "expires (UTC)")
        out.emit(found, table(rows, header) if rows else "No installer.")
        return OK
    if args.action == "create":
        groups = {name.lower(): gid for gid, name in (await group_names(client)).items()}
        gid = int(args.group) if args.group.isdigit() else groups.get(args.group.lower())
        if gid is None:
            raise CliError(f"No shared Jump Group is called '{args.group}'.")
        body: dict[str, Any] = {
            "jump_group_id": gid,
            "name": args.name,
            "tag": args.tag,
            "comments": args.comments,
            "valid_duration": args.valid_minutes,
            "connection_type": "passive" if args.passive else "active",
        }
        for field in (f.strip() for f in args.allow_override.split(",") if f.strip()):
            body[f"allow_override_{field.replace('-', '_')}"] = True
        created = await api.create(body)
        out.emit(created, f"Created installer {created.id}; key {created.installer_id}.")
        return OK
    if args.action == "extend":
        extended = await api.extend(args.id, args.minutes)
        out.emit(extended, f"Installer {args.id} now expires {extended.expiration_timestamp}.")
        return OK
    if args.action == "delete":
        await api.delete(args.id)
        out.emit(
            {"id": args.id, "deleted": True}, f"Deleted installer {args.id}; its clients stay."
        )
        return OK
    installer = await api.get(args.id)
    data = await client.download_installer(installer.installer_id)
    target = args.to / "jump-client-installer-linux-64.pyz"
    if target.exists():
        raise CliError(f"{target} exists; choose another folder with --to.")
    try:
        target.write_bytes(data)
    except OSError as err:
        raise CliError(f"The installer cannot be saved to {target}: {err.strerror}.") from None
    out.emit({"id": args.id, "path": str(target), "size": len(data)}, f"Saved {target}.")
    return OK
