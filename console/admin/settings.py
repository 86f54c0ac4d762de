"""``:settings`` — the site's Jump Client settings, for site administrators.

Every value is checked as a whole before it is sent (the same model the appliance uses, so
"days before lost must be less than days before deleted" shows under its field at once);
the appliance checks again, audits who changed what from what to what, and enforces it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from pydantic import ValidationError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Header, Input, Select, Static

from api_client import ApplianceError, ValidationFailed
from console.admin._form import FORM_CSS, error_bag, read_value, show_errors
from console.dialogs import ConfirmScreen
from domain import JumpClientSettings, Statistic
from domain.site import lost_before_deleted

#: (field, label, kind, choices); kind is "int", "bool" or "choice"
Spec = tuple[str, str, str, tuple[tuple[str, str], ...]]

SECTIONS: tuple[tuple[str, tuple[Spec, ...]], ...] = (
    (
        "Statistics",
        (("statistics_interval_s", "Active statistics update interval (5–3600 s)", "int", ()),),
    ),
    (
        "Upgrades",
        (
            ("upgrade_bandwidth_mib_s", "Upgrade bandwidth cap (1–100 MiB/s)", "int", ()),
            ("max_concurrent_upgrades", "Concurrent upgrades (1–500)", "int", ()),
            (
                "automatic_upgrades",
                "Automatic upgrades",
                "choice",
                (
                    ("Disabled (upgrade by hand from the console)", "disabled"),
                    ("This version only", "this_version"),
                    ("Always", "always"),
                ),
            ),
        ),
    ),
    (
        "Maintenance",
        (
            ("days_before_lost", "Days offline before a Jump Client is lost (≥ 15)", "int", ()),
            ("days_before_deleted", "Days offline before it is deleted (≥ 15)", "int", ()),
            (
                "uninstalled_behavior",
                "When a Jump Client is uninstalled",
                "choice",
                (("Keep it, marked uninstalled", "keep"), ("Remove it", "remove")),
            ),
            ("restrict_local_uninstall", "Restrict local uninstall and disable", "bool", ()),
        ),
    ),
    (
        "Connections",
        (
            (
                "default_connection_type",
                "Default connection type (clients pinned from a session)",
                "choice",
                (("Active", "active"), ("Passive", "passive")),
            ),
            ("passive_port", "Passive port (1–65535)", "int", ()),
            ("connection_rate", "Global connection rate (1–300 per second)", "int", ()),
            ("allow_wake", "Allow Wake-on-LAN", "bool", ()),
            ("presence_by_screen_state", "Use screen state to detect presence", "bool", ()),
            (
                "allow_adhoc_sessions",
                "Allow ad-hoc sessions from existing Jump Clients",
                "bool",
                (),
            ),
            (
                "simultaneous_jumps",
                "Simultaneous jumps (policies set to the site default)",
                "choice",
                (("Join the existing session", "join"), ("Disallow", "disallow")),
            ),
        ),
    ),
)

STAT_LABELS = {
    Statistic.CPU: "CPU",
    Statistic.CONSOLE_USER: "Console user",
    Statistic.DISK_USAGE: "Disk usage",
    Statistic.THUMBNAIL: "Screen thumbnail",
    Statistic.UPTIME: "Uptime",
}
FIELDS = ["statistics", *(spec[0] for _title, specs in SECTIONS for spec in specs)]


class SettingsScreen(Screen[None]):
    """The form; ``load`` and ``save`` reach the appliance (the app passes its client's)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "leave", "Back", id="settings.back"),
    ]
    DEFAULT_CSS = f"SettingsScreen {{ {FORM_CSS} }}"

    def __init__(
        self,
        load: Callable[[], Awaitable[JumpClientSettings]],
        save: Callable[[dict[str, Any]], Awaitable[JumpClientSettings]],
    ) -> None:
        super().__init__()
        self._load = load
        self._save = save
        self.saved: JumpClientSettings | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll():
            yield Static("Loading the site's settings…", id="settings-state", markup=False)
            yield Static("Statistics shown", classes="section")
            for stat, label in STAT_LABELS.items():
                yield Checkbox(label, id=f"stat-{stat.value}")
            yield Static("", classes="error", id="error-statistics", markup=False)
            for title, specs in SECTIONS:
                if title != "Statistics":
                    yield Static(title, classes="section", markup=False)
                for field, label, kind, choices in specs:
                    if kind == "bool":
                        yield Checkbox(label, id=f"field-{field}")
                    else:
                        yield Static(label, classes="label", markup=False)
                        if kind == "int":
                            yield Input(type="integer", id=f"field-{field}")
                        else:
                            yield Select(choices, allow_blank=False, id=f"field-{field}")
                    yield Static("", classes="error", id=f"error-{field}", markup=False)
            yield Static(
                "ctrl+s saves (every change is audited); escape goes back.",
                classes="hint",
                markup=False,
            )
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Site settings for Jump Clients"
        self.load()

    @work(exclusive=True, group="settings-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            settings = await self._load()
        except ApplianceError as err:
            self._state(f"The settings could not be loaded: {err.message}")
            return
        self.fill(settings)
        self._state("Change what you need, then press ctrl+s.")

    def _state(self, text: str) -> None:
        self.query_one("#settings-state", Static).update(text)

    def _widget(self, field: str) -> Widget:
        return self.query_one(f"#field-{field}")

    def fill(self, settings: JumpClientSettings) -> None:
        self.saved = settings
        for stat in Statistic:
            self.query_one(f"#stat-{stat.value}", Checkbox).value = stat in settings.statistics
        values = settings.model_dump(mode="json")
        for field in FIELDS[1:]:
            widget = self._widget(field)
            if isinstance(widget, Input):
                widget.value = str(values[field])
            elif isinstance(widget, Checkbox | Select):
                widget.value = values[field]
        show_errors(self, FIELDS, {})
        self.query_one("#field-statistics_interval_s", Input).focus()

    def values(self) -> dict[str, Any]:
        chosen = [s.value for s in Statistic if self.query_one(f"#stat-{s.value}", Checkbox).value]
        return {"statistics": chosen} | {f: read_value(self._widget(f)) for f in FIELDS[1:]}

    def changes(self) -> dict[str, Any]:
        if self.saved is None:
            return {}
        old = self.saved.model_dump(mode="json")
        return {k: v for k, v in self.values().items() if v != old[k]}

    def check(self) -> dict[str, list[str]]:
        """Errors of the form as a whole (empty when it may be saved)."""
        values = self.values()
        errors: dict[str, list[str]] = {}
        try:
            JumpClientSettings.model_validate(values)
        except ValidationError as err:
            errors = error_bag(err, whole="days_before_lost")
        rule = lost_before_deleted(values["days_before_lost"], values["days_before_deleted"])
        if rule and rule not in errors.get("days_before_lost", []):
            errors.setdefault("days_before_lost", []).append(rule)
        return errors

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        if self.saved is None:
            return
        errors = self.check()
        show_errors(self, FIELDS, errors)
        if errors:
            self._state("Nothing was saved: correct the fields marked below.")
            return
        changes = self.changes()
        if not changes:
            self._state("Nothing to save: no setting was changed.")
            return
        self.send(changes)

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def send(self, changes: dict[str, Any]) -> None:
        self._state("Saving…")
        try:
            saved = await self._save(changes)
        except ValidationFailed as err:
            show_errors(self, FIELDS, err.errors)
            self._state(f"The appliance refused the change: {err.message}")
            return
        except ApplianceError as err:
            self._state(f"Nothing was saved: {err.message}")
            return
        self.fill(saved)
        names = ", ".join(sorted(changes))
        self._state(f"Saved {len(changes)} change(s): {names}.")
        self.notify(f"Site settings saved ({names}).", markup=False)

    def action_leave(self) -> None:
        if not self.changes():
            self.dismiss()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(
            ConfirmScreen("Leave without saving? Your changes to the settings will be lost."),
            answered,
        )
