"""Parts of the Jump Client and its admission that need no process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI

from appliance.agents.guards import Admission
from appliance.clock import FakeClock
from domain.enums import PromptAnswer
from domain.rules import prompt_outcome
from jump_client import install
from jump_client.config import ClientConfig, save
from jump_client.prompter import PrompterError, make_prompter


@pytest.mark.not_storage("connection-rate admission")
def test_admission_holds_the_site_connection_rate(app: FastAPI, clock: FakeClock) -> None:
    state = app.state.appliance
    repo = state.site.repo
    repo.save_settings(repo.settings().model_copy(update={"connection_rate": 10}))
    state.site.refresh_settings()  # written around the site: read them again
    admission = Admission(state.site, state.shared)
    answers = [admission.admit() for _ in range(25)]
    assert answers[:10] == [None] * 10  # one second's worth at once
    waits = [w for w in answers[10:] if w is not None]
    assert len(waits) == 15  # the rest are refused, each given its own slot in a queue
    assert waits[0] == pytest.approx(0.1) and waits[-1] == pytest.approx(1.5)
    assert all(b - a == pytest.approx(0.1) for a, b in zip(waits, waits[1:], strict=False))
    clock.advance(0.5)
    assert sum(admission.admit() is None for _ in range(25)) == 5  # tokens come at the rate


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


# -- prompting a present user -------------------------------------------------------------------


async def test_a_command_prompter_reads_the_exit_status_or_the_word(tmp_path: Path) -> None:
    said = tmp_path / "question.txt"
    accept = make_prompter(f"command:sh -c 'printf %s \"$1\" > {said}; exit 0' sh {{question}}")
    assert await accept.ask("Allow it?", 5) is True
    assert said.read_text() == "Allow it?"  # the question reaches the program
    assert await make_prompter("command:sh -c 'exit 1'").ask("q", 5) is False
    assert await make_prompter("command:sh -c 'echo refuse'").ask("q", 5) is False
    assert await make_prompter("command:sh -c 'echo accept; exit 3'").ask("q", 5) is True
    assert await make_prompter("command:sh -c 'exit 7'").ask("q", 5) is None
    assert (
        await make_prompter("command:sh -c 'sleep 30'").ask("q", 0.3) is None
    )  # no answer in time
    assert await make_prompter("command:/nonexistent/prompt").ask("q", 5) is None
    assert await make_prompter("none").ask("q", 5) is None


def test_a_bad_prompter_is_refused_with_a_sentence() -> None:
    for spec, words in (
        ("zenity", "is not a prompter"),
        ("command:", "is empty"),
        ("command:'unclosed", "cannot be read"),
    ):
        with pytest.raises(PrompterError, match=words):
            make_prompter(spec)


def test_no_answer_takes_the_policy_default() -> None:
    assert prompt_outcome(True, PromptAnswer.REFUSE) == (True, "accepted")
    assert prompt_outcome(False, PromptAnswer.ACCEPT) == (False, "refused")
    accepted, how = prompt_outcome(None, PromptAnswer.ACCEPT)
    assert accepted and "default answer (accept)" in how
    refused, how = prompt_outcome(None, PromptAnswer.REFUSE)
    assert not refused and "default answer (refuse)" in how


def test_the_channel_guard_follows_a_shorter_interval_and_still_stops_a_flood() -> None:
    from appliance.agents.guards import ChannelGuard

    now, interval = [0.0], [30.0]
    guard = ChannelGuard(lambda: now[0], lambda: interval[0])
    interval[0] = 5.0  # the site asks for statistics six times as often
    for _ in range(200):  # a well-behaved client at the new pace is never refused
        now[0] += 5.0
        assert not guard.flooding()
    assert any(guard.flooding() for _ in range(100))  # a burst far beyond it is
