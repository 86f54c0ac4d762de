"""Every field of one Jump Item, in sections: what the TUI's details pane shows and what plain
mode's ``show`` says, line by line (one list, so neither front can leave a field out).

No Textual here: the details pane turns these facts into its widgets' fields; plain mode prints
them as ``Label: value`` lines.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from console.audit_view import entry_cells
from console.explain import ActionState
from domain import JumpClient, SessionPolicy, Statistic, Stats, format_utc, status_of
from domain.audit import AuditEntry
from domain.columns import CRITICAL, WARN
from domain.jump_client import console_user_of
from domain.site import RepSite
from domain.wording import describe_window, until

if TYPE_CHECKING:
    from console.store import ItemStore


@dataclass(frozen=True, slots=True)
class Fact:
    """One field: its label, its value in words, and how it reads ("", "warn", "critical",
    "good", "bad"; the words already say it, the level only colours it)."""

    label: str
    value: str
    level: str = ""


Section = tuple[str, list[Fact]]


def _level(value: float | None, warn: float, critical: float) -> tuple[str, str]:
    if value is None:
        return "not reported", ""
    if value >= critical:
        return f"{value:.0f}% (critical)", "critical"
    if value >= warn:
        return f"{value:.0f}% (high)", "warn"
    return f"{value:.0f}%", ""


def when_text(moment: datetime | None, now: datetime) -> str:
    """``2026-11-24 10:00 UTC (5 min ago)``, or "never"."""
    if moment is None:
        return "never"
    ago = now - moment
    suffix = f"{until(ago)} ago" if ago >= timedelta(0) else f"in {until(-ago)}"
    return f"{format_utc(moment)[:16].replace('T', ' ')} UTC ({suffix})"


def with_live_stats(item: JumpClient, store: ItemStore, row: int) -> JumpClient:
    """``item`` with the statistics the store holds for it (newer than a fetched record)."""
    seen = store.last_seen[row]
    if seen != seen or not item.x_online:  # NaN: no statistics
        return item

    def number(value: float) -> float | None:
        return None if value != value else value

    uptime = number(store.uptime[row])
    stats = Stats(
        cpu_percent=number(store.cpu[row]),
        disk_percent=number(store.disk[row]),
        console_user=store.console_user[row] or None,
        uptime_s=None if uptime is None else int(uptime),
        thumbnail=item.x_stats.thumbnail if item.x_stats else None,
        at=datetime.fromtimestamp(seen, UTC),
    )
    return item.model_copy(update={"x_stats": stats})


def _policy_name(
    policies: dict[int, SessionPolicy], pid: int | None, default: str, label: str
) -> str:
    """The policy's name, without the ``label`` it may start with ("User present: prompt,
    view only" beside the label "User present" reads "prompt, view only"): said once."""
    if pid is None:
        return f"{default} (none set: the site default applies)"
    policy = policies.get(pid)
    if policy is None:
        return f"policy {pid} (not visible)"
    name = policy.display_name
    head, rest = name[: len(label)], name[len(label) :]
    if head.lower() == label.lower() and rest[:1] in (":", " ", "—", "-", ","):
        return rest.lstrip(" :—-,") or name
    return name


def history_facts(entries: Sequence[AuditEntry] | None) -> list[Fact]:
    """One line per entry: when (UTC) as the label, who did what as the value."""
    if entries is None:
        return [Fact("Recent", "loading…")]
    if not entries:
        return [Fact("Recent", "nothing recorded yet")]
    facts = []
    for entry in entries:
        when, actor, action, _item, detail = entry_cells(entry, detail_width=60)
        text = f"{actor}, {action}" + (f"; {detail}" if detail else "")
        facts.append(Fact(when[:16], text))
    return facts


def action_facts(actions: Sequence[ActionState]) -> list[Fact]:
    """What each action would do now: "available" (and what happens), or the reason not."""
    return [
        Fact(
            a.label,
            (f"available — {a.note}" if a.note else "available") if a.available else str(a.reason),
            "good" if a.available else "bad",
        )
        for a in actions
    ]


def _live(item: JumpClient, now: datetime, selected: Collection[Statistic]) -> list[Fact]:
    stats = item.x_stats
    cpu_text, cpu_level = _level(stats.cpu_percent if stats else None, WARN["cpu"], CRITICAL["cpu"])
    disk_text, disk_level = _level(
        stats.disk_percent if stats else None, WARN["disk"], CRITICAL["disk"]
    )
    # the same person as the list's User column: its live value, else the item's record
    user = (stats.console_user if stats else None) or console_user_of(item)
    facts = (
        (Statistic.CPU, Fact("CPU", cpu_text, cpu_level)),
        (Statistic.DISK_USAGE, Fact("Disk (system)", disk_text, disk_level)),
        (Statistic.CONSOLE_USER, Fact("Console user", user or "nobody logged in")),
        (
            Statistic.UPTIME,
            Fact(
                "Uptime",
                until(timedelta(seconds=stats.uptime_s))
                if stats and stats.uptime_s is not None
                else "not reported",
            ),
        ),
    )
    # what the site does not select has no line (no blank)
    return [fact for statistic, fact in facts if statistic in selected] + [
        Fact("Reported", when_text(stats.at, now) if stats else "no statistics yet")
    ]


