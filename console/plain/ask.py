"""Plain mode's guided prompts: each says what it wants, checks the answer with the rule the
full screen's form uses, says what is wrong and asks again, and takes ``cancel`` (or a blank
answer, where the prompt says so) as "do nothing"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from console.plain.console import PlainConsole

T = TypeVar("T")
CANCEL_WORD = "cancel"
#: asked again at most this often before giving up (a script that answers wrong forever)
TRIES = 10


class Cancelled(Exception):
    """The user said cancel (or gave no answer): nothing is done."""


class _Cancel:
    """A blank answer cancels (the default of :func:`ask` and :func:`choose`)."""


CANCELS = _Cancel()


def objection(err: ValidationError, field: str | None = None) -> str | None:
    """A model's first objection (about ``field``, when given) as a sentence: ``Tag: at most
    64 characters.``; None when it has none about that field."""
    errors = [e for e in err.errors() if field is None or (e["loc"] and e["loc"][0] == field)]
    if not errors:
        return None
    first = errors[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    name = str(first["loc"][0]).replace("_", " ") if first["loc"] else ""
    text = f"{name}: {message[:1].lower()}{message[1:]}" if name else message
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def model_check(model: type[BaseModel], field: str) -> Callable[[Any], str | None]:
    """A check of one field's value against ``model`` (the form's own rule)."""

    def check(value: Any) -> str | None:
        try:
            model.model_validate({field: value})
        except ValidationError as err:
            return objection(err)
        return None

    return check


def parser_check(parse: Callable[[str], object]) -> Callable[[str], str | None]:
    """A check from a parser that raises ValueError with a sentence."""

    def check(text: str) -> str | None:
        try:
            parse(text)
        except ValueError as err:
            said = str(err)
            said = said[:1].upper() + said[1:]
            return said if said.endswith(".") else said + "."
        return None

    return check


async def ask(
    con: PlainConsole,
    prompt: str,
    check: Callable[[str], str | None] | None = None,
    *,
    blank: str | _Cancel = CANCELS,
    secret: bool = False,
) -> str:
    """One answer that passes ``check`` (asked again after its sentence). A blank answer
    gives ``blank`` (by default it cancels); ``cancel`` always cancels (raises
    :class:`Cancelled`); ``secret``: not echoed where the terminal allows."""
    for _ in range(TRIES):
        try:
            answer = await (con.ask_secret(prompt) if secret else con.ask(prompt))
        except EOFError:
            raise Cancelled from None
        text = answer.strip()
        if text.lower() == CANCEL_WORD:
            raise Cancelled
        if not text:
            if isinstance(blank, _Cancel):
                raise Cancelled
            return blank
        error = check(text) if check is not None else None
        if error is None:
            return text
        con.say(error)
    raise Cancelled


async def choose(
    con: PlainConsole,
    question: str,
    choices: Sequence[tuple[str, T]],
    *,
    none: str = "",
    blank: Any = CANCELS,
    blank_means: str = "cancels",
) -> T | None:
    """One of ``choices``, numbered from 1 (``none``: also 0, answering None). A blank answer
    gives ``blank`` (by default it cancels), which the prompt names as ``blank_means``."""
    con.say(question)
    if none:
        con.say(f"0. {none}")
    for n, (label, _value) in enumerate(choices, start=1):
        con.say(f"{n}. {label}")
    low = 0 if none else 1
    check = _number_check(low, len(choices))
    answer = await ask(con, f"Say {low} to {len(choices)} (Enter {blank_means}): ", check, blank="")
    if not answer:
        if isinstance(blank, _Cancel):
            raise Cancelled
        result: T | None = blank
        return result
    number = int(answer)
    return None if number == 0 else choices[number - 1][1]


def _number_check(low: int, high: int) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        if text.isdigit() and low <= int(text) <= high:
            return None
        return f"'{text}' is not one of the numbers {low} to {high}."

    return check


async def confirm(con: PlainConsole, question: str) -> None:
    """Go on only when the user says yes to ``question`` (else :class:`Cancelled`)."""
    con.say(question)
    answer = await ask(con, "Say yes to confirm; anything else cancels: ")
    if answer.lower() not in ("yes", "y"):
        raise Cancelled
