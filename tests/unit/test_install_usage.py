"""The install commands an installer's usage shows (the console's view, plain mode, the CLI)."""

from __future__ import annotations

from domain import InstallerCreate
from domain.install_usage import email_install_line, example_commands, usage_plain
from domain.installer_params import disallowed, parse_install_parameters

KEY = "k" * 32
APPLIANCE = "https://jump.example"  # parsed only


def test_usage_shows_both_owner_forms_and_the_msi_key_info() -> None:
    text = usage_plain(InstallerCreate(jump_group_id=1), KEY, APPLIANCE)
    assert f"jump-client install --key {KEY} --appliance {APPLIANCE}" in text
    assert f"jump-client install KEY_INFO={KEY} --appliance {APPLIANCE}" in text
    owner = [line for line in text.splitlines() if "--jc-jump-group" in line]
    assert len(owner) == 2
    assert "--jc-jump-group user:USERNAME" in owner[0] and "jc_jump_group=user:USERNAME" in owner[0]
    assert "jumpgroup:CODE_NAME" in owner[1] and all("✗ fixed" in line for line in owner)


def test_examples_give_only_what_the_installer_allows() -> None:
    for fields in (
        {},
        {"allow_override_tag": True},
        {"allow_override_name": True},
        {"allow_override_comments": True, "allow_override_jump_group": True},
    ):
        installer = InstallerCreate(jump_group_id=1, **fields)
        for command in example_commands(installer):
            params = parse_install_parameters(command.split()[2:])
            assert disallowed(installer, params) == [], command
            assert params.silent
    fixed = InstallerCreate(jump_group_id=1)
    assert "--jc-tag" not in usage_plain(fixed, KEY, APPLIANCE).split("Example:")[1]
    assert email_install_line(fixed) == "python3 jump-client-installer-linux-64.pyz [--silent]"
    allowed = InstallerCreate(jump_group_id=1, allow_override_tag=True)
    assert "[--jc-tag TAG]" in email_install_line(allowed)
