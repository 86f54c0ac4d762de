"""Representatives, teams and API accounts."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from domain._types import Id, Model, Patch, Str1_128, Str1_255, storable
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


class UserUpdate(Patch):
    """``PATCH /api/config/v1/user/{id}``: enable or disable the user, give or take the
    installer permission, or set a new password.

    Disabling the user or changing the password ends every sign-in of theirs at once.
    """

    enabled: bool | None = None
    perm_installers: bool | None = None
    password: Password | None = Field(default=None, repr=False)


class TeamMember(Model):
    user_id: Id
    rank: TeamRank = TeamRank.MEMBER


class Team(Model):
    id: Id
    name: Str1_255
    members: list[TeamMember] = Field(default_factory=list)


class ApiAccount(Model):
    """A Config API account (OAuth2 client credentials). The secret is never part of it."""

    id: Id
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: Str1_255
    access: ApiAccess = ApiAccess.FULL_ACCESS
