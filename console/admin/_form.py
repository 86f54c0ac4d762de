"""What the administration forms share: reading widgets into values, errors under fields."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static

FORM_CSS = """
    & VerticalScroll { padding: 0 2; }
    & .section { text-style: bold; color: $primary; margin-top: 1; }
    & .label { color: $foreground 80%; }
    & .error { color: $error; height: auto; }
    & .hint { color: $foreground 70%; height: auto; margin: 1 0; }
    & Input, & Input:focus { border: none; height: 1; background: $panel; width: 40; }
    & Select { width: 60; }
    & Checkbox { border: none; padding: 0; background: $surface; }
"""


def error_bag(err: ValidationError, *, whole: str) -> dict[str, list[str]]:
    """Field → sentences from a pydantic error; errors about the whole go under ``whole``."""
    bag: dict[str, list[str]] = {}
    for error in err.errors():
        field = str(error["loc"][0]) if error["loc"] else whole
        message = str(error["msg"]).removeprefix("Value error, ")
        bag.setdefault(field, []).append(message[:1].lower() + message[1:])
    return bag


def read_value(widget: Widget) -> Any:
    """The value a form widget holds: text, a whole number (or the text, to be refused),
    a choice (None when none is chosen), or a tick."""
    if isinstance(widget, Checkbox):
        return widget.value
    if isinstance(widget, Select):
        return None if widget.value is Select.NULL else widget.value
    if isinstance(widget, Input):
        text = widget.value.strip()
        if widget.type == "integer":
            try:
                return int(text)
            except ValueError:
                return text  # the model refuses it with a sentence under the field
        return widget.value
    raise TypeError(f"not a form widget: {widget!r}")


def show_errors(root: Widget, fields: list[str], errors: dict[str, list[str]]) -> None:
    for field in fields:
        root.query_one(f"#error-{field}", Static).update("; ".join(errors.get(field, [])))
