"""The audit log: what the appliance writes down, and how it is read back.

Every audited action is named once, in :data:`AuditAction` (a ``Literal``: the appliance's
``audit()`` takes only these names, so a call with another name fails the type check) and
described once, in :data:`AUDIT_ACTIONS` (who writes it, when, and the detail it keeps). The
README's table, the API's ``action`` filter and the console's filter all read that table.

An entry is :class:`AuditEntry` on the wire (``GET /api/rep/v1/audit``,
``GET /api/rep/v1/jump-items/{id}/audit``, ``GET /api/config/v1/audit``). What an entry says
came from people and endpoints (a name typed at the sign-in, a path, a console user): it is
data, shown through :func:`domain.text.visible`, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, JsonValue

from domain._types import LAZY, UtcDateTime, format_utc
from domain.screen_rules import REFUSED_INPUT_AUDIT_EVERY_S

AuditAction = Literal[
    "login",
    "login.refused",
    "login.locked",
    "session.start",
    "session.refused",
    "session.prompt",
    "session.join",
    "session.invite",
    "session.leave",
    "session.end",
    "session.warning",
    "session.shell",
    "session.screen",
    "session.screenshot",
    "session.system_info",
    "session.download",
    "session.upload",
    "session.screen_input_refused",
    "support.request",
    "wake",
    "wake.refused",
    "upgrade.request",
    "upgrade.refused",
    "jump_item.update",
    "jump_item.copy",
    "jump_item.remove",
    "jump_client.install",
    "jump_client.uninstall",
    "jump_client.lost",
    "jump_client.uninstalled",
    "jump_client.update",
    "jump_client.copy",
    "jump_client.delete",
    "settings.update",
    "smtp.update",
    "installer.create",
    "installer.extend",
    "installer.email",
    "installer.delete",
    "jump_group.create",
    "jump_group.update",
    "jump_group.delete",
    "jump_group.member_add",
    "jump_group.member_update",
    "jump_group.member_remove",
    "user.update",
    "user.delete",
    "team.create",
    "team.update",
    "team.delete",
    "team.member_add",
    "team.member_update",
    "team.member_remove",
    "jump_policy.create",
    "jump_policy.update",
    "jump_policy.delete",
    "jump_policy.schedule",
    "session_policy.create",
    "session_policy.update",
    "session_policy.delete",
    "jumpoint.create",
    "jumpoint.update",
    "jumpoint.delete",
    "jumpoint.user_add",
    "jumpoint.user_remove",
    "demo.seed",
]


@dataclass(frozen=True, slots=True)
class AuditActionInfo:
    """One audited action: when it is written (and by whom), and the detail it keeps."""

    when: str
    detail: tuple[str, ...] = field(default=())


_CONFIG = "an administrator (`rep:NAME`) or API account (`api:ID`) "

#: Every audited action, in the order the README lists them.
AUDIT_ACTIONS: Mapping[AuditAction, AuditActionInfo] = {
    "login": AuditActionInfo("a representative signed in to the console"),
    "login.refused": AuditActionInfo(
        "a console sign-in was refused (the actor is the name as typed; `reason` is `disabled` "
        "for a disabled account)",
        ("reason",),
    ),
    "login.locked": AuditActionInfo(
        "repeated failed sign-ins locked an account or an address (console or Config API)",
        ("locked", "address", "failures", "seconds"),
    ),
    "session.start": AuditActionInfo(
        "a representative started a session",
        ("sid", "present", "session_policy", "reason"),
    ),
    "session.refused": AuditActionInfo("a session start was refused by a rule", ("code", "reason")),
    "session.prompt": AuditActionInfo(
        "the endpoint's present user was asked to allow a session (`what`: `screen` for "
        "screen sharing)",
        ("answer", "what"),
    ),
    "session.join": AuditActionInfo(
        "a representative joined a session already running", ("sid", "owner")
    ),
    "session.invite": AuditActionInfo(
        "a representative invited another to a session", ("sid", "invited")
    ),
    "session.leave": AuditActionInfo("a joined representative left a session", ("sid",)),
    "session.end": AuditActionInfo(
        "a session ended (by its owner, or by `appliance`: window closed, client gone)",
        ("sid", "reason"),
    ),
    "session.warning": AuditActionInfo(
        "`appliance` warned a strict session that its Jump Policy window closes soon",
        ("sid", "minutes"),
    ),
    "session.shell": AuditActionInfo("a representative opened the session's shell", ("sid",)),
    "session.screen": AuditActionInfo(
        "a representative began watching the endpoint's screen", ("sid",)
    ),
    "session.screenshot": AuditActionInfo(
        "a representative saved a screenshot of the endpoint's screen", ("sid",)
    ),
    "session.system_info": AuditActionInfo(
        "a representative read the endpoint's system information", ("sid",)
    ),
    "session.download": AuditActionInfo(
        "a representative downloaded a file from the endpoint", ("sid", "path")
    ),
    "session.upload": AuditActionInfo(
        "a representative uploaded a file to the endpoint", ("sid", "path", "size")
    ),
    "session.screen_input_refused": AuditActionInfo(
        "a representative's keys or clicks on the endpoint's screen were dropped: the session's "
        f"policy does not allow control (at most one entry in {REFUSED_INPUT_AUDIT_EVERY_S:.0f} s "
        "per session and representative; `dropped` counts the inputs since the previous one)",
        ("sid", "screen_sharing", "dropped"),
    ),
    "support.request": AuditActionInfo(
        "the endpoint (`jump_client:ID`) asked for support", ("elevated", "console_user")
    ),
    "wake": AuditActionInfo(
        "a representative had a peer send a wake packet (never the SecureOn password)",
        ("via", "secureon"),
    ),
    "wake.refused": AuditActionInfo("a wake was refused by a rule", ("code",)),
    "upgrade.request": AuditActionInfo("a representative queued an upgrade"),
    "upgrade.refused": AuditActionInfo("an upgrade was refused by a rule", ("code",)),
    "jump_item.update": AuditActionInfo(
        "a representative edited an item's properties (the names of the fields)", ("fields",)
    ),
    "jump_item.copy": AuditActionInfo(
        "a representative copied an item to another group", ("copy_id",)
    ),
    "jump_item.remove": AuditActionInfo("a representative removed an item", ("name",)),
    "jump_client.install": AuditActionInfo(
        "a Jump Client installed from an installer (`installer:ID`)",
        ("hostname", "overrides"),
    ),
    "jump_client.uninstall": AuditActionInfo("a Jump Client uninstalled itself"),
    "jump_client.lost": AuditActionInfo(
        "`system:maintenance` marked an item lost (offline past the site's lost period)",
        ("name",),
    ),
    "jump_client.uninstalled": AuditActionInfo(
        "`system:maintenance` marked uninstalled a client offline past its own limit",
        ("name",),
    ),
    "jump_client.update": AuditActionInfo(
        _CONFIG + "changed an item (the names of the fields)", ("fields",)
    ),
    "jump_client.copy": AuditActionInfo(_CONFIG + "copied an item", ("copy_id",)),
    "jump_client.delete": AuditActionInfo(
        _CONFIG + "deleted an item, or `system:maintenance` did at the deletion period",
        ("name",),
    ),
    "settings.update": AuditActionInfo(
        _CONFIG + "changed the site's Jump Client settings (old → new)", ("changes",)
    ),
    "smtp.update": AuditActionInfo(
        _CONFIG + "changed the SMTP settings (the password only as `changed`)", ("changes",)
    ),
    "installer.create": AuditActionInfo(_CONFIG + "created an installer"),
    "installer.extend": AuditActionInfo(_CONFIG + "extended an installer", ("valid_duration",)),
    "installer.email": AuditActionInfo(_CONFIG + "e-mailed an installer", ("recipients",)),
    "installer.delete": AuditActionInfo(_CONFIG + "deleted an installer"),
    "jump_group.create": AuditActionInfo(_CONFIG + "created a Jump Group"),
    "jump_group.update": AuditActionInfo(_CONFIG + "changed a Jump Group", ("fields",)),
    "jump_group.delete": AuditActionInfo(_CONFIG + "deleted a Jump Group"),
    "jump_group.member_add": AuditActionInfo(
        _CONFIG + "added a member to a Jump Group", ("user_id", "jump_item_role_id")
    ),
    "jump_group.member_update": AuditActionInfo(
        _CONFIG + "changed a member's Jump Item Role", ("user_id", "jump_item_role_id")
    ),
    "jump_group.member_remove": AuditActionInfo(
        _CONFIG + "removed a member from a Jump Group", ("user_id",)
    ),
    "user.update": AuditActionInfo(
        _CONFIG + "changed a representative (disabled, password: the names of the fields)",
        ("fields",),
    ),
    "user.delete": AuditActionInfo(_CONFIG + "deleted a representative"),
    "team.create": AuditActionInfo(_CONFIG + "created a team"),
    "team.update": AuditActionInfo(_CONFIG + "changed a team", ("fields",)),
    "team.delete": AuditActionInfo(_CONFIG + "deleted a team"),
    "team.member_add": AuditActionInfo(_CONFIG + "added a member to a team", ("user_id", "role")),
    "team.member_update": AuditActionInfo(
        _CONFIG + "changed a member's role or team", ("user_id", "role", "team_id")
    ),
    "team.member_remove": AuditActionInfo(_CONFIG + "removed a member from a team", ("user_id",)),
    "jump_policy.create": AuditActionInfo(_CONFIG + "created a Jump Policy"),
    "jump_policy.update": AuditActionInfo(_CONFIG + "changed a Jump Policy", ("fields",)),
    "jump_policy.delete": AuditActionInfo(_CONFIG + "deleted a Jump Policy"),
    "jump_policy.schedule": AuditActionInfo(
        _CONFIG + "replaced a Jump Policy's schedule", ("entries", "timezone")
    ),
    "session_policy.create": AuditActionInfo(_CONFIG + "created a session policy"),
    "session_policy.update": AuditActionInfo(_CONFIG + "changed a session policy", ("fields",)),
    "session_policy.delete": AuditActionInfo(_CONFIG + "deleted a session policy"),
    "jumpoint.create": AuditActionInfo(_CONFIG + "registered a Jumpoint"),
    "jumpoint.update": AuditActionInfo(_CONFIG + "changed a Jumpoint", ("fields",)),
    "jumpoint.delete": AuditActionInfo(_CONFIG + "deleted a Jumpoint"),
    "jumpoint.user_add": AuditActionInfo(_CONFIG + "let a user use a Jumpoint", ("user_id",)),
    "jumpoint.user_remove": AuditActionInfo(
        _CONFIG + "took a Jumpoint away from a user", ("user_id",)
    ),
    "demo.seed": AuditActionInfo("`demo` seeded the demo site", ("clients",)),
}

#: every action name, in the table's order
ACTION_NAMES: tuple[AuditAction, ...] = get_args(AuditAction)


def audit_action(name: str) -> AuditAction:
    """``name`` as an audited action (for names made from parts, checked where they are
    made: at import, never per request). ``ValueError`` if the table does not hold it."""
    for known in ACTION_NAMES:
        if known == name:
            return known
    raise ValueError(f"'{name}' is not an audited action; add it to domain.audit first.")


def action_family(name: str) -> str:
    """``session`` of ``session.start``; ``wake`` of ``wake`` and of ``wake.refused``."""
    return name.partition(".")[0]


#: the families (the part before the dot), in the table's order
ACTION_FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(action_family(n) for n in ACTION_NAMES))


def actions_named(text: str) -> tuple[AuditAction, ...]:
    """The actions ``text`` names: one action (``session.start``) or a family (``session``:
    every ``session.*``). ``ValueError`` with a sentence for anything else."""
    wanted = text.strip().lower()
    exact = [n for n in ACTION_NAMES if n == wanted]
    if exact:
        family = [n for n in ACTION_NAMES if action_family(n) == wanted]
        return tuple(family) if family else tuple(exact)
    family = [n for n in ACTION_NAMES if action_family(n) == wanted]
    if family:
        return tuple(family)
    raise ValueError(
        f"'{text}' is not an audited action; give one such as session.start, or a family: "
        f"{', '.join(ACTION_FAMILIES)}."
    )


# -- an entry ------------------------------------------------------------------------------------

#: how an item is named as an audit target (and as an actor: an endpoint asking for support)
ITEM_TARGET = "jump_client:"


def item_target(item_id: int) -> str:
    return f"{ITEM_TARGET}{item_id}"


def item_of_target(target: str) -> int | None:
    """The Jump Item an entry is about (None when it is about something else)."""
    rest = target.removeprefix(ITEM_TARGET)
    return int(rest) if rest != target and rest.isdigit() and len(rest) < 19 else None


class AuditEntry(BaseModel):
    """One audit row as the APIs answer it, newest first."""

    model_config = LAZY

    id: int
    at: UtcDateTime
    actor: str
    """Who: a representative's name, ``rep:NAME`` or ``api:ID`` on the Config API,
    ``system:maintenance``, ``appliance``, ``jump_client:ID``, ``installer:ID``, ``demo``."""
    action: str
    """One of :data:`ACTION_NAMES` (an older or newer appliance may have written others)."""
    target: str
    """What it is about: ``jump_client:ID``, ``installer:ID``, ``jump_group:ID``, ``rep_api``..."""
    item_id: int | None = None
    """The Jump Item of a ``jump_client:ID`` target."""
    item_name: str | None = None
    """That item's name now (or as it was removed); None when unknown."""
    detail: dict[str, JsonValue] = {}
    """What the action kept, as :data:`AUDIT_ACTIONS` lists it."""


