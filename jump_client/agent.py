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
import json
import logging
import random
import socket
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from domain.rules import magic_packet
from jump_client import files, system
from jump_client.config import ClientConfig, now, save
from jump_client.prompter import NoPrompter, Prompter, PrompterError, make_prompter
from jump_client.shell import Shell
from jump_client.upgrade import UpgradeFailed, fetch, install_bundle

log = logging.getLogger("jump-client")


class Refused(Exception):
    """The appliance refused; ``code`` and one sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def post(appliance: str, path: str, body: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
    """POST JSON; raise :class:`Refused` on a refusal, OSError when unreachable."""
    request = urllib.request.Request(
        appliance.rstrip("/") + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "jump-client"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            text = answer.read()
            return json.loads(text) if text else {}
    except urllib.error.HTTPError as err:
        try:
            detail = json.loads(err.read())
        except ValueError:
            detail = {}
        raise Refused(
            str(detail.get("error", err.code)),
            str(detail.get("message", f"The appliance refused (HTTP {err.code}).")),
        ) from None


def retry_delay(after_s: float) -> float:
    """How long to wait when the appliance says ``retry {after_s}``: its time, plus a little
    jitter (the appliance already gives each client its own slot; at most 1 s more)."""
    return after_s + random.uniform(0, min(1.0, after_s * 0.2))


def register(config: ClientConfig) -> None:
    """Ask the appliance to create this Jump Client (raises Refused or OSError)."""
    ident = system.identity()
    answer = post(
        config.appliance,
        "/api/agent/v1/install",
        {
            "key": config.key,
            "parameters": config.parameters,
            "hostname": ident["hostname"],
            "fqdn": ident["fqdn"],
            "operating_system": ident["os"],
            "install_mode": config.install_mode,
        },
    )
    config.jump_client_id = int(answer["jump_client_id"])
    config.secret = str(answer["secret"])
    config.name = str(answer.get("name", ""))
    config.days_before_deleted = int(answer.get("days_before_deleted", 180))
    config.max_offline_minutes = int(answer.get("max_offline_minutes", 0))
    config.passive = answer.get("connection_type") == "passive"
    if answer.get("appliance"):  # the installer's Jumpoint: everything goes through it now
        config.appliance = str(answer["appliance"])
    if not answer.get("elevate_install", True):
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
        self.shells: dict[str, Shell] = {}
        self.selected: list[str] = ["cpu", "console_user", "disk_usage", "uptime"]
        try:
            self.prompter: Prompter = make_prompter(config.prompter)
        except PrompterError as err:
            log.warning("%s The policy's default answer applies to prompts.", err)
            self.prompter = NoPrompter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._settings_changed = asyncio.Event()

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
                ):
                    self._remove()
                    return 1
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as err:
                log.info("The appliance is out of reach (%s); retrying.", type(err).__name__)
            failures += 1
            delay = min(60.0, 0.5 * (2 ** min(failures, 7))) * (0.5 + random.random() / 2)
            await asyncio.sleep(delay)

    async def _passive(self) -> str | float | None:
        """Check in every interval; connect for a session when the appliance asks."""
        host, port = self._passive_address()
        knocked = asyncio.Event()

        async def knock(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, TimeoutError):
                if (await asyncio.wait_for(reader.readline(), 5)).strip() == b"connect-now":
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
            await asyncio.sleep(float(answer.get("interval_s", 30)))
            return None
        log.info("Passive: listening for the appliance on %s:%d.", host or "0.0.0.0", port)
        async with server:
            while True:
                answer = await self._check_in(host, port)
                if self._follow_port(answer):
                    return None  # listen on the site's new passive port
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(knocked.wait(), float(answer.get("interval_s", 30)))
                if knocked.is_set():
                    knocked.clear()
                    log.info("The appliance asked this passive client to connect.")
                    outcome = await self._session(idle_exit=30.0)
                    if outcome is not None or self.restart:
                        return outcome

    async def _check_in(self, host: str, port: int) -> dict[str, Any]:
        answer = await asyncio.to_thread(
            post,
            self.config.appliance,
            "/api/agent/v1/checkin",
            {
                "jump_client_id": self.config.jump_client_id,
                "secret": self.config.secret,
                "passive_port": port,
                "listen_host": host if host not in ("", "0.0.0.0") else None,
            },
        )
        self.config.last_contact = now()
        save(self.config)
        return answer

    def _follow_port(self, answer: dict[str, Any]) -> bool:
        """Keep the site's passive port; True when this client must listen there instead."""
        site_port = answer.get("passive_port")
        if not isinstance(site_port, int) or site_port == self.config.site_passive_port:
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
            hello = {
                "type": "hello",
                "jump_client_id": config.jump_client_id,
                "secret": config.secret,
                "install_mode": config.install_mode,
                **system.identity(),
            }
            await ws.send(orjson.dumps(hello).decode())
            first = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
            if first.get("type") == "retry":
                return float(first.get("after_s", 1.0))
            if first.get("type") == "reject":
                log.warning(
                    "The appliance no longer knows this Jump Client (%s); removing it.",
                    first.get("reason"),
                )
                self._remove()
                return "removed"
            self._follow(first.get("settings") or {})
            config.last_contact = now()
            save(config)
            log.info("Connected to %s as Jump Client %s.", config.appliance, config.jump_client_id)
            reporter = asyncio.create_task(self._report(ws))
            idle = 0.0
            try:
                while True:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 1.0)
                    except ConnectionClosed:
                        break  # the session is over (also after an upgrade: restart)
                    except TimeoutError:
                        idle = idle + 1.0 if not self.sessions else 0.0
                        if idle_exit is not None and idle >= idle_exit:
                            log.info("No session for %d s; back to passive.", int(idle))
                            break
                        continue
                    idle = 0.0
                    await self._answer(ws, raw)
            finally:
                reporter.cancel()
                for shell in self.shells.values():
                    shell.close()
                self.shells.clear()
                self.sessions.clear()
                config.last_contact = now()
                save(config)
        return None

    async def _shell(self, ws: ClientConnection, kind: str, frame: dict[str, Any]) -> None:
        sid = str(frame.get("sid"))
        if kind == "shell.open":
            if not self.sessions.get(sid):
                raise ValueError("the session policy does not allow a command shell")
            if sid not in self.shells:

                async def send(out: dict[str, object]) -> None:
                    with contextlib.suppress(ConnectionClosed):
                        await ws.send(orjson.dumps(out).decode())

                self.shells[sid] = Shell(
                    sid, send, cols=int(frame.get("cols", 80)), rows=int(frame.get("rows", 24))
                )
            return
        shell = self.shells.get(sid)
        if shell is None:
            return
        if kind == "shell.input":
            shell.write(base64.b64decode(str(frame.get("data", ""))))
        elif kind == "shell.resize":
            shell.resize(int(frame.get("cols", 80)), int(frame.get("rows", 24)))
        elif kind == "shell.close":
            self.shells.pop(sid).close()

    def _follow(self, settings: dict[str, Any]) -> None:
        """Take the site's settings (at connect, and whenever an administrator changes them)."""
        config = self.config
        try:
            self.interval = float(settings.get("statistics_interval_s", self.interval))
            self.selected = [str(s) for s in settings.get("statistics", self.selected)]
            config.days_before_deleted = int(
                settings.get("days_before_deleted", config.days_before_deleted)
            )
            config.max_offline_minutes = int(
                settings.get("max_offline_minutes", config.max_offline_minutes)
            )
            config.site_passive_port = int(settings.get("passive_port", config.site_passive_port))
        except (TypeError, ValueError):
            log.warning("Skipped site settings that could not be read.")
            return
        config.restrict_local_uninstall = bool(
            settings.get("restrict_local_uninstall", config.restrict_local_uninstall)
        )
        self._settings_changed.set()  # the reporter starts its new interval now

    async def _report(self, ws: ClientConnection) -> None:
        while True:
            stats = await asyncio.to_thread(system.statistics, self.selected)
            await ws.send(orjson.dumps(stats).decode())
            self.config.last_contact = now()
            self._settings_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settings_changed.wait(), self.interval)

    async def _prompt(self, ws: ClientConnection, request_id: Any, frame: dict[str, Any]) -> None:
        """Ask the present user (in its own task: the channel goes on meanwhile)."""
        try:
            timeout = min(max(float(frame.get("timeout_s", 30)), 1.0), 300.0)
        except (TypeError, ValueError):
            timeout = 30.0
        text = str(frame.get("question", ""))[:500]
        answer = await self.prompter.ask(text, timeout)
        said = {True: "accept", False: "refuse", None: None}[answer]
        log.info(
            "Asked the user to accept a session (%s): %s.", self.prompter.name, said or "no answer"
        )
        reply = {"type": "response", "id": request_id, "ok": True, "result": {"answer": said}}
        with contextlib.suppress(ConnectionClosed):
            await ws.send(orjson.dumps(reply).decode())

    async def _answer(self, ws: ClientConnection, raw: str | bytes) -> None:
        try:
            frame = orjson.loads(raw)
            kind, request_id = frame["type"], frame.get("id")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("Skipped a frame from the appliance that could not be read.")
            return
        if kind == "settings":
            self._follow(frame.get("settings") or {})
            save(self.config)
            log.info("Site settings changed: statistics every %d s.", int(self.interval))
            return
        if kind == "prompt.ask":
            task = asyncio.create_task(self._prompt(ws, request_id, frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        result: dict[str, Any] = {}
        error = None
        try:
            if kind == "presence.ask":
                p = await asyncio.to_thread(system.presence)
                result = {
                    "console_user": p.console_user,
                    "locked": p.locked,
                    "screen_saver": p.screen_saver,
                }
            elif kind == "wake":
                await asyncio.to_thread(
                    send_wake, self.config.wol_broadcast, str(frame["mac"]), frame.get("password")
                )
                log.info("Sent a wake packet for %s.", frame["mac"])  # never the password
            elif kind in ("file.get", "file.put"):
                permissions = self.permissions.get(str(frame.get("sid")))
                if permissions is None:
                    raise ValueError("no such session")
                path = str(frame.get("path", ""))
                if kind == "file.get":
                    result = await asyncio.to_thread(files.download, permissions, path)
                else:
                    result = await asyncio.to_thread(
                        files.upload, permissions, path, str(frame.get("data", ""))
                    )
                log.info(
                    "Session %s: %s %s.",
                    frame.get("sid"),
                    "sent" if kind == "file.get" else "received",
                    path,
                )
            elif kind == "system.info":
                if not self.system_info.get(str(frame.get("sid"))):
                    raise ValueError("the session policy does not allow system information")
                result = await asyncio.to_thread(system.system_info)
            elif kind == "session.open":
                sid = str(frame["sid"])
                permissions = frame.get("permissions") or {}
                allowed = bool(permissions.get("command_shell"))
                self.system_info[sid] = bool(permissions.get("system_info"))
                self.permissions[sid] = dict(permissions)
                self.sessions[sid] = allowed
                result = {"shell": allowed}
                log.info(
                    "Session %s opened (command shell %s).", sid, "allowed" if allowed else "denied"
                )
            elif kind == "session.end":
                sid = str(frame["sid"])
                self.sessions.pop(sid, None)
                shell = self.shells.pop(sid, None)
                if shell is not None:
                    shell.close()
                log.info("Session %s ended: %s.", sid, frame.get("reason", ""))
            elif kind.startswith("shell."):
                await self._shell(ws, kind, frame)
            elif kind == "upgrade":
                version = str(frame.get("version", ""))
                data = await asyncio.to_thread(fetch, self.config)
                await asyncio.to_thread(
                    install_bundle,
                    Path(self.config.install_dir),
                    version,
                    data,
                    str(frame.get("sha256", "")),
                )
                result = {"version": version}
                self.restart = True
                log.info("Upgraded to %s; restarting.", version)
            else:
                error = f"this Jump Client does not know '{kind}'"
        except files.TransferRefused as err:
            error = str(err)
        except UpgradeFailed as err:
            error = str(err)
            log.error("Upgrade refused: %s.", err)
        except (OSError, ValueError, KeyError) as err:
            error = f"{type(err).__name__}: {err}"
        if request_id is not None:
            await ws.send(
                orjson.dumps(
                    {
                        "type": "response",
                        "id": request_id,
                        "ok": error is None,
                        "result": result,
                        "error": error,
                    }
                ).decode()
            )
        if self.restart:
            await ws.close()  # run() then starts the new version


DEFAULT_VALIDITY = timedelta(minutes=1440)
RESTART = 75  # run() answers this after an upgrade: start again on the new code
