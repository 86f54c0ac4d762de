"""The console's actions on Jump Items: start (one or up to 10 marked), wake, upgrade, edit,
copy, remove, invite; and the sessions the representative is in.

Each action first asks :func:`console.explain.explain` (the same rules the appliance applies)
and says why when it cannot run; otherwise it asks the appliance, which decides, and ends
with one sentence: what happened, or the appliance's reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from api_client import ApplianceError, Forbidden, Refused, ValidationFailed, open_screen
from console import transfers
from console.desk import Desk
from console.dialogs import ChoiceScreen, ConfirmScreen, EditScreen, PathsScreen, PromptScreen
from console.explain import ActionState
from console.reattach import reattach
from console.session_ending import ask_to_end, ask_to_end_on_highlighted
from console.session_screen import SessionsScreen
from console.shells import ShellHub
from console.support_requests import SupportRequests
from console.words import (
    NO_SYSTEM_INFO,
    copied,
    remove_question,
    removed,
    saved_properties,
    secureon_hint,
    system_info_lines,
    transfer_refusal,
)
from domain import JumpClient, JumpGroupType, resolve_permissions
from domain.rules import MAX_MULTI_START, WAKE_COOLDOWN, Refusal, parse_secureon
from domain.session import MAX_TRANSFER_BYTES, SessionEvent, SessionInfo
from domain.session_policy import SITE_DEFAULT_SESSION_POLICY_ID

if TYPE_CHECKING:
    from console.app import JumpConsoleApp


UNREACHABLE = (
    "The appliance cannot be reached, so nothing was done: press r to try again now "
    "(the console also keeps retrying on its own)."
)


class ActionRunner:
    def __init__(self, app: JumpConsoleApp) -> None:
        self.app = app
        self.desk = Desk()
        self.support = SupportRequests(self)
        self.logs: dict[str, list[str]] = {}
        self.shells = ShellHub.of(app)
        self.synced = False
        self._again: tuple[int, Callable[[], None]] | None = None

    # -- state -----------------------------------------------------------------------------------

    @property
    def username(self) -> str:
        return self.app.session.username if self.app.session else ""

    @property
    def sessions(self) -> dict[str, SessionInfo]:
        return self.desk.sessions

    @property
    def marked(self) -> list[int]:
        return self.desk.marked

    @property
    def wake_tried(self) -> dict[int, datetime]:
        return self.desk.wake_tried

    def my_session_on(self, item_id: int) -> SessionInfo | None:
        return self.desk.session_on(item_id)

    def states(self, item: JumpClient) -> dict[str, ActionState]:
        self.desk.username = self.username
        return self.desk.states(item, self.app.session, self.app.clock())

    def say(self, message: str, severity: str = "information") -> None:
        self.app.notify(message, severity=severity, markup=False)  # type: ignore[arg-type]

    def reachable(self) -> bool:
        """Whether the appliance can be reached; when not, say so (and what to do)."""
        if self.app.stale_since() is None:
            return True
        self.say(UNREACHABLE, "warning")
        return False

    def _highlighted(self, again: Callable[[], None]) -> JumpClient | None:
        """The highlighted item's record; while it is on its way (it is fetched once the
        highlight rests), ``again`` runs when it arrives, if the highlight is still on it."""
        if not self.reachable():
            return None
        item, wanted = self.app.highlighted_item(), self.app.highlighted_id()
        if item is None and wanted is not None:
            self._again = (wanted, again)
            self.app.load_details_now(wanted)
        elif item is None:
            self.say("Highlight a Jump Item first (arrows in the list).", "warning")
        return item

    def details_arrived(self, item_id: int) -> None:
        """The record of ``item_id`` arrived: the action asked for meanwhile runs on it (never
        on an item the highlight has left)."""
        pending, self._again = self._again, None
        if pending is not None and pending[0] == item_id == self.app.highlighted_id():
            pending[1]()

    def _allowed(self, item: JumpClient, action: str) -> bool:
        state = self.states(item)[action]
        if state.reason is not None:
            self.say(state.reason, "warning")
            return False
        return True

    def run_job(self, job: Callable[[], Awaitable[None]], name: str) -> None:
        async def guarded() -> None:
            try:
                await job()
            except Refused as err:
                self.say(err.message, "warning")
            except ApplianceError as err:
                self.say(err.message, "error")

        self.app.run_worker(guarded(), group=f"action-{name}", exit_on_error=False)

    # -- start -----------------------------------------------------------------------------------

    def toggle_mark(self) -> None:
        item_id = self.app.highlighted_id()
        if item_id is None:
            return
        refusal = self.desk.toggle_mark(item_id)
        if refusal is not None:
            self.say(refusal.message, "warning")
            return
        self.app.marks_changed(set(self.marked))

    def start(self) -> None:
        if not self.reachable():
            return
        if self.marked:
            ids = list(self.marked)
            self.run_job(lambda: self._start_many(ids), "start")
            return
        item = self._highlighted(self.start)
        if item is None or not self._allowed(item, "start"):
            return
        self.run_job(lambda: self._start_one(item), "start")

    def _prompt_wait(self, item: JumpClient) -> int | None:
        """How long the start may wait on a present user's answer (None: nobody is asked)."""
        site = self.app.session.site if self.app.session else None
        if site is None:
            return None
        by_id = {p.id: p for p in site.session_policies}
        chosen = item.attended_session_policy_id
        chain = [by_id.get(chosen) if chosen else None, by_id.get(SITE_DEFAULT_SESSION_POLICY_ID)]
        permissions = resolve_permissions(chain)
        return permissions.prompt_timeout_s if permissions.prompt_end_user else None

    async def _start_one(self, item: JumpClient) -> None:
        wait = self._prompt_wait(item)
        if wait is not None:
            self.say(
                f"Starting a session on '{item.name}': if a user is present, they are asked "
                f"to accept (up to {wait} s)."
            )
        started = await self.app.client.start_session(item.id)
        info = started.session
        self.remember(
            info,
            f"{'Joined' if started.joined else 'Started'}: "
            f"{info.session_policy_name} ({info.reason}).",
        )
        verb = "Joined the session on" if started.joined else "Session started on"
        self.say(f"{verb} '{item.name}' with {info.session_policy_name} — {info.reason}.")
        self.app.show_sessions(info.sid)  # this session's tab, whatever else happened meanwhile

    async def _start_many(self, ids: list[int]) -> None:
        results = await self.app.client.start_sessions(ids)
        good = [r.started for r in results if r.started is not None]
        for started in good:
            info = started.session
            self.remember(info, f"Started: {info.session_policy_name} ({info.reason}).")
        failures = [str(r.message) for r in results if r.started is None]
        summary = f"Started {len(good)} of {len(results)} sessions."
        self.say(" ".join([summary, *failures]), "warning" if failures else "information")
        self.marked.clear()
        self.app.marks_changed(set())
        if good:
            self.app.show_sessions(good[0].session.sid)

    def start_all_in_scope(self) -> None:
        group = self.app.store.scope_group
        if group is None:
            self.say("Choose a group in the tree first (t).", "warning")
            return
        ids = [self.app.store.id_at(i) for i in range(len(self.app.store.view))]
        if len(ids) > MAX_MULTI_START:
            self.say(
                f"Start all is offered only for groups of {MAX_MULTI_START} Jump Items "
                f"or fewer; this view has {len(ids)}.",
                "warning",
            )
            return
        self.run_job(lambda: self._start_many(ids), "start")

    # -- wake, upgrade ---------------------------------------------------------------------------

    def wake(self) -> None:
        item = self._highlighted(self.wake)
        if item is None or not self._allowed(item, "wake"):
            return

        def check(text: str) -> str | None:
            if not text.strip():
                return None
            try:
                parse_secureon(text)
            except ValueError as err:
                return f"{err}."
            return None

        def chosen(password: str | None) -> None:
            if password is None:
                return
            self.wake_tried[item.id] = self.app.clock()
            self.run_job(lambda: self._wake(item, password.strip() or None), "wake")

        async def ask_first() -> None:
            # the appliance sees every peer; ask it before asking for a password
            verdict = await self.ask_wake(item.id)
            if isinstance(verdict, Refusal):
                self.say(verdict.message, "warning")
                return
            self.app.push_screen(
                PromptScreen(
                    f"Wake {item.name}",
                    f"{secureon_hint('masked')}; escape cancels.",
                    password=True,
                    check=check,
                ),
                chosen,
            )

        self.run_job(ask_first, "wake")

    async def ask_wake(self, item_id: int) -> Refusal | str | None:
        """The appliance's answer to "could this item be woken now?" (the peer's name, or
        its refusal), kept on the desk for the details pane; None when it cannot be asked."""
        try:
            verdict: Refusal | str = (await self.app.client.can_wake(item_id)).via
        except (Refused, Forbidden) as err:
            verdict = Refusal(err.code or "refused", err.message, err.status or 409, err.details)
        except ApplianceError:
            return None
        self.desk.wake_verdicts[item_id] = verdict
        self.app.refresh_details()
        return verdict

    async def _wake(self, item: JumpClient, password: str | None) -> None:
        try:
            self.say((await self.app.client.wake(item.id, password)).message)
        except Refused as err:
            retry = err.details.get("retry_after")
            if err.code == "cooldown" and isinstance(retry, int):
                self.wake_tried[item.id] = self.app.clock() - (
                    WAKE_COOLDOWN - timedelta(seconds=retry)
                )
            raise
        finally:
            self.app.refresh_details()

    def upgrade(self) -> None:
        item = self._highlighted(self.upgrade)
        if item is None or not self._allowed(item, "upgrade"):
            return

        async def job() -> None:
            self.say((await self.app.client.upgrade(item.id)).message)

        self.run_job(job, "upgrade")

    # -- edit, copy, remove ----------------------------------------------------------------------

    def edit(
        self, *, errors: dict[str, list[str]] | None = None, values: dict[str, Any] | None = None
    ) -> None:
        item = self._highlighted(lambda: self.edit(errors=errors, values=values))
        if item is None or not self._allowed(item, "edit"):
            return
        site = self.app.session.site if self.app.session else None
        jump = [(p.display_name, p.id) for p in site.jump_policies] if site else []
        sessions = [(p.display_name, p.id) for p in site.session_policies] if site else []

        def done(changes: dict[str, Any] | None) -> None:
            if not changes:
                return

            async def job() -> None:
                try:
                    updated = await self.app.client.edit_item(item.id, changes)
                except ValidationFailed as err:
                    bag = err.errors  # the form reopens with the appliance's reasons
                    self.app.call_later(lambda: self.edit(errors=bag, values=changes))
                    raise
                self.say(saved_properties(updated.name))

            self.run_job(job, "edit")

        self.app.push_screen(
            EditScreen(
                item, jump_policies=jump, session_policies=sessions, errors=errors, values=values
            ),
            done,
        )

    def copy(self) -> None:
        item = self._highlighted(self.copy)
        if item is None or not self._allowed(item, "copy"):
            return
        session = self.app.session
        targets = (
            [
                (name, key)
                for key, name in (session.groups.items() if session else [])
                if "perm_add" in session.permissions.get(key, [])
            ]
            if session
            else []
        )
        if not targets:
            self.say("You may not add Jump Items to any group.", "warning")
            return

        def chosen(key: tuple[JumpGroupType, int] | None) -> None:
            if key is None:
                return

            async def job() -> None:
                copy = await self.app.client.copy_item(
                    item.id, {"jump_group_type": key[0].value, "jump_group_id": key[1]}
                )
                group = {k: n for n, k in targets}.get(key, "the group")
                self.say(copied(item.name, group, copy.id))

            self.run_job(job, "copy")

        self.app.push_screen(
            ChoiceScreen(
                f"Copy {item.name} to which group?", [(name, key) for name, key in targets]
            ),
            chosen,
        )

    def remove(self) -> None:
        item = self._highlighted(self.remove)
        if item is None or not self._allowed(item, "remove"):
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            async def job() -> None:
                await self.app.client.remove_item(item.id)
                self.say(removed(item.name))

            self.run_job(job, "remove")

        group = self.group_of(item.id)
        self.app.push_screen(
            ConfirmScreen(remove_question(item, group)),
            confirmed,
        )

    def group_of(self, item_id: int) -> str:
        """The group an item is listed in, as the tree names it."""
        store = self.app.store
        row = store.row_of.get(item_id)
        if row is None:
            return "its group"
        return store.group_label(store.groups[store.group_index[row]])

    # -- sessions --------------------------------------------------------------------------------

    def invite(self, sid: str | None = None) -> None:
        if not self.reachable():
            return
        if sid is None:
            item = self._highlighted(self.invite)
            if item is None or not self._allowed(item, "invite"):
                return
            session = self.my_session_on(item.id)
            assert session is not None
            sid = session.sid
        target = sid

        def chosen(username: str | None) -> None:
            if not username or not username.strip():
                return

            async def job() -> None:
                info = await self.app.client.invite(target, username.strip())
                self.desk.joined(info)
                self.say(f"Invited {username.strip()} to the session on '{info.item_name}'.")

            self.run_job(job, "invite")

        self.app.push_screen(
            PromptScreen(
                "Invite a representative",
                "Their username; they can then join from their console. Escape cancels.",
            ),
            chosen,
        )

    def end(self, sid: str) -> None:
        """End (or leave) a session, once the representative said yes to its item."""
        ask_to_end(self, sid)

    def end_on_highlighted(self) -> None:
        """``:end``: the session on the highlighted item, ours or not (once confirmed)."""
        ask_to_end_on_highlighted(self)

    def system_info(self, sid: str) -> None:
        """Fetch the endpoint's processes, disks and memory into the session's events."""
        if not self.reachable():
            return
        session = self.sessions.get(sid)
        if session is not None and not session.permissions.system_info:
            self.say(NO_SYSTEM_INFO, "warning")
            return

        async def job() -> None:
            lines = system_info_lines(await self.app.client.system_info(sid))
            self.logs.setdefault(sid, []).extend(lines)
            self.app.sessions_changed()

        self.run_job(job, "system-info")

    def transfer(self, sid: str, direction: str) -> None:
        """Ask for the paths, then download a file from the endpoint or upload one to it."""
        if not self.reachable():
            return
        session = self.sessions.get(sid)
        if session is None:
            return
        refusal = transfer_refusal(session.permissions, direction)
        if refusal is not None:
            self.say(refusal, "warning")
            return
        folders = session.permissions.file_transfer_paths
        where = (
            f"Allowed folders on the endpoint: {', '.join(folders)}."
            if folders
            else "Any folder on the endpoint the client's user may use."
        )
        remote_start = folders[0].rstrip("/") + "/" if folders else "/"
        job: Callable[[str, str, str], Awaitable[None]]  # (sid, the dialog's two paths)
        if direction == "download":
            dialog = PathsScreen(
                f"Download a file from '{session.item_name}'",
                ("File on the endpoint", "Save to (a folder or a new file on this machine)"),
                (remote_start, transfers.default_folder() + "/"),
                f"{where} Existing files here are never overwritten. Escape cancels.",
                transfers.check_download,
            )
            job = self._download
        else:
            dialog = PathsScreen(
                f"Upload a file to '{session.item_name}'",
                (
                    "File on this machine",
                    "Save on the endpoint as (a path ending in / keeps the name)",
                ),
                ("", remote_start),
                f"{where} At most {MAX_TRANSFER_BYTES // (1024 * 1024)} MiB. Escape cancels.",
                transfers.check_upload,
            )
            job = self._upload

        def chosen(paths: tuple[str, str] | None) -> None:
            if paths is not None:
                self.run_job(lambda: job(sid, *paths), "transfer")

        self.app.push_screen(dialog, chosen)

    async def _download(self, sid: str, remote: str, local: str) -> None:
        try:
            line = await transfers.download(self.app.client, sid, remote, local, self.say)
        except transfers.TransferFailed as err:
            self.say(str(err), "error")
            return
        self._log(sid, line)

    async def _upload(self, sid: str, local: str, remote: str) -> None:
        try:
            line = await transfers.upload(self.app.client, sid, local, remote, self.say)
        except transfers.TransferFailed as err:
            self.say(str(err), "error")
            return
        self._log(sid, line)

    def _log(self, sid: str, line: str) -> None:
        self.logs.setdefault(sid, []).append(line)
        self.say(line)
        self.app.sessions_changed()

    def remember(self, info: SessionInfo, line: str) -> None:
        self.desk.joined(info)
        self.logs.setdefault(info.sid, []).append(line)
        self.app.sessions_changed()

    def on_event(self, event: SessionEvent) -> None:
        info = event.session
        self.desk.username = self.username
        self.desk.on_event(event)
        self.logs.setdefault(info.sid, []).append(event.message)
        severity = "warning" if event.event in ("warning", "ended", "left") else "information"
        if event.event == "started":
            pass  # the representative who started it was told by the action itself
        elif event.event == "invited" and self.username in info.invited:
            self.say(f"{event.message} Highlight it and press enter to join.", "information")
        else:
            self.say(event.message, severity)
        self.app.sessions_changed()
        self.app.refresh_details()

    async def sync(self) -> None:
        """After (re)connecting: the appliance's list of our sessions is the truth; at start
        the running ones open again (:mod:`console.reattach`)."""
        starting, self.synced = not self.synced, True
        await reattach(self, starting=starting)
        if not starting:  # the shells whose link the outage broke open again
            self.shells.reopen(self.desk.sessions)

    def screen(self) -> SessionsScreen:
        client = self.app.client
        return SessionsScreen(
            self.desk,
            self.logs,
            self.app.clock,
            self.shells,
            self.app.store.host_of,
            screens=lambda sid: lambda: open_screen(client, sid),
        )

    def on_session_request(self, request: SessionsScreen.Requested) -> None:
        """Carry out what the sessions screen asked for."""
        match request.action:
            case "end":
                self.end(request.sid)
            case "invite":
                self.invite(request.sid)
            case "system_info":
                self.system_info(request.sid)
            case "download" | "upload":
                self.transfer(request.sid, request.action)
