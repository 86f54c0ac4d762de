"""The console's themes as Textual themes, and the line filter of the no-colour theme."""

from __future__ import annotations

from collections.abc import Sequence

from textual.filter import LineFilter, Monochrome, NoColor
from textual.theme import Theme

from themes import NO_COLOR_THEME, SHORT_NAMES, THEME_NAMES, VARIABLE_DEFAULTS

DARK = Theme(
    name=SHORT_NAMES["dark"],
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
    name=SHORT_NAMES["light"],
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
    name=SHORT_NAMES["high-contrast"],
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
    name=SHORT_NAMES["16"],
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

_DEFAULT = "ansi_default"
NO_COLOR = Theme(
    name=NO_COLOR_THEME,
    ansi=True,
    primary=_DEFAULT,
    secondary=_DEFAULT,
    warning=_DEFAULT,
    error=_DEFAULT,
    success=_DEFAULT,
    accent=_DEFAULT,
    foreground=_DEFAULT,
    background=_DEFAULT,
    surface=_DEFAULT,
    panel=_DEFAULT,
    boost=_DEFAULT,
    dark=True,
    variables={
        **{name: _DEFAULT for name in VARIABLE_DEFAULTS if not name.endswith("-style")},
        # emphasis without colour: the highlighted row reversed, warnings bold, ...
        "block-cursor-text-style": "reverse",
        "block-cursor-blurred-text-style": "underline",
        "input-cursor-text-style": "reverse",
        "button-focus-text-style": "bold reverse",
        "level-warn-style": "bold",
        "level-critical-style": "bold reverse",
        "status-lost-style": "bold",
        "list-cursor-style": "reverse",
        "list-cursor-blurred-style": "underline",
        **{
            name: _DEFAULT
            for name in (
                "ansi-background",
                "ansi-foreground",
                "block-cursor-foreground",
                "block-cursor-background",
                "block-cursor-blurred-foreground",
                "block-cursor-blurred-background",
                "border",
                "border-blurred",
                "input-cursor-background",
                "input-cursor-foreground",
                "input-selection-background",
                "input-selection-foreground",
                "screen-selection-background",
                "screen-selection-foreground",
            )
        },
    },
)

THEMES: tuple[Theme, ...] = (DARK, LIGHT, HIGH_CONTRAST, SIXTEEN, NO_COLOR)
assert tuple(t.name for t in THEMES) == THEME_NAMES, "every theme has a short name"
_NO_COLOR_FILTER = NoColor()


def colour_filters(filters: Sequence[LineFilter], theme: str) -> list[LineFilter]:
    """The app's line filters for ``theme``: while the no-colour theme is on, every colour
    becomes the terminal's default (bold, reverse and underline stay); otherwise colours
    are drawn as the theme says.

    Textual turns colours into greys whenever ``NO_COLOR`` is present, which drew every
    cell black on black; the theme decides instead.
    """
    kept = [f for f in filters if not isinstance(f, Monochrome | NoColor)]
    return [*kept, _NO_COLOR_FILTER] if theme == NO_COLOR_THEME else kept
