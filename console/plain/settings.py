"""Plain mode's site settings, for site administrators: ``settings`` numbers them with their
values (the Jump Client settings, then the e-mail server the installers are sent through);
``set`` (or ``set N``, ``set NAME``) changes one, asking for the value and checking it with
the model the appliance checks (the rules across settings too) before it is sent."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from console.plain.admin import for_admins
from console.plain.ask import Cancelled, ask, choose, objection
from domain import JumpClientSettings, JumpClientSettingsUpdate, Statistic
from domain.mail import SmtpSettings, SmtpSettingsUpdate

if TYPE_CHECKING:
    from console.plain.console import PlainConsole

SMTP = "smtp "  # how the e-mail server's settings are named in the list
PASSWORD = "smtp password"


def _label(key: str) -> str:
    return key.replace("_", " ")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value != "" else "empty"


def _values(site: JumpClientSettings, smtp: SmtpSettings) -> dict[str, Any]:
    """Every setting by its name in the list, with its value now."""
    values = {_label(k): v for k, v in site.model_dump(mode="json").items()}
    mail = smtp.model_dump(mode="json")
    has_password = mail.pop("has_password")
    values |= {SMTP + _label(k): v for k, v in mail.items()}
    values[PASSWORD] = "set" if has_password else "none set"
    return values


async def command(con: PlainConsole, verb: str, rest: list[str]) -> None:
    if not for_admins(con, "settings"):
        return
    client = con.backend.client
    site, smtp = await client.settings(), await client.smtp()
    values = _values(site, smtp)
    names = list(values)
    if verb == "settings":
        con.say(f"{len(values)} site settings; set N changes one:")
        for n, name in enumerate(names, start=1):
            con.say(f"{n}. {name}: {_shown(values[name])}")
        return
    wanted = " ".join(rest).strip()
    if not wanted:
        wanted = await ask(con, "Which setting? Its number or its name (Enter cancels): ")
    found = _name_of(wanted.strip().lower().replace("_", " "), names)
    if found is None:
        con.say(f"'{wanted}' is not a setting; say settings for their numbers and names.")
        return
    name = found
    if name.startswith(SMTP):
        key = name.removeprefix(SMTP).replace(" ", "_")
        value = await _ask_smtp(con, smtp, key)
        await client.update_smtp({key: value})
        con.say(
            "Saved: the smtp password was changed."
            if key == "password"
            else f"Saved: {name} is now {_shown(value)}."
        )
        return
    key = name.replace(" ", "_")
    value = await _ask_value(con, site, key)
    saved = await client.update_settings({key: value})
    con.say(f"Saved: {name} is now {_shown(saved.model_dump(mode='json')[key])}.")


def _name_of(wanted: str, names: list[str]) -> str | None:
    if wanted.isdigit():
        return names[int(wanted) - 1] if 1 <= int(wanted) <= len(names) else None
    return wanted if wanted in names else None


def _check(current: JumpClientSettings, key: str, value: Any) -> str | None:
    """The appliance's rule for the change: the field, then the settings as a whole."""
    try:
        JumpClientSettingsUpdate.model_validate({key: value}).apply_to(current)
    except ValidationError as err:
        return objection(err)
    return None


def _smtp_check(key: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        try:
            SmtpSettingsUpdate.model_validate({key: value})
        except ValidationError as err:
            return objection(err)
        return None

    return check


async def _yes_no(con: PlainConsole, label: str) -> bool:
    answer = await ask(
        con,
        f"{label}: say yes or no (Enter cancels): ",
        lambda t: None if t.lower() in ("yes", "y", "no", "n") else "Say yes or no.",
    )
    return answer.lower() in ("yes", "y")


async def _whole_number(con: PlainConsole, label: str, check: Callable[[int], str | None]) -> int:
    def number(text: str) -> str | None:
        if not text.lstrip("-").isdigit():
            return f"'{text}' is not a whole number."
        return check(int(text))

    return int(await ask(con, f"{label}: a whole number (Enter cancels): ", number))


async def _ask_smtp(con: PlainConsole, smtp: SmtpSettings, key: str) -> Any:
    check = _smtp_check(key)
    if key == "password":  # write-only: never shown, not echoed as it is typed
        text = await ask(
            con,
            "smtp password, not shown as you type; a single - clears it (Enter cancels): ",
            lambda t: check("" if t == "-" else t),
            secret=True,
        )
        return "" if text == "-" else text
    now = getattr(smtp, key)
    label = f"{SMTP}{_label(key)} (now {_shown(now)})"
    if isinstance(now, bool):
        return await _yes_no(con, label)
    if isinstance(now, int):
        return await _whole_number(con, label, check)
    text = await ask(
        con,
        f"{label}; a single - empties it (Enter cancels): ",
        lambda t: check("" if t == "-" else t),
    )
    return "" if text == "-" else text


async def _ask_value(con: PlainConsole, current: JumpClientSettings, key: str) -> Any:
    now = current.model_dump(mode="json")[key]
    label = f"{_label(key)} (now {_shown(now)})"
    if isinstance(now, bool):
        return await _yes_no(con, label)
    if isinstance(now, int):
        return await _whole_number(con, label, lambda v: _check(current, key, v))
    if isinstance(now, list):
        names = ", ".join(s.value for s in Statistic)

        def chosen(text: str) -> list[str]:
            return [] if text.lower() == "none" else [w.strip() for w in text.split(",")]

        answer = await ask(
            con,
            f"{label}: some of {names}, with commas, or none (Enter cancels): ",
            lambda t: _check(current, key, chosen(t)),
        )
        return chosen(answer)
    kind = type(getattr(current, key))
    if issubclass(kind, Enum):
        value = await choose(con, f"{label}:", [(str(e.value), e.value) for e in kind])
        if value is None:
            raise Cancelled
        return value
    return await ask(con, f"{label} (Enter cancels): ", lambda t: _check(current, key, t))
