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
from textual.widgets import Checkbox, Header, Input, Select, Static

from api_client import ApplianceError, ValidationFailed
from console.admin._form import FORM_CSS, error_bag, read_value, show_errors
from console.dialogs import ConfirmScreen
from domain import JumpClientSettings, Statistic
from domain.mail import SmtpSettings, SmtpSettingsUpdate
from domain.site import lost_before_deleted
from widgets.footer import KeysFooter
from widgets.ordered_input import OrderedInput

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
                    ("Enable for this upgrade cycle (then off again)", "this_version"),
                    ("Enable permanently", "always"),
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
    (
        "Sessions",
        (
            (
                "session_grace_s",
                "Seconds a session waits for its consoles to come back (10–3600)",
                "int",
                (),
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

#: the SMTP server the appliance e-mails installers through (saved apart: its own API)
SMTP_FIELDS = (
    ("host", "SMTP server (blank: e-mail is off)", "text"),
    ("port", "Port (1–65535; 587 with STARTTLS, 25 without)", "int"),
    ("starttls", "Use STARTTLS", "bool"),
    ("username", "User name (blank: no sign-in)", "text"),
    ("password", "Password (write-only; blank keeps the one set)", "password"),
    ("from_address", "From address", "text"),
)
SMTP_IDS = [f"smtp_{name}" for name, _label, _kind in SMTP_FIELDS]


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
        load_smtp: Callable[[], Awaitable[SmtpSettings]] | None = None,
        save_smtp: Callable[[dict[str, Any]], Awaitable[SmtpSettings]] | None = None,
    ) -> None:
        super().__init__()
        self._load = load
        self._save = save
        self._load_smtp = load_smtp
        self._save_smtp = save_smtp
        self.saved: JumpClientSettings | None = None
        self.saved_smtp: SmtpSettings | None = None

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
                            yield OrderedInput(type="integer", id=f"field-{field}")
                        else:
                            yield Select(choices, allow_blank=False, id=f"field-{field}")
                    yield Static("", classes="error", id=f"error-{field}", markup=False)
            if self._load_smtp is not None:
                yield Static("E-mail (SMTP) for sending installers", classes="section")
                for name, label, kind in SMTP_FIELDS:
                    if kind == "bool":
                        yield Checkbox(label, id=f"field-smtp_{name}")
                    else:
                        yield Static(label, classes="label", markup=False)
                        yield OrderedInput(
                            type="integer" if kind == "int" else "text",
                            password=kind == "password",
                            id=f"field-smtp_{name}",
                        )
                    yield Static("", classes="error", id=f"error-smtp_{name}", markup=False)
            yield Static(
                "ctrl+s saves (every change is audited); escape goes back.",
                classes="hint",
                markup=False,
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.title = "Site settings for Jump Clients"
        self.load()

    @work(exclusive=True, group="settings-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            settings = await self._load()
            smtp = await self._load_smtp() if self._load_smtp is not None else None
        except ApplianceError as err:
            self._state(f"The settings could not be loaded: {err.message}")
            return
        if smtp is not None:
            self.fill_smtp(smtp)
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

    def fill_smtp(self, smtp: SmtpSettings) -> None:
        self.saved_smtp = smtp
        values = smtp.model_dump(mode="json")
        for name, _label, kind in SMTP_FIELDS:
            widget = self._widget(f"smtp_{name}")
            if isinstance(widget, Checkbox):
                widget.value = bool(values[name])
            elif isinstance(widget, Input):
                widget.value = "" if kind == "password" else str(values[name])
                if kind == "password":
                    widget.placeholder = "a password is set" if smtp.has_password else "none set"

    def smtp_changes(self) -> dict[str, Any]:
        if self.saved_smtp is None:
            return {}
        old = self.saved_smtp.model_dump(mode="json")
        changes: dict[str, Any] = {}
        for name, _label, kind in SMTP_FIELDS:
            value = read_value(self._widget(f"smtp_{name}"))
            if kind == "password":
                if value:
                    changes["password"] = value
            elif value != old[name]:
                changes[name] = value
        return changes

    def check_smtp(self) -> dict[str, list[str]]:
        try:
            SmtpSettingsUpdate.model_validate(self.smtp_changes())
        except ValidationError as err:
            return {f"smtp_{k}": v for k, v in error_bag(err, whole="host").items()}
        return {}

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
        errors = self.check() | self.check_smtp()
        show_errors(self, self._all_fields(), errors)
        if errors:
            self._state("Nothing was saved: correct the fields marked below.")
            return
        changes, smtp = self.changes(), self.smtp_changes()
        if not changes and not smtp:
            self._state("Nothing to save: no setting was changed.")
            return
        self.send(changes, smtp)

    def _all_fields(self) -> list[str]:
        return FIELDS + (SMTP_IDS if self._load_smtp is not None else [])

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def send(self, changes: dict[str, Any], smtp: dict[str, Any]) -> None:
        self._state("Saving…")
        try:
            if smtp and self._save_smtp is not None:
                try:
                    self.fill_smtp(await self._save_smtp(smtp))
                except ValidationFailed as err:  # its fields are named apart on the form
                    errors = {f"smtp_{k}": v for k, v in err.errors.items()}
                    show_errors(self, self._all_fields(), errors)
                    self._state(f"The appliance refused the e-mail settings: {err.message}")
                    return
            saved = await self._save(changes) if changes else self.saved
        except ValidationFailed as err:
            show_errors(self, self._all_fields(), err.errors)
            self._state(f"The appliance refused the change: {err.message}")
            return
        except ApplianceError as err:
            self._state(f"Nothing more was saved: {err.message}")
            return
        assert saved is not None
        self.fill(saved)
        names = ", ".join(sorted([*changes, *(f"smtp {k}" for k in smtp)]))
        self._state(f"Saved {len(changes) + len(smtp)} change(s): {names}.")
        self.notify(f"Site settings saved ({names}).", markup=False)

    def action_leave(self) -> None:
        if not self.changes() and not self.smtp_changes():
            self.dismiss()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(
            ConfirmScreen("Leave without saving? Your changes to the settings will be lost."),
            answered,
        )
