"""Parts of the Jump Client and its admission that need no process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI

from appliance.agent_api import Admission
from appliance.clock import FakeClock
from jump_client import install
from jump_client.config import ClientConfig, save


def test_admission_holds_the_site_connection_rate(app: FastAPI, clock: FakeClock) -> None:
    state = app.state.appliance
    state.repo.save_settings(state.repo.settings().model_copy(update={"connection_rate": 10}))
    admission = Admission(state)
    admitted = sum(admission.admit() is None for _ in range(25))
    assert admitted == 10  # one second's worth at once
    wait = admission.admit()
    assert wait is not None and 0 < wait <= 0.1
    clock.advance(0.5)
    assert sum(admission.admit() is None for _ in range(25)) == 5


def test_restricted_local_uninstall_is_refused_without_privilege(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "client"
    directory.mkdir()
    save(
        ClientConfig(
            appliance="http://127.0.0.1:9",
            key="k",
            install_dir=str(directory),
            state="registered",
            register_until=datetime(2026, 1, 1, tzinfo=UTC),
            restrict_local_uninstall=True,
        )
    )
    monkeypatch.setattr(install.os, "geteuid", lambda: 1000)
    assert install.uninstall(directory) == 1
    assert "restricts local uninstall" in capsys.readouterr().err
    assert directory.exists()
