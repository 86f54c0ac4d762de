"""The core never imports Textual (STYLE.md rule 1): every module, in a fresh interpreter.

Every module of ``domain``, ``api_client``, ``appliance`` and ``jump_client`` (found on disk,
so a new module is checked without a change here), the console's store, its commands for
scripts and its plain mode are imported one after another in a new interpreter; the first whose
import brings ``textual`` into ``sys.modules`` is named. ``jump-console ls`` is also run through
the console's entry point, as a script runs it, and must not load Textual either.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGES = ["domain", "api_client", "appliance", "jump_client"]

#: imports the modules named in argv in turn; prints the first after which Textual is loaded
PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    if "textual" in sys.modules:
        print(name)
        break
"""

#: runs ``jump-console ARGS`` through the entry point, then says whether Textual was loaded
RUN_AS_SCRIPT = """
import runpy, sys
sys.argv = ["jump-console", *sys.argv[1:]]
try:
    runpy.run_module("console", run_name="__main__")
except SystemExit:
    pass
print("textual" in sys.modules)
"""


def modules_of(package: str) -> list[str]:
    """Every module of a package, by its files (the package itself first)."""
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return sorted(names, key=lambda name: (name.count("."), name))


#: the console's parts without a screen: the store, the CLI, plain mode (every module of it)
CONSOLE_CORE = ["console.store", "console.cli", *modules_of("console/plain")]


def first_to_load_textual(modules: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_no_module_of_a_core_package_imports_textual(package: str) -> None:
    modules = modules_of(package)
    assert len(modules) > 1, f"no modules found under {ROOT / package}"
    culprit = first_to_load_textual(modules)
    assert culprit == "", f"importing {culprit} loads Textual"


def test_the_consoles_store_commands_and_plain_mode_do_not_import_textual() -> None:
    culprit = first_to_load_textual(CONSOLE_CORE)
    assert culprit == "", f"importing {culprit} loads Textual"


@pytest.fixture
def refused_address() -> Iterator[str]:
    """An address on 127.0.0.1 that refuses connections (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_command_run_through_the_entry_point_does_not_import_textual(
    tmp_path: Path, refused_address: str
) -> None:
    password = tmp_path / "password"
    password.write_text("demo\n")
    args = ["--config", str(tmp_path / "none.toml"), "--appliance", refused_address]
    args += ["--user", "alice", "--password-file", str(password), "ls"]
    done = subprocess.run(
        [sys.executable, "-c", RUN_AS_SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "could not be reached" in done.stderr  # the command ran as far as the network
    assert done.stdout.strip().splitlines()[-1] == "False"
