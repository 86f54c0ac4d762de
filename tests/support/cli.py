"""The console's command line run in-process against an appliance, as a script would."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appliance.embedded import EmbeddedAppliance
from console import cli
from console.config import load_settings


def run(
    appliance: EmbeddedAppliance,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    user: str = "carol",
) -> tuple[int, str, str]:
    """``jump-console --appliance URL --user USER ARGS...``: (exit code, stdout, stderr)."""
    code = cli.main(["--appliance", appliance.url, "--user", user, *args], load_settings)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_json(out: str) -> Any:
    return json.loads(out)
