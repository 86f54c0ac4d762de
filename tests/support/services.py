"""Private PostgreSQL and Redis servers for tests, on 127.0.0.1 and free ports.

Each server lives in a temporary folder of its own and is stopped at the end; tests that
restart one (the fault tests) get one of their own. The binaries come from Debian's packages
(``postgresql``, ``redis-server``), which ``make test`` installs where it may; where they are
missing, :func:`missing` says so in one sentence and the tests that need them skip with it.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_PG_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


def _pg_bin(name: str) -> str | None:
    for folder in _PG_BINARIES:
        path = Path(folder) / name
        if path.exists():
            return str(path)
    return shutil.which(name)


def missing(service: str) -> str | None:
    """Why ``service`` ('postgresql' or 'redis') cannot run here, or None when it can."""
    if service == "postgresql":
        if _pg_bin("initdb") is None or _pg_bin("pg_ctl") is None:
            return "PostgreSQL is not installed (make test installs it with apt-get as root)"
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            return "PostgreSQL cannot run as root and runuser is missing"
        return None
    if shutil.which("redis-server") is None:
        return "Redis is not installed (make test installs it with apt-get as root)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class Postgres:
    folder: Path
    port: int

    @property
    def data(self) -> str:
        return str(self.folder / "data")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://jump:jump-test-pw@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        assert pg_ctl is not None
        subprocess.run(
            _as_owner([pg_ctl, "-D", self.data, "-w", "-t", "60", *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off -c max_connections=300"
        )
        self._ctl("-l", str(self.folder / "log"), "-o", options, "start")
        _wait_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def psql(self, sql: str) -> None:
        psql = _pg_bin("psql")
        assert psql is not None
        subprocess.run(
            _as_owner(
                [
                    psql,
                    "-h",
                    str(self.folder),
                    "-p",
                    str(self.port),
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    sql,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )


@contextlib.contextmanager
def postgres() -> Iterator[Postgres]:
    """A fresh PostgreSQL cluster with a password-protected role ``jump`` that owns it all."""
    folder = Path(tempfile.mkdtemp(prefix="jump-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = Postgres(folder, free_port())
    initdb = _pg_bin("initdb")
    assert initdb is not None
    subprocess.run(
        _as_owner(
            [
                initdb,
                "-D",
                server.data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    hba = Path(server.data) / "pg_hba.conf"
    rules = "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    if os.geteuid() == 0:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "tee", str(hba)],
            input=rules.encode(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    else:
        hba.write_text(rules)
    server.start()
    try:
        server.psql("CREATE ROLE jump LOGIN SUPERUSER PASSWORD 'jump-test-pw'")
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Redis:
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def redis() -> Iterator[Redis]:
    folder = Path(tempfile.mkdtemp(prefix="jump-redis-"))
    server = Redis(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
