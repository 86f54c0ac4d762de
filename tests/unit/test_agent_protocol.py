"""The agent channel's frames: what each end accepts, and what it refuses."""

from __future__ import annotations

import json

import pytest

from domain.protocol.agent import (
    AgentSettings,
    ConsoleInput,
    ConsoleResize,
    Credentials,
    Figures,
    Hello,
    PresenceResult,
    PromptResult,
    Reject,
    Response,
    Retry,
    ShellExit,
    ShellOutput,
    ShellResize,
    ShellSize,
    Stats,
    Uninstall,
    Wake,
    Welcome,
    read_console_frame,
    read_handshake,
    read_reply,
    read_request,
    read_stats,
    request_id,
)
from domain.protocol.agent_http import (
    CheckIn,
    CheckInAnswer,
    InstallAnswer,
    InstallRequest,
    SupportAnswer,
    SupportAsk,
)
from domain.thumbnail import Thumbnail


def test_a_well_formed_request_is_read_as_its_model() -> None:
    frame = read_request(json.dumps({"type": "shell.resize", "sid": "s1", "cols": 90, "rows": 20}))
    assert frame == ShellResize(sid="s1", cols=90, rows=20)
    wake = read_request(json.dumps({"type": "wake", "id": 4, "mac": "02:00:5e:00:00:01"}))
    assert isinstance(wake, Wake) and wake.id == 4 and wake.password is None
    told = read_request(json.dumps({"type": "uninstall", "reason": "Deleted."}))
    assert told == Uninstall(reason="Deleted.")


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "shell.resize", "sid": "s1", "cols": None, "rows": 24},
        {"type": "shell.resize", "sid": "s1", "cols": "abc", "rows": 24},
        {"type": "shell.resize", "sid": "s1", "cols": "80", "rows": 24},
        {"type": "shell.resize", "sid": "s1", "cols": 0, "rows": 24},
        {"type": "shell.open", "sid": "s1", "cols": 1.5},
        {"type": "shell.input", "sid": "s1"},
        {"type": "wake", "id": 1, "mac": None},
        {"type": "uninstall", "reason": "gone\x1b]0;owned\x07"},  # no control characters
        {"type": "uninstall", "reason": "x" * 129},
        {"type": "uninstall", "reason": 7},
        {"type": "no.such.thing", "id": 2},
        ["shell.resize"],
        "garbage",
    ],
)
def test_a_bad_request_is_refused_whole(raw: object) -> None:
    with pytest.raises(ValueError):
        read_request(json.dumps(raw))


def test_a_refused_request_is_answered_by_its_id_when_it_has_one() -> None:
    assert request_id(json.dumps({"type": "wake", "id": 7, "mac": None})) == 7
    assert request_id(json.dumps({"type": "shell.resize", "cols": None})) is None
    assert request_id(b"{not json") is None
    answer = Response.refusing(7, "no")
    assert json.loads(answer.model_dump_json()) == {
        "type": "response",
        "id": 7,
        "ok": False,
        "result": {},
        "error": "no",
    }


def test_console_frames_are_checked_before_they_are_relayed() -> None:
    assert read_console_frame('{"type": "input", "data": "bHM="}') == ConsoleInput(data="bHM=")
    assert read_console_frame('{"type": "resize", "cols": 120, "rows": 40}') == ConsoleResize(
        cols=120, rows=40
    )
    for bad in (
        '{"type": "resize", "cols": null, "rows": 24}',
        '{"type": "resize", "cols": "abc"}',
        '{"type": "input", "data": 7}',
        "[]",
        "nonsense",
    ):
        with pytest.raises(ValueError):
            read_console_frame(bad)


def test_the_size_asked_in_the_query_is_a_whole_number() -> None:
    assert ShellSize.model_validate({"cols": "100", "rows": "30"}) == ShellSize(cols=100, rows=30)
    assert ShellSize.model_validate({}) == ShellSize(cols=80, rows=24)
    with pytest.raises(ValueError):
        ShellSize.model_validate({"cols": "abc"})


# -- the handshake, settings, statistics, results and the agent API's bodies ----------------

