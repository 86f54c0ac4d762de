"""What a representative may see: the domain's access rules fed from the repository."""

from __future__ import annotations

from typing import Any

from appliance.site import Site
from domain import AccessContext, JumpClient, JumpGroupType, User, build_access
from domain.filters import Subject
from domain.groups import group_label


def access_for(app: Site, user: User) -> AccessContext:
    roles = {role.id: role for role in app.repo.roles.find()}
    return build_access(
        user,
        roles=roles,
        memberships=app.repo.memberships_of(user.id),
        teams=app.repo.teams_of(user.id),
    )


def visible_where(access: AccessContext) -> tuple[str, list[Any]] | None:
    """The SQL condition (and its arguments) on ``jump_client`` of the items the
    representative may see; None when they may see none."""
    clauses: list[str] = []
    args: list[Any] = []
    for kind in JumpGroupType:
        ids = sorted(access.visible_groups(kind))
        if ids:
            marks = ", ".join("?" for _ in ids)
            clauses.append(f"(jump_group_type = ? AND jump_group_id IN ({marks}))")
            args.extend([kind.value, *ids])
    if not clauses:
        return None
    return f"({' OR '.join(clauses)})", args


def visible_clients(app: Site, access: AccessContext) -> list[JumpClient]:
    """Every Jump Client the representative may see, in id order."""
    where = visible_where(access)
    if where is None:
        return []
    table = app.repo.clients
    sql = f"SELECT {', '.join(table.columns)} FROM jump_client WHERE {where[0]} ORDER BY id"
    with app.repo.reading():
        return [table.load(row) for row in app.repo.execute(sql, where[1]).fetchall()]


def visible_ids(app: Site, access: AccessContext) -> set[int]:
    """The ids of every Jump Client the representative may see (no item read)."""
    where = visible_where(access)
    if where is None:
        return set()
    sql = f"SELECT id FROM jump_client WHERE {where[0]}"
    with app.repo.reading():
        return {int(row[0]) for row in app.repo.execute(sql, where[1]).fetchall()}


class SubjectBuilder:
    """Builds filter subjects for one representative, names looked up once."""

    def __init__(self, app: Site, viewer: User) -> None:
        self._viewer = viewer.id
        self._groups = {g.id: g.name for g in app.repo.groups.find()}
        self._people = {u.id: u.display_name for u in app.repo.users.find()}
        self._policies = {p.id: f"{p.display_name} {p.code_name}" for p in app.repo.policies.find()}

    def group_name(self, kind: JumpGroupType, group_id: int) -> str:
        return group_label(
            kind,
            group_id,
            viewer_id=self._viewer,
            group_names=self._groups,
            people=self._people,
        )

    def subject(self, client: JumpClient) -> Subject:
        return Subject.of_item(
            client,
            group=self.group_name(client.jump_group_type, client.jump_group_id),
            policy=self._policies.get(client.jump_policy_id or 0, ""),
        )
