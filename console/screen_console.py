"""``Console``: what the main screen shows and asks of the console (the app is one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from console.action_runner import ActionRunner
    from console.backend import SignIn
    from console.details import HistoryBook
    from console.history_loader import HistoryLoader
    from console.store import ItemStore
    from domain import JumpClient

AdminScreen = Literal["installers", "deploy", "settings"]


class Console(Protocol):
    """What the main screen shows and asks of the console (the app is one)."""

    store: ItemStore
    history: HistoryBook
    item_history: HistoryLoader
    session: SignIn | None
    actions: ActionRunner
    clock: Callable[[], datetime]

    @property
    def paused(self) -> bool:
        """Live updates are held back: the list stays as it is."""

    @property
    def details_item(self) -> JumpClient | None:
        """The full record of the highlighted item, as last fetched."""

    @property
    def thumbnail(self) -> tuple[int, str | None, float]:
        """The highlighted item's screen thumbnail: (item id, thumbnail, when fetched)."""

    def set_paused(self, paused: bool) -> None:
        """Hold live updates back (True) or apply what was held back (False)."""

    def key_name(self, binding_id: str) -> str:
        """The key of ``binding_id`` as the user's keymap sets it, as shown ('Z', '/')."""

    def show_sessions(self, sid: str | None = None) -> None:
        """Show the sessions the representative is in (with ``sid``'s tab in front)."""

    def open_admin(self, screen: AdminScreen) -> None:
        """Open an administration screen (site administrators only)."""

    def open_audit(self, filter_text: str) -> None:
        """Open the audit log, filtered (site administrators only)."""

    def show_help(self) -> None:
        """Show every key and every command."""

    def stale_since(self) -> str | None:
        """While the appliance cannot be reached: when it was last heard (HH:MM)."""