SETTINGS = {
    "statistics": ["cpu", "uptime"],
    "statistics_interval_s": 30,
    "days_before_deleted": 180,
    "allow_wake": True,
    "restrict_local_uninstall": False,
    "passive_port": 5832,
}


def test_a_hello_carries_credentials_and_identity() -> None:
    hello = Hello.model_validate_json(
        json.dumps(
            {
                "type": "hello",
                "jump_client_id": 3,
                "secret": "s3cret",
                "hostname": "srv",
                "gateway": {"ip": "10.0.0.1", "mac": None},  # parsed only
                "install_mode": "service",
            }
        )
    )
    assert hello.jump_client_id == 3 and hello.gateway is not None
    assert "s3cret" not in repr(hello)
    assert json.loads(hello.model_dump_json())["type"] == "hello"


@pytest.mark.parametrize(
    "change",
    [
        {"type": "welcome"},
        {"secret": ""},
        {"jump_client_id": "three"},
        {"ips": ["10.0.0.1"] * 33},  # parsed only
        {"mac": "00:00:00:00:00:00:00:00"},
        {"gateway": {"ip": ""}},
        {"install_mode": "root"},
        {"hostname": "h" * 256},
    ],
)
def test_a_bad_hello_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Hello.model_validate({"jump_client_id": 3, "secret": "s", **change})


def test_the_handshake_answers_are_read_whole() -> None:
    welcome = read_handshake(
        json.dumps({"type": "welcome", "jump_client_id": 3, "settings": SETTINGS})
    )
    assert isinstance(welcome, Welcome) and welcome.settings.max_offline_minutes is None
    assert read_handshake(Retry.after(0.12345).model_dump_json()) == Retry(after_s=0.124)
    assert read_handshake('{"type": "reject", "reason": "deleted"}') == Reject(reason="deleted")
    for bad in (
        {"type": "welcome", "jump_client_id": 3},
        {"type": "welcome", "jump_client_id": 3, "settings": {**SETTINGS, "passive_port": 0}},
        {"type": "retry", "after_s": -1},
        {"type": "retry", "after_s": "soon"},
        {"type": "reject", "reason": "because"},
        {"type": "hello"},
        [],
    ):
        with pytest.raises(ValueError):
            read_handshake(json.dumps(bad))


@pytest.mark.parametrize(
    "change",
    [
        {"statistics": "cpu"},
        {"statistics_interval_s": 0},
        {"statistics_interval_s": "fast"},
        {"days_before_deleted": 0},
        {"passive_port": 70000},
        {"max_offline_minutes": -1},
        {"allow_wake": None},
    ],
)
def test_bad_site_settings_are_refused(change: dict[str, object]) -> None:
    AgentSettings.model_validate(SETTINGS)
    with pytest.raises(ValueError):
        AgentSettings.model_validate({**SETTINGS, **change})
    with pytest.raises(ValueError):
        read_request(json.dumps({"type": "settings", "settings": {**SETTINGS, **change}}))


PICTURE = Thumbnail(1, 1, b"\x00\x00\x00").encode()
STATS_SAMPLES: list[dict[str, object]] = [
    {},
    {"cpu_percent": 12.5, "disk_percent": 100, "console_user": None, "uptime_s": 0},
    {"console_user": "alice", "thumbnail": PICTURE},
    {"cpu_percent": -1},
    {"cpu_percent": 100.5},
    {"cpu_percent": "12"},
    {"cpu_percent": True},
    {"disk_percent": [1]},
    {"uptime_s": -5},
    {"uptime_s": 1.5},
    {"uptime_s": False},
    {"console_user": 7},
    {"console_user": "u" * 256},
    {"thumbnail": "rgb1:1x1:AAA"},
    {"thumbnail": 3},
]


