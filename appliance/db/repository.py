"""The appliance's system of record, on SQLite (embedded default) or PostgreSQL.

Every write happens inside :meth:`Repository.transaction`; a request is acknowledged only
after its transaction commits (SQLite runs with ``synchronous=FULL``, PostgreSQL commits
synchronously), so a crash loses nothing already acknowledged. One connection, guarded by a
lock, serves the process; write transactions of all processes sharing a database take turns.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.db._engine import Cursor, open_engine
from appliance.db._migrations import MIGRATIONS
from appliance.db._table import Table, mark_used, next_id
from domain import (
    ApiAccount,
    Installer,
    JumpClient,
    JumpClientSettings,
    JumpGroup,
    JumpGroupMember,
    JumpItemRole,
    JumpPolicy,
    PublicSite,
    Schedule,
    SessionPolicy,
    Team,
    TeamMember,
    User,
)
from domain._types import code_name_of
from domain.audit import AuditAction, AuditEntry, item_of_target
from domain.enums import ApiAccess, TeamRank
from domain.installer import InstallerFields
from domain.jumpoint import Jumpoint
from domain.mail import SmtpSettings
from domain.users import TeamResource, TeamUser


class SchemaTooNew(RuntimeError):
    """The database was written by a newer appliance than this one."""


class Repository:
    """Tables of the appliance, over one SQLite database file."""

    def __init__(self, db: str | Path) -> None:
        self.engine = open_engine(db)
        self.path = self.engine.description
        self._lock = threading.RLock()
        self._depth = 0
        self._migrate()
        self.roles = Table(self, "jump_item_role", JumpItemRole)
        self.users = Table(self, "user", User)
        self.groups = Table(self, "jump_group", JumpGroup)
        self.policies = Table(self, "jump_policy", JumpPolicy)
        self.session_policies = Table(
            self, "session_policy", SessionPolicy, json_columns=["permissions"]
        )
        self.public_sites = Table(self, "public_site", PublicSite, json_columns=["addresses"])
        self.jumpoints = Table(self, "jumpoint", Jumpoint, json_columns=["jzp_restricted_ips"])
        self.teams = Table(self, "team", TeamResource, json_columns=["public_portal_ids"])
        self.clients = Table(
            self,
            "jump_client",
            JumpClient,
            json_columns=["x_stats", "x_gateway", "x_in_session_by"],
        )
        self.api_accounts = Table(self, "api_account", ApiAccount)

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self.engine.schema_version()

    def _migrate(self) -> None:
        with self._lock:
            while True:
                engine = self.engine
                engine.begin()
                try:
                    engine.prepare()
                    version = engine.schema_version()
                    if version > len(MIGRATIONS):
                        raise SchemaTooNew(
                            f"The database {self.path} has schema version {version}, newer than "
                            f"this appliance knows ({len(MIGRATIONS)}); upgrade the appliance."
                        )
                    if version == len(MIGRATIONS):
                        engine.commit()
                        return
                    for statement in engine.script(MIGRATIONS[version]):
                        engine.execute(statement)
                    engine.set_schema_version(version + 1)
                    engine.commit()
                except BaseException:
                    engine.rollback()
                    raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nested calls join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.engine.begin()
            self._depth = 1
            try:
                yield
            except BaseException:
                self.engine.rollback()
                raise
            else:
                self.engine.commit()
            finally:
                self._depth = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the connection for a consistent series of reads."""
        with self._lock:
            yield

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        with self._lock:
            return self.engine.execute(sql, args)

    def execute_many(self, sql: str, rows: list[list[Any]]) -> Cursor:
        with self._lock:
            return self.engine.execute_many(sql, rows)

    def close(self) -> None:
        with self._lock:
            self.engine.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def is_empty(self) -> bool:
        return self.roles.count() == 0

    # -- users and teams -------------------------------------------------------------------------

    def add_user(self, user: User, password_hash: str) -> User:
        values = user.model_dump()
        cols = [*values, "password_hash"]
        self.execute(
            f"INSERT INTO user ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [*values.values(), password_hash],
        )
        return user

    def set_password(self, user_id: int, password_hash: str) -> None:
        self.execute("UPDATE user SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def user_by_name(self, username: str) -> tuple[User, str] | None:
        row = self.execute(
            "SELECT id, password_hash FROM user WHERE username = ? COLLATE NOCASE", (username,)
        ).fetchone()
        if row is None:
            return None
        user = self.users.get(int(row[0]))
        return (user, str(row[1])) if user else None

    def add_team(self, team: Team) -> Team:
        self.execute(
            "INSERT INTO team (id, name, code_name) VALUES (?, ?, ?)",
            (team.id, team.name, code_name_of(team.name, f"team_{team.id}")),
        )
        for m in team.members:
            self.execute(
                "INSERT INTO team_member (team_id, user_id, rank) VALUES (?, ?, ?)",
                (team.id, m.user_id, m.rank.value),
            )
        return team

    def teams_of(self, user_id: int) -> list[Team]:
        rows = self.execute(
            "SELECT t.id, t.name, m.user_id, m.rank FROM team t JOIN team_member m "
            "ON m.team_id = t.id WHERE t.id IN (SELECT team_id FROM team_member WHERE user_id = ?)"
            " ORDER BY t.id, m.user_id",
            (user_id,),
        ).fetchall()
        teams: dict[int, Team] = {}
        for tid, name, uid, rank in rows:
            team = teams.setdefault(tid, Team(id=tid, name=name))
            team.members.append(TeamMember(user_id=uid, rank=TeamRank(rank)))
        return list(teams.values())

    def team_users(self, team_id: int) -> list[TeamUser]:
        rows = self.execute(
            "SELECT user_id, rank FROM team_member WHERE team_id = ? ORDER BY user_id", (team_id,)
        ).fetchall()
        return [TeamUser(team_id=team_id, user_id=u, role=TeamRank(r)) for u, r in rows]

    def set_team_user(self, member: TeamUser) -> None:
        self.execute(
            "INSERT INTO team_member (team_id, user_id, rank) VALUES (?, ?, ?) "
            "ON CONFLICT (team_id, user_id) DO UPDATE SET rank = excluded.rank",
            (member.team_id, member.user_id, member.role.value),
        )

    def remove_team_user(self, team_id: int, user_id: int) -> bool:
        cur = self.execute(
            "DELETE FROM team_member WHERE team_id = ? AND user_id = ?", (team_id, user_id)
        )
        return cur.rowcount > 0

    # -- group membership ------------------------------------------------------------------------

    def members(self, group_id: int) -> list[JumpGroupMember]:
        rows = self.execute(
            "SELECT user_id, jump_item_role_id FROM jump_group_member WHERE jump_group_id = ? "
            "ORDER BY user_id",
            (group_id,),
        ).fetchall()
        return [JumpGroupMember(user_id=u, jump_item_role_id=r) for u, r in rows]

    def set_member(self, group_id: int, member: JumpGroupMember) -> None:
        self.execute(
            "INSERT INTO jump_group_member (jump_group_id, user_id, jump_item_role_id) "
            "VALUES (?, ?, ?) ON CONFLICT (jump_group_id, user_id) "
            "DO UPDATE SET jump_item_role_id = excluded.jump_item_role_id",
            (group_id, member.user_id, member.jump_item_role_id),
        )

    def remove_member(self, group_id: int, user_id: int) -> bool:
        cur = self.execute(
            "DELETE FROM jump_group_member WHERE jump_group_id = ? AND user_id = ?",
            (group_id, user_id),
        )
        return cur.rowcount > 0

    def memberships_of(self, user_id: int) -> dict[int, int]:
        rows = self.execute(
            "SELECT jump_group_id, jump_item_role_id FROM jump_group_member WHERE user_id = ?",
            (user_id,),
        ).fetchall()
        return {int(g): int(r) for g, r in rows}

    # -- schedules -------------------------------------------------------------------------------

    def schedule(self, policy_id: int) -> Schedule | None:
        row = self.execute("SELECT schedule FROM jump_policy WHERE id = ?", (policy_id,)).fetchone()
        return Schedule.model_validate_json(row[0]) if row else None

    def set_schedule(self, policy_id: int, schedule: Schedule) -> bool:
        cur = self.execute(
            "UPDATE jump_policy SET schedule = ? WHERE id = ?",
            (schedule.model_dump_json(), policy_id),
        )
        return cur.rowcount > 0

    # -- site settings ---------------------------------------------------------------------------

    def settings(self) -> JumpClientSettings:
        row = self.execute("SELECT data FROM site_settings WHERE id = 1").fetchone()
        if row is None:
            return JumpClientSettings()
        return JumpClientSettings.model_validate_json(row[0])

    def smtp(self) -> tuple[SmtpSettings, str]:
        """The SMTP settings and the password (kept for sending, never answered)."""
        row = self.execute("SELECT data, password FROM smtp_settings WHERE id = 1").fetchone()
        if row is None:
            return SmtpSettings(), ""
        settings = SmtpSettings.model_validate_json(row[0])
        return settings.model_copy(update={"has_password": bool(row[1])}), str(row[1])

    def save_smtp(self, settings: SmtpSettings, password: str) -> None:
        data = settings.model_copy(update={"has_password": False}).model_dump_json()
        self.execute(
            "INSERT INTO smtp_settings (id, data, password) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data, password = excluded.password",
            (data, password),
        )

    def save_settings(self, settings: JumpClientSettings) -> None:
        self.execute(
            "INSERT INTO site_settings (id, data) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            (settings.model_dump_json(),),
        )

    # -- installers ------------------------------------------------------------------------------

    def add_installer(self, installer: Installer) -> Installer:
        """Stored with its Jumpoint's id (the wire names the Jumpoint: a rename follows)."""
        fields = InstallerFields.model_fields
        data = installer.model_dump(mode="json", include=set(fields))
        jumpoint = self.jumpoint_named(installer.jumpoint_proxy)
        data["jumpoint_proxy"] = jumpoint.id if jumpoint else None
        self.execute(
            "INSERT INTO installer (id, installer_id, key_info, expiration_timestamp, data) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                installer.id,
                installer.installer_id,
                installer.note,
                installer.model_dump(mode="json")["expiration_timestamp"],
                json.dumps(data),
            ),
        )
        mark_used(self.execute, "installer", installer.id)
        return installer

    def jumpoint_named(self, name: str) -> Jumpoint | None:
        """The Jumpoint of this name (an installer's ``jumpoint_proxy``); None for ""."""
        found = self.jumpoints.find([("name", name)], limit=1) if name else []
        return found[0] if found else None

    def _installer(self, row: tuple[Any, ...], jumpoints: dict[int, str]) -> Installer:
        id_, installer_id, note, expires, data = row
        fields = json.loads(data)
        fields["jumpoint_proxy"] = jumpoints.get(fields.get("jumpoint_proxy") or 0, "")
        return Installer.model_validate(
            {
                **fields,
                "id": id_,
                "installer_id": installer_id,
                "note": note,
                "expiration_timestamp": expires,
            }
        )

    def _jumpoint_names(self) -> dict[int, str]:
        return {j.id: j.name for j in self.jumpoints.find()}

    def installers(self) -> list[Installer]:
        rows = self.execute(
            "SELECT id, installer_id, key_info, expiration_timestamp, data FROM installer "
            "ORDER BY id"
        ).fetchall()
        names = self._jumpoint_names() if rows else {}
        return [self._installer(r, names) for r in rows]

    def installer(self, id_: int) -> Installer | None:
        row = self.execute(
            "SELECT id, installer_id, key_info, expiration_timestamp, data FROM installer "
            "WHERE id = ?",
            (id_,),
        ).fetchone()
        return self._installer(row, self._jumpoint_names()) if row else None

    def installer_keys_deployed_on(self, column: str, value: str) -> set[str]:
        """The keys of the installers that installed the Jump Clients whose ``column``
        (``hostname``, ``fqdn``) is ``value`` (the installers' filters of these names)."""
        assert column in ("hostname", "fqdn")  # our code's names, never input
        if "\x00" in value:  # no row holds it (and PostgreSQL refuses it)
            return set()
        rows = self.execute(
            "SELECT a.installer_id FROM agent_credential a "
            f"JOIN jump_client c ON c.id = a.jump_client_id WHERE c.{column} = ? COLLATE NOCASE",
            (value,),
        ).fetchall()
        return {r[0] for r in rows}

    def set_installer_expiry(self, id_: int, expires: str) -> None:
        self.execute("UPDATE installer SET expiration_timestamp = ? WHERE id = ?", (expires, id_))

    def delete_installer(self, id_: int) -> bool:
        return self.execute("DELETE FROM installer WHERE id = ?", (id_,)).rowcount > 0

    def next_id(self, table: str) -> int:
        """The next row's id (a deleted Jump Client's or installer's is never given again)."""
        return next_id(self.execute, table)

    # -- API accounts and tokens -----------------------------------------------------------------

    def add_api_account(self, account: ApiAccount, secret_hash: str) -> ApiAccount:
        self.execute(
            "INSERT INTO api_account (id, client_id, name, access, secret_hash) VALUES (?,?,?,?,?) "
            "ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, "
            "access = excluded.access",
            (account.id, account.client_id, account.name, account.access.value, secret_hash),
        )
        found = self.api_account_by_client_id(account.client_id)
        assert found is not None
        return found[0]

    def api_account_by_client_id(self, client_id: str) -> tuple[ApiAccount, str] | None:
        row = self.execute(
            "SELECT id, client_id, name, access, secret_hash FROM api_account WHERE client_id = ?",
            (client_id,),
        ).fetchone()
        if row is None:
            return None
        account = ApiAccount(id=row[0], client_id=row[1], name=row[2], access=ApiAccess(row[3]))
        return account, str(row[4])

    def add_token(
        self,
        token_hash: str,
        kind: str,
        subject_id: int,
        issued_at: float,
        expires_at: float,
        *,
        keep: int,
    ) -> list[str]:
        """Store a token; only the newest ``keep`` valid tokens of the subject stay valid.
        Answer the hashes of the valid tokens this one replaced (their holders are signed out)."""
        where = (
            "kind = ? AND subject_id = ? AND (expires_at <= ? OR token_hash NOT IN (SELECT "
            "token_hash FROM token WHERE kind = ? AND subject_id = ? AND expires_at > ? "
            "ORDER BY issued_at DESC, seq DESC LIMIT ?))"
        )
        args = (kind, subject_id, issued_at, kind, subject_id, issued_at, keep - 1)
        replaced = [
            str(hashed)
            for hashed, expires in self.execute(
                f"SELECT token_hash, expires_at FROM token WHERE {where}", args
            ).fetchall()
            if expires > issued_at
        ]
        self.execute(f"DELETE FROM token WHERE {where}", args)
        self.execute(
            "INSERT INTO token (token_hash, kind, subject_id, issued_at, expires_at, seq) "
            "VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM token))",
            (token_hash, kind, subject_id, issued_at, expires_at),
        )
        return replaced

    def token(self, token_hash: str, now: float) -> tuple[str, int] | None:
        row = self.execute(
            "SELECT kind, subject_id FROM token WHERE token_hash = ? AND expires_at > ?",
            (token_hash, now),
        ).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def revoke_tokens(self, kind: str, subject_id: int) -> None:
        self.execute("DELETE FROM token WHERE kind = ? AND subject_id = ?", (kind, subject_id))

    def rep_token_expiries(self, token_hashes: Sequence[str]) -> dict[str, float]:
        """Of these representatives' tokens, those that still exist and whose user is
        enabled, with when each expires (one query per 500 tokens)."""
        found: dict[str, float] = {}
        hashes = list(token_hashes)
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            rows = self.execute(
                "SELECT t.token_hash, t.expires_at FROM token t JOIN user u ON u.id = "
                "t.subject_id WHERE t.kind = 'rep' AND u.enabled = 1 AND t.token_hash IN "
                f"({', '.join('?' for _ in chunk)})",
                chunk,
            ).fetchall()
            found.update((str(h), float(e)) for h, e in rows)
        return found

    # -- Jump Client credentials ---------------------------------------------------------------

    def add_agent_credential(
        self, jump_client_id: int, secret_hash: str, installer_id: str
    ) -> None:
        self.execute(
            "INSERT INTO agent_credential (jump_client_id, secret_hash, installer_id) "
            "VALUES (?, ?, ?)",
            (jump_client_id, secret_hash, installer_id),
        )

    def agent_secret_hash(self, jump_client_id: int) -> str | None:
        row = self.execute(
            "SELECT secret_hash FROM agent_credential WHERE jump_client_id = ?",
            (jump_client_id,),
        ).fetchone()
        return str(row[0]) if row else None

    def delete_agent_credential(self, jump_client_id: int) -> None:
        self.execute("DELETE FROM agent_credential WHERE jump_client_id = ?", (jump_client_id,))

    # -- audit -----------------------------------------------------------------------------------

    def audit(
        self, at: str, actor: str, action: AuditAction, target: str, detail: dict[str, Any]
    ) -> None:
        self.execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (at, actor, action, target, json.dumps(detail, default=str)),
        )

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.execute(
            "SELECT at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {"at": a, "actor": b, "action": c, "target": d, "detail": json.loads(e)}
            for a, b, c, d, e in rows
        ]

    def audit_entries(
        self, query: AuditQuery, *, limit: int, offset: int = 0, count: bool = True
    ) -> tuple[list[AuditEntry], int]:
        """One page of the log, newest first, and how many entries match in all (0 when not
        ``count``ed: the newest few need no total)."""
        where, args = query.where()
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = (
                int(self.execute(f"SELECT COUNT(*) FROM audit{clause}", args).fetchone()[0])
                if count
                else 0
            )
            rows = self.execute(
                "SELECT id, at, actor, action, target, detail FROM audit"
                f"{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*args, limit, offset),
            ).fetchall()
        return [_audit_entry(*row) for row in rows], total

    def client_names(self, ids: Sequence[int]) -> dict[int, str]:
        """The names of the items with these ids (those that still exist)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = self.execute(
            f"SELECT id, name FROM jump_client WHERE id IN ({marks})", wanted
        ).fetchall()
        return {int(i): str(n) for i, n in rows}


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which entries of the log to read: those matching every given term."""

    targets: tuple[str, ...] = ()
    actor: str | None = None
    actions: tuple[str, ...] = ()
    since: str | None = None
    """RFC 3339 as the log writes it (``format_utc``): the log's own text compares in time
    order."""
    until: str | None = None
    before_id: int | None = None
    """Only entries older than this one (a listing that stays put while new ones arrive)."""

    def where(self) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        for column, values in (("target", self.targets), ("action", self.actions)):
            if values:
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                args.extend(values)
        for condition, value in (
            ("actor = ?", self.actor),
            ("at >= ?", self.since),
            ("at <= ?", self.until),
            ("id < ?", self.before_id),
        ):
            if value is not None:
                where.append(condition)
                args.append(value)
        return where, args


def _audit_entry(
    id_: int, at: str, actor: str, action: str, target: str, detail: str
) -> AuditEntry:
    kept = json.loads(detail)
    return AuditEntry(
        id=id_,
        at=at,  # the log's RFC 3339 text, read as a date-time
        actor=actor,
        action=action,
        target=target,
        item_id=item_of_target(target),
        detail=kept if isinstance(kept, dict) else {"value": kept},
    )
