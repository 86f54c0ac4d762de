"""What a representative may see: the domain's access rules fed from the repository."""

from __future__ import annotations

from appliance._state import Appliance
from domain import AccessContext, JumpClient, JumpGroupType, User, build_access
from domain.filters import Subject


def access_for(app: Appliance, user: User) -> AccessContext:
    roles = {role.id: role for role in app.repo.roles.find()}
    return build_access(
        user,
        roles=roles,
        memberships=app.repo.memberships_of(user.id),
        teams=app.repo.teams_of(user.id),
    )


def visible_clients(app: Appliance, access: AccessContext) -> list[JumpClient]:
    """Every Jump Client the representative may see, in id order."""
    clauses, args = [], []
    for kind in JumpGroupType:
        ids = sorted(access.visible_groups(kind))
        if ids:
            marks = ", ".join("?" for _ in ids)
            clauses.append(f"(jump_group_type = ? AND jump_group_id IN ({marks}))")
            args.extend([kind.value, *ids])
    if not clauses:
        return []
    table = app.repo.clients
    sql = f"SELECT {', '.join(table.columns)} FROM jump_client WHERE {' OR '.join(clauses)} "
    sql += "ORDER BY id"
    with app.repo.reading():
        return [table.load(row) for row in app.repo.execute(sql, args).fetchall()]


class SubjectBuilder:
    """Builds filter subjects with group and policy names looked up once."""

    def __init__(self, app: Appliance) -> None:
        self._groups = {g.id: g.name for g in app.repo.groups.find()}
        self._people = {u.id: u.display_name for u in app.repo.users.find()}
        self._policies = {p.id: f"{p.display_name} {p.code_name}" for p in app.repo.policies.find()}

    def group_name(self, client: JumpClient) -> str:
        if client.jump_group_type is JumpGroupType.PERSONAL:
            return f"Personal: {self._people.get(client.jump_group_id, '?')}"
        return self._groups.get(client.jump_group_id, "?")

    def subject(self, client: JumpClient) -> Subject:
        policy = self._policies.get(client.jump_policy_id or 0, "")
        return Subject.of(
            name=client.name,
            hostname=client.hostname,
            tag=client.tag,
            comments=client.comments,
            console_user=client.console_user,
            group=self.group_name(client),
            status=client.x_status.value,
            os=client.operating_system,
            public_ip=client.public_ip,
            private_ip=client.private_ip,
            policy=policy,
        )
