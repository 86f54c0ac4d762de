"""The columns of the Jump Item list, once: the title each shows is the word ``:columns`` and
``:sort`` accept.

The key is what the saved layout (``state.json``) keeps; a representative types what the
list shows: ``user``, ``last seen`` (or ``last-seen``, ``last_seen``), any case. The key is
accepted too, so layouts and habits from before keep working.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    numeric: bool = False

    @property
    def word(self) -> str:
        """What a representative types for this column: its title in lower case."""
        return self.title.lower()


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 22),
    Column("status", "Status", 15),
    Column("group", "Group", 18),
    Column("tag", "Tag", 12),
    Column("console_user", "User", 10),
    Column("cpu", "CPU", 5, numeric=True),
    Column("disk", "Disk", 5, numeric=True),
    Column("uptime", "Uptime", 7, numeric=True),
    Column("os", "OS", 20),
    Column("last_seen", "Last seen", 10, numeric=True),
    Column("comments", "Comments", 24),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
#: where CPU and disk use is high and critical: the list, the details (both fronts) and the
#: history agree
WARN = {"cpu": 80.0, "disk": 85.0}
CRITICAL = {"cpu": 95.0, "disk": 95.0}
#: Which columns a narrow list keeps, most wanted first: the list drops chosen columns from
#: the end of this order until the rest fit whole (a number is shown whole or not at all);
#: at 80 columns the name, status and CPU stay.
KEEP_FIRST: tuple[str, ...] = (
    "name",
    "status",
    "cpu",
    "console_user",
    "disk",
    "last_seen",
    "group",
    "tag",
    "uptime",
    "os",
    "comments",
)
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
#: the columns as a sentence lists them
COLUMN_WORDS = ", ".join(c.word for c in COLUMNS)


def fitting(keys: list[str], width: int, gap: int) -> list[str]:
    """The columns of ``keys`` (in their order) that fit whole in ``width`` cells with ``gap``
    cells after each: those least wanted (:data:`KEEP_FIRST`) go first. The first column
    stays even when it does not fit; it is then cut."""
    shown = list(keys)
    drop = [k for k in reversed(KEEP_FIRST) if k in shown]
    while len(shown) > 1 and sum(COLUMN_BY_KEY[k].width + gap for k in shown) - gap > width:
        least = next((k for k in drop if k in shown and k != shown[0]), shown[-1])
        shown.remove(least)
    return shown


def _normal(word: str) -> str:
    return " ".join(word.lower().replace("_", " ").replace("-", " ").split())


_KEY_OF: dict[str, str] = {_normal(c.key): c.key for c in COLUMNS} | {
    _normal(c.title): c.key for c in COLUMNS
}


class UnknownColumn(ValueError):
    """A word that names no column; the message is one sentence listing the columns."""

    def __init__(self, word: str) -> None:
        super().__init__(f"'{word}' is not a column; the columns are {COLUMN_WORDS}.")
        self.word = word


def column_key(word: str) -> str | None:
    """The key of the column ``word`` names (its title or its key, any case), or None."""
    return _KEY_OF.get(_normal(word))


def parse_columns(text: str) -> list[str]:
    """The column keys of ``name,status,last seen`` (commas or spaces between columns; a
    title of two words may stand with a space). Raises :class:`UnknownColumn`."""
    words = text.replace(",", " ").split()
    keys: list[str] = []
    i = 0
    while i < len(words):
        pair = column_key(" ".join(words[i : i + 2])) if i + 1 < len(words) else None
        if pair is not None and column_key(words[i]) is None:
            keys.append(pair)
            i += 2
            continue
        key = column_key(words[i])
        if key is None:
            raise UnknownColumn(words[i])
        keys.append(key)
        i += 1
    return keys


def parse_sort(text: str) -> tuple[str, bool]:
    """``cpu desc``, ``last seen``, ``user asc``: the column key and whether descending.
    Raises :class:`UnknownColumn` (or ValueError for no column at all)."""
    words = text.split()
    descending = False
    if words and words[-1].lower() in ("asc", "desc"):
        descending = words.pop().lower() == "desc"
    if not words:
        raise ValueError(f"Sort by one of {COLUMN_WORDS}, then asc or desc.")
    name = " ".join(words)
    key = column_key(name)
    if key is None:
        raise UnknownColumn(name)
    return key, descending
