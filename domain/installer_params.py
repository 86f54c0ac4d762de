"""Mass-deployment parameters of the Jump Client installer, in both forms (DOMAIN.md).

EXE / Linux form: ``--jc-tag servers`` (``--jc-ephemeral`` and ``--silent`` take no value).
MSI form: ``jc_tag=servers``, ``INSTALLDIR=/opt/jc``, ``jc_ephemeral=1``, ``/quiet``.
One parser serves the installer and the appliance, so both read a command line the same way;
which overrides an installer allows is decided by the appliance (:func:`disallowed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.installer import InstallerFields

#: Parameter (EXE form, without the dashes) → (override field, installer flag that allows it).
PARAMETERS: dict[str, tuple[str, str | None]] = {
    "install-dir": ("install_dir", None),
    "jc-name": ("name", "allow_override_name"),
    "jc-jump-group": ("jump_group", "allow_override_jump_group"),
    "jc-public-site-address": ("public_site_address", "allow_override_public_site_address"),
    "jc-session-policy-present": (
        "session_policy_present",
        "allow_override_attended_session_policy",
    ),
    "jc-session-policy-not-present": (
        "session_policy_not_present",
        "allow_override_unattended_session_policy",
    ),
    "jc-jump-policy": ("jump_policy", "allow_override_jump_policy"),
    "jc-max-offline-minutes": ("max_offline_minutes", "allow_override_max_offline_minutes"),
    "jc-ephemeral": ("ephemeral", "allow_override_max_offline_minutes"),
    "jc-tag": ("tag", "allow_override_tag"),
    "jc-comments": ("comments", "allow_override_comments"),
    "silent": ("silent", None),
}
FLAGS = {"jc-ephemeral", "silent"}
_MSI_NAMES = {name.replace("-", "_"): name for name in PARAMETERS} | {"INSTALLDIR": "install-dir"}
EPHEMERAL_MINUTES = 5


class InstallParameterError(ValueError):
    """One sentence naming the parameter and what is wrong with it."""


@dataclass
class InstallParameters:
    """What the command line asked for; ``given`` keeps each override's spelling."""

    install_dir: str | None = None
    silent: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)

    def spelled(self, field_name: str) -> str:
        return self.given.get(field_name, field_name)


def _store(params: InstallParameters, name: str, value: str | None, spelled: str) -> None:
    target, _flag = PARAMETERS[name]
    if name in FLAGS:
        if value not in (None, "1", "true", "yes"):
            raise InstallParameterError(f"The parameter {spelled} takes no value (or 1).")
        if target == "silent":
            params.silent = True
        else:
            params.overrides["max_offline_minutes"] = EPHEMERAL_MINUTES
            params.overrides["ephemeral"] = True
            params.given["max_offline_minutes"] = spelled
        params.given[target] = spelled
        return
    if value is None or value == "":
        raise InstallParameterError(f"The parameter {spelled} needs a value.")
    if target == "install_dir":
        params.install_dir = value
    elif target == "max_offline_minutes":
        try:
            minutes = int(value)
        except ValueError:
            raise InstallParameterError(
                f"The parameter {spelled} must be a whole number of minutes, not '{value}'."
            ) from None
        if not 0 <= minutes <= 2_147_483_647:
            raise InstallParameterError(f"The parameter {spelled} must be 0 or more minutes.")
        params.overrides[target] = minutes
    elif target == "jump_group":
        kind, sep, name_ = value.partition(":")
        if not sep or kind not in ("user", "jumpgroup") or not name_:
            raise InstallParameterError(
                f"The parameter {spelled} must be user:<username> or jumpgroup:<code_name>, "
                f"not '{value}'."
            )
        params.overrides[target] = value
    else:
        params.overrides[target] = value
    params.given[target] = spelled


def parse_install_parameters(argv: Sequence[str]) -> InstallParameters:
    """Read installer parameters in either form (they may be mixed)."""
    params = InstallParameters()
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if word == "/quiet":
            _store(params, "silent", None, word)
        elif word.startswith("--"):
            name, eq, inline = word[2:].partition("=")
            if name not in PARAMETERS:
                raise InstallParameterError(
                    f"{word.split('=')[0]} is not an installer "
                    "parameter; see jump-client install --help."
                )
            if eq:
                value: str | None = inline
            elif name in FLAGS:
                value = None
            else:
                if index >= len(argv):
                    raise InstallParameterError(f"The parameter --{name} needs a value.")
                value = argv[index]
                index += 1
            _store(params, name, value, f"--{name}")
        elif "=" in word:
            msi_name, _, value = word.partition("=")
            canonical = _MSI_NAMES.get(msi_name)
            if canonical is None:
                raise InstallParameterError(
                    f"{msi_name} is not an installer parameter; see jump-client install --help."
                )
            _store(params, canonical, value, msi_name)
        else:
            raise InstallParameterError(
                f"'{word}' is not an installer parameter; parameters "
                "look like --jc-tag VALUE or jc_tag=VALUE."
            )
    return params


def disallowed(installer: InstallerFields, params: InstallParameters) -> list[str]:
    """Sentences for each override this installer does not allow (empty: all allowed)."""
    problems = []
    seen: set[str] = set()
    for target in params.overrides:
        if target == "ephemeral":
            continue
        name = next(n for n, (t, _f) in PARAMETERS.items() if t == target and n != "jc-ephemeral")
        flag = PARAMETERS[name][1]
        spelled = params.spelled(target)
        if flag and not getattr(installer, flag) and spelled not in seen:
            seen.add(spelled)
            problems.append(
                f"The parameter {spelled} may not be overridden by this installer "
                f"(its {flag.removeprefix('allow_override_').replace('_', ' ')} "
                "is fixed)."
            )
    return problems


#: Example values shown in the usage help, per parameter.
_EXAMPLES: dict[str, tuple[str, ...]] = {
    "install-dir": ("/opt/jump-client",),
    "jc-name": ("NAME",),
    "jc-jump-group": ("user:USERNAME", "jumpgroup:CODE_NAME"),  # a personal list, or a group
    "jc-public-site-address": ("HOST",),
    "jc-session-policy-present": ("CODE_NAME",),
    "jc-session-policy-not-present": ("CODE_NAME",),
    "jc-jump-policy": ("CODE_NAME",),
    "jc-max-offline-minutes": ("MINUTES",),
    "jc-tag": ("TAG",),
    "jc-comments": ("TEXT",),
}


@dataclass(frozen=True, slots=True)
class UsageLine:
    exe: str
    msi: str
    allowed: bool
    """False: this installer fixes the value, and giving it fails the install."""


def usage(installer: InstallerFields) -> list[UsageLine]:
    """Each mass-deployment parameter in both forms (one line per form of its value: the
    owner is ``user:USERNAME`` or ``jumpgroup:CODE_NAME``), and whether this installer
    allows it."""
    lines = []
    for name, (_target, flag) in PARAMETERS.items():
        msi_name = "INSTALLDIR" if name == "install-dir" else name.replace("-", "_")
        if name in FLAGS:
            exe = f"--{name}"
            msi = "/quiet" if name == "silent" else f"{msi_name}=1"
        else:
            allowed = flag is None or bool(getattr(installer, flag))
            for example in _EXAMPLES[name]:
                lines.append(UsageLine(f"--{name} {example}", f"{msi_name}={example}", allowed))
            continue
        lines.append(UsageLine(exe, msi, flag is None or bool(getattr(installer, flag))))
    return lines
