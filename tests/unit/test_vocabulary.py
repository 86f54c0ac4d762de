"""One vocabulary: the words the list shows are the words the filter and ``:columns`` take, and
every filter example the console and its README offer filters the demo fleet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.commands import CommandError, parse_command
from console.registry import ACTIONS
from domain import Status
from domain.columns import COLUMNS
from domain.filters import FILTER_SYNTAX, FilterError, Subject, parse
from tests.support.appliance import RepFactory
from widgets import FilterBar

ROOT = Path(__file__).resolve().parents[2]


def _terms(example: str) -> list[str]:
    """The terms of a filter example: words, ``field:value`` and quoted phrases."""
    return re.findall(r'!?(?:\w+:)?"[^"]*"|\S+', example)


def offered_examples() -> dict[str, list[str]]:
    """Every filter example a representative is offered, by where it is offered."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The filter language", 1)[1].split("\n## ", 1)[0]
    first = max(re.findall(r"`([^`]+)`", section), key=len)  # the example of every field
    placeholder = FilterBar.PLACEHOLDER.split("words, ", 1)[1]
    helps = [a.command_help for a in ACTIONS if a.command == "filter"]
    helps += [a.plain_help for a in ACTIONS if a.plain and a.plain[0] == "filter"]
    in_help = [m for h in helps for m in re.findall(r"(?:\(:|e\.g\. )filter ([^)]*)\)", h)]
    return {
        "README": _terms(" ".join(first.split())),
        "filter bar": _terms(placeholder),
        "help": [t for example in in_help for t in _terms(example)],
        "help's filter language": [t for example, _ in FILTER_SYNTAX for t in _terms(example)],
    }


def test_the_examples_are_found() -> None:
    found = offered_examples()
    assert "os:linux" in found["README"] and "!status:lost" in found["README"]
    assert '"front desk"' in found["filter bar"]
    assert "status:online" in found["help"]


@pytest.mark.not_storage("the filter language on the demo fleet")
async def test_every_offered_example_filters_the_demo_fleet(rep: RepFactory) -> None:
    admin = await rep("admin")  # sees every group
    everything = (await admin.jump_items("", per_page=5)).total
    assert everything > 0
    for where, terms in offered_examples().items():
        for term in terms:
            parse(term)  # raises with a position if an example does not parse
            kept = (await admin.jump_items(term, per_page=5)).total
            assert 0 < kept < everything, f"{where} offers {term}, which filters nothing"


@pytest.mark.not_storage("the filter language on the demo fleet")
async def test_os_linux_finds_the_linux_distributions(rep: RepFactory) -> None:
    admin = await rep("admin")
    linux = [i async for i in admin.iter_jump_items("os:linux")]
    systems = {i.operating_system.split()[0] for i in linux}
    assert {"Ubuntu", "Debian", "Red"} <= systems  # Red Hat Enterprise Linux
    assert not any(s in systems for s in ("Windows", "macOS"))


def test_every_status_word_the_list_shows_is_a_filter_word() -> None:
    for status in Status:
        shown = status.word  # what the list's Status column and the details say
        quoted = f'status:"{shown}"' if " " in shown else f"status:{shown}"
        subject = Subject.of(name="x", status=status.value)
        assert parse(quoted).matches(subject), quoted
        others = [s for s in Status if s is not status]
        assert not any(parse(quoted).matches(Subject.of(name="y", status=s.value)) for s in others)
    with pytest.raises(FilterError) as info:
        parse("status:sleepy")
    assert '"needs update"' in info.value.message  # the error offers the words as shown


def test_columns_and_sort_take_the_words_the_list_shows() -> None:
    titles = ",".join(c.title for c in COLUMNS)  # "Name,Status,...,User,...,Last seen,..."
    assert parse_command(f":columns {titles}").columns == tuple(c.key for c in COLUMNS)
    assert parse_command(":columns user").columns == ("console_user",)
    assert parse_command(":columns name status last seen user").columns == (
        "name",
        "status",
        "last_seen",
        "console_user",
    )
    assert parse_command(":columns last_seen,console_user").columns == (
        "last_seen",
        "console_user",
    )  # keys still work: saved layouts and old habits
    assert parse_command(":sort last seen desc").sort == ("last_seen", True)
    assert parse_command(":sort user").sort == ("console_user", False)
    with pytest.raises(CommandError) as info:
        parse_command(":columns name,owner")
    message = str(info.value)
    assert message.startswith("'owner' is not a column;")
    assert "user" in message and "last seen" in message and "console_user" not in message
