"""What the details pane shows for one item: every field, live statistics, the rules."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from console.audit_view import entry_cells
from console.explain import ActionState
from domain import JumpClient, SessionPolicy, Statistic, Stats, format_utc, status_of
from domain.audit import AuditEntry
from domain.protocol.live import StatsRow
from domain.site import RepSite
from domain.wording import describe_window, until
from widgets import DetailField, DetailsView
from widgets.jump_table import CRITICAL, WARN

if TYPE_CHECKING:
    from console.store import ItemStore


def _level(value: float | None, warn: float, critical: float) -> tuple[str, str]:
    if value is None:
        return "not reported", ""
    if value >= critical:
        return f"{value:.0f}% (critical)", "critical"
    if value >= warn:
        return f"{value:.0f}% (high)", "warn"
    return f"{value:.0f}%", ""


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    ago = now - moment
    suffix = f"{until(ago)} ago" if ago >= timedelta(0) else f"in {until(-ago)}"
    return f"{format_utc(moment)[:16].replace('T', ' ')} UTC ({suffix})"


class HistoryBook:
    """Recent CPU and disk samples of the items a representative looked at (bounded)."""

    def __init__(self, *, items: int = 200, samples: int = 60) -> None:
        self._items = items
        self._samples = samples
        self._book: OrderedDict[int, tuple[deque[float], deque[float]]] = OrderedDict()

    def watch(self, item_id: int) -> None:
        if item_id in self._book:
            self._book.move_to_end(item_id)
            return
        self._book[item_id] = (deque(maxlen=self._samples), deque(maxlen=self._samples))
        while len(self._book) > self._items:
            self._book.popitem(last=False)

    def record(self, rows: Sequence[StatsRow]) -> None:
        book = self._book
        for item_id, cpu, disk, _user, _uptime, _at in rows:
            entry = book.get(item_id)
            if entry is not None:
                if cpu is not None:
                    entry[0].append(cpu)
                if disk is not None:
                    entry[1].append(disk)

    def history(self, item_id: int) -> tuple[list[float], list[float]]:
        entry = self._book.get(item_id)
        return (list(entry[0]), list(entry[1])) if entry else ([], [])


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


def _history(entries: Sequence[AuditEntry] | None) -> list[DetailField]:
    """One line per entry: when (UTC) as the label, who did what as the value."""
    if entries is None:
        return [DetailField("Recent", "loading…")]
    if not entries:
        return [DetailField("Recent", "nothing recorded yet")]
    fields = []
    for entry in entries:
        when, actor, action, _item, detail = entry_cells(entry, detail_width=60)
        text = f"{actor}, {action}" + (f"; {detail}" if detail else "")
        fields.append(DetailField(when[:16], text))
    return fields


def build_details(
    item: JumpClient,
    *,
    group_label: str,
    site: RepSite | None,
    now: datetime,
    cpu_history: Sequence[float] = (),
    disk_history: Sequence[float] = (),
    actions: Sequence[ActionState] = (),
    stale: str | None = None,
    history: Sequence[AuditEntry] | None = None,
) -> DetailsView:
    """What the details pane shows of ``item``; ``stale`` (when the appliance was last heard,
    HH:MM) while it cannot be reached: then nothing is claimed live or available;
    ``history``: its newest audit entries (None: not fetched yet)."""
    stats = item.x_stats
    status = status_of(item)
    identity = [
        DetailField("Name", item.name),
        DetailField("Hostname", item.hostname),
        DetailField("FQDN", item.fqdn),
        DetailField("Group", group_label),
        DetailField("Tag", item.tag or "none"),
        DetailField("Comments", item.comments or "none"),
        DetailField("Jump Item id", str(item.id)),
    ]
    if item.x_demo:
        identity.append(DetailField("Data", "demo (simulated)", "warn"))
    cpu = stats.cpu_percent if stats else None
    disk = stats.disk_percent if stats else None
    cpu_text, cpu_level = _level(cpu, WARN["cpu"], CRITICAL["cpu"])
    disk_text, disk_level = _level(disk, WARN["disk"], CRITICAL["disk"])
    selected = site.settings.statistics if site is not None else list(Statistic)
    live = [
        field
        for statistic, field in (
            (Statistic.CPU, DetailField("CPU", cpu_text, cpu_level)),
            (Statistic.DISK_USAGE, DetailField("Disk (system)", disk_text, disk_level)),
            (
                Statistic.CONSOLE_USER,
                DetailField(
                    "Console user",
                    (stats.console_user if stats else None)
                    or item.console_user
                    or "nobody logged in",
                ),
            ),
            (
                Statistic.UPTIME,
                DetailField(
                    "Uptime",
                    until(timedelta(seconds=stats.uptime_s))
                    if stats and stats.uptime_s is not None
                    else "not reported",
                ),
            ),
        )
        if statistic in selected  # what the site does not select has no line (no blank)
    ]
    live.append(DetailField("Reported", _when(stats.at, now) if stats else "no statistics yet"))
    if Statistic.CPU not in selected:
        cpu_history = ()
    if Statistic.DISK_USAGE not in selected:
        disk_history = ()
    connection = [
        DetailField(
            "Status",
            status.word + (" (last known)" if stale else ""),
            "good" if item.x_online and not stale else "bad",
        ),
        DetailField("Connection type", item.connection_type.value),
        DetailField("Install mode", item.install_mode.value),
        DetailField("Version", item.x_version or "unknown", "warn" if item.needs_update else ""),
        DetailField("Needs update", "yes" if item.needs_update else "no"),
        DetailField(
            "Disabled by user", "yes" if item.unavailable_reason.value == "disabled" else "no"
        ),
        DetailField("In session with", ", ".join(item.x_in_session_by) or "nobody"),
        DetailField("Last connect", _when(item.last_connect_timestamp, now)),
        DetailField("Last disconnect", _when(item.last_disconnect_timestamp, now)),
        DetailField("Last access", _when(item.last_access_timestamp, now)),
        DetailField("Operating system", item.operating_system or "unknown"),
        DetailField("Public IP", item.public_ip or "unknown"),
        DetailField("Private IP", item.private_ip or "unknown"),
        DetailField(
            "Gateway",
            f"{item.x_gateway.ip} ({item.x_gateway.mac or 'MAC unknown'})"
            if item.x_gateway
            else "unknown",
        ),
        DetailField("MAC", item.x_mac or "unknown"),
        DetailField("Public site", item.public_site_address),
        DetailField("Start mode", item.customer_client_start_mode.value),
        DetailField(
            "Max offline",
            f"{item.max_offline_minutes} min" if item.max_offline_minutes else "site setting",
        ),
        DetailField(
            "Expires",
            _when(item.expiration_timestamp, now) if item.expiration_timestamp else "never",
        ),
    ]
    sections: list[tuple[str, Sequence[DetailField]]] = []
    if stale is not None:
        unreachable = "not now — the appliance cannot be reached (r tries again now)"
        sections.append(
            (
                "Appliance",
                [DetailField("Data", f"stale — last heard {stale}", "bad")]
                + [DetailField(a.label, unreachable, "bad") for a in actions],
            )
        )
    elif actions:
        sections.append(
            (
                "Actions",
                [
                    DetailField(
                        a.label,
                        (f"available — {a.note}" if a.note else "available")
                        if a.available
                        else str(a.reason),
                        "good" if a.available else "bad",
                    )
                    for a in actions
                ],
            )
        )
    sections += [("Identity", identity), ("Live statistics", live)]
    if site is not None:
        policies = {p.id: p for p in site.jump_policies}
        policy = policies.get(item.jump_policy_id or 0)
        is_open, sentence = describe_window(policy, policy.schedule if policy else None, now)
        rules = [DetailField("Window", sentence, "good" if is_open else "bad")]
        if policy is not None:
            rules.append(DetailField("Simultaneous jumps", policy.simultaneous_jumps.value))
        sessions = {p.id: p for p in site.session_policies}
        for label, pid in (
            ("User present", item.attended_session_policy_id),
            ("User not present", item.unattended_session_policy_id),
        ):
            rules.append(DetailField(label, _policy_name(sessions, pid, "Site default", label)))
        sections.append(("Policies", rules))
        if item.is_lost:
            since = item.last_disconnect_timestamp or item.last_connect_timestamp
            if since is not None:
                deletion = since + timedelta(days=site.settings.days_before_deleted)
                sections.append(
                    (
                        "Maintenance",
                        [
                            DetailField(
                                "Lost", f"scheduled for deletion {_when(deletion, now)}", "bad"
                            )
                        ],
                    )
                )
    sections.append(("Connection", connection))
    sections.append(("History", _history(history)))
    return DetailsView(
        title=item.name,
        status=status,
        sections=sections,
        cpu_history=cpu_history,
        disk_history=disk_history,
        thumbnail=stats.thumbnail if stats else None,
    )
