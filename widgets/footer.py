"""The footer every screen shows: Textual's, rebuilt only when what it shows changes.

Textual's footer throws away and mounts again one widget per key whenever the screen's
bindings may have changed: at every focus change and every ``refresh_bindings``. Most of those
change nothing it shows (moving the highlight, a live batch, a tab switch), yet each rebuild
restyles a dozen widgets. This footer compares what it would show with what it shows first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

#: one shown key: its key, how it is displayed, its words, its action, enabled, its tooltip
Shown = tuple[str, str, str, str, bool, str, object]


class KeysFooter(Footer):
    """A :class:`~textual.widgets.Footer` that skips rebuilds which would change nothing."""

    DEFAULT_CSS = """
    KeysFooter.-compact FooterKey.-command-palette { margin-right: 0; }
    """
    """Compact, Textual's palette key keeps the margin of the keys it covers, and lets the
    key under it show through its last column (a stray "R" of "Remove" at 80 columns)."""

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self._shown: tuple[Shown, ...] | None = None

    def _what_it_shows(self) -> tuple[Shown, ...]:
        app = self.app
        return tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown = self._what_it_shows()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
