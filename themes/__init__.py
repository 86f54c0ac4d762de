"""The console's themes and its own theme variables (status colours and thresholds).

Themes are data: ``jump-dark`` (default), ``jump-light``, ``jump-high-contrast`` and
``jump-16`` (16 ANSI colours, chosen automatically with ``NO_COLOR``). Widgets style
status, warnings and critical values with the variables below, never with literal colours;
every status is also a word and a glyph, so no theme carries meaning by colour alone.
"""

from __future__ import annotations

from textual.theme import Theme

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
}

DARK = Theme(
    name="jump-dark",
    primary="#4AA3DF",
    secondary="#7C8DB5",
    accent="#B48EAD",
    warning="#E0A030",
    error="#E5484D",
    success="#4EBF71",
    foreground="#D8DEE9",
    background="#1B1F27",
    surface="#232935",
    panel="#2C3442",
    dark=True,
)

LIGHT = Theme(
    name="jump-light",
    primary="#1F6FB2",
    secondary="#4C5F8A",
    accent="#8E4C8A",
    warning="#9A6300",
    error="#B3261E",
    success="#1E7B3A",
    foreground="#1B1F27",
    background="#F7F8FA",
    surface="#EDEFF3",
    panel="#E1E5EC",
    dark=False,
    variables={
        "status-online": "#1E7B3A",
        "status-offline": "#5B616B",
        "status-attention": "#9A6300",
        "status-lost": "#B3261E",
        "status-session": "#1F6FB2",
        "level-warn": "#9A6300",
        "level-critical": "#B3261E",
        "demo-marker": "#8E4C8A",
    },
)

HIGH_CONTRAST = Theme(
    name="jump-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FF00FF",
    warning="#FFFF00",
    error="#FF5555",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    variables={
        "status-online": "#00FF00",
        "status-offline": "#FFFFFF",
        "status-attention": "#FFFF00",
        "status-lost": "#FF5555",
        "status-session": "#00FFFF",
        "level-warn": "#FFFF00",
        "level-critical": "#FF5555",
        "demo-marker": "#FF00FF",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
    },
)

SIXTEEN = Theme(
    name="jump-16",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    accent="ansi_magenta",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        "status-online": "ansi_green",
        "status-offline": "ansi_default",
        "status-attention": "ansi_yellow",
        "status-lost": "ansi_red",
        "status-session": "ansi_cyan",
        "level-warn": "ansi_yellow",
        "level-critical": "ansi_red",
        "demo-marker": "ansi_magenta",
        # What Textual's own ansi-dark theme defines, which its widgets rely on.
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "border-blurred": "ansi_black",
        "input-cursor-background": "ansi_black",
        "input-cursor-foreground": "ansi_bright_white",
        "input-cursor-text-style": "none",
        "input-selection-background": "ansi_bright_blue",
        "input-selection-foreground": "ansi_black",
        "screen-selection-background": "ansi_bright_blue",
        "screen-selection-foreground": "ansi_black",
    },
)

THEMES: tuple[Theme, ...] = (DARK, LIGHT, HIGH_CONTRAST, SIXTEEN)
THEME_NAMES: tuple[str, ...] = tuple(t.name for t in THEMES)
DEFAULT_THEME = DARK.name
NO_COLOR_THEME = SIXTEEN.name
#: Short names accepted by ``:theme`` and the config file.
ALIASES: dict[str, str] = {
    "dark": DARK.name,
    "light": LIGHT.name,
    "high-contrast": HIGH_CONTRAST.name,
    "16": SIXTEEN.name,
    "16-colour": SIXTEEN.name,
    "16-color": SIXTEEN.name,
}


def resolve(name: str) -> str | None:
    """The theme called ``name`` (full or short), or None when there is none."""
    if name in THEME_NAMES:
        return name
    return ALIASES.get(name)


__all__ = [
    "ALIASES",
    "DEFAULT_THEME",
    "NO_COLOR_THEME",
    "THEMES",
    "THEME_NAMES",
    "VARIABLE_DEFAULTS",
    "resolve",
]
