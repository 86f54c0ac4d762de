"""Representatives, teams and API accounts."""

from __future__ import annotations

from pydantic import Field

from domain._types import Id, Model, Str1_128, Str1_255
from domain.enums import ApiAccess, TeamRank


class User(Model):
    """A representative.

    ``personal_jump_item_role_id`` is what they may do with their own personal list;
    ``teams_jump_item_role_id`` what they may do with the personal lists of those ranked
    below them in their teams.
    """

    id: Id
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: Str1_128
    is_admin: bool = False
    personal_jump_item_role_id: Id
    teams_jump_item_role_id: Id


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
