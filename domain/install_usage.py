"""How to install from an installer, as text: one wording for every place that prints it.

The console's installer view, plain mode, the CLI and the installer e-mail all take their
install commands from here, so they never disagree. Each line comes with its kind
(:data:`Kind`) so a screen may emphasise headings and dim what the installer fixes; joined,
the lines are the plain text (:func:`usage_plain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.installer import InstallerFields
from domain.installer_params import PARAMETERS, UsageLine, usage

#: the platform this appliance builds installers for
PLATFORM = "linux-64"

Kind = Literal["heading", "line", "fixed", "note"]

#: the overrides an example command prefers, each with its example value (the first the
#: installer allows is used)
_EXAMPLE_OVERRIDES = (
    ("jc-tag", "servers"),
    ("jc-name", "web-01"),
    ("jc-comments", "rack-4"),
    ("jc-jump-group", "jumpgroup:servers"),
    ("jc-jump-policy", "business-hours"),
)


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    kind: Kind = "line"


def installer_file(platform: str = PLATFORM) -> str:
    """The file name of the downloaded installer."""
    return f"jump-client-installer-{platform}.pyz"


def msi_name(exe_name: str) -> str:
    """``jc-tag`` → ``jc_tag`` (``install-dir`` → ``INSTALLDIR``): the MSI form's name."""
    return "INSTALLDIR" if exe_name == "install-dir" else exe_name.replace("-", "_")


def allows(installer: InstallerFields, exe_name: str) -> bool:
    """Whether this installer lets a command line give the parameter ``exe_name``."""
    flag = PARAMETERS[exe_name][1]
    return flag is None or bool(getattr(installer, flag))


def example_override(installer: InstallerFields) -> tuple[str, str] | None:
    """An override this installer allows, with an example value (None: it allows none)."""
    return next(((n, v) for n, v in _EXAMPLE_OVERRIDES if allows(installer, n)), None)


def example_commands(installer: InstallerFields) -> tuple[str, str]:
    """One silent install in each form, giving only what this installer allows."""
    file = installer_file()
    chosen = example_override(installer)
    if chosen is None:
        return f"python3 {file} --silent", f"python3 {file} /quiet"
    name, value = chosen
    return (
        f"python3 {file} --{name} {value} --silent",
        f"python3 {file} {msi_name(name)}={value} /quiet",
    )


def email_install_line(installer: InstallerFields) -> str:
    """The install command an installer e-mail suggests (``--jc-tag`` only when allowed)."""
    optional = " [--jc-tag TAG]" if allows(installer, "jc-tag") else ""
    return f"python3 {installer_file()}{optional} [--silent]"


def _parameter_rows(lines: list[UsageLine]) -> list[Row]:
    width = max(len(line.exe) for line in lines)
    msi_width = max(len(line.msi) for line in lines)
    return [
        Row(
            f"  {line.exe.ljust(width)}  {line.msi.ljust(msi_width)}  "
            + ("✓ allowed" if line.allowed else "✗ fixed"),
            "line" if line.allowed else "fixed",
        )
        for line in lines
    ]


def usage_rows(installer: InstallerFields, key: str, appliance: str) -> list[Row]:
    """The mass-deployment usage of an installer whose key is ``key``, for ``appliance``:
    the commands in both forms, each parameter marked allowed or fixed, and an example."""
    file = installer_file()
    exe, msi = example_commands(installer)
    return [
        Row(f"Platform: {PLATFORM} (this appliance builds Linux installers)", "heading"),
        Row("Install from the downloaded file (it carries the key and the address):", "heading"),
        Row(f"  python3 {file} [PARAMETERS]"),
        Row("Or with the Jump Client already on the machine:", "heading"),
        Row(f"  jump-client install --key {key} --appliance {appliance} [PARAMETERS]"),
        Row("  MSI form, the key as KEY_INFO:", "heading"),
        Row(f"  jump-client install KEY_INFO={key} --appliance {appliance} [PARAMETERS]"),
        Row(""),
        Row("Parameters, EXE/Linux form and MSI form:", "heading"),
        *_parameter_rows(usage(installer)),
        Row(""),
        Row(
            "✗ fixed: this installer sets the value, and giving it on a command line fails the "
            "install.",
            "note",
        ),
        Row(f"Example: {exe}", "note"),
        Row(f"     or: {msi}", "note"),
    ]


def usage_plain(installer: InstallerFields, key: str, appliance: str) -> str:
    """:func:`usage_rows` as plain text (plain mode, the CLI)."""
    return "\n".join(row.text for row in usage_rows(installer, key, appliance))
