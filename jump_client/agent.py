"""The Jump Client's run loop: register, connect out, report, answer, and know when to go.

- Pending (installed while the appliance was out of reach): keep trying to register until
  the installer's validity ends, then remove itself.
- Registered: connect over the agent channel, obey ``retry {after_s}`` (with jitter), send
  statistics at the site's interval, answer presence and wake requests; reconnect forever
  with backoff — but once offline longer than its own max offline minutes (or the site's
  delete period), remove itself, even if it never reaches the appliance again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from domain.protocol.agent import (
    AgentSettings,
    FileGet,
    FilePut,
    Hello,
    PresenceAsk,
    PresenceResult,
    PromptAsk,
    PromptResult,
    Reject,
    Request,
    Response,
    Retry,
    SessionEnd,
    SessionOpen,
    SettingsFrame,
    ShellClose,
    ShellExit,
    ShellFrame,
    ShellInput,
    ShellOpen,
    ShellOutput,
    ShellResize,
    SystemInfoAsk,
    Uninstall,
    Upgrade,
    Wake,
    read_handshake,
    read_request,
    request_id,
)
from domain.protocol.agent_http import CheckIn, CheckInAnswer, InstallAnswer, InstallRequest
from domain.protocol.close import Close
from domain.protocol.rep import RefusalBody
from domain.rules import magic_packet
from domain.text import visible
from jump_client import files, system
from jump_client.config import ClientConfig, now, save
from jump_client.prompter import NoPrompter, Prompter, PrompterError, make_prompter
from jump_client.screen_share import ScreenShare
from jump_client.shell import Shell
from jump_client.upgrade import UpgradeFailed, fetch, install_bundle

log = logging.getLogger("jump-client")
Answer = TypeVar("Answer", bound=BaseModel)


class Refused(Exception):
    """The appliance refused; ``code`` and one sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def post(appliance: str, path: str, body: BaseModel, timeout: float = 15.0) -> bytes:
    """POST the body as JSON; the answer's bytes. Raise :class:`Refused` on a refusal,
    OSError when unreachable."""
    request = urllib.request.Request(
        appliance.rstrip("/") + path,
        data=body.model_dump_json().encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "jump-client"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return bytes(answer.read())
    except urllib.error.HTTPError as err:
        try:
            refusal = RefusalBody.model_validate_json(err.read())
        except ValueError:
            raise Refused(str(err.code), f"The appliance refused (HTTP {err.code}).") from None
        raise Refused(refusal.error, refusal.message) from None


def ask(
    appliance: str, path: str, body: BaseModel, answer: type[Answer], timeout: float = 15.0
) -> Answer:
    """:func:`post`, the answer read as ``answer`` (an unreadable one is a refusal)."""
    text = post(appliance, path, body, timeout)
    try:
        return answer.model_validate_json(text)
    except ValueError:
        raise Refused("unreadable_answer", "The appliance's answer could not be read.") from None


def retry_delay(after_s: float) -> float:
    """How long to wait when the appliance says ``retry {after_s}``: its time, plus a little
    jitter (the appliance already gives each client its own slot; at most 1 s more)."""
    return after_s + random.uniform(0, min(1.0, after_s * 0.2))


def reconnect_delay(failures: int) -> float:
    """How long to wait after the ``failures``-th attempt in a row that failed (the appliance
    out of reach, a handshake that failed): doubling from 0.5–1 s up to 30–60 s, each client
    at its own moment."""
    return min(60.0, 0.5 * (1 << min(failures, 7))) * (0.5 + random.random() / 2)


def register(config: ClientConfig) -> None:
    """Ask the appliance to create this Jump Client (raises Refused or OSError)."""
    ident = system.identity()
    body = InstallRequest(
        key=config.key,
        parameters=config.parameters,
        hostname=ident.hostname,
        fqdn=ident.fqdn,
        operating_system=ident.os,
        install_mode=config.install_mode,
    )
    answer = ask(config.appliance, "/api/agent/v1/install", body, InstallAnswer)
    config.jump_client_id = answer.jump_client_id
    config.secret = answer.secret
    config.name = answer.name
    config.days_before_deleted = answer.days_before_deleted
    config.max_offline_minutes = answer.max_offline_minutes
    config.passive = answer.connection_type == "passive"
    config.site_passive_port = answer.passive_port
    if answer.appliance:  # the installer's Jumpoint: everything goes through it now
        config.appliance = answer.appliance
    if not answer.elevate_install:
        config.install_mode = "user"  # the installer asks for no elevated (service) install
    config.state = "registered"
    config.last_contact = now()
    save(config)


def send_wake(broadcast: str, mac: str, password_hex: str | None) -> None:
    host, _, port = broadcast.rpartition(":")
    packet = magic_packet(mac, bytes.fromhex(password_hex) if password_hex else None)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.sendto(packet, (host or broadcast, int(port or 9)))


class Agent:
    def __init__(self, config: ClientConfig, *, remove: Any) -> None:
        self.config = config
        self._remove = remove  # called when the client must uninstall itself
        self.interval = 30.0
        self.sessions: dict[str, bool] = {}  # sid -> command shell allowed
        self.system_info: dict[str, bool] = {}  # sid -> system information allowed
        self.permissions: dict[str, dict[str, Any]] = {}  # sid -> the session's permissions
        self.restart = False
        #: the appliance told this client to uninstall itself (why), None until it does
        self.uninstall: str | None = None
        #: frames from the appliance refused as unreadable or unknown (never fatal)
        self.refused_frames = 0
        self.shells: dict[str, Shell] = {}
        self.selected: list[str] = ["cpu", "console_user", "disk_usage", "uptime"]
        try:
            self.prompter: Prompter = make_prompter(config.prompter)
        except PrompterError as err:
            log.warning("%s The policy's default answer applies to prompts.", err)
            self.prompter = NoPrompter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._settings_changed = asyncio.Event()
        self.screen: ScreenShare | None = None
        """The screens watched over the current connection."""

    def _ws_url(self) -> str:
        base = self.config.appliance.rstrip("/")
        return base.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + (
            "/api/agent/v1/connect"
        )

    def _over_limit(self) -> str | None:
        config = self.config
        if config.state == "pending":
            if now() > config.register_until:
                return "the installer's validity ended before the appliance could be reached"
            return None
        since = config.last_contact or config.register_until
        if (now() - since).total_seconds() > config.offline_limit_s():
            return "it was offline longer than its site allows"
        return None

    async def run(self) -> int:
        failures = 0
        system.statistics(["cpu"])  # prime the CPU counter
        while True:
            reason = self._over_limit()
            if reason is not None:
                log.warning("Removing this Jump Client: %s.", reason)
                self._remove()
                return 0
            try:
                if self.config.state == "pending":
                    await asyncio.to_thread(register, self.config)
                    log.info("Registered as Jump Client %s.", self.config.jump_client_id)
                outcome = await (self._passive() if self.config.passive else self._session())
                failures = 0
                if self.restart:
                    return RESTART
                if outcome == "removed":
                    return 0
                if isinstance(outcome, float):
                    await asyncio.sleep(retry_delay(outcome))
                    continue
            except Refused as err:
                log.error("The appliance refused this Jump Client: %s", err)
                if err.code in (
                    "unknown_installer",
                    "installer_expired",
                    "override_not_allowed",
                    "unknown_code_name",
                    "invalid_parameter",
                    "unknown_client",  # a passive client's check-in: its item was deleted
                ):
                    self._remove()
                    return 1
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as err:
                log.info("The appliance is out of reach (%s); retrying.", type(err).__name__)
            failures += 1
            await asyncio.sleep(reconnect_delay(failures))

    async def _passive(self) -> str | float | None:
        """Check in every interval; connect for a session when the appliance asks."""
        host, port = self._passive_address()
        knocked = asyncio.Event()

        async def knock(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(5):
                    line = await reader.readline()
                if line.strip() == b"connect-now":
                    knocked.set()
            writer.close()

        try:
            server = await asyncio.start_server(knock, host or "0.0.0.0", port)
        except OSError as err:
            log.error(
                "Passive: cannot listen on %s:%d (%s); the appliance cannot ask this client "
                "to connect until it can.",
                host or "0.0.0.0",
                port,
                err.strerror or err,
            )
            answer = await self._check_in(host, port)  # still: the site may name another port
            self._follow_port(answer)
            await asyncio.sleep(answer.interval_s)
            return None
        log.info("Passive: listening for the appliance on %s:%d.", host or "0.0.0.0", port)
        async with server:
            while True:
                answer = await self._check_in(host, port)
                if self._follow_port(answer):
                    return None  # listen on the site's new passive port
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(answer.interval_s):
                        await knocked.wait()
                if knocked.is_set():
                    knocked.clear()
                    log.info("The appliance asked this passive client to connect.")
                    outcome = await self._session(idle_exit=30.0)
                    if outcome is not None or self.restart:
                        return outcome

    async def _check_in(self, host: str, port: int) -> CheckInAnswer:
        body = CheckIn(
            jump_client_id=self.config.jump_client_id,
            secret=self.config.secret,
            passive_port=port,
            listen_host=host if host not in ("", "0.0.0.0") else None,
        )
        answer = await asyncio.to_thread(
            ask, self.config.appliance, "/api/agent/v1/checkin", body, CheckInAnswer
        )
        self.config.last_contact = now()
        save(self.config)
        return answer

    def _follow_port(self, answer: CheckInAnswer) -> bool:
        """Keep the site's passive port; True when this client must listen there instead."""
        site_port = answer.passive_port
        if site_port == self.config.site_passive_port:
            return False
        self.config.site_passive_port = site_port
        save(self.config)
        if self.config.passive_listen:
            return False  # a --passive-listen address stays
        log.info("The site's passive port is now %d.", site_port)
        return True

    def _passive_address(self) -> tuple[str, int]:
        """Where to listen: ``--passive-listen`` if given, else every address on the site's
        passive port."""
        if self.config.passive_listen:
            host, _, port = self.config.passive_listen.rpartition(":")
            return host, int(port)
        return "0.0.0.0", self.config.site_passive_port

    async def _session(self, idle_exit: float | None = None) -> str | float | None:
        """One connection: None when it ended, seconds to wait, or "removed".

        ``idle_exit``: a passive client leaves once no session has been open that long.
        """
        config = self.config
        assert config.jump_client_id is not None and config.secret is not None
        async with connect(
            self._ws_url(),
            open_timeout=10,
            ping_interval=20,
            ping_timeout=20,
            max_size=16 * 1024 * 1024,
        ) as ws:
            hello = Hello(
                jump_client_id=config.jump_client_id,
                secret=config.secret,
                install_mode=config.install_mode,
                **system.identity().model_dump(),
            )
            await ws.send(hello.model_dump_json())
            try:
                async with asyncio.timeout(30):
                    answered = await ws.recv()
                first = read_handshake(answered)
            except ValueError:
                self.refused_frames += 1
                log.warning("The appliance's answer to hello could not be read; retrying.")
                return None
            if isinstance(first, Retry):
                return first.after_s
            if isinstance(first, Reject):
                log.warning(
                    "The appliance no longer knows this Jump Client (%s); removing it.",
                    first.reason,
                )
                self._remove()
                return "removed"
            self._follow(first.settings)
            config.last_contact = now()
            save(config)
            log.info("Connected to %s as Jump Client %s.", config.appliance, config.jump_client_id)
            reporter = asyncio.create_task(self._report(ws))

            async def send_screen(text: str) -> None:
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(text)

            self.screen = ScreenShare(send_screen)  # answers through send_screen too
            idle = 0.0
            deleted = False
            written = time.monotonic()
            try:
                while True:
                    if time.monotonic() - written >= config.heartbeat_s:
                        written = time.monotonic()  # connected: the last contact is now
                        config.last_contact = now()
                        save(config)
                    try:
                        async with asyncio.timeout(1.0):
                            raw = await ws.recv()
                    except ConnectionClosed as closed:
                        # the session is over (also after an upgrade: restart), or the item is
                        deleted = closed.rcvd is not None and closed.rcvd.code == Close.GONE
                        break
                    except TimeoutError:
                        idle = idle + 1.0 if not self.sessions else 0.0
                        if idle_exit is not None and idle >= idle_exit:
                            log.info("No session for %d s; back to passive.", int(idle))
                            break
                        continue
                    idle = 0.0
                    await self._answer(ws, raw)
                    if self.uninstall is not None:
                        deleted = True
                        break
            finally:
                reporter.cancel()
                self.screen.close()
                for shell in self.shells.values():
                    shell.close()
                self.shells.clear()
                self.sessions.clear()
                config.last_contact = now()  # also when stopped (SIGTERM): connected till now
                save(config)
        if deleted:
            told = f" ({visible(self.uninstall)})" if self.uninstall else ""
            log.warning(
                "The appliance says this Jump Client's item was deleted%s; removing it.", told
            )
            self._remove()
            return "removed"
        return None

    async def _shell(self, ws: ClientConnection, frame: ShellFrame) -> None:
        sid = frame.sid
        if isinstance(frame, ShellOpen):
            if not self.sessions.get(sid):
                raise ValueError("the session policy does not allow a command shell")
            if sid not in self.shells:

                async def send(out: ShellOutput | ShellExit) -> None:
                    with contextlib.suppress(ConnectionClosed):
                        await ws.send(out.model_dump_json())

                self.shells[sid] = Shell(sid, send, cols=frame.cols, rows=frame.rows)
            return
        shell = self.shells.get(sid)
        if shell is None:
            return
        if isinstance(frame, ShellInput):
            shell.write(base64.b64decode(frame.data))
        elif isinstance(frame, ShellResize):
            shell.resize(frame.cols, frame.rows)
        else:
            self.shells.pop(sid).close()

    def _follow(self, settings: AgentSettings) -> None:
        """Take the site's settings (at connect, and whenever an administrator changes them)."""
        config = self.config
        self.interval = settings.statistics_interval_s
        self.selected = list(settings.statistics)
        config.days_before_deleted = settings.days_before_deleted
        if settings.max_offline_minutes is not None:
            config.max_offline_minutes = settings.max_offline_minutes
        config.site_passive_port = settings.passive_port
        config.restrict_local_uninstall = settings.restrict_local_uninstall
        self._settings_changed.set()  # the reporter starts its new interval now

    async def _report(self, ws: ClientConnection) -> None:
        while True:
            try:
                stats = await asyncio.to_thread(system.statistics, self.selected)
            except ValueError as err:  # a figure out of its bounds: none sent this time
                log.warning("Statistics skipped: %s", err)
            else:
                await ws.send(stats.model_dump_json(exclude_none=True))
            self.config.last_contact = now()
            self._settings_changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._settings_changed.wait()

    async def _prompt(self, ws: ClientConnection, frame: PromptAsk) -> None:
        """Ask the present user (in its own task: the channel goes on meanwhile)."""
        timeout = min(max(frame.timeout_s, 1.0), 300.0)
        answer = await self.prompter.ask(frame.question[:500], timeout)
        said = PromptResult(answer={True: "accept", False: "refuse", None: None}[answer])
        log.info(
            "Asked the user to accept a session (%s): %s.",
            self.prompter.name,
            said.answer or "no answer",
        )
        await self._reply(ws, Response(id=frame.id, ok=True, result=said.model_dump()))

    @staticmethod
    async def _reply(ws: ClientConnection, response: Response) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(response.model_dump_json())

    async def _answer(self, ws: ClientConnection, raw: str | bytes) -> None:
        """Obey one frame from the appliance. A frame that is not one this client knows,
        whole and well-formed, is refused (answered with an error when it carries an id)
        and counted; it never stops the client."""
        try:
            frame = read_request(raw)
        except ValueError:
            if self.screen is not None and await self.screen.obey(raw, self.permissions):
                return  # one of screen sharing's (jump_client.screen_share)
            self.refused_frames += 1
            log.warning("Refused a frame from the appliance that is not one this client knows.")
            request = request_id(raw)
            if request is not None:
                refusal = "this Jump Client does not understand the request"
                await self._reply(ws, Response.refusing(request, refusal))
            return
        if isinstance(frame, Uninstall):
            self.uninstall = frame.reason  # the session loop ends and the client goes
            return
        if isinstance(frame, SettingsFrame):
            self._follow(frame.settings)
            save(self.config)
            log.info("Site settings changed: statistics every %d s.", int(self.interval))
            return
        if isinstance(frame, PromptAsk):
            task = asyncio.create_task(self._prompt(ws, frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        if isinstance(frame, ShellOpen | ShellInput | ShellResize | ShellClose):
            try:
                await self._shell(ws, frame)
            except (OSError, ValueError) as err:
                log.warning("Session %s: shell frame refused: %s.", frame.sid, err)
            return
        result: dict[str, Any] = {}
        error = None
        try:
            result = await self._obey(frame)
        except files.TransferRefused as err:
            error = str(err)
        except UpgradeFailed as err:
            error = str(err)
            log.error("Upgrade refused: %s.", err)
        except (OSError, ValueError, KeyError) as err:
            error = f"{type(err).__name__}: {err}"
        await self._reply(ws, Response(id=frame.id, ok=error is None, result=result, error=error))
        if self.restart:
            await ws.close()  # run() then starts the new version

    async def _obey(self, frame: Request) -> dict[str, Any]:
        """Carry out one request; its result (raises on a refusal)."""
        if isinstance(frame, PresenceAsk):
            p = await asyncio.to_thread(system.presence)
            return PresenceResult(
                console_user=p.console_user, locked=p.locked, screen_saver=p.screen_saver
            ).model_dump()
        if isinstance(frame, Wake):
            await asyncio.to_thread(send_wake, self.config.wol_broadcast, frame.mac, frame.password)
            log.info("Sent a wake packet for %s.", frame.mac)  # never the password
            return {}
        if isinstance(frame, FileGet | FilePut):
            permissions = self.permissions.get(frame.sid)
            if permissions is None:
                raise ValueError("no such session")
            if isinstance(frame, FileGet):
                result = await asyncio.to_thread(files.download, permissions, frame.path)
            else:
                result = await asyncio.to_thread(files.upload, permissions, frame.path, frame.data)
            sent = "sent" if isinstance(frame, FileGet) else "received"
            log.info("Session %s: %s %s.", frame.sid, sent, frame.path)
            return result
        if isinstance(frame, SystemInfoAsk):
            if not self.system_info.get(frame.sid):
                raise ValueError("the session policy does not allow system information")
            return await asyncio.to_thread(system.system_info)
        if isinstance(frame, SessionOpen):
            sid, permissions = frame.sid, frame.permissions
            allowed = bool(permissions.get("command_shell"))
            self.system_info[sid] = bool(permissions.get("system_info"))
            self.permissions[sid] = dict(permissions)
            self.sessions[sid] = allowed
            log.info(
                "Session %s opened (command shell %s).", sid, "allowed" if allowed else "denied"
            )
            return {"shell": allowed}
        if isinstance(frame, SessionEnd):
            self.sessions.pop(frame.sid, None)
            self.permissions.pop(frame.sid, None)
            if self.screen is not None:
                self.screen.end(frame.sid)  # its capture, and its control of the screen
            shell = self.shells.pop(frame.sid, None)
            if shell is not None:
                shell.close()
            log.info("Session %s ended: %s.", frame.sid, frame.reason)
            return {}
        if not isinstance(frame, Upgrade):  # a prompt is asked in a task of its own
            raise ValueError(f"'{frame.type}' is not answered here")
        data = await asyncio.to_thread(fetch, self.config)
        await asyncio.to_thread(
            install_bundle, Path(self.config.install_dir), frame.version, data, frame.sha256
        )
        self.restart = True
        log.info("Upgraded to %s; restarting.", frame.version)
        return {"version": frame.version}


DEFAULT_VALIDITY = timedelta(minutes=1440)
RESTART = 75  # run() answers this after an upgrade: start again on the new code
