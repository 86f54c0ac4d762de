"""``jump-console installers``: the Jump Client installers, as the TUI's installer screens and
mass deployment wizard handle them (list, show with the key and link, create with every field,
extend, e-mail, download, delete). Groups and policies are named as the console names them;
expired installers are marked (the appliance refuses to e-mail or serve one until extended).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from api_client import ApplianceClient
from console.cli.common import OK, CliError, Out, confirm, not_one_of, pick, table
from console.cli.items import find_group, group_labels, policy_choices
from console.installer_text import (
    OVERRIDES,
    Names,
    detail_rows,
    elevation_text,
    expires_text,
    is_expired,
)
from console.words import delete_installer_question
from domain.install_usage import PLATFORM, usage_plain
from domain.mail import parse_recipients


async def _names(client: ApplianceClient) -> Names:
    site = await client.site()
    return Names(
        await group_labels(client),
        {p.id: p.display_name for p in site.jump_policies},
        {p.id: p.display_name for p in site.session_policies},
    )


async def _ls(client: ApplianceClient, out: Out) -> int:
    found = [i async for i in client.installers.iter()]
    names = await _names(client)
    now = datetime.now(UTC)
    rows = [
        [
            str(i.id),
            i.name or "(computer name)",
            names.group(i),
            i.tag,
            i.connection_type.value,
            names.policy(i.jump_policy_id),
            expires_text(i, now),
            elevation_text(i),
        ]
        for i in found
    ]
    header = ("id", "name", "group", "tag", "connection", "jump policy", "expires", "elevation")
    text = table(rows, header) if rows else "No installer."
    expired = sum(1 for i in found if is_expired(i, now))
    if expired:
        text += (
            f"\n{expired} of {len(found)} expired (marked EXPIRED): they cannot deploy until "
            "extended (jump-console installers extend ID --minutes N)."
        )
    out.emit(found, text)
    return OK


async def _create_body(client: ApplianceClient, args: argparse.Namespace) -> dict[str, Any]:
    """The installer as the options say; what they leave out takes the appliance's default
    (the site's connection type among them)."""
    allowed = [f.strip().replace("-", "_") for f in args.allow_override.split(",") if f.strip()]
    for field in allowed:
        if field not in OVERRIDES:
            raise not_one_of(
                field,
                "a field an installer lets a command line override",
                "those fields",
                OVERRIDES,
            )
    kind, gid = find_group(args.group, await group_labels(client))
    body: dict[str, Any] = {
        "jump_group_type": kind.value,
        "jump_group_id": gid,
        "name": args.name,
        "tag": args.tag,
        "comments": args.comments,
        "valid_duration": args.valid_minutes,
        "elevate_install": not args.no_elevate,
        "elevate_prompt": not args.no_elevate and not args.no_elevate_prompt,
        "customer_client_start_mode": args.start_mode,
        "max_offline_minutes": args.max_offline_minutes,
    }
    connection = "passive" if args.passive else args.connection
    if connection is not None:
        body["connection_type"] = connection
    if args.site is not None:
        body["public_site_address"] = args.site
    if args.jump_policy or args.attended_policy or args.unattended_policy:
        jump, session = await policy_choices(client)
        if args.jump_policy:
            body["jump_policy_id"] = pick(args.jump_policy, jump, "Jump Policy")
        if args.attended_policy:
            body["attended_session_policy_id"] = pick(
                args.attended_policy, session, "session policy"
            )
        if args.unattended_policy:
            body["unattended_session_policy_id"] = pick(
                args.unattended_policy, session, "session policy"
            )
    if args.jumpoint:
        points = {j.id: j async for j in client.jumpoints.iter()}
        chosen = pick(
            args.jumpoint, [(j.id, (j.name, j.address)) for j in points.values()], "Jumpoint"
        )
        body["jumpoint_proxy"] = points[chosen].name  # an installer names its Jumpoint
    for field in allowed:
        body[f"allow_override_{field}"] = True
    return body


async def _create(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    created = await client.installers.create(await _create_body(client, args))
    rows = detail_rows(created, await _names(client), datetime.now(UTC))
    width = max(len(label) for label, _ in rows)
    lines = [f"Created installer {created.id}; key {created.installer_id}."]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    lines += ["", usage_plain(created, created.installer_id, client.base_url)]  # the TUI's text
    out.emit(created, "\n".join(lines))
    return OK


async def _show(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    """Every field, the key, the direct link (which works only while the installer does) and
    the install commands, as the installer view shows them."""
    installer = await client.installers.get(args.id)
    now = datetime.now(UTC)
    rows = detail_rows(installer, await _names(client), now)
    link = client.installer_link(installer.installer_id, PLATFORM)
    warning = " (expired: it works again once extended)" if is_expired(installer, now) else ""
    rows.append(("Direct link", f"{link}{warning}"))
    width = max(len(label) for label, _ in rows)
    document = installer.model_dump(mode="json") | {"link": link}
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    usage = usage_plain(installer, installer.installer_id, client.base_url)
    out.emit(document, "\n".join([*lines, "", usage]))
    return OK


async def _email(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    try:
        recipients = parse_recipients(",".join(args.recipients))
    except ValueError as err:
        raise CliError(f"{str(err).rstrip('.')}.") from None
    installer = await client.installers.get(args.id)  # the appliance refuses an expired one
    said = await client.email_installer(installer.id, recipients, note=args.note)
    said = said or f"E-mailed installer {installer.id}'s link to {', '.join(recipients)}."
    out.emit({"id": installer.id, "recipients": recipients, "message": said}, said)
    return OK


async def _download(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    installer = await client.installers.get(args.id)  # the appliance refuses an expired one
    target = args.to / f"jump-client-installer-{PLATFORM}.pyz"
    if target.exists():
        raise CliError(f"{target} exists; choose another folder with --to.")
    data = await client.download_installer(installer.installer_id, PLATFORM)
    try:
        target.write_bytes(data)
    except OSError as err:
        raise CliError(f"The installer cannot be saved to {target}: {err.strerror}.") from None
    out.emit({"id": args.id, "path": str(target), "size": len(data)}, f"Saved {target}.")
    return OK


async def _delete(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    """Asked first, as the installer list and plain mode ask: its key stops working."""
    installer = await client.installers.get(args.id)
    question = delete_installer_question(installer, (await _names(client)).group(installer))
    if not confirm(question, args.yes):
        out.emit({"id": args.id, "deleted": False}, "Nothing was deleted.")
        return OK
    await client.installers.delete(args.id)
    out.emit({"id": args.id, "deleted": True}, f"Deleted installer {args.id}; its clients stay.")
    return OK


async def cmd_installers(client: ApplianceClient, args: argparse.Namespace, out: Out) -> int:
    if args.action == "ls":
        return await _ls(client, out)
    if args.action == "create":
        return await _create(client, args, out)
    if args.action == "extend":
        extended = await client.installers.extend(args.id, args.minutes)
        out.emit(extended, f"Installer {args.id} now expires {extended.expiration_timestamp}.")
        return OK
    if args.action == "show":
        return await _show(client, args, out)
    if args.action == "email":
        return await _email(client, args, out)
    if args.action == "delete":
        return await _delete(client, args, out)
    return await _download(client, args, out)
