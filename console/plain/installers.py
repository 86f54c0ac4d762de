"""Plain mode's installers, for those the appliance lets manage them: ``installers`` numbers
them; ``installer N extend|email|download|delete`` acts on one (delete is confirmed);
``deploy`` creates one, a question per field of the full screen's wizard, each checked with
the model the appliance checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from console import transfers
from console.plain.ask import Cancelled, ask, choose, confirm, objection, parser_check
from console.words import delete_installer_question
from domain import Installer, InstallerCreate, JumpGroupType
from domain.enums import InstallerConnectionType, StartMode
from domain.install_usage import PLATFORM, usage_plain
from domain.installer import parse_duration
from domain.mail import parse_recipients
from domain.wording import INSTALLERS_REFUSED, until

if TYPE_CHECKING:
    from console.plain.console import PlainConsole

ACTIONS = ("usage", "extend", "email", "download", "link", "key", "delete")


async def command(con: PlainConsole, verb: str, rest: list[str]) -> None:
    if con.session is None or not con.session.manages_installers:
        con.say(INSTALLERS_REFUSED)
        return
    if verb == "installers":
        await list_installers(con)
    elif verb == "deploy":
        await deploy(con)
    else:
        await one(con, rest)


def _group(con: PlainConsole, inst: Installer) -> str:
    return con.store.group_label((inst.jump_group_type, inst.jump_group_id))


def _line(con: PlainConsole, n: int, inst: Installer) -> str:
    now = con.clock()
    left = inst.expiration_timestamp - now
    valid = (
        f"expired {until(-left)} ago" if left.total_seconds() <= 0 else f"valid {until(left)} more"
    )
    return (
        f"{n}. {inst.name or 'computer name'}; group {_group(con, inst)}; "
        f"tag {inst.tag or 'none'}; {inst.connection_type.value}; {valid} (until "
        f"{inst.expiration_timestamp:%Y-%m-%d %H:%M} UTC); id {inst.id}"
    )


async def list_installers(con: PlainConsole) -> None:
    con.installers = [i async for i in con.backend.client.installers.iter()]
    con.say(f"{len(con.installers)} installers; installer N then {', '.join(ACTIONS)}:")
    for n, inst in enumerate(con.installers, start=1):
        con.say(_line(con, n, inst))


async def one(con: PlainConsole, rest: list[str]) -> None:
    """``installer N ACTION`` (or ``installer ACTION N``)."""
    number = next((w for w in rest if w.isdigit()), "")
    action = next((w.lower() for w in rest if not w.isdigit()), "")
    if not con.installers:
        con.installers = [i async for i in con.backend.client.installers.iter()]
    count = len(con.installers)
    if not number or not 1 <= int(number) <= count or action not in ACTIONS:
        con.say(
            f"Say installer, the number of one (1 to {count}; say installers) and one of "
            f"{', '.join(ACTIONS)}: for example installer 1 extend."
        )
        return
    inst = con.installers[int(number) - 1]
    name = inst.name or "(computer name)"
    client = con.backend.client
    expired = inst.expiration_timestamp <= con.clock()
    if expired and action in ("email", "download"):
        doing = "e-mailing it" if action == "email" else "downloading it"
        con.say(
            f"This installer has expired; extend it (installer {number} extend) before {doing}."
        )
        return
    match action:
        case "extend":
            minutes = parse_duration(
                await ask(
                    con,
                    f"Extend '{name}': valid for how long from now? 10 minutes to 1 year, like "
                    "30m, 12h, 7d or 52w (Enter cancels): ",
                    parser_check(parse_duration),
                )
            )
            await client.installers.extend(inst.id, minutes)
            con.installers = []  # its expiry changed: listed again when asked
            con.say(f"Extended the installer '{name}' to {until_minutes(minutes)} from now.")
        case "link":
            link = client.installer_link(inst.installer_id, PLATFORM)
            con.say(
                f"The direct download link (anyone with it can download until the installer "
                f"expires): {link}"
                if not expired
                else f"This installer has expired: its link downloads nothing until you extend "
                f"it (installer {number} extend). The link: {link}"
            )
        case "key":
            con.say(f"Installer key: {inst.installer_id}")
        case "usage":  # the installer view's text, word for word
            for line in usage_plain(inst, inst.installer_id, client.base_url).splitlines():
                con.say(line)
        case "email":
            text = await ask(
                con,
                f"E-mail the installer '{name}' to which addresses, separated by commas? "
                "(The appliance sends its direct link; Enter cancels): ",
                parser_check(parse_recipients),
            )
            con.say(await client.email_installer(inst.id, parse_recipients(text)))
        case "download":
            folder = transfers.default_folder()
            where = await ask(
                con,
                f"Save the {PLATFORM} installer in which folder? (Enter: {folder}): ",
                _folder_check,
                blank=folder,
            )
            data = await client.download_installer(inst.installer_id, PLATFORM)
            target = transfers.free_name(
                Path(where).expanduser(), f"jump-client-installer-{PLATFORM}.pyz"
            )
            try:
                transfers.save_new(target, data)
            except OSError as err:
                con.say(f"The installer could not be saved in {where}: {err.strerror}.")
                return
            con.say(f"Saved the installer to {target} ({transfers.size_text(len(data))}).")
        case _:
            await confirm(con, delete_installer_question(inst, _group(con, inst)))
            await client.installers.delete(inst.id)
            con.installers = []
            con.say("Deleted the installer; its deployed Jump Clients stay.")


def until_minutes(minutes: int) -> str:
    return until(timedelta(minutes=minutes))


def _folder_check(text: str) -> str | None:
    path = Path(text).expanduser()
    if not path.is_dir():
        return f"{path} is not a folder on this machine."
    return None


def _field_check(values: dict[str, Any], field: str) -> Callable[[Any], str | None]:
    """The wizard's rule for one field: the whole installer so far checked by the model the
    appliance checks, and the objection about this field said."""

    def check(value: Any) -> str | None:
        try:
            InstallerCreate.model_validate({**values, field: value})
        except ValidationError as err:
            return objection(err, field)
        return None

    return check


async def _yes_no(con: PlainConsole, question: str, default: bool) -> bool:
    enter = "yes" if default else "no"
    answer = await ask(
        con,
        f"{question} Say yes or no (Enter: {enter}): ",
        lambda t: None if t.lower() in ("yes", "y", "no", "n") else "Say yes or no.",
        blank=enter,
    )
    return answer.lower() in ("yes", "y")


async def deploy(con: PlainConsole) -> None:
    """The mass deployment wizard as questions; ``cancel`` at any of them creates nothing."""
    session = con.session
    if session is None:
        return
    site = session.site
    con.say("New installer: a question per field; cancel at any question creates nothing.")
    values: dict[str, Any] = {}
    groups = sorted(
        session.deploy_groups().items(),
        key=lambda g: (g[0][0] is not JumpGroupType.SHARED, g[1].lower()),
    )
    key = await choose(con, "Jump Group of the deployed clients:", [(n, k) for k, n in groups])
    if key is None:
        raise Cancelled
    values["jump_group_type"], values["jump_group_id"] = key[0].value, key[1]
    values["allow_override_jump_group"] = await _yes_no(
        con, "May an install command line choose another group?", False
    )
    values["valid_duration"] = parse_duration(
        await ask(
            con,
            "Valid for how long? 10 minutes to 1 year, like 30m, 12h, 7d (Enter: 1 day): ",
            parser_check(parse_duration),
            blank="1d",
        )
    )
    for field, label, flag in (
        ("name", "Name (Enter: the computer's name)", "allow_override_name"),
        ("tag", "Tag, up to 64 characters (Enter: none)", "allow_override_tag"),
        ("comments", "Comments, up to 1024 characters (Enter: none)", "allow_override_comments"),
        (
            "public_site_address",
            "Public site address (Enter: the default site)",
            "allow_override_public_site_address",
        ),
    ):
        text = await ask(con, f"{label}: ", _field_check(values, field), blank="")
        values[field] = text if text or field != "public_site_address" else None
        values[flag] = await _yes_no(con, "May an install command line change it?", False)
    jump = [(p.display_name, p.id) for p in site.jump_policies]
    sessions = [(p.display_name, p.id) for p in site.session_policies if p.id >= 2]
    for field, label, choices, flag in (
        ("jump_policy_id", "Jump Policy", jump, "allow_override_jump_policy"),
        (
            "attended_session_policy_id",
            "Session policy, user present",
            sessions,
            "allow_override_attended_session_policy",
        ),
        (
            "unattended_session_policy_id",
            "Session policy, user not present",
            sessions,
            "allow_override_unattended_session_policy",
        ),
    ):
        values[field] = await choose(
            con, f"{label}:", choices, none="none (site default)", blank=None, blank_means="none"
        )
        values[flag] = await _yes_no(con, "May an install command line change it?", False)
    default = site.settings.default_connection_type
    values["connection_type"] = await choose(
        con,
        f"Connection type (the site's default is {default.value}):",
        [("active (stays connected)", "active"), ("passive (checks in)", "passive")],
        blank=default.value,
        blank_means=f"{default.value}",
    )
    jumpoints = [
        (f"{j.name} ({j.address})", j.name) async for j in con.backend.client.jumpoints.iter()
    ]
    values["jumpoint_proxy"] = (
        await choose(
            con,
            "Jumpoint proxy, for networks without direct access:",
            jumpoints,
            none="none (clients connect directly)",
            blank=None,
            blank_means="none",
        )
        if jumpoints
        else None
    )
    minutes = await ask(
        con,
        "Max offline minutes, 0 follows the site settings (Enter: 0): ",
        lambda t: _field_check(values, "max_offline_minutes")(
            int(t) if t.lstrip("-").isdigit() else t
        ),
        blank="0",
    )
    values["max_offline_minutes"] = int(minutes)
    values["allow_override_max_offline_minutes"] = await _yes_no(
        con, "May an install command line change it?", False
    )
    values["elevate_install"] = await _yes_no(con, "Attempt an elevated install?", True)
    values["elevate_prompt"] = await _yes_no(
        con, "Prompt for elevation credentials if needed?", True
    )
    values["customer_client_start_mode"] = await choose(
        con,
        "End-user client at session start:",
        [(mode.value, mode.value) for mode in StartMode],
        blank=StartMode.NORMAL.value,
        blank_means="normal",
    )
    InstallerCreate.model_validate(values)  # each answer was checked; the whole is too
    created = await con.backend.client.installers.create(values)
    con.installers = []
    con.say(
        f"Created the installer '{created.name or '(computer name)'}' (id {created.id}) for "
        f"{con.store.group_label((created.jump_group_type, created.jump_group_id))}, "
        f"{InstallerConnectionType(created.connection_type).value}, valid until "
        f"{created.expiration_timestamp:%Y-%m-%d %H:%M} UTC. Its direct link: "
        f"{con.backend.client.installer_link(created.installer_id, PLATFORM)}"
    )
    for line in usage_plain(created, created.installer_id, con.backend.client.base_url).split("\n"):
        con.say(line)
