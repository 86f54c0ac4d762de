"""The core never imports Textual (STYLE.md rule 1): each package in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = ["domain", "api_client", "appliance", "appliance.app", "appliance.demo", "jump_client"]


@pytest.mark.parametrize("module", CORE)
def test_core_package_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
