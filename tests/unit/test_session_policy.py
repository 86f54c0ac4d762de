"""Permission resolution: item policy → public site policy → site default."""

from __future__ import annotations

from domain import Permission, Permissions, ScreenSharing, SessionPolicy, resolve_permissions
from domain.enums import PromptAnswer


def policy(pid: int, **perms: object) -> SessionPolicy:
    return SessionPolicy(
        id=pid, display_name=f"P{pid}", permissions=Permissions.model_validate(perms)
    )


def test_first_defined_value_wins_down_the_chain() -> None:
    item = policy(5, command_shell="deny", screen_sharing="not_defined")
    site = policy(3, command_shell="allow", system_info="allow", screen_sharing="view_only")
    default = policy(1, file_transfer_upload="allow", system_info="deny")
    r = resolve_permissions([item, site, default])
    assert r.command_shell is False
    assert r.system_info is True
    assert r.file_transfer_upload is True
    assert r.screen_sharing is ScreenSharing.VIEW_ONLY


def test_all_undefined_means_deny() -> None:
    r = resolve_permissions([policy(5), None, policy(1)])
    assert not (r.command_shell or r.file_transfer_download or r.prompt_end_user)
    assert r.screen_sharing is ScreenSharing.NOT_ALLOWED


def test_prompt_settings_come_from_the_deciding_policy() -> None:
    item = policy(
        5, prompt_end_user=Permission.ALLOW, prompt_timeout_s=90, prompt_default_answer="accept"
    )
    r = resolve_permissions([item, policy(1, prompt_end_user="deny")])
    assert r.prompt_end_user and r.prompt_timeout_s == 90
    assert r.prompt_default_answer is PromptAnswer.ACCEPT
