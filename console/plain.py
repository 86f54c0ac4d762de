"""Plain mode: the console as labelled lines, for screen readers, braille and ``TERM=dumb``.

The same store, live feed and appliance actions as the full-screen console; nothing is
repainted. Lists are numbered and paged; every command answers with lines that say what they
are, and every action ends with one sentence. Live changes are announced only for the items
the user follows (rate-limited; ``quiet on`` silences them); strict-end warnings always.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from api_client import ApplianceError, FeedStatus, ItemDelta, SnapshotLoaded
from console.audit_view import history_lines, log_lines
from console.backend import Backend, SignIn
from console.desk import Desk
from console.registry import PLAIN_WORDS, plain_help
from console.store import ItemStore
from domain import JumpGroupType, Status
from domain.audit import AUDIT_FOR_ADMINS
from domain.protocol.live import Hello, SiteChanged, StatsBatch
from domain.session import SessionEvent, SessionInfo
from domain.statistics import selected_lines
from domain.support import SupportEvent
from domain.text import visible_lines
from domain.wording import not_all_ended, quit_choices

PAGE = 20
PROMPT = "Command: "
ANNOUNCE_EVERY_S = 10.0  # at most one announcement per item in this time


def _percent(value: float) -> str | None:
    return None if math.isnan(value) else f"{value:.0f} percent"


def _duration(seconds: float) -> str | None:
    if math.isnan(seconds):
        return None
    days, rest = divmod(int(seconds), 86400)
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = rest // 3600
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else f"{rest // 60} minutes"


class PlainConsole:
    def __init__(
        self,
        backend: Backend,
        *,
        reason: str,
        out: TextIO | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.backend = backend
        self.reason = reason
        self.out = out or sys.stdout
        self.clock = clock
        self.store = ItemStore()
        self.session: SignIn | None = None
        self.page = 0
        self.followed: set[int] = set()
        self.quiet = False
        self._last_said: dict[int, float] = {}
        self._status: dict[int, Status] = {}
        self.desk = Desk()
        self.loaded = asyncio.Event()
        self.done = False
        self._read: Callable[[str], str] = input

    @property
    def sessions(self) -> dict[str, SessionInfo]:
        """The sessions this representative is in (kept with the TUI's rules, in the desk)."""
        return self.desk.sessions

    # -- output ----------------------------------------------------------------------------

    def say(self, line: str) -> None:
        """Every line plain mode prints: data in it is shown, never interpreted."""
        self.out.write(visible_lines(line) + "\n")
        self.out.flush()

    def describe(self, number: int, row: int) -> str:
        s = self.store
        parts = [
            f"{number}. {s.name[row]}",
            f"group {s.group_label(s.groups[s.group_index[row]])}",
        ]
        if s.tag[row]:
            parts.append(f"tag {s.tag[row]}")
        parts.append(f"status {s.status_at(row).value.replace('_', ' ')}")
        if s.console_user[row]:
            parts.append(f"user {s.console_user[row]}")
        for label, text in (
            ("CPU", _percent(s.cpu[row])),
            ("disk", _percent(s.disk[row])),
            ("up", _duration(s.uptime[row])),
        ):
            if text:
                parts.append(f"{label} {text}")
        return "; ".join(parts)

    # -- the feed --------------------------------------------------------------------------

    async def follow_feed(self) -> None:
        async with contextlib.aclosing(aiter(self.backend.feed())) as events:
            async for event in events:
                self.on_event(event)

    def on_event(self, event: object) -> None:
        if isinstance(event, SnapshotLoaded):
            self.store.load(event.items)
            self._remember_statuses()
            if not self.loaded.is_set():
                online, total = self.store.online_total()
                self.say(f"Loaded {total:,} Jump Items, {online:,} online. Say help for commands.")
                self.loaded.set()
        elif isinstance(event, ItemDelta):
            self.store.upsert(event.upserts)
            self.store.remove(event.removes)
            self._announce_changes([i.id for i in event.upserts], event.removes)
        elif isinstance(event, StatsBatch):
            self.store.apply_stats(event.rows)
            self.store.take_dirty()  # nothing is repainted in plain mode
        elif isinstance(event, SessionEvent):
            self.desk.on_event(event)
            if event.event == "warning" or not self.quiet:  # strict-end warnings: always
                self.say(f"Session: {event.message}")
        elif isinstance(event, SupportEvent) and event.event != "taken" and not self.quiet:
            self.say(f"Support requested on {event.request.item_name}.")
        elif isinstance(event, Hello | SiteChanged):  # shown: the statistics the site selects
            self.store.statistics = frozenset(event.statistics)
            if isinstance(event, SiteChanged) and not self.quiet:
                self.say("The site's settings changed.")
        elif isinstance(event, FeedStatus) and event.final:
            self.say(event.message)

    def _remember_statuses(self) -> None:
        for item_id in self.followed:
            row = self.store.row_of.get(item_id)
            if row is not None:
                self._status[item_id] = self.store.status_at(row)

    def _announce_changes(self, changed: list[int], removed: list[int]) -> None:
        now = time.monotonic()
        for item_id in removed:
            if item_id in self.followed:
                self.followed.discard(item_id)
                self.say(f"Item {item_id} was removed.")
        for item_id in changed:
            if item_id not in self.followed:
                continue
            row = self.store.row_of.get(item_id)
            if row is None:
                continue
            status = self.store.status_at(row)
            if status is self._status.get(item_id):
                continue
            self._status[item_id] = status
            if self.quiet or now - self._last_said.get(item_id, -1e9) < ANNOUNCE_EVERY_S:
                continue
            self._last_said[item_id] = now
            word = status.value.replace("_", " ")
            self.say(f"{self.store.name[row]} went {word}.")

    # -- commands --------------------------------------------------------------------------

    def _items(self, words: list[str]) -> list[int] | None:
        """Item ids from numbers of the current list (its numbers hold until it changes)."""
        view = self.store.view
        ids = []
        for word in words:
            if not word.isdigit() or not 1 <= int(word) <= len(view):
                self.say(f"'{word}' is not a number of the list (1 to {len(view):,}); say list.")
                return None
            ids.append(self.store.ids[view[int(word) - 1]])
        return ids

    def show_page(self) -> None:
        view = self.store.view
        total = len(view)
        if not total:
            self.say("No Jump Item matches; say all, or filter with nothing to clear it.")
            return
        pages = max(1, math.ceil(total / PAGE))
        self.page = min(max(self.page, 0), pages - 1)
        first = self.page * PAGE
        rows = view[first : first + PAGE]
        more = "; say next" if first + PAGE < total else ""
        self.say(f"Items {first + 1} to {first + len(rows)} of {total:,}{more}.")
        for n, row in enumerate(rows, start=first + 1):
            self.say(self.describe(n, row))

    async def command(self, line: str) -> None:
        words = line.split()
        if not words:
            return
        verb, rest = words[0].lower(), words[1:]
        text = line.strip()[len(words[0]) :].strip()
        try:
            await self._dispatch(verb, rest, text)
        except ApplianceError as err:
            self.say(err.message)

    async def _dispatch(self, verb: str, rest: list[str], text: str) -> None:
        store = self.store
        match verb:
            case "help" | "?":
                for help_line in plain_help():
                    self.say(help_line)
            case "quit" | "exit" | "q":
                await self._quit()
            case "groups":
                counts = store.counts()
                keys = sorted(
                    counts,
                    key=lambda k: (k[0] is not JumpGroupType.SHARED, store.group_label(k).lower()),
                )
                self._groups = keys
                self.say(f"{len(keys)} groups:")
                for n, key in enumerate(keys, start=1):
                    c = counts[key]
                    self.say(f"{n}. {store.group_label(key)}; {c.total} items, {c.online} online")
            case "group" | "tag" | "all":
                self._scope(verb, text)
            case "filter":
                error = store.set_filter(text)
                if error is not None:
                    self.say(f"The filter cannot be read: {error.message} (at {error.position}).")
                    return
                self.page = 0
                self.say(f"Filter {text or 'cleared'}: {len(store.view):,} items.")
                self.show_page()
            case "list":
                self.show_page()
            case "next" | "back":
                self.page += 1 if verb == "next" else -1
                self.show_page()
            case "show":
                ids = self._items(rest[:1]) if rest else None
                if ids:
                    await self._show(ids[0])
            case "jump":
                ids = self._items(rest) if rest else None
                if ids:
                    await self._jump(ids)
            case "wake" | "upgrade":
                ids = self._items(rest[:1]) if rest else None
                if ids:
                    client = self.backend.client
                    said = await (client.wake(ids[0]) if verb == "wake" else client.upgrade(ids[0]))
                    self.say(said.message)
            case "sessions":
                self.desk.sync(await self.backend.client.sessions())  # joined elsewhere too
                if not self.sessions:
                    self.say("You are in no session.")
                for n, info in enumerate(self.sessions.values(), start=1):
                    self.say(
                        f"{n}. {info.item_name}; policy {info.session_policy_name}; "
                        f"with {', '.join(info.participants)}"
                    )
            case "end":
                await self._end(rest)
            case "invite":
                if not rest or not self.sessions:
                    self.say("Say invite NAME while you are in a session.")
                    return
                info = self.desk.current_session() or list(self.sessions.values())[-1]
                await self.backend.client.invite(info.sid, rest[0])
                self.say(f"Invited {rest[0]} to the session on {info.item_name}.")
            case "follow" | "unfollow":
                ids = self._items(rest) if rest else None
                for item_id in ids or []:
                    name = store.name[store.row_of[item_id]]
                    if verb == "follow":
                        self.followed.add(item_id)
                        self._remember_statuses()
                        self.say(f"Following {name}: its changes are announced.")
                    else:
                        self.followed.discard(item_id)
                        self.say(f"No longer following {name}.")
            case "shell":
                await self._shell(rest)
            case "installers" | "settings":
                await self._admin(verb)
            case "audit":
                await self._audit(text)
            case "quiet":
                self.quiet = (rest[:1] or ["on"])[0].lower() != "off"
                self.say("Announcements off." if self.quiet else "Announcements on.")
            case _:
                self.say(f"'{verb}' is not a command; say help for the list.")

    async def _shell(self, rest: list[str]) -> None:
        """Hand the terminal to the session's shell; Ctrl-] (or the shell's exit) gives it back."""
        chosen = list(self.sessions.values())
        current = self.desk.current_session()  # the one just started or joined, by default
        index = (
            int(rest[0]) - 1
            if rest and rest[0].isdigit()
            else (chosen.index(current) if current is not None else -1)
        )
        if not 0 <= index < len(chosen):
            self.say("You are in no session with that number; say sessions.")
            return
        info = chosen[index]
        self.desk.current = info.sid
        if not info.shell:
            self.say(
                f"The session on {info.item_name} has no command shell (its policy or its "
                "Jump Client offers none)."
            )
            return
        if not sys.stdin.isatty():
            self.say("The shell needs a terminal; plain mode is reading from a pipe.")
            return
        import os
        import shutil
        import signal
        import termios
        import tty

        from api_client import open_shell

        fd = sys.stdin.fileno()

        def size() -> tuple[int, int]:
            """This terminal's size, asked of the terminal (COLUMNS/LINES in the environment,
            which shutil prefers, describe some other window)."""
            try:
                return tuple(os.get_terminal_size(sys.stdout.fileno()))  # type: ignore[return-value]
            except (OSError, ValueError):
                return tuple(shutil.get_terminal_size())  # type: ignore[return-value]

        cols, rows = size()
        self.say(f"Shell on {info.item_name}. Control and right bracket returns to plain mode.")
        saved = termios.tcgetattr(fd)
        loop = asyncio.get_running_loop()
        detached = asyncio.Event()
        code: int | None = None
        try:
            async with open_shell(self.backend.client, info.sid, cols=cols, rows=rows) as shell:
                writes: set[asyncio.Task[None]] = set()

                def typed() -> None:
                    data = os.read(fd, 1024)
                    if not data or b"\x1d" in data:
                        detached.set()
                        data = data.split(b"\x1d")[0]
                    if data:
                        task = asyncio.ensure_future(shell.write(data))
                        writes.add(task)
                        task.add_done_callback(writes.discard)

                async def output() -> None:
                    async for chunk in shell:
                        os.write(sys.stdout.fileno(), chunk)

                def resized() -> None:  # the endpoint's terminal follows this one
                    task = asyncio.ensure_future(shell.resize(*size()))
                    writes.add(task)
                    task.add_done_callback(writes.discard)

                tty.setraw(fd)
                loop.add_reader(fd, typed)
                loop.add_signal_handler(signal.SIGWINCH, resized)
                resized()  # the size now, whatever it was when the shell was first opened
                pump = asyncio.ensure_future(output())
                stop = asyncio.ensure_future(detached.wait())
                await asyncio.wait({pump, stop}, return_when=asyncio.FIRST_COMPLETED)
                for task in (pump, stop):
                    task.cancel()
                code = shell.exit_code
        finally:
            loop.remove_signal_handler(signal.SIGWINCH)
            loop.remove_reader(fd)
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        ended = f"the shell exited with code {code}" if code is not None else "you left the shell"
        self.say(f"\nBack in plain mode: {ended}.")

    async def _audit(self, text: str) -> None:
        if self.session is None or not self.session.is_admin:
            self.say(AUDIT_FOR_ADMINS)
            return
        try:
            lines = await log_lines(self.backend.client, text, self.clock())
        except ValueError as err:
            lines = [str(err)]
        for line in lines:
            self.say(line)

    async def _admin(self, verb: str) -> None:
        """Read-only views for site administrators (changes: jump-console settings set ...)."""
        if self.session is None or not self.session.is_admin:
            self.say(f"The {verb} are for site administrators; ask one to make the change.")
            return
        client = self.backend.client
        if verb == "settings":
            values = (await client.settings()).model_dump(mode="json")
            self.say(f"{len(values)} site settings:")
            for key, value in values.items():
                shown = (
                    ", ".join(value)
                    if isinstance(value, list)
                    else ({True: "yes", False: "no"}[value] if isinstance(value, bool) else value)
                )
                self.say(f"{key.replace('_', ' ')}: {shown}")
            return
        installers = [i async for i in client.installers.iter()]
        self.say(f"{len(installers)} installers:")
        now = self.clock()
        for n, inst in enumerate(installers, start=1):
            expired = "expired" if inst.expiration_timestamp <= now else "valid"
            self.say(
                f"{n}. {inst.name or 'computer name'}; group {inst.jump_group_id}; "
                f"tag {inst.tag or 'none'}; {inst.connection_type.value}; {expired} until "
                f"{inst.expiration_timestamp:%Y-%m-%d %H:%M} UTC; id {inst.id}"
            )

    def _scope(self, verb: str, text: str) -> None:
        store = self.store
        if verb == "all":
            store.set_scope(None)
        elif verb == "group":
            keys = getattr(self, "_groups", None) or sorted(store.counts())
            key = None
            if text.isdigit() and 1 <= int(text) <= len(keys):
                key = keys[int(text) - 1]
            else:
                key = next(
                    (k for k in store.counts() if store.group_label(k).lower() == text.lower()),
                    None,
                )
            if key is None:
                self.say(f"No group is called '{text}'; say groups for the list.")
                return
            store.set_scope(key)
        else:
            if not any(t == text for t in store.tag):
                self.say(f"No item has the tag '{text}'.")
                return
            tagged = next(
                store.groups[store.group_index[r]] for r, t in enumerate(store.tag) if t == text
            )
            store.set_scope(tagged, text)
        self.page = 0
        self.show_page()

    async def _show(self, item_id: int) -> None:
        item = await self.backend.item(item_id)
        session = self.session
        row = self.store.row_of.get(item_id)
        group = (
            self.store.group_label(self.store.groups[self.store.group_index[row]])
            if row is not None
            else ""
        )
        status = item.x_status.value.replace("_", " ")
        self.say(f"{item.name}; status {status}")
        for label, value in (
            ("Group", group),
            ("Hostname", item.hostname),
            ("Tag", item.tag or "none"),
            ("Comments", item.comments or "none"),
            *selected_lines(self.store.statistics, [("Console user", item.console_user or "none")]),
            ("Operating system", item.operating_system or "unknown"),
            ("Version", item.x_version or "unknown"),
        ):
            self.say(f"{label}: {value}")
        if session is not None:
            states = self.desk.states(item, session, self.clock())
            for state in states.values():
                verdict = "available" if state.available else f"not available: {state.reason}"
                self.say(f"{state.label}: {verdict}")
        for line in await history_lines(self.backend.client, item_id):
            self.say(line)

    async def _jump(self, ids: list[int]) -> None:
        client = self.backend.client
        if len(ids) == 1:
            started = await client.start_session(ids[0])
            info = started.session
            self.desk.joined(info)
            policy = info.session_policy_name
            self.say(f"Session started on {info.item_name} with {policy}: {info.reason}.")
            return
        for result in await client.start_sessions(ids):
            if result.started is not None:
                info = result.started.session
                self.desk.joined(info)
                self.say(f"Session started on {info.item_name}.")
            else:
                self.say(str(result.message))

    async def _quit(self) -> None:
        """Quit at once without sessions; with some, ask what becomes of them: the TUI's
        question (:func:`domain.wording.quit_choices`), its choices numbered."""
        sessions = list(self.sessions.values())
        if sessions:
            grace = self.session.site.settings.session_grace_s if self.session else 120
            question, choices = quit_choices([s.item_name for s in sessions], grace)
            self.say(question)
            answer = ""
            for n, (words, _value) in enumerate(choices, start=1):
                self.say(f"{n}. {words}")
            with contextlib.suppress(EOFError):  # (no answer: stay)
                answer = (await self._ask(f"Say 1 to {len(choices)}: ")).strip()
            choice = dict(enumerate((value for _words, value in choices), start=1))
            match choice.get(int(answer) if answer.isdigit() else 0):
                case "end":
                    if failed := await self.desk.end_all(self.backend.client, sessions):
                        return self.say(not_all_ended(failed, "say quit"))
                case "keep":
                    pass
                case _:
                    return self.say("Not quitting: your sessions go on.")
        self.done = True
        self.say("Goodbye.")

    async def _ask(self, prompt: str) -> str:
        """One line from the user (read off the event loop: the live feed goes on)."""
        return await asyncio.get_running_loop().run_in_executor(None, self._read, prompt)

    async def _end(self, rest: list[str]) -> None:
        if not self.sessions:
            self.say("You are in no session.")
            return
        chosen = list(self.sessions.values())
        current = self.desk.current_session()
        index = (
            int(rest[0]) - 1
            if rest and rest[0].isdigit()
            else (chosen.index(current) if current is not None else -1)
        )
        if not 0 <= index < len(chosen):
            self.say("Say sessions for their numbers, then end N.")
            return
        info = chosen[index]
        await self.backend.client.end_session(info.sid)
        self.desk.left(info.sid)
        self.say(f"Left the session on {info.item_name}.")

    # -- the loop --------------------------------------------------------------------------

    async def run(self, read: Callable[[str], str] = input) -> int:
        self._read = read
        self.say(f"Jump Console, plain mode ({self.reason}). Connecting to the appliance…")
        try:
            self.session = await self.backend.start()
        except ApplianceError as err:
            self.say(err.message)
            await self.backend.close()
            return 2
        self.store.group_names = dict(self.session.groups)
        self.store.policy_names = self.session.policy_names
        self.desk.username = self.session.username
        with contextlib.suppress(ApplianceError):  # the feed's session frames still follow
            self.desk.sync(await self.backend.client.sessions())
        self.say(f"Signed in as {self.session.display_name} ({self.session.username}).")
        feed = asyncio.create_task(self.follow_feed())
        try:
            await asyncio.wait_for(self.loaded.wait(), 60)
            while not self.done:
                try:
                    line = await self._ask(PROMPT)
                except EOFError:
                    break
                await self.command(line)
        except TimeoutError:
            self.say("The appliance sent no Jump Items within a minute; try again later.")
            return 3
        finally:
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await feed
            await self.backend.close()
        return 0


def setup_readline() -> None:
    """History and tab completion of the command words, where the terminal has readline."""
    try:
        import readline
    except ImportError:
        return

    def complete(text: str, state: int) -> str | None:
        matches = [w for w in PLAIN_WORDS if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
