"""``:deploy`` — the mass deployment wizard: every installer field, checked inline.

Step 1 is the form (the same model the appliance checks, so a wrong value shows under its
field before anything is sent; the appliance's own refusals land there too). Step 2 shows
the created installer: download it, copy its direct link, e-mail it, and the usage panel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, Header, Input, Select, Static

from api_client import ApplianceError, ValidationFailed
from console.admin._form import FORM_CSS, error_bag, read_value, show_errors
from domain import Installer, InstallerCreate, JumpGroupType
from domain.installer import parse_duration
from widgets.footer import KeysFooter
from widgets.ordered_input import OrderedInput

#: the validity presets (label, minutes); "custom" reads the duration field
VALIDITY = (
    ("10 minutes", "10"),
    ("1 hour", "60"),
    ("1 day", "1440"),
    ("1 week", "10080"),
    ("30 days", "43200"),
    ("1 year", "525600"),
    ("Custom…", "custom"),
)

#: (field, label, override flag or None)
TEXT_FIELDS = (
    ("name", "Name (blank: the computer's name; 0–128)", "allow_override_name"),
    ("tag", "Tag (0–64)", "allow_override_tag"),
    ("comments", "Comments (0–1024)", "allow_override_comments"),
    (
        "public_site_address",
        "Public site address (blank: the default site)",
        "allow_override_public_site_address",
    ),
)

FIELDS = [
    "jump_group_id",
    "valid_duration",
    *(f for f, _l, _o in TEXT_FIELDS),
    "jump_policy_id",
    "attended_session_policy_id",
    "unattended_session_policy_id",
    "connection_type",
    "jumpoint_proxy",
    "max_offline_minutes",
    "elevate_install",
    "elevate_prompt",
    "customer_client_start_mode",
]


class DeployScreen(Screen[Installer | None]):
    """Step 1: the installer's fields; dismissed with the created installer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Create installer", id="deploy.create"),
        Binding("escape", "cancel", "Cancel", id="deploy.cancel"),
    ]
    DEFAULT_CSS = f"""DeployScreen {{ {FORM_CSS}
        & Horizontal {{ height: auto; }}
        & Horizontal Checkbox {{ margin-left: 2; }}
    }}"""

    def __init__(
        self,
        *,
        groups: Sequence[tuple[str, str]],
        jump_policies: Sequence[tuple[str, int]],
        session_policies: Sequence[tuple[str, int]],
        create: Callable[[dict[str, Any]], Any],
        jumpoints: Callable[[], Awaitable[list[tuple[str, str]]]] | None = None,
        connection_type: str = "active",
    ) -> None:
        super().__init__()
        self.connection_type = connection_type  # the site's default connection type
        self._jumpoints = jumpoints
        self.groups = list(groups)
        self.jump_policies = list(jump_policies)
        self.session_policies = [(n, i) for n, i in session_policies if i >= 2]
        self._create = create

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll():
            yield Static(
                "New installer: fill in what deployed Jump Clients get; tick 'may override' "
                "where a command line may change it. ctrl+s creates.",
                id="deploy-state",
                markup=False,
            )
            yield Static("Where deployed clients go", classes="section")
            yield Static("Jump Group (a shared group or a personal list)", classes="label")
            with Horizontal():
                yield Select(self.groups, allow_blank=False, id="field-jump_group_id")
                yield Checkbox("may override", id="allow-allow_override_jump_group")
            yield Static("", classes="error", id="error-jump_group_id", markup=False)
            yield Static("Installer valid for (10 minutes to 1 year)", classes="label")
            yield Select(VALIDITY, value="1440", allow_blank=False, id="validity-preset")
            yield OrderedInput(placeholder="custom: 30m, 12h, 7d, 52w", id="validity-custom")
            yield Static("", classes="error", id="error-valid_duration", markup=False)
            yield Static("Identity", classes="section")
            for field, label, flag in TEXT_FIELDS:
                yield Static(label, classes="label", markup=False)
                with Horizontal():
                    yield OrderedInput(id=f"field-{field}")
                    yield Checkbox("may override", id=f"allow-{flag}")
                yield Static("", classes="error", id=f"error-{field}", markup=False)
            yield Static("Policies", classes="section")
            for field, label, options, flag in (
                ("jump_policy_id", "Jump Policy", self.jump_policies, "allow_override_jump_policy"),
                (
                    "attended_session_policy_id",
                    "Session policy, user present",
                    self.session_policies,
                    "allow_override_attended_session_policy",
                ),
                (
                    "unattended_session_policy_id",
                    "Session policy, user not present",
                    self.session_policies,
                    "allow_override_unattended_session_policy",
                ),
            ):
                yield Static(label, classes="label", markup=False)
                with Horizontal():
                    yield Select(options, prompt="none (site default)", id=f"field-{field}")
                    yield Checkbox("may override", id=f"allow-{flag}")
                yield Static("", classes="error", id=f"error-{field}", markup=False)
            yield Static("Connection and behaviour", classes="section")
            yield Static("Connection type (the site's default is chosen)", classes="label")
            yield Select(
                (("Active (stays connected)", "active"), ("Passive (checks in)", "passive")),
                value=self.connection_type,
                allow_blank=False,
                id="field-connection_type",
            )
            yield Static("", classes="error", id="error-connection_type", markup=False)
            yield Static("Jumpoint proxy (for networks without direct access)", classes="label")
            yield Select([], prompt="none (clients connect directly)", id="field-jumpoint_proxy")
            yield Static("", classes="error", id="error-jumpoint_proxy", markup=False)
            yield Static("Max offline minutes (0: follow the site settings)", classes="label")
            with Horizontal():
                yield OrderedInput(value="0", type="integer", id="field-max_offline_minutes")
                yield Checkbox("may override", id="allow-allow_override_max_offline_minutes")
            yield Static("", classes="error", id="error-max_offline_minutes", markup=False)
            yield Checkbox("Attempt an elevated install", value=True, id="field-elevate_install")
            yield Static("", classes="error", id="error-elevate_install", markup=False)
            yield Checkbox(
                "Prompt for elevation credentials if needed", value=True, id="field-elevate_prompt"
            )
            yield Static("", classes="error", id="error-elevate_prompt", markup=False)
            yield Static("End-user client at session start", classes="label")
            yield Select(
                (("Normal", "normal"), ("Minimized", "minimized"), ("Hidden", "hidden")),
                value="normal",
                allow_blank=False,
                id="field-customer_client_start_mode",
            )
            yield Static("", classes="error", id="error-customer_client_start_mode", markup=False)
            yield Static("ctrl+s creates the installer; escape cancels.", classes="hint")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.title = "Mass deployment wizard"
        self.query_one("#validity-custom", Input).display = False
        self.query_one("#field-jump_group_id", Select).focus()
        self.load_jumpoints()

    @work(exclusive=True, group="deploy-jumpoints", exit_on_error=False)
    async def load_jumpoints(self) -> None:
        if self._jumpoints is None:
            return
        try:
            choices = await self._jumpoints()
        except ApplianceError as err:
            self.query_one("#error-jumpoint_proxy", Static).update(
                f"The Jumpoints could not be listed: {err.message}"
            )
            return
        self.query_one("#field-jumpoint_proxy", Select).set_options(choices)

    @on(Select.Changed, "#validity-preset")
    def _preset(self, event: Select.Changed) -> None:
        custom = self.query_one("#validity-custom", Input)
        custom.display = event.value == "custom"
        if custom.display:
            custom.focus()

    def values(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The installer as typed, and errors the widgets alone can tell (the duration)."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        group = str(read_value(self.query_one("#field-jump_group_id")))
        kind, _, gid = group.partition(":")
        values["jump_group_type"] = kind
        values["jump_group_id"] = int(gid) if gid.isdigit() else gid
        preset = self.query_one("#validity-preset", Select).value
        if preset == "custom":
            try:
                values["valid_duration"] = parse_duration(
                    self.query_one("#validity-custom", Input).value
                )
            except ValueError as err:
                errors["valid_duration"] = [str(err)]
        else:
            values["valid_duration"] = int(str(preset))
        for field in FIELDS[2:]:
            value = read_value(self.query_one(f"#field-{field}"))
            if field == "public_site_address" and not str(value).strip():
                value = None
            values[field] = value
        for box in self.query(Checkbox):
            if box.id and box.id.startswith("allow-"):
                values[box.id.removeprefix("allow-")] = box.value
        return values, errors

    def check(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        values, errors = self.values()
        try:
            InstallerCreate.model_validate(values)
        except ValidationError as err:
            for field, messages in error_bag(err, whole="jump_group_id").items():
                errors.setdefault(field, []).extend(messages)
        return values, errors

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def action_create(self) -> None:
        values, errors = self.check()
        show_errors(self, FIELDS, errors)
        if errors:
            self.query_one("#deploy-state", Static).update(
                "Nothing was created: correct the fields marked below."
            )
            return
        self.send(values)

    @work(exclusive=True, group="deploy-create", exit_on_error=False)
    async def send(self, values: dict[str, Any]) -> None:
        state = self.query_one("#deploy-state", Static)
        state.update("Creating the installer…")
        try:
            created = await self._create(values)
        except ValidationFailed as err:
            show_errors(self, FIELDS, err.errors)
            state.update(f"The appliance refused the installer: {err.message}")
            return
        except ApplianceError as err:
            state.update(f"Nothing was created: {err.message}")
            return
        self.dismiss(created)

    def action_cancel(self) -> None:
        self.dismiss(None)


def group_choices(groups: dict[tuple[JumpGroupType, int], str]) -> list[tuple[str, str]]:
    """Shared groups first, then personal lists, as ``kind:id`` values."""
    shared = sorted(
        (name, f"{kind.value}:{gid}")
        for (kind, gid), name in groups.items()
        if kind is JumpGroupType.SHARED
    )
    personal = sorted(
        (name, f"{kind.value}:{gid}")
        for (kind, gid), name in groups.items()
        if kind is JumpGroupType.PERSONAL
    )
    return shared + personal
