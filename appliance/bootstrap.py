"""What every appliance has from its first start: roles, the site default session policy,
a default public site, site settings, and the API accounts named at start."""

from __future__ import annotations

from appliance.db import Repository
from appliance.security import hash_secret, verify_secret
from domain import ApiAccount, JumpClientSettings
from domain.groups import ROLE_PERMISSIONS

DEFAULT_SITE_ADDRESS = "support.jump.test"

BUILTIN_ROLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Administrator", "Every action on the group's items.", ROLE_PERMISSIONS),
    ("Start sessions only", "May start sessions, nothing else.", ("perm_start",)),
    (
        "Editor",
        "May start sessions and edit names, tags and comments.",
        ("perm_start", "perm_edit_identity", "perm_edit_tag", "perm_edit_comments"),
    ),
    (
        "Deployer",
        "May start sessions, add, upgrade, move and remove items, and edit their behaviour.",
        ("perm_start", "perm_add", "perm_remove", "perm_assign_jump_group", "perm_edit_behavior"),
    ),
)


def bootstrap(repo: Repository) -> None:
    """Create the built-in data of an empty database (does nothing when it exists)."""
    if not repo.is_empty():
        return
    with repo.transaction():
        for number, (name, description, perms) in enumerate(BUILTIN_ROLES, start=1):
            repo.roles.insert(
                {"name": name, "description": description, **{p: True for p in perms}},
                id_=number,
            )
        repo.session_policies.insert(
            {
                "display_name": "Site default",
                "code_name": "site_default",
                "description": "Applies where no other policy decides a permission.",
                "permissions": {
                    "command_shell": "allow",
                    "system_info": "allow",
                    "file_transfer_upload": "deny",
                    "file_transfer_download": "deny",
                    "screen_sharing": "view_only",
                    "prompt_end_user": "deny",
                },
            },
            id_=1,
        )
        repo.public_sites.insert(
            {"name": "Default site", "addresses": [DEFAULT_SITE_ADDRESS], "is_default": True},
            id_=1,
        )
        repo.save_settings(JumpClientSettings())


def ensure_api_account(repo: Repository, client_id: str, secret: str, name: str) -> ApiAccount:
    """Create the account, or give an existing one this secret.

    A changed secret ends every token issued under the old one; the same secret keeps them.
    """
    with repo.transaction():
        existing = repo.api_account_by_client_id(client_id)
        if existing and verify_secret(secret, existing[1]):
            return existing[0]
        account = ApiAccount(
            id=existing[0].id if existing else repo.next_id("api_account"),
            client_id=client_id,
            name=name,
        )
        stored = repo.add_api_account(account, hash_secret(secret))
        repo.revoke_tokens("api", stored.id)
    return stored
