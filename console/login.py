"""The sign-in screen used when ``--appliance`` is given without a password."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from widgets.ordered_input import OrderedInput


class LoginScreen(ModalScreen[tuple[str, str]]):
    """Asks for the username and password; dismisses with them (the password is masked)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", id="login.quit"),
    ]

    DEFAULT_CSS = """
    LoginScreen {
        align: center middle;
        & > Vertical { width: 64; height: auto; background: $surface; border: round $primary;
                       padding: 1 2; }
        & Input, & Input:focus { border: none; height: 1; background: $panel; margin: 0 0 1 0; }
        & #login-error { color: $error; height: auto; }
    }
    """

    def __init__(self, appliance: str, username: str = "", error: str = "") -> None:
        super().__init__()
        self.appliance = appliance
        self.username = username
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Sign in to {self.appliance}", markup=False)
            yield Static("Username", markup=False)
            yield OrderedInput(value=self.username, id="login-username")
            yield Static("Password", markup=False)
            yield OrderedInput(password=True, id="login-password")
            yield Static(self.error, id="login-error", markup=False)
            yield Static("Enter signs in; ctrl+q quits.", markup=False)

    def on_mount(self) -> None:
        target = "#login-password" if self.username else "#login-username"
        self.query_one(target, Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        user = self.query_one("#login-username", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not user:
            self.query_one("#login-error", Static).update("Type your username.")
            self.query_one("#login-username", Input).focus()
        elif not password:
            self.query_one("#login-error", Static).update("Type your password.")
            self.query_one("#login-password", Input).focus()
        else:
            self.dismiss((user, password))
