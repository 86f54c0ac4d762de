"""The demo site: a believable fleet, deterministic for a seed and a clock, marked as demo.

Representatives (password ``settings.demo_password``, ``demo`` by default):

- ``alice``: member of the Service Desk team; Servers (start only), Workstations (editor).
- ``bob``: lead of the Service Desk team; sees alice's personal list.
- ``carol``: manager of the Service Desk team; sees bob's and alice's personal lists.
- ``dave``: member of Field Engineering; Point of Sale (start only), Lab (administrator).
- ``admin``: site administrator, administrator of every shared group.

Addresses in the demo data are loopback (private side) or documentation ranges (public
side): nothing is ever sent to them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from appliance.bootstrap import ensure_api_account
from appliance.clock import Clock
from appliance.config import ApplianceSettings
from appliance.db import Repository
from appliance.security import hash_secret
from domain import JumpGroupMember, Team, TeamMember, TeamRank, User, format_utc
from domain.schedule import Schedule, ScheduleEntry

DEMO_API_CLIENT_ID = "demo"
CURRENT_VERSION = "1.0.0"
OLD_VERSION = "0.9.2"

USERS = (
    (1, "alice", "Alice Martin", False),
    (2, "bob", "Bob Nakamura", False),
    (3, "carol", "Carol Okafor", False),
    (4, "dave", "Dave Lindqvist", False),
    (5, "admin", "Site Administrator", True),
)
#: privileged users who manage the installers of the groups they may add items to
INSTALLER_USERS = frozenset({"bob"})
ADMINISTRATOR, START_ONLY, EDITOR, DEPLOYER = 1, 2, 3, 4
GROUPS = (
    (1, "Servers", "servers", {1: START_ONLY, 2: DEPLOYER, 3: ADMINISTRATOR, 5: ADMINISTRATOR}),
    (
        2,
        "Workstations",
        "workstations",
        {1: EDITOR, 2: ADMINISTRATOR, 3: ADMINISTRATOR, 5: ADMINISTRATOR},
    ),
    (3, "Point of Sale", "pos", {3: EDITOR, 4: START_ONLY, 5: ADMINISTRATOR}),
    (4, "Lab", "lab", {2: START_ONLY, 4: ADMINISTRATOR, 5: ADMINISTRATOR}),
)
BUSINESS_PARIS, BUSINESS_NY, STRICT, ALWAYS, EXCLUSIVE, SHARED = 1, 2, 3, 4, 5, 6
PRESENT_VIEW_ONLY, NOT_PRESENT_FULL = 2, 3


def _weekdays(start: str, end: str) -> list[ScheduleEntry]:
    return [ScheduleEntry(start_day=d, start_time=start, end_day=d, end_time=end) for d in range(5)]


POLICIES: tuple[tuple[dict[str, Any], Schedule], ...] = (
    (
        {"display_name": "Business hours (Paris)", "code_name": "business_paris"},
        Schedule(timezone="Europe/Paris", entries=_weekdays("08:00", "18:00")),
    ),
    (
        {"display_name": "Business hours (New York)", "code_name": "business_ny"},
        Schedule(timezone="America/New_York", entries=_weekdays("09:00", "17:00")),
    ),
    (
        {
            "display_name": "Weekend maintenance (strict)",
            "code_name": "maintenance_strict",
            "schedule_strict": True,
            "description": "Sessions end when the window closes.",
        },
        Schedule(
            timezone="Europe/London",
            entries=[ScheduleEntry(start_day=5, start_time="22:00", end_day=6, end_time="06:00")],
        ),
    ),
    (
        {"display_name": "Always (24/7)", "code_name": "always"},
        Schedule(
            timezone="UTC",
            entries=[ScheduleEntry(start_day=0, start_time="00:00", end_day=0, end_time="00:00")],
        ),
    ),
    (
        {
            "display_name": "Exclusive access",
            "code_name": "exclusive",
            "schedule_enabled": False,
            "simultaneous_jumps": "disallow",
        },
        Schedule(),
    ),
    (
        {
            "display_name": "Shared access",
            "code_name": "shared_access",
            "schedule_enabled": False,
            "simultaneous_jumps": "join",
        },
        Schedule(),
    ),
)

SESSION_POLICIES: tuple[dict[str, Any], ...] = (
    {
        "display_name": "User present: prompt, view only",
        "code_name": "present_view_only",
        "permissions": {
            "prompt_end_user": "allow",
            "prompt_timeout_s": 30,
            "prompt_default_answer": "refuse",
            "screen_sharing": "view_only",
            "command_shell": "deny",
            "file_transfer_upload": "deny",
            "file_transfer_download": "deny",
            "system_info": "allow",
        },
    },
    {
        "display_name": "User not present: full access",
        "code_name": "not_present_full",
        "permissions": {
            "prompt_end_user": "deny",
            "screen_sharing": "view_and_control",
            "command_shell": "allow",
            "file_transfer_upload": "allow",
            "file_transfer_download": "allow",
            "system_info": "allow",
        },
    },
)


@dataclass(frozen=True)
class _Kind:
    group: int
    prefix: str
    tags: tuple[str, ...]
    systems: tuple[str, ...]
    policies: tuple[int | None, ...]


KINDS = (
    _Kind(
        1,
        "SRV",
        ("db", "web", "cache", "build", "mail"),
        ("Ubuntu 24.04 LTS", "Debian 12", "Red Hat Enterprise Linux 9", "Windows Server 2022"),
        (STRICT, EXCLUSIVE, ALWAYS, None),
    ),
    _Kind(
        2,
        "WS",
        ("finance", "hr", "engineering", "sales", ""),
        ("Windows 11 Pro", "macOS 15", "Ubuntu 24.04 Desktop", "Windows 10 Pro"),
        (BUSINESS_PARIS, BUSINESS_NY, SHARED, None),
    ),
    _Kind(
        3,
        "POS",
        ("store-north", "store-south", "store-east"),
        ("Windows 10 IoT Enterprise", "Ubuntu 22.04 LTS"),
        (BUSINESS_NY, EXCLUSIVE),
    ),
    _Kind(
        4, "LAB", ("qa", "perf", ""), ("Fedora 41", "Debian 13", "Windows 11 Pro"), (None, ALWAYS)
    ),
)
CITIES = ("LON", "PAR", "NYC", "BER", "MAD", "TOR", "SYD", "TYO")
PEOPLE = ("jsmith", "mgarcia", "lchen", "apatel", "okim", "rmoreau", "tnguyen", "ebrown")


def _client(rng: random.Random, number: int, now: datetime) -> dict[str, Any]:
    """One Jump Client row: owner, identity, network and a plausible state."""
    roll = rng.random()
    if roll < 0.12:
        owner = rng.choice(USERS)
        group_type, group_id = "personal", owner[0]
        name = f"{owner[1]}-laptop-{number}"
        tag, system, policy = "", rng.choice(("Windows 11 Pro", "macOS 15")), None
    else:
        kind = rng.choices(KINDS, weights=(35, 35, 18, 12))[0]
        group_type, group_id = "shared", kind.group
        name = f"{kind.prefix}-{rng.choice(CITIES)}-{number:05d}"
        tag, system = rng.choice(kind.tags), rng.choice(kind.systems)
        policy = rng.choice(kind.policies)
    site = rng.randrange(16)
    host = 10 + rng.randrange(240)
    state = rng.random()
    connection = "active" if state < 0.93 else ("passive" if state < 0.98 else "uninstalled")
    online = connection != "uninstalled" and rng.random() < 0.78
    lost = not online and connection != "uninstalled" and rng.random() < 0.15
    needs_update = connection != "uninstalled" and rng.random() < 0.03
    disabled = online and rng.random() < 0.01
    uptime = rng.randrange(3600, 60 * 86400)
    user = rng.choice(PEOPLE) if online and rng.random() < 0.6 else ""
    if online:
        last_disconnect = now - timedelta(seconds=uptime + rng.randrange(60, 86400))
        last_connect = now - timedelta(seconds=rng.randrange(60, uptime))
    elif lost:
        last_connect = now - timedelta(days=rng.randrange(45, 120))
        last_disconnect = last_connect + timedelta(hours=rng.randrange(1, 48))
    else:
        last_disconnect = now - timedelta(minutes=rng.randrange(5, 14 * 1440))
        last_connect = last_disconnect - timedelta(hours=rng.randrange(1, 240))
    hostname = name.lower()
    stats = None
    if online and connection == "active":
        stats = {
            "cpu_percent": round(min(99.0, rng.expovariate(1 / 18)), 1),
            "disk_percent": round(rng.uniform(18, 96), 1),
            "console_user": user or None,
            "uptime_s": uptime,
            "thumbnail": None,
            "at": now,
        }
    return {
        "jump_group_id": group_id,
        "jump_group_type": group_type,
        "name": name,
        "hostname": hostname,
        "fqdn": f"{hostname}.corp.jump.test",
        "tag": tag,
        "comments": rng.choice(("", "", "", "Rack B2", "Front desk", "Call before reboot")),
        "jump_policy_id": policy,
        "attended_session_policy_id": PRESENT_VIEW_ONLY if rng.random() < 0.8 else None,
        "unattended_session_policy_id": NOT_PRESENT_FULL if rng.random() < 0.8 else None,
        "public_site_address": "support.jump.test",
        "customer_client_start_mode": rng.choice(("normal", "minimized", "hidden")),
        "install_mode": "service" if group_type == "shared" else "user",
        "connection_type": connection,
        "last_connect_timestamp": last_connect,
        "last_disconnect_timestamp": last_disconnect,
        "last_access_timestamp": last_connect if rng.random() < 0.5 else None,
        "is_lost": lost,
        "needs_update": needs_update,
        "unavailable_reason": "disabled" if disabled else "none",
        "operating_system": system,
        "public_ip": f"203.0.113.{site + 1}",
        "private_ip": f"127.16.{site}.{host}",
        "console_user": user,
        "x_online": online,
        "x_version": OLD_VERSION if needs_update else CURRENT_VERSION,
        "x_stats": stats,
        "x_gateway": {"ip": f"127.16.{site}.1", "mac": f"02:00:5e:10:{site:02x}:01"},
        "x_mac": "02:00:5e:" + ":".join(f"{(number >> s) & 255:02x}" for s in (16, 8, 0)),
        "x_demo": True,
    }


#: demo clients generated and inserted at a time
SEED_BATCH = 5000


def _stored(value: Any) -> Any:
    """A value of :func:`_client` as its column stores it (what the model's JSON form gives)."""
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, dict):
        return json.dumps({k: _stored(v) for k, v in value.items()}, separators=(",", ":"))
    return value


