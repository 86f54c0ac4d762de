"""Representatives, teams and API accounts."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from domain._types import (
    CodeName1,
    Id,
    Line1_64,
    Line1_255,
    Lines0_4096,
    Model,
    Patch,
    Str0_4096,
    Str1_128,
    Str1_255,
    storable,
)
from domain.enums import ApiAccess, TeamRank


class User(Model):
    """A representative.

    ``personal_jump_item_role_id`` is what they may do with their own personal list;
    ``teams_jump_item_role_id`` what they may do with the personal lists of those ranked
    below them in their teams. A user who is not ``enabled`` may not sign in.
    ``perm_installers`` (a privileged user who is not a site administrator): view, download,
    e-mail, delete and extend Jump Client installers and create them with the mass
    deployment wizard, for the Jump Groups they may add Jump Items to.
    """

    id: Id
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: Str1_128
    is_admin: bool = False
    perm_installers: bool = False
    personal_jump_item_role_id: Id
    teams_jump_item_role_id: Id
    enabled: bool = True


#: The shortest password the appliance accepts for a representative.
PASSWORD_MIN = 8
#: A representative's password as it is set (write-only: never answered, stored hashed).
Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN, max_length=256),
    AfterValidator(storable),
]


class UserResource(Model):
    """``/api/config/v1/user``: a representative with BeyondTrust's names for what we keep.

    We keep one display name (both of BeyondTrust's answer it); ``perm_admin`` is
    ``is_admin``, ``private_jump_item_role_id`` the personal list's role and
    ``inferior_jump_item_role_id`` the role on the lists of those below them in their teams.
    """

    id: Id
    username: str
    public_display_name: Str1_128
    private_display_name: Str1_128
    enabled: bool
    perm_admin: bool
    perm_installers: bool
    private_jump_item_role_id: Id
    inferior_jump_item_role_id: Id

    @classmethod
    def of(cls, user: User) -> UserResource:
        return cls(
            id=user.id,
            username=user.username,
            public_display_name=user.display_name,
            private_display_name=user.display_name,
            enabled=user.enabled,
            perm_admin=user.is_admin,
            perm_installers=user.perm_installers,
            private_jump_item_role_id=user.personal_jump_item_role_id,
            inferior_jump_item_role_id=user.teams_jump_item_role_id,
        )


#: BeyondTrust's writable User fields that Jump Console does not keep: a PATCH naming one is
#: refused with 422 (README, "Config API conformance"), never silently dropped.
USER_FIELDS_NOT_KEPT = (
    "display_number",
    "password_expiration",
    "email_address",
    "preferred_email_language",
    "two_factor_required",
    "failed_logins",
    "password_reset_next_login",
)


class UserUpdate(Patch):
    """``PATCH /api/config/v1/user/{id}`` (BeyondTrust's User fields, and our installer
    permission): enable or disable the user, rename them, give or take the installer
    permission, set a new password.

    Disabling the user or changing the password ends every sign-in of theirs at once.
    """

    username: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$"
    )
    public_display_name: Line1_64 | None = None
    private_display_name: Line1_64 | None = None
    enabled: bool | None = None
    perm_installers: bool | None = None
    password: Password | None = Field(default=None, repr=False)
    display_number: int | None = None
    password_expiration: str | None = None
    email_address: str | None = None
    preferred_email_language: str | None = None
    two_factor_required: bool | None = None
    failed_logins: int | None = None
    password_reset_next_login: bool | None = None

    @model_validator(mode="after")
    def _kept(self) -> UserUpdate:
        sent = self.model_fields_set
        not_kept = [f for f in USER_FIELDS_NOT_KEPT if f in sent]
        if not_kept:
            raise ValueError(f"Jump Console does not keep {', '.join(not_kept)}")
        names = {self.public_display_name, self.private_display_name} - {None}
        if len(names) > 1:
            raise ValueError(
                "public_display_name and private_display_name must be the same: "
                "Jump Console keeps one display name"
            )
        return self

    def user_changes(self) -> dict[str, Any]:
        """The changes to the stored user (the password apart)."""
        changes = self.changes()
        changes.pop("password", None)
        names = [changes.pop(k, None) for k in ("public_display_name", "private_display_name")]
        name = next((n for n in names if n is not None), None)
        if name is not None:
            changes["display_name"] = name
        return changes


class TeamMember(Model):
    user_id: Id
    rank: TeamRank = TeamRank.MEMBER


class Team(Model):
    """A team with its members: what ``domain.access`` derives the personal lists a lead or a
    manager sees from."""

    id: Id
    name: Str1_255
    members: list[TeamMember] = Field(default_factory=list)


#: A team's public portals: their ids, or ``All portals`` (BeyondTrust's support queues;
#: Jump Console has none, so they are kept and answered only).
PortalIds = Annotated[list[Id | Str1_255], Field(max_length=100)]


def _all_portals() -> list[int | str]:
    return ["All portals"]


class TeamFields(Model):
    name: Str1_255
    code_name: CodeName1
    comments: Str0_4096 = ""
    persistent_queue: bool = False
    public_portal_ids: PortalIds = Field(default_factory=_all_portals)


class TeamResource(TeamFields):
    """``/api/config/v1/team``: a team as BeyondTrust's Config API has it (members apart)."""

    id: Id


class TeamCreate(Model):
    """``POST /team``: the code name, when not given, is made from the name."""

    name: Line1_255
    code_name: CodeName1 | None = None
    comments: Lines0_4096 | None = ""
    persistent_queue: bool = False
    public_portal_ids: PortalIds = Field(default_factory=_all_portals)


class TeamUpdate(Patch):
    NULLABLE = frozenset({"comments"})

    name: Line1_255 | None = None
    code_name: CodeName1 | None = None
    comments: Lines0_4096 | None = None
    persistent_queue: bool | None = None
    public_portal_ids: PortalIds | None = None


class TeamUser(Model):
    """``/team/{id}/user``: a member and their role (what they see of the others' lists)."""

    team_id: Id
    user_id: Id
    role: TeamRank = TeamRank.MEMBER


class TeamUserCreate(Model):
    """``POST /team/{id}/user``: ``team_id``, when given, is the path's."""

    team_id: Id | None = None
    user_id: Id
    role: TeamRank = TeamRank.MEMBER


class TeamUserUpdate(Patch):
    """``PATCH /team/{id}/user/{user_id}``: a new role, or another team (a move)."""

    team_id: Id | None = None
    user_id: Id | None = None
    role: TeamRank | None = None


class ApiAccount(Model):
    """A Config API account (OAuth2 client credentials). The secret is never part of it."""

    id: Id
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: Str1_255
    access: ApiAccess = ApiAccess.FULL_ACCESS
