"""The appliance as a real process on 127.0.0.1 (``python -m appliance``), and a token from it."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx

READY = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass
class RunningAppliance:
    process: subprocess.Popen[str]
    url: str
    output: list[str]
    reader: threading.Thread
    heard: threading.Condition = field(default_factory=threading.Condition)

    def wait_for_output(self, text: str, timeout: float = 10.0) -> str:
        """Everything the process said, once it has said ``text`` (it prints its banner just
        after the line that says it listens)."""
        with self.heard:
            self.heard.wait_for(lambda: text in "".join(self.output), timeout)
        return "".join(self.output)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_appliance(
    db: str | Path,
    *extra: str,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
    open_files: int | None = None,
) -> RunningAppliance:
    """Start the appliance on a free loopback port; return once it says it is listening.

    ``env``: settings (``JUMP_APPLIANCE_*``) on top of this process's environment;
    ``open_files``: the process's limit of open files (``RLIMIT_NOFILE``), as a service
    unit's ``LimitNOFILE`` would set it."""

    def limit() -> None:
        if open_files is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, hard))

    command = [
        sys.executable,
        "-m",
        "appliance",
        "--db",
        str(db),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        *extra,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        preexec_fn=limit if open_files is not None else None,  # setrlimit only: no locks
    )
    assert process.stdout is not None
    output: list[str] = []
    found = threading.Event()
    heard = threading.Condition()
    url: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with heard:
                output.append(line)
                heard.notify_all()
            match = READY.search(line)
            if match and not found.is_set():
                url.append(match.group(1))
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    running = RunningAppliance(process, "", output, reader, heard)
    reader.start()
    if not found.wait(timeout) or not url:
        running.stop()
        raise AssertionError("the appliance did not start:\n" + "".join(output))
    running.url = url[0]
    return running


def config_token(url: str, client_id: str, secret: str) -> str:
    """A Config API bearer token for an API account, by the client-credentials grant."""
    answer = httpx.post(
        f"{url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])
