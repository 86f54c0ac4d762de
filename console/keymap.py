"""The user's ``[keymap]`` is checked before the full screen starts.

An id that names no key binding (``app.fliter``) would do nothing, and a key that another
binding already answers to (``"app.filter" = "s"``) would silently take it from that one
(Sort): either is one sentence and exit status 2, never a surprise later. The ids and keys
are read from the bindings themselves: every screen's and widget's of this console, and
Textual's own, as they are grouped when one screen is shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from console.config import ConfigError, ConsoleSettings
from console.registry import keys_of


@dataclass(frozen=True, slots=True)
class Bound:
    """One key binding: its id ('' when it has none), its keys and what it does."""

    id: str
    keys: tuple[str, ...]
    label: str

    @property
    def name(self) -> str:
        if self.id and self.label:
            return f"{self.id} ({self.label})"
        return self.id or self.label or "another key"


def keymap_problem(
    keymap: Mapping[str, str],
    groups: Iterable[Sequence[Bound]],
    known: Collection[str],
    where: str,
) -> str | None:
    """One sentence about the first problem of ``keymap`` (None: there is none).

    ``groups``: the bindings that answer keys together (one screen with its widgets, and
    the app's); ``known``: every binding id; ``where``: where the keymap comes from.
    """
    for binding_id in keymap:
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=1)
            hint = f"did you mean {close[0]}?" if close else "the help (?) lists every id."
            return f"The key binding id '{binding_id}' in {where} does not exist; {hint}"
    for group in groups:
        holder: dict[str, Bound] = {}
        for bound in group:
            remapped = bound.id in keymap
            for key in keys_of(keymap[bound.id]) if remapped else bound.keys:
                other = holder.setdefault(key, bound)
                if other is bound or (bound.id and other.id == bound.id):
                    continue
                if remapped or other.id in keymap:
                    taker, loser = (bound, other) if remapped else (other, bound)
                    return (
                        f"The key '{key}' that {where} gives to {taker.id} is already the key "
                        f"of {loser.name}; give one of them another key."
                    )
    return None


def _bindings(cls: type) -> list[Bound]:
    """Every binding of ``cls`` and its bases (Textual merges them the same way)."""
    from textual.binding import Binding

    found: list[Bound] = []
    for klass in reversed(cls.__mro__):
        for binding in vars(klass).get("BINDINGS", ()):
            if isinstance(binding, Binding):
                found.append(Bound(binding.id or "", keys_of(binding.key), binding.description))
            elif isinstance(binding, tuple):
                found.append(Bound("", keys_of(binding[0]), str(binding[-1])))
    return found


def _subclasses(cls: type) -> Iterable[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def check_keymap(settings: ConsoleSettings) -> None:
    """Raise :class:`ConfigError` with one sentence when the keymap cannot be used."""
    if not settings.keymap:
        return
    # Every screen and widget of the console, so every binding id is known.
    from textual.dom import DOMNode
    from textual.screen import Screen

    import console.admin.deploy
    import console.admin.installers
    import console.admin.settings
    import console.dialogs
    import console.login
    import console.screens
    import console.session_screen  # noqa: F401
    from console.app import JumpConsoleApp
    from console.main_screen import MainScreen
    from widgets import GroupTree, JumpTable

    ours = [c for c in _subclasses(DOMNode) if c.__module__.startswith(("console.", "widgets."))]
    known = {b.id for c in [JumpConsoleApp, *ours] for b in _bindings(c) if b.id}
    app = _bindings(JumpConsoleApp)
    main = _bindings(MainScreen)
    groups = [app + main + _bindings(JumpTable), app + main + _bindings(GroupTree)]
    groups += [app + _bindings(c) for c in ours if issubclass(c, Screen) and c is not MainScreen]
    problem = keymap_problem(settings.keymap, groups, known, settings.source_of("keymap"))
    if problem is not None:
        raise ConfigError(problem)