@pytest.mark.parametrize("figures", STATS_SAMPLES)
def test_the_compact_statistics_reader_keeps_the_models_rules(figures: dict[str, object]) -> None:
    frame = {"type": "stats", **figures}
    try:
        model: Stats | None = Stats.model_validate(frame)
    except ValueError:
        model = None
    try:
        read: Figures | None = read_stats(frame)
    except ValueError:
        read = None
    assert (model is None) == (read is None)
    if model is not None and read is not None:
        assert read == Figures(
            model.cpu_percent,
            model.disk_percent,
            model.console_user,
            model.uptime_s,
            model.thumbnail,
        )


def test_statistics_sent_are_read_back_as_sent() -> None:
    sent = Stats(cpu_percent=3.5, uptime_s=60, thumbnail=PICTURE)
    assert read_stats(json.loads(sent.model_dump_json(exclude_none=True))) == Figures(
        3.5, None, None, 60, PICTURE
    )


def test_the_clients_replies_are_read_whole() -> None:
    assert read_reply({"type": "response", "id": 1, "ok": True}) == Response(id=1, ok=True)
    assert read_reply({"type": "shell.exit", "sid": "s1", "code": 0}) == ShellExit(sid="s1", code=0)
    assert read_reply({"type": "shell.output", "sid": "s1", "data": "aGk="}) == ShellOutput(
        sid="s1", data="aGk="
    )
    for bad in (
        {"type": "response", "id": "1", "ok": True},
        {"type": "response", "ok": True},
        {"type": "response", "id": 1, "ok": True, "result": []},
        {"type": "shell.output", "sid": "s1"},
        {"type": "shell.exit", "sid": "", "code": 0},
        {"type": "stats"},
        {"type": "mystery"},
        "response",
        None,
    ):
        with pytest.raises(ValueError):
            read_reply(bad)


def test_request_results_are_checked() -> None:
    assert PresenceResult.model_validate({"console_user": "bob", "locked": True}).locked
    assert PromptResult.model_validate({"answer": None}).answer is None
    for bad in ({"console_user": 3}, {"locked": "perhaps"}):
        with pytest.raises(ValueError):
            PresenceResult.model_validate(bad)
    with pytest.raises(ValueError):
        PromptResult.model_validate({"answer": "maybe"})


def test_the_agent_apis_bodies_refuse_bad_input() -> None:
    creds = {"jump_client_id": 3, "secret": "s"}
    InstallRequest(key="k", hostname="h", fqdn="h.example")
    CheckIn.model_validate({**creds, "passive_port": 5832})
    SupportAsk.model_validate({**creds, "message": "help"})
    answer = {
        "jump_client_id": 3,
        "secret": "s",
        "name": "srv",
        "days_before_deleted": 180,
        "max_offline_minutes": 0,
    }
    assert InstallAnswer.model_validate(answer).connection_type == "active"
    CheckInAnswer.model_validate(
        {"interval_s": 30, "days_before_deleted": 1, "max_offline_minutes": 0}
    )
    SupportAnswer.model_validate({"request_id": "r1", "elevated": False, "message": "ok"})
    for model, bad in (
        (Credentials, {"jump_client_id": 3, "secret": ""}),
        (Credentials, {"jump_client_id": "x", "secret": "s"}),
        (InstallRequest, {"key": "", "hostname": "h", "fqdn": "h"}),
        (InstallRequest, {"key": "k", "hostname": "h", "fqdn": "h", "install_mode": "root"}),
        (InstallRequest, {"key": "k", "hostname": "h", "fqdn": "h", "parameters": ["-x"] * 65}),
        (InstallAnswer, {**answer, "secret": ""}),
        (InstallAnswer, {k: v for k, v in answer.items() if k != "name"}),
        (CheckIn, {**creds, "passive_port": 0}),
        (CheckInAnswer, {"interval_s": 0, "days_before_deleted": 1, "max_offline_minutes": 0}),
        (
            CheckInAnswer,
            {
                "interval_s": 30,
                "passive_port": 70000,
                "days_before_deleted": 1,
                "max_offline_minutes": 0,
            },
        ),
        (SupportAsk, {**creds, "message": "m" * 1001}),
        (SupportAnswer, {"request_id": "r1", "message": "ok"}),
    ):
        with pytest.raises(ValueError):
            model.model_validate(bad)
