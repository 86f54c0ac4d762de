"""The console's themes by name, and its own theme variables (status colours, emphasis).

Themes are data: ``jump-dark`` (default), ``jump-light``, ``jump-high-contrast``, ``jump-16``
(16 ANSI colours) and ``jump-no-color`` (chosen when ``NO_COLOR`` is set and not empty, unless
a theme is chosen explicitly: the terminal's own colours, emphasis by bold, reverse and
underline). Widgets style status, warnings and critical values with the variables below,
never with literal colours; every status is also a word and a glyph, so no theme carries
meaning by colour alone. The names are here without Textual (the CLI, the config check and
the ``:`` help read them); the themes themselves are in :mod:`themes.palettes`.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_THEME = "jump-dark"
NO_COLOR_THEME = "jump-no-color"
#: The short name of each theme, as help texts and the palette offer them.
SHORT_NAMES: dict[str, str] = {
    "dark": DEFAULT_THEME,
    "light": "jump-light",
    "high-contrast": "jump-high-contrast",
    "16": "jump-16",
    "no-color": NO_COLOR_THEME,
}
THEME_NAMES: tuple[str, ...] = tuple(SHORT_NAMES.values())
#: Names accepted by ``:theme``, ``--theme`` and the config file besides the full ones.
ALIASES: dict[str, str] = {
    **SHORT_NAMES,
    "16-colour": SHORT_NAMES["16"],
    "16-color": SHORT_NAMES["16"],
    "no-colour": NO_COLOR_THEME,
}
#: "dark, light, high-contrast, 16 or no-color"
SHORT_NAMES_TEXT = f"{', '.join(list(SHORT_NAMES)[:-1])} or {list(SHORT_NAMES)[-1]}"

#: App theme variables with their defaults (used by themes that do not set them).
VARIABLE_DEFAULTS: dict[str, str] = {
    "status-online": "#4EBF71",
    "status-offline": "#8A8F98",
    "status-attention": "#E0A030",
    "status-lost": "#D9534F",
    "status-session": "#4AA3DF",
    "level-warn": "#E0A030",
    "level-critical": "#E5484D",
    "demo-marker": "#B48EAD",
    # emphasis that does not rely on colour (the no-colour theme makes these bold, reverse...)
    "level-warn-style": "none",
    "level-critical-style": "bold",
    "status-lost-style": "none",
    "list-cursor-style": "none",
    "list-cursor-blurred-style": "none",
}


def resolve(name: str) -> str | None:
    """The theme called ``name`` (full or short), or None when there is none."""
    if name in THEME_NAMES:
        return name
    return ALIASES.get(name)


def starting_theme(
    chosen: str | None, environ: Mapping[str, str], remembered: str | None = None
) -> str:
    """The theme to start with: the one chosen (flag, environment or config file), else the
    no-colour theme when ``NO_COLOR`` is set and not empty (no-color.org: this terminal, this
    run), else the one last picked in the console (``remembered``), else the default."""
    if chosen is not None:
        return chosen
    if environ.get("NO_COLOR"):
        return NO_COLOR_THEME
    return remembered or DEFAULT_THEME


__all__ = [
    "ALIASES",
    "DEFAULT_THEME",
    "NO_COLOR_THEME",
    "SHORT_NAMES",
    "SHORT_NAMES_TEXT",
    "THEME_NAMES",
    "VARIABLE_DEFAULTS",
    "resolve",
    "starting_theme",
]
