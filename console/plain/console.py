"""Plain mode's console: the loop, the live feed, the numbered list and the dispatch of
commands (each kind of command is in its own module of :mod:`console.plain`)."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from api_client import ApplianceError, FeedStatus, ItemDelta, SnapshotLoaded
from console.backend import Backend, SignIn
from console.desk import Desk
from console.plain import admin, files, installers, items, sessions
from console.plain import settings as site_settings
from console.plain.ask import Cancelled
from console.plain.shell import shell
from console.plain.words import duration, percent
from console.registry import PLAIN_WORDS, plain_help
from console.store import ItemStore
from console.transfers import TransferFailed
from domain import Installer, JumpGroupType, Status
from domain.columns import COLUMN_BY_KEY, parse_sort
from domain.protocol.live import Hello, SiteChanged, StatsBatch
from domain.rules import MAX_MULTI_START
from domain.session import SessionEvent, SessionInfo
from domain.statistics import filter_not_collected
from domain.support import SupportEvent, SupportRequest
from domain.text import visible_lines
from domain.wording import SCREEN_PLAIN_ONLY

PAGE = 20
PROMPT = "Command: "
ANNOUNCE_EVERY_S = 10.0  # at most one announcement per item in this time

HELP = "\n".join(plain_help())
COMMAND_WORDS = PLAIN_WORDS


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
        self.requests: list[SupportRequest] = []  # as last listed: ``accept N`` takes one
        self.installers: list[Installer] = []  # as last listed: ``installer N ...`` acts on one
        self.quiet = False
        self._last_said: dict[int, float] = {}
        self._status: dict[int, Status] = {}
        self.desk = Desk()
        self.loaded = asyncio.Event()
        self.done = False
        self._read: Callable[[str], str] = input
        self._read_secret: Callable[[str], str] = getpass.getpass

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
            ("CPU", percent(s.cpu[row])),
            ("disk", percent(s.disk[row])),
            ("up", duration(s.uptime[row])),
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

    def _need_items(self, verb: str, words: list[str]) -> list[int] | None:
        """The items the command names, or None after saying what it needs (never silence)."""
        if not words:
            many = f"the numbers of up to {MAX_MULTI_START} items" if verb == "jump" else ""
            self.say(
                f"Say {verb} and {many or 'the number of an item'} of the list "
                f"(for example {verb} 1); list shows the numbers."
            )
            return None
        return self._items(words)

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
        except Cancelled:
            self.say("Cancelled; nothing was done.")
        except TransferFailed as err:
            self.say(str(err))

    async def _dispatch(self, verb: str, rest: list[str], text: str) -> None:
        store = self.store
        match verb:
            case "help" | "?":
                for help_line in HELP.splitlines():
                    self.say(help_line)
            case "quit" | "exit" | "q":
                await sessions.quit_(self)
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
                unread = filter_not_collected(text, store.statistics)
                if unread:
                    self.say(unread)
                self.say(f"Filter {text or 'cleared'}: {len(store.view):,} items.")
                self.show_page()
            case "sort":
                self._sort(text)
            case "list":
                self.show_page()
            case "next" | "back":
                self.page += 1 if verb == "next" else -1
                self.show_page()
            case "jump":
                ids = self._need_items(verb, rest)
                if ids:
                    await sessions.jump(self, ids)
            case _ if verb in items.ON_ONE_ITEM:
                ids = self._need_items(verb, rest[:1])
                if ids:
                    await items.ON_ONE_ITEM[verb](self, ids[0])
            case "sessions":
                await sessions.list_sessions(self)
            case "end":
                await sessions.end(self, rest)
            case "invite":
                await sessions.invite(self, rest)
            case "follow" | "unfollow":
                ids = self._need_items(verb, rest)
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
                await shell(self, rest)
            case "download" | "upload":
                await files.transfer(self, verb)
            case "sysinfo":
                await files.system_info(self)
            case "screenshot":
                await files.screenshot(self, rest)
            case "screen":
                self.say(SCREEN_PLAIN_ONLY)
            case "requests" | "accept":
                await sessions.support(self, verb, rest)
            case "installers" | "installer" | "deploy":
                await installers.command(self, verb, rest)
            case "settings" | "set":
                await site_settings.command(self, verb, rest)
            case "audit":
                await admin.audit(self, text)
            case "quiet":
                self.quiet = (rest[:1] or ["on"])[0].lower() != "off"
                self.say("Announcements off." if self.quiet else "Announcements on.")
            case _:
                self.say(f"'{verb}' is not a command; say help for the list.")

    def _sort(self, text: str) -> None:
        """``sort COLUMN [asc|desc]``: the list's order, as the full screen's ``:sort``."""
        try:
            key, descending = parse_sort(text)
        except ValueError as err:
            self.say(str(err))
            return
        self.store.set_sort(key, descending)
        self.page = 0
        way = "descending" if descending else "ascending"
        self.say(f"Sorted by {COLUMN_BY_KEY[key].word}, {way}.")
        self.show_page()

    def _scope(self, verb: str, text: str) -> None:
        store = self.store
        if verb != "all" and not text:
            hint = "groups lists them" if verb == "group" else "show N says an item's tag"
            self.say(f"Say {verb} and its name (group also takes a number); {hint}.")
            return
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

    async def ask(self, prompt: str) -> str:
        """One line from the user (read off the event loop: the live feed goes on)."""
        return await asyncio.get_running_loop().run_in_executor(
            None,
            self._read,
            visible_lines(prompt),  # (it may name an item: data, shown)
        )

    async def ask_secret(self, prompt: str) -> str:
        """One line not echoed (a password), where the terminal allows."""
        return await asyncio.get_running_loop().run_in_executor(
            None, self._read_secret, visible_lines(prompt)
        )

    # -- the loop --------------------------------------------------------------------------

    async def run(self, read: Callable[[str], str] = input) -> int:
        self._read = read
        if read is not input:  # a script answers its secrets too
            self._read_secret = read
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
            async with asyncio.timeout(60):
                await self.loaded.wait()
            while not self.done:
                try:
                    line = await self.ask(PROMPT)
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
        matches = [w for w in COMMAND_WORDS if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
