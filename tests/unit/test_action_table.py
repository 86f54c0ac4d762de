"""Every action of the full screen has a plain-mode command and a ``jump-console`` command, or
says why not; the README's table is the registry's, and names only commands that exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding

from console.cli import parser as cli_parser
from console.registry import ACTIONS, ConsoleAction, key_name, keys_of, markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- actions table: begin -->\n", "\n<!-- actions table: end -->"


def every_action() -> list[ConsoleAction]:
    return list(ACTIONS)


@pytest.mark.parametrize("action", every_action(), ids=lambda a: a.id)
def test_each_action_is_everywhere_or_says_why_not(action: ConsoleAction) -> None:
    everywhere = bool(action.plain) and bool(action.cli)
    if everywhere:
        assert not action.only, f"{action.id} is in all three: drop its reason"
    else:
        assert action.only, f"{action.id} lacks a plain-mode or CLI form and says not why"


def test_the_readme_table_is_the_registrys() -> None:
    text = README.read_text()
    assert BEGIN in text and END in text, "the README lost its table's markers"
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert shown == markdown_table(), (
        "README.md's action table differs from console/registry.py; paste the output of "
        "python -c 'from console.registry import markdown_table; print(markdown_table())'"
    )


def _subcommands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:  # argparse keeps its subparsers here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("action", [a for a in every_action() if a.cli], ids=lambda a: a.id)
def test_the_cli_forms_name_real_commands(action: ConsoleAction) -> None:
    commands = _subcommands(cli_parser())
    for form in action.cli.split(", "):
        words = form.split()
        if words[0] == "--help" or words[:2] == ["COMMAND", "--help"]:
            continue
        assert words[0] in commands, f"{action.id}: {words[0]} is not a jump-console command"
        inner = _subcommands(commands[words[0]])
        if inner and len(words) > 1 and re.fullmatch(r"[a-z|\[\]]+", words[1]):
            for word in words[1].strip("[]").split("|"):
                assert word in inner, f"{action.id}: {words[0]} has no {word}"
        options = {o for a in commands[words[0]]._actions for o in a.option_strings}
        for sub in inner.values():
            options |= {o for a in sub._actions for o in a.option_strings}
        for option in re.findall(r"--[a-z-]+", form):
            assert option in options, f"{action.id}: {words[0]} has no {option}"


def _bound(bindings: list[Any], prefix: str) -> dict[str, list[str]]:
    """A screen's keys by binding id (``sessions.tab_2`` counts as ``sessions.tab``)."""
    bound: dict[str, list[str]] = {}
    for binding in bindings:
        assert isinstance(binding, Binding) and binding.id is not None
        assert binding.id.startswith(prefix)
        name = re.sub(r"_\d$", "", binding.id)
        bound.setdefault(name, []).extend(keys_of(binding.key))
    return bound


def test_the_keys_of_the_sessions_screen_its_view_and_the_installer_list_are_in_the_table() -> None:
    from console.admin.installers import InstallersScreen
    from console.session_screen import SessionsScreen
    from widgets.screen_view import ScreenView

    bound = _bound(list(SessionsScreen.BINDINGS), "sessions.")
    bound |= _bound(list(InstallersScreen.BINDINGS), "installers.")
    bound |= _bound(list(ScreenView.BINDINGS), "screen.")
    runs = {binding: a for a in ACTIONS for binding in a.elsewhere}
    assert set(bound) == set(runs), "a key of another screen is not in the table, or is gone"
    for binding, keys in bound.items():
        shown = runs[binding].tui
        if binding == "sessions.tab":
            assert "`1`…`9`" in shown
            continue
        for key in keys:
            assert f"`{key_name(key)}`" in shown, f"{binding}: the table does not name {key}"