class _Rows:
    """Demo clients as rows of ``jump_client``, built without a model each: at 1,000,000
    clients, validating and dumping a model per row was half of the seeding's time. The first
    row of every batch is also built through the model, and must come out the same."""

    def __init__(self, repo: Repository) -> None:
        self.table = repo.clients
        self.defaults: dict[str, Any] | None = None

    def batch(self, clients: list[dict[str, Any]], first_id: int) -> list[list[Any]]:
        checked = self.table.stored({**clients[0], "id": first_id})
        if self.defaults is None:  # the model's defaults for the fields a client leaves out
            self.defaults = {c: checked[c] for c in self.table.columns if c not in clients[0]}
        rows = []
        for offset, client in enumerate(clients):
            values = {**self.defaults, **client, "id": first_id + offset}
            rows.append([_stored(values[c]) for c in self.table.columns])
        if rows[0] != [checked[c] for c in self.table.columns]:
            raise AssertionError("a demo client is not stored as its model would be")
        return rows


def seed_demo(
    repo: Repository,
    settings: ApplianceSettings,
    clock: Clock,
    progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Seed the demo site into a database that has no representatives yet; ``progress`` is
    told (clients seeded, clients in all) after each batch.

    Returns False (and changes nothing) when the database already has people in it, so a
    restart keeps whatever was done to the demo site.
    """
    if repo.users.count() > 0:
        return False
    size = settings.demo_fleet or 0
    rng = random.Random(settings.demo_seed)
    now = clock.now().replace(microsecond=0)
    password = hash_secret(settings.demo_password)
    with repo.transaction():
        for uid, username, display, is_admin in USERS:
            user = User(
                id=uid,
                username=username,
                display_name=display,
                is_admin=is_admin,
                perm_installers=username in INSTALLER_USERS,
                personal_jump_item_role_id=ADMINISTRATOR,
                teams_jump_item_role_id=START_ONLY,
            )
            repo.add_user(user, password)
        repo.add_team(
            Team(
                id=1,
                name="Service Desk",
                members=[
                    TeamMember(user_id=1, rank=TeamRank.MEMBER),
                    TeamMember(user_id=2, rank=TeamRank.LEAD),
                    TeamMember(user_id=3, rank=TeamRank.MANAGER),
                ],
            )
        )
        repo.add_team(Team(id=2, name="Field Engineering", members=[TeamMember(user_id=4)]))
        for gid, name, code, members in GROUPS:
            repo.groups.insert({"name": name, "code_name": code, "comments": "Demo data."}, id_=gid)
            for uid, role in members.items():
                repo.set_member(gid, JumpGroupMember(user_id=uid, jump_item_role_id=role))
        for number, (fields, schedule) in enumerate(POLICIES, start=1):
            repo.policies.insert(fields, id_=number)
            repo.set_schedule(number, schedule)
        for number, fields in enumerate(SESSION_POLICIES, start=2):
            repo.session_policies.insert(fields, id_=number)
        repo.public_sites.insert(
            {
                "name": "Partner site",
                "addresses": ["partners.jump.test"],
                "session_policy_id": PRESENT_VIEW_ONLY,
            },
            id_=2,
        )
        first = repo.next_id("jump_client")
        rows = _Rows(repo)
        for start in range(first, first + size, SEED_BATCH):  # not all rows at once: 100,000
            end = min(first + size, start + SEED_BATCH)  # left the appliance at 800 MiB
            clients = [_client(rng, number, now) for number in range(start, end)]
            repo.clients.insert_rows(rows.batch(clients, start), first_id=start)
            if progress is not None:
                progress(end - first, size)
        # A lively demo: statistics every 5 s (the shortest interval the site allows).
        repo.save_settings(repo.settings().model_copy(update={"statistics_interval_s": 5}))
        repo.audit(format_utc(now), "demo", "demo.seed", "site", {"clients": size})
    ensure_api_account(repo, DEMO_API_CLIENT_ID, settings.demo_password, name="Demo API account")
    return True


def demo_banner(settings: ApplianceSettings, clients: int) -> str:
    """What the appliance prints at start about the demo site (passwords are the demo's own).

    ``clients`` is what the database holds: a restart keeps the site seeded earlier.
    """
    people = ", ".join(u[1] for u in USERS)
    return (
        f"DEMO site: {clients} demo Jump Clients (seed {settings.demo_seed}).\n"
        f"  Representatives: {people} — password '{settings.demo_password}'.\n"
        f"  Config API account: client id '{DEMO_API_CLIENT_ID}', "
        f"secret '{settings.demo_password}'."
    )