#: Detail that names what a representative who sees only the item may not see: the peer that
#: relayed a wake (it may sit in a list they cannot see) and the id of a copy (likewise).
ADMIN_ONLY_DETAIL = frozenset({"via", "copy_id"})


def for_item_viewer(entry: AuditEntry) -> AuditEntry:
    """``entry`` as a representative who sees its item (not the whole site) may read it."""
    if not ADMIN_ONLY_DETAIL & entry.detail.keys():
        return entry
    kept = {k: v for k, v in entry.detail.items() if k not in ADMIN_ONLY_DETAIL}
    return entry.model_copy(update={"detail": kept})


#: The refusal of the whole log to a representative who is not a site administrator.
AUDIT_FOR_ADMINS = (
    "The audit log is for site administrators; an item's own history is in its details."
)

#: How many entries an item's history answers at most (its details show the newest few).
ITEM_HISTORY_MAX = 50


# -- reading it: the filter of the console and the command line ------------------------------

_RELATIVE = re.compile(r"^(\d{1,6})\s*(s|m|min|h|d|w)$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(text: str, now: datetime) -> datetime:
    """A moment: ``2h``, ``30m``, ``7d`` ago, or an ISO date or date-time (without a zone it
    is UTC). ``ValueError`` with a sentence for anything else."""
    raw = text.strip()
    relative = _RELATIVE.match(raw.lower())
    if relative:
        return now - timedelta(seconds=int(relative[1]) * _UNITS[relative[2]])
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a time; give 2h, 30m or 7d (ago), or 2026-11-24T10:00Z."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def wire_time(moment: datetime) -> str:
    """A moment as the API's query takes it (``Z``: a ``+`` would be read as a space)."""
    return format_utc(moment).replace("+00:00", "Z")


FILTER_KEYS = ("actor", "action", "item", "since", "until")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to read of the log: all of it, or what matches every given term."""

    item_id: int | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict[str, str | int]:
        """The API's query parameters."""
        params: dict[str, str | int] = {}
        if self.item_id is not None:
            params["item_id"] = self.item_id
        if self.actor:
            params["actor"] = self.actor
        if self.action:
            params["action"] = self.action
        if self.since is not None:
            params["since"] = wire_time(self.since)
        if self.until is not None:
            params["until"] = wire_time(self.until)
        return params


def parse_audit_filter(text: str, now: datetime) -> AuditFilter:
    """``actor:bob action:session item:42 since:2h until:2026-11-24T10:00Z`` (any order, each
    at most once; empty: everything). ``ValueError`` with a sentence for anything else."""
    found: dict[str, str] = {}
    for word in text.split():
        key, sep, value = word.partition(":")
        key = key.lower()
        if not sep or key not in FILTER_KEYS or not value:
            raise ValueError(
                f"'{word}' is not a filter term; use {', '.join(k + ':' for k in FILTER_KEYS)} "
                "(e.g. actor:bob action:session.start item:42 since:2h)."
            )
        if key in found:
            raise ValueError(f"{key}: is given twice; give it once.")
        found[key] = value
    item = found.get("item")
    if item is not None and (not item.isdigit() or not 0 < int(item) < 2**53):
        raise ValueError(f"item:{item} is not a Jump Item id; give its number (item:42).")
    action = found.get("action")
    if action is not None:
        actions_named(action)  # a sentence now, before anything is asked
    return AuditFilter(
        item_id=int(item) if item is not None else None,
        actor=found.get("actor"),
        action=action.lower() if action else None,
        since=parse_when(found["since"], now) if "since" in found else None,
        until=parse_when(found["until"], now) if "until" in found else None,
    )


def detail_text(detail: Mapping[str, JsonValue]) -> str:
    """An entry's detail on one line: ``sid=ab12, reason=ended by bob``; a change is
    ``interval: 30 → 60``. Control characters are left for the output to make visible."""
    parts = []
    for key, value in detail.items():
        parts.append(f"{key}={_value_text(value)}")
    return ", ".join(parts)


def _value_text(value: JsonValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        changes = []
        for key, change in value.items():
            if isinstance(change, list) and len(change) == 2:
                changes.append(f"{key}: {_value_text(change[0])} → {_value_text(change[1])}")
            else:
                changes.append(f"{key}: {_value_text(change)}")
        return "{" + "; ".join(changes) + "}"
    return str(value)
