"""``StatusBar``: connection state, counts, who is signed in, demo and paused markers."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from domain.text import visible


def loading_text(received: int, total: int | None) -> str:
    """What the console is doing while a snapshot streams in."""
    if total is None:
        return f"Loading Jump Items: {received:,} so far"
    return f"Loading Jump Items: {received:,} of {total:,}"


class StatusBar(Static):
    """One line at the bottom; the parent sets its reactives.

    The keys it names are the user's (``keys``: binding id -> the key as shown), so a
    remapped pause says ``PAUSED (p)``. The state flags come first, where a narrow terminal
    still shows them.
    """

    COMPONENT_CLASSES = {
        "status-bar--live",
        "status-bar--stale",
        "status-bar--demo",
        "status-bar--marker",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        & > .status-bar--live { color: $status-online; text-style: bold; }
        & > .status-bar--stale { color: $status-attention; text-style: bold; }
        & > .status-bar--demo { color: $demo-marker; text-style: bold; }
        & > .status-bar--marker { color: $accent; text-style: bold; }
    }
    """

    connection: reactive[str] = reactive("connecting")
    """``connecting``, ``live``, ``reconnecting`` or ``offline``."""
    retry_in: reactive[int | None] = reactive(None)
    last_heard: reactive[str] = reactive("")
    """When the appliance was last heard (HH:MM), while it cannot be reached."""
    online: reactive[int] = reactive(0)
    total: reactive[int] = reactive(0)
    shown: reactive[int] = reactive(0)
    user: reactive[str] = reactive("")
    demo: reactive[bool] = reactive(False)
    paused: reactive[bool] = reactive(False)
    marked: reactive[int] = reactive(0)
    sessions: reactive[int] = reactive(0)
    receiving: reactive[tuple[int, int | None] | None] = reactive(None)
    """A snapshot on its way: (items received, items in all when known)."""

    def __init__(
        self,
        *,
        keys: Mapping[str, str],
        id: str | None = None,  # noqa: A002 - Textual's keyword
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.keys = dict(keys)

    def _key(self, binding_id: str) -> str:
        return self.keys.get(binding_id, binding_id)

    def _style(self, name: str) -> str:
        return str(self.get_component_rich_style(name, partial=True))

    def connection_text(self) -> str:
        if self.connection == "live":
            return "● live"
        if self.connection == "connecting":
            return "… connecting"
        retry = f" in {self.retry_in} s" if self.retry_in is not None else ""
        heard = f"stale — last heard {self.last_heard}" if self.last_heard else "may be stale"
        now = self._key("app.reconnect")
        if self.connection == "reconnecting":
            return f"↻ reconnecting{retry} ({now}: now) — data kept, {heard}"
        return f"✕ offline, retrying{retry} ({now}: now) — data kept, {heard}"

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        state_style = "status-bar--live" if self.connection == "live" else "status-bar--stale"
        text.append(self.connection_text(), style=self._style(state_style))
        if self.receiving is not None:
            text.append(f"  │  {loading_text(*self.receiving)}")
        if self.paused:
            text.append("  │  ")
            paused = f"PAUSED ({self._key('app.pause')})"
            text.append(paused, style=self._style("status-bar--marker"))
        if self.marked:
            text.append(f"  │  {self.marked} marked ({self._key('table.select')} starts them)")
        if self.sessions:
            plural = "s" if self.sessions > 1 else ""
            text.append(f"  │  {self.sessions} session{plural} ({self._key('app.sessions')})")
        text.append(f"  │  {self.online:,} online of {self.total:,} items, {self.shown:,} shown")
        if self.user:
            text.append(f"  │  signed in as {visible(self.user)}")
        if self.demo:
            text.append("  │  ")
            text.append("DEMO DATA", style=self._style("status-bar--demo"))
        return text
