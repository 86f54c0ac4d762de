"""``:installers`` — the active installers, for site administrators.

A small table (``DataTable`` is right for tens of rows) with the actions of the
administration page: view (every field and the mass-deployment usage), download, copy the
direct link, show the key, extend, delete (confirmed; deployed clients stay), add.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from platformdirs import user_data_dir
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Static

from api_client import ApplianceClient, ApplianceError
from console import transfers
from console.dialogs import DIALOG_CSS, ConfirmScreen, PromptScreen, refusal_of
from console.installer_text import Names, detail_rows, elevation_text, expires_text
from console.transfers import free_name
from console.words import delete_installer_question
from domain import Installer
from domain.install_usage import PLATFORM, usage_rows
from domain.installer import parse_duration
from domain.mail import parse_recipients
from domain.text import visible
from domain.wording import until
from widgets.footer import KeysFooter

#: how the installer view shows each kind of usage line
_STYLES = {"heading": "bold", "line": "", "fixed": "dim", "note": ""}


def usage_text(installer: Installer, appliance: str) -> Text:
    """The mass-deployment command lines filled with this installer's key, each parameter
    marked as allowed or fixed (giving a fixed one fails the install): the text plain mode
    and the CLI print (:mod:`domain.install_usage`), emphasised."""
    out = Text()
    for row in usage_rows(installer, installer.installer_id, appliance):
        out.append(f"{row.text}\n", _STYLES[row.kind])
    out.rstrip()
    return out


def details_text(installer: Installer, names: Names, now: datetime) -> Text:
    rows = detail_rows(installer, names, now)
    width = max(len(label) for label, _ in rows)
    text = Text()
    for label, value in rows:
        text.append(f"{label.ljust(width)}  ", "bold")
        text.append(f"{visible(value)}\n")
    return text


class InstallerView(ModalScreen[None]):
    """Every field of one installer, and the usage panel."""

    DEFAULT_CSS = f"""InstallerView {{ {DIALOG_CSS}
        & > Vertical {{ width: 124; max-height: 95%; }}
        & VerticalScroll {{ height: auto; max-height: 40; }}
    }}"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="installer_view.close"),
    ]

    def __init__(self, title: str, details: Text, usage_panel: Text) -> None:
        super().__init__()
        self.title_text = title
        self.details = details
        self.usage_panel = usage_panel

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            with VerticalScroll():
                yield Static(self.details, id="installer-details")
                yield Static(self.usage_panel, id="installer-usage")
            yield Static("escape closes.", classes="hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class InstallersScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="installers.back"),
        Binding("enter,v", "view", "View", id="installers.view"),
        Binding("a,n", "add", "Add (deploy)", id="installers.add"),
        Binding("d", "download", "Download", id="installers.download"),
        Binding("l", "link", "Copy link", id="installers.link"),
        Binding("m", "email", "E-mail", id="installers.email"),
        Binding("i", "install_here", "Install here", id="installers.install_here"),
        Binding("k", "key", "Show key", id="installers.key"),
        Binding("x", "extend", "Extend", id="installers.extend"),
        Binding("delete", "delete", "Delete", id="installers.delete"),
        Binding("r", "reload", "Reload", id="installers.reload"),
    ]
    DEFAULT_CSS = """
    InstallersScreen { background: $surface; }
    InstallersScreen #installers-state { padding: 0 1; height: auto; }
    InstallersScreen DataTable { height: 1fr; }
    """
    COLUMNS = (
        "Name",
        "Jump Group",
        "Tag",
        "Connection",
        "Jump Policy",
        "Expires",
        "Elevation",
        "Comments",
    )

    class AddRequested(Message):
        """The administrator asked for a new installer (the app opens the wizard)."""

    def __init__(
        self,
        client: ApplianceClient,
        names: Names,
        now: Callable[[], datetime],
        folder: Path | None = None,
    ):
        super().__init__()
        self.client = client
        self.names = names
        self.now = now
        self.folder = folder
        self.installers: list[Installer] = []
        self._reveal: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("Loading the installers…", id="installers-state", markup=False)
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.COLUMNS)
        yield table
        yield KeysFooter()

    def on_mount(self) -> None:
        self.title = "Jump Client installers"
        self.query_one(DataTable).focus()
        self.action_reload()

    def _state(self, text: str) -> None:
        self.query_one("#installers-state", Static).update(text)

    @work(exclusive=True, group="installers", exit_on_error=False)
    async def action_reload(self) -> None:
        try:
            installers = [i async for i in self.client.installers.iter()]
        except ApplianceError as err:
            self._state(f"The installers could not be loaded: {err.message}")
            return
        self.show(installers)

    def show(self, installers: list[Installer]) -> None:
        keep = self.selected()
        self.installers = sorted(installers, key=lambda i: i.expiration_timestamp, reverse=True)
        table = self.query_one(DataTable)
        table.clear()
        now = self.now()
        for inst in self.installers:
            expired = inst.expiration_timestamp <= now
            table.add_row(
                visible(inst.name) or "(computer name)",
                visible(self.names.group(inst)),
                visible(inst.tag),
                inst.connection_type.value,
                self.names.policy(inst.jump_policy_id),
                # marked in its cell, not as a row label: a label column comes and goes
                # with the table's redraws
                ("✗ " if expired else "") + expires_text(inst, now),
                elevation_text(inst),
                visible(inst.comments[:40]),
                key=str(inst.id),
            )
        wanted = self._reveal if self._reveal is not None else (keep.id if keep else None)
        rows = [n for n, i in enumerate(self.installers) if i.id == wanted]
        if rows:
            table.move_cursor(row=rows[0])
        if self._reveal is not None and rows:
            self._reveal = None
            self.action_view()
        n_expired = sum(1 for i in self.installers if i.expiration_timestamp <= now)
        if not self.installers:
            self._state("No installer yet: press a to create one with the mass deployment wizard.")
            return
        marked = (
            f", {n_expired} expired (marked ✗; they cannot deploy until extended)"
            if n_expired
            else ""
        )
        self._state(
            f"{len(self.installers)} installer(s){marked}. a adds one; enter views it with its "
            "usage; d downloads; l copies the link; m e-mails it; x extends; delete deletes."
        )

    def selected(self) -> Installer | None:
        table = self.query_one(DataTable)
        if not self.installers or table.cursor_row >= len(self.installers):
            return None
        return self.installers[table.cursor_row]

    def _one(self) -> Installer | None:
        inst = self.selected()
        if inst is None:
            self.notify("There is no installer to act on; press a to add one.", markup=False)
        return inst

    def _usable(self, doing: str) -> Installer | None:
        """The highlighted installer if it has not expired (else it says to extend it)."""
        inst = self._one()
        if inst is not None and inst.expiration_timestamp <= self.now():
            self.notify(
                f"This installer has expired; extend it (x) before {doing}.",
                severity="warning",
                markup=False,
            )
            return None
        return inst

    def action_view(self) -> None:
        inst = self._one()
        if inst is not None:
            self.app.push_screen(
                InstallerView(
                    f"Installer '{inst.name or '(computer name)'}'",
                    details_text(inst, self.names, self.now()),
                    usage_text(inst, self.appliance_address()),
                )
            )

    def appliance_address(self) -> str:
        """The address clients install from: the one this console talks to."""
        return self.client.base_url

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on a row: the table says so, and the installer opens
        self.action_view()

    def action_add(self) -> None:
        self.post_message(self.AddRequested())

    def reveal(self, installer_id: int) -> None:
        """Reload, then highlight this installer and show it with its usage."""
        self._reveal = installer_id
        self.action_reload()

    def action_link(self) -> None:
        inst = self._usable("copying its link (it does not download now)")
        if inst is None:
            return
        link = self.client.installer_link(inst.installer_id, PLATFORM)
        self.app.copy_to_clipboard(link)
        self.notify(
            f"Copied the direct download link (anyone with it can download until the installer "
            f"expires): {link}",
            markup=False,
            timeout=15,
        )

    def action_email(self) -> None:
        inst = self._usable("e-mailing it")
        if inst is None:
            return

        def chosen(text: str | None) -> None:
            if text:
                self.email(inst, parse_recipients(text))

        self.app.push_screen(
            PromptScreen(
                f"E-mail the installer '{inst.name or '(computer name)'}' to:",
                "Addresses separated by commas. The appliance sends the direct download link "
                "through the site's SMTP server (set it in :settings). Escape cancels.",
                check=refusal_of(parse_recipients),
            ),
            chosen,
        )

    @work(exclusive=True, group="installer-email", exit_on_error=False)
    async def email(self, inst: Installer, recipients: list[str]) -> None:
        self._state(f"E-mailing the installer to {len(recipients)} recipient(s)…")
        try:
            said = await self.client.email_installer(inst.id, recipients)
        except ApplianceError as err:
            self._state(f"The e-mail was not sent: {err.message}")
            self.notify(err.message, severity="error", markup=False)
            return
        self._state(said)
        self.notify(said, markup=False)

    def action_install_here(self) -> None:
        """Install a Jump Client on this very machine from the highlighted installer."""
        inst = self._usable("installing from it")
        if inst is None:
            return

        def check(text: str) -> str | None:
            path = Path(text.strip()).expanduser()
            if not text.strip():
                return "Give a folder to install into."
            if path.exists():
                return f"{path} exists; a Jump Client installs into a new folder."
            return None

        def chosen(text: str | None) -> None:
            if text:
                self.install_here(inst, Path(text.strip()).expanduser())

        default = Path(user_data_dir("jump-client", appauthor=False)) / f"installer-{inst.id}"
        self.app.push_screen(
            PromptScreen(
                f"Install a Jump Client on this machine from '{inst.name or '(computer name)'}'"
                f" ({PLATFORM}, this machine's platform), into:",
                "A new folder; the client installs in user mode. Escape cancels.",
                check=check,
                value=str(default),
            ),
            chosen,
        )

    @work(exclusive=True, group="installer-install", exit_on_error=False)
    async def install_here(self, inst: Installer, directory: Path) -> None:
        self._state(f"Installing a Jump Client into {directory}…")
        command = [
            sys.executable,
            "-m",
            "jump_client",
            "install",
            "--key",
            inst.installer_id,
            "--appliance",
            self.appliance_address(),
            "--install-dir",
            str(directory),
        ]
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            reason = lines[-1] if lines else f"exit status {done.returncode}"
            self._state(f"The install failed: {reason}")
            self.notify(f"The install failed: {reason}", severity="error", markup=False)
            return
        said = (
            f"Installed a Jump Client in {directory}. Start it with: "
            f"jump-client run --dir {directory}"
        )
        self._state(said)
        self.notify(said, markup=False, timeout=15)

    def action_key(self) -> None:
        inst = self._one()
        if inst is not None:
            self.notify(f"Installer key: {inst.installer_id}", markup=False, timeout=20)

    def action_download(self) -> None:
        inst = self._usable("downloading")
        if inst is None:
            return
        self.download(inst)

    @work(exclusive=True, group="installer-download", exit_on_error=False)
    async def download(self, inst: Installer) -> None:
        self._state(f"Downloading the {PLATFORM} installer…")
        try:
            data = await self.client.download_installer(inst.installer_id, PLATFORM)
        except ApplianceError as err:
            self._state(f"The download failed: {err.message}")
            return
        folder = self.folder or Path(transfers.default_folder())
        target = free_name(folder, f"jump-client-installer-{PLATFORM}.pyz")
        try:
            await asyncio.to_thread(transfers.save_new, target, data)
        except OSError as err:
            self._state(f"The installer could not be saved in {folder}: {err.strerror}.")
            return
        self._state(f"Saved the installer to {target} ({transfers.size_text(len(data))}).")
        self.notify(f"Saved the installer to {target}.", markup=False)

    def action_extend(self) -> None:
        inst = self._one()
        if inst is None:
            return

        def chosen(text: str | None) -> None:
            if text:
                self.extend(inst, parse_duration(text))

        self.app.push_screen(
            PromptScreen(
                f"Extend '{inst.name or '(computer name)'}': valid for how long from now?",
                "10 min to 1 year: 30m, 12h, 7d, 52w, or minutes (1440). Escape cancels.",
                check=refusal_of(parse_duration),
                value="7d",
            ),
            chosen,
        )

    @work(exclusive=True, group="installer-extend", exit_on_error=False)
    async def extend(self, inst: Installer, minutes: int) -> None:
        try:
            await self.client.installers.extend(inst.id, minutes)
        except ApplianceError as err:
            self.notify(err.message, severity="error", markup=False)
            return
        self.notify(f"Extended the installer by {until_minutes(minutes)} from now.", markup=False)
        self.action_reload()

    def action_delete(self) -> None:
        inst = self._one()
        if inst is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete(inst)

        self.app.push_screen(
            ConfirmScreen(delete_installer_question(inst, self.names.group(inst))),
            answered,
        )

    @work(exclusive=True, group="installer-delete", exit_on_error=False)
    async def delete(self, inst: Installer) -> None:
        try:
            await self.client.installers.delete(inst.id)
        except ApplianceError as err:
            self.notify(err.message, severity="error", markup=False)
            return
        self.notify("Deleted the installer; its deployed Jump Clients stay.", markup=False)
        self.action_reload()


def until_minutes(minutes: int) -> str:
    return until(timedelta(minutes=minutes))
