"""Plain mode's site settings, for site administrators: ``settings`` numbers them with their
values; ``set`` (or ``set N``, ``set NAME``) changes one, asking for the value and checking it
with the model the appliance checks (the rules across settings too) before it is sent."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from console.plain.admin import for_admins
from console.plain.ask import Cancelled, ask, choose, objection
from domain import JumpClientSettings, JumpClientSettingsUpdate, Statistic

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


def _label(key: str) -> str:
    return key.replace("_", " ")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


async def command(con: PlainConsole, verb: str, rest: list[str]) -> None:
    if not for_admins(con, "settings"):
        return
    current = await con.backend.client.settings()
    values = current.model_dump(mode="json")
    keys = list(values)
    if verb == "settings":
        con.say(f"{len(values)} site settings; set N changes one:")
        for n, key in enumerate(keys, start=1):
            con.say(f"{n}. {_label(key)}: {_shown(values[key])}")
        return
    wanted = " ".join(rest).strip().lower().replace("_", " ")
    if not wanted:
        wanted = await ask(con, "Which setting? Its number or its name (Enter cancels): ")
    found = _key_of(wanted.strip().lower().replace("_", " "), keys)
    if found is None:
        con.say(f"'{wanted}' is not a setting; say settings for their numbers and names.")
        return
    key = found
    value = await _ask_value(con, current, key)
    saved = await con.backend.client.update_settings({key: value})
    con.say(f"Saved: {_label(key)} is now {_shown(saved.model_dump(mode='json')[key])}.")


def _key_of(wanted: str, keys: list[str]) -> str | None:
    if wanted.isdigit():
        return keys[int(wanted) - 1] if 1 <= int(wanted) <= len(keys) else None
    return next((k for k in keys if _label(k) == wanted), None)


def _check(current: JumpClientSettings, key: str, value: Any) -> str | None:
    """The appliance's rule for the change: the field, then the settings as a whole."""
    try:
        JumpClientSettingsUpdate.model_validate({key: value}).apply_to(current)
    except ValidationError as err:
        return objection(err)
    return None


async def _ask_value(con: PlainConsole, current: JumpClientSettings, key: str) -> Any:
    now = current.model_dump(mode="json")[key]
    label = f"{_label(key)} (now {_shown(now)})"
    if isinstance(now, bool):
        answer = await ask(
            con,
            f"{label}: say yes or no (Enter cancels): ",
            lambda t: None if t.lower() in ("yes", "y", "no", "n") else "Say yes or no.",
        )
        return answer.lower() in ("yes", "y")
    if isinstance(now, int):

        def number(text: str) -> str | None:
            return (
                _check(current, key, int(text))
                if text.lstrip("-").isdigit()
                else (f"'{text}' is not a whole number.")
            )

        return int(await ask(con, f"{label}: a whole number (Enter cancels): ", number))
    if isinstance(now, list):
        names = ", ".join(s.value for s in Statistic)

        def chosen(text: str) -> list[str]:
            return [] if text.lower() == "none" else [w.strip() for w in text.split(",")]

        def check(text: str) -> str | None:
            return _check(current, key, chosen(text))

        answer = await ask(
            con, f"{label}: some of {names}, with commas, or none (Enter cancels): ", check
        )
        return chosen(answer)
    kind = type(getattr(current, key))
    if issubclass(kind, Enum):
        value = await choose(con, f"{label}:", [(str(e.value), e.value) for e in kind])
        if value is None:
            raise Cancelled
        return value
    return await ask(con, f"{label} (Enter cancels): ", lambda t: _check(current, key, t))