def _connection(item: JumpClient, now: datetime, stale: str | None) -> list[Fact]:
    return [
        Fact(
            "Status",
            status_of(item).word + (" (last known)" if stale else ""),
            "good" if item.x_online and not stale else "bad",
        ),
        Fact("Connection type", item.connection_type.value),
        Fact("Install mode", item.install_mode.value),
        Fact("Version", item.x_version or "unknown", "warn" if item.needs_update else ""),
        Fact("Needs update", "yes" if item.needs_update else "no"),
        Fact("Disabled by user", "yes" if item.unavailable_reason.value == "disabled" else "no"),
        Fact("In session with", ", ".join(item.x_in_session_by) or "nobody"),
        Fact("Last connect", when_text(item.last_connect_timestamp, now)),
        Fact("Last disconnect", when_text(item.last_disconnect_timestamp, now)),
        Fact("Last access", when_text(item.last_access_timestamp, now)),
        Fact("Operating system", item.operating_system or "unknown"),
        Fact("Public IP", item.public_ip or "unknown"),
        Fact("Private IP", item.private_ip or "unknown"),
        Fact(
            "Gateway",
            f"{item.x_gateway.ip} ({item.x_gateway.mac or 'MAC unknown'})"
            if item.x_gateway
            else "unknown",
        ),
        Fact("MAC", item.x_mac or "unknown"),
        Fact("Public site", item.public_site_address),
        Fact("Start mode", item.customer_client_start_mode.value),
        Fact(
            "Max offline",
            f"{item.max_offline_minutes} min" if item.max_offline_minutes else "site setting",
        ),
        Fact(
            "Expires",
            when_text(item.expiration_timestamp, now) if item.expiration_timestamp else "never",
        ),
    ]


def _rules(item: JumpClient, site: RepSite, now: datetime) -> list[Section]:
    policies = {p.id: p for p in site.jump_policies}
    policy = policies.get(item.jump_policy_id or 0)
    is_open, sentence = describe_window(policy, policy.schedule if policy else None, now)
    rules = [Fact("Window", sentence, "good" if is_open else "bad")]
    if policy is not None:
        rules.append(Fact("Simultaneous jumps", policy.simultaneous_jumps.value))
    sessions = {p.id: p for p in site.session_policies}
    for label, pid in (
        ("User present", item.attended_session_policy_id),
        ("User not present", item.unattended_session_policy_id),
    ):
        rules.append(Fact(label, _policy_name(sessions, pid, "Site default", label)))
    sections: list[Section] = [("Policies", rules)]
    if item.is_lost:
        since = item.last_disconnect_timestamp or item.last_connect_timestamp
        if since is not None:
            deletion = since + timedelta(days=site.settings.days_before_deleted)
            lost = Fact("Lost", f"scheduled for deletion {when_text(deletion, now)}", "bad")
            sections.append(("Maintenance", [lost]))
    return sections


def item_sections(
    item: JumpClient,
    *,
    group_label: str,
    site: RepSite | None,
    now: datetime,
    actions: Sequence[ActionState] = (),
    stale: str | None = None,
    history: Sequence[AuditEntry] | None = None,
) -> list[Section]:
    """Every field of ``item`` in its sections, in the order both fronts show them.
    ``stale``: when the appliance was last heard (HH:MM) while it cannot be reached: then
    nothing is claimed live or available; ``history``: its newest audit entries (None: not
    fetched yet)."""
    identity = [
        Fact("Name", item.name),
        Fact("Hostname", item.hostname),
        Fact("FQDN", item.fqdn),
        Fact("Group", group_label),
        Fact("Tag", item.tag or "none"),
        Fact("Comments", item.comments or "none"),
        Fact("Jump Item id", str(item.id)),
    ]
    if item.x_demo:
        identity.append(Fact("Data", "demo (simulated)", "warn"))
    sections: list[Section] = []
    if stale is not None:
        unreachable = "not now — the appliance cannot be reached (r tries again now)"
        sections.append(
            (
                "Appliance",
                [Fact("Data", f"stale — last heard {stale}", "bad")]
                + [Fact(a.label, unreachable, "bad") for a in actions],
            )
        )
    elif actions:
        sections.append(("Actions", action_facts(actions)))
    selected = site.settings.statistics if site is not None else list(Statistic)
    sections += [("Identity", identity), ("Live statistics", _live(item, now, selected))]
    if site is not None:
        sections += _rules(item, site, now)
    sections.append(("Connection", _connection(item, now, stale)))
    sections.append(("History", history_facts(history)))
    return sections
