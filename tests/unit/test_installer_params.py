"""Installer parameters in both forms, and which overrides an installer allows."""

from __future__ import annotations

import pytest

from domain import InstallerCreate
from domain.installer_params import (
    InstallParameterError,
    disallowed,
    parse_install_parameters,
)


def test_exe_and_msi_forms_mean_the_same() -> None:
    exe = parse_install_parameters(
        [
            "--jc-name",
            "Kiosk 4",
            "--jc-tag",
            "lobby",
            "--jc-jump-group",
            "jumpgroup:servers",
            "--jc-max-offline-minutes",
            "60",
            "--install-dir",
            "/opt/jc",
            "--silent",
        ]
    )
    msi = parse_install_parameters(
        [
            "jc_name=Kiosk 4",
            "jc_tag=lobby",
            "jc_jump_group=jumpgroup:servers",
            "jc_max_offline_minutes=60",
            "INSTALLDIR=/opt/jc",
            "/quiet",
        ]
    )
    assert (
        exe.overrides
        == msi.overrides
        == {
            "name": "Kiosk 4",
            "tag": "lobby",
            "jump_group": "jumpgroup:servers",
            "max_offline_minutes": 60,
        }
    )
    assert exe.install_dir == msi.install_dir == "/opt/jc"
    assert exe.silent and msi.silent


def test_ephemeral_is_five_minutes_offline() -> None:
    for argv in (["--jc-ephemeral"], ["jc_ephemeral=1"]):
        params = parse_install_parameters(argv)
        assert params.overrides["max_offline_minutes"] == 5


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--jc-colour", "red"], "--jc-colour is not an installer parameter"),
        (["jc_colour=red"], "jc_colour is not an installer parameter"),
        (["--jc-tag"], "--jc-tag needs a value"),
        (["jc_tag="], "jc_tag needs a value"),
        (["--jc-max-offline-minutes", "soon"], "must be a whole number of minutes"),
        (["--jc-jump-group", "servers"], "user:<username> or jumpgroup:<code_name>"),
        (["stray"], "'stray' is not an installer parameter"),
    ],
)
def test_bad_parameters_say_which_and_why(argv: list[str], words: str) -> None:
    with pytest.raises(InstallParameterError, match=words.replace("(", r"\(")):
        parse_install_parameters(argv)


def test_overrides_the_installer_does_not_allow_are_named_in_their_form() -> None:
    installer = InstallerCreate(jump_group_id=1, allow_override_tag=True)
    assert disallowed(installer, parse_install_parameters(["--jc-tag", "db"])) == []
    problems = disallowed(installer, parse_install_parameters(["jc_name=x", "--jc-tag", "db"]))
    assert problems == [
        "The parameter jc_name may not be overridden by this installer (its name is fixed)."
    ]
    ephemeral = disallowed(installer, parse_install_parameters(["--jc-ephemeral"]))
    assert ephemeral and "--jc-ephemeral" in ephemeral[0]
