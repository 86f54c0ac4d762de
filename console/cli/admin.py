"""For site administrators: the audit log and the site's settings."""

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
    not_one_of,
    table,
)
from console.cli.items import resolve
from domain import JumpClientSettings
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


#: the site's Jump Client settings, by the names the Config API gives them
SETTINGS: tuple[str, ...] = tuple(JumpClientSettings.model_fields)


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
                raise not_one_of(args.key, "a setting", "the settings", SETTINGS)
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
        if key.strip() not in SETTINGS:  # before anything is sent: the appliance would not say
            raise not_one_of(key.strip(), "a setting", "the settings", SETTINGS)
        changes[key.strip()] = _setting_value(value)
    if "statistics" in changes and not isinstance(changes["statistics"], list):
        changes["statistics"] = [changes["statistics"]]
    saved = await client.update_settings(changes)
    out.emit(saved, f"Saved {', '.join(sorted(changes))}.")
    return OK
