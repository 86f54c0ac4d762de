"""An appliance served by uvicorn on a free 127.0.0.1 port, in a thread of its own.

The console starts one when no appliance is configured; tests use it for real HTTP and
websockets. ``stop()`` (or leaving the ``with`` block) shuts it down cleanly; a second
``start()`` on the same database is a restart.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from appliance.app import create_app
from appliance.clock import Clock
from appliance.config import ApplianceSettings
from appliance.security import new_installer_key
from appliance.services import Services
from appliance.serving import server_config
from domain import Installer

T = TypeVar("T")
LOCAL_NOTE = "demo: this machine"


class EmbeddedAppliance:
    def __init__(
        self,
        settings: ApplianceSettings,
        *,
        clock: Clock | None = None,
        api_account: tuple[str, str] | None = None,
        port: int = 0,
    ) -> None:
        # it shares its process with the console or the tests: the collector is theirs
        self.settings = settings.model_copy(update={"gc_freeze_s": 0})
        self.clock = clock
        self.api_account = api_account
        self.port = port
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.app: FastAPI | None = None

    def start(self, timeout: float = 30.0) -> str:
        """Start serving; return the base URL once the port is listening."""
        app = create_app(self.settings, clock=self.clock, api_account=self.api_account)
        self.app = app
        server = uvicorn.Server(server_config(app, "127.0.0.1", self.port))
        self._server = server
        ready = threading.Event()

        def run() -> None:
            try:
                asyncio.run(self._serve(server, ready))
            except BaseException as err:  # reported by start()
                self._error = err
            finally:
                ready.set()

        self._thread = threading.Thread(target=run, name="embedded-appliance", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or not server.started:
            self.stop()
            raise RuntimeError(f"the embedded appliance did not start: {self._error!r}")
        sockets = [s for srv in server.servers for s in srv.sockets]
        self.port = sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self.url

    async def _serve(self, server: uvicorn.Server, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        ready.set()
        await task

    def call(self, function: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``function`` on the appliance's event loop and return its result."""
        if self._loop is None:
            raise RuntimeError("the embedded appliance is not running")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(function())
            except BaseException as err:
                future.set_exception(err)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def local_installer_key(self) -> str:
        """The key of the demo installer for "this machine" (created once, valid a year).

        It puts the client in the Servers group of the demo site with the demo session
        policies, so a demo representative can jump into a real shell on this computer.
        """
        assert self.app is not None
        services: Services = self.app.state.appliance
        state = services.site

        def find_or_create() -> str:
            for installer in state.repo.installers():
                if installer.note == LOCAL_NOTE:
                    return installer.installer_id
            with state.repo.transaction():
                installer = Installer(
                    id=state.repo.next_id("installer"),
                    installer_id=new_installer_key(),
                    note=LOCAL_NOTE,
                    name="",
                    jump_group_id=1,
                    tag="this-machine",
                    comments="A real Jump Client on the machine running the console.",
                    attended_session_policy_id=2,
                    unattended_session_policy_id=3,
                    elevate_install=False,
                    valid_duration=525_600,
                    expiration_timestamp=state.clock.now() + timedelta(days=365),
                )
                state.repo.add_installer(installer)
            return installer.installer_id

        return self.call(find_or_create)

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> EmbeddedAppliance:
        self.start()
        return self

    def __exit__(
        self, *_exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.stop()
