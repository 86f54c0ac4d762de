"""Session policies and how a session's permissions are resolved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator

from domain._types import CodeName, Id, Line1_255, Lines0_1000, Model, Patch, Str0_1000, Str1_255
from domain.enums import Permission, PromptAnswer, ScreenSharing

SITE_DEFAULT_SESSION_POLICY_ID = 1

PermissionName = Literal[
    "command_shell",
    "file_transfer_upload",
    "file_transfer_download",
    "system_info",
    "prompt_end_user",
]
PERMISSION_NAMES: tuple[PermissionName, ...] = (
    "command_shell",
    "file_transfer_upload",
    "file_transfer_download",
    "system_info",
    "prompt_end_user",
)


class Permissions(Model):
    """Each permission allows, denies, or leaves the decision to the next policy down."""

    command_shell: Permission = Permission.NOT_DEFINED
    file_transfer_upload: Permission = Permission.NOT_DEFINED
    file_transfer_download: Permission = Permission.NOT_DEFINED
    system_info: Permission = Permission.NOT_DEFINED
    screen_sharing: ScreenSharing = ScreenSharing.NOT_DEFINED
    prompt_end_user: Permission = Permission.NOT_DEFINED
    prompt_timeout_s: int = Field(default=30, ge=5, le=300)
    prompt_default_answer: PromptAnswer = PromptAnswer.REFUSE
    file_transfer_paths: list[str] = Field(default_factory=list, max_length=32)
    """Absolute folders file transfer is confined to (empty: the policy leaves it open)."""

    @field_validator("file_transfer_paths")
    @classmethod
    def _absolute(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not path.startswith("/") or len(path) > 1024:
                raise ValueError(f"'{path[:60]}' is not an absolute folder path")
        return paths


class SessionPolicyFields(Model):
    display_name: Str1_255
    code_name: CodeName = ""
    description: Str0_1000 = ""
    permissions: Permissions = Field(default_factory=Permissions)


class SessionPolicy(SessionPolicyFields):
    """A session policy; id 1 is the site default."""

    id: Id


class SessionPolicyCreate(SessionPolicyFields):
    """``POST /session-policy``: what a person types, so no control characters."""

    display_name: Line1_255
    description: Lines0_1000 = ""


class SessionPolicyUpdate(Patch):
    display_name: Line1_255 | None = None
    code_name: CodeName | None = None
    description: Lines0_1000 | None = None
    permissions: Permissions | None = None


class ResolvedPermissions(Model):
    """The permissions a session holds: every tri-state decided."""

    command_shell: bool
    file_transfer_upload: bool
    file_transfer_download: bool
    system_info: bool
    screen_sharing: ScreenSharing
    prompt_end_user: bool
    prompt_timeout_s: int
    prompt_default_answer: PromptAnswer
    file_transfer_paths: list[str] = Field(default_factory=list)
    """Folders file transfer is confined to; empty means anywhere the client user may go."""


def resolve_permissions(chain: Sequence[SessionPolicy | None]) -> ResolvedPermissions:
    """Resolve permissions through ``chain`` (item policy → public site policy → site default).

    For each permission the first value that is not ``not_defined`` wins; ``deny`` (and
    ``not_allowed`` for screen sharing) when every policy leaves it undefined. The prompt's
    timeout and default answer come from the policy that decided ``prompt_end_user``.
    """
    policies = [p for p in chain if p is not None]
    decided: dict[str, bool] = {}
    for name in PERMISSION_NAMES:
        decided[name] = False
        for policy in policies:
            value = getattr(policy.permissions, name)
            if value is not Permission.NOT_DEFINED:
                decided[name] = value is Permission.ALLOW
                break
    screen = ScreenSharing.NOT_ALLOWED
    for policy in policies:
        if policy.permissions.screen_sharing is not ScreenSharing.NOT_DEFINED:
            screen = policy.permissions.screen_sharing
            break
    prompt_source = next(
        (p for p in policies if p.permissions.prompt_end_user is not Permission.NOT_DEFINED),
        None,
    )
    defaults = prompt_source.permissions if prompt_source else Permissions()
    return ResolvedPermissions(
        command_shell=decided["command_shell"],
        file_transfer_upload=decided["file_transfer_upload"],
        file_transfer_download=decided["file_transfer_download"],
        system_info=decided["system_info"],
        screen_sharing=screen,
        prompt_end_user=decided["prompt_end_user"],
        prompt_timeout_s=defaults.prompt_timeout_s,
        prompt_default_answer=defaults.prompt_default_answer,
        file_transfer_paths=next(
            (
                p.permissions.file_transfer_paths
                for p in policies
                if p.permissions.file_transfer_paths
            ),
            [],
        ),
    )
