"""The agent channel's frames: what each end accepts, and what it refuses."""

from __future__ import annotations

import json

import pytest

from domain.protocol.agent import (
    ConsoleInput,
    ConsoleResize,
    Response,
    ShellResize,
    ShellSize,
    Wake,
    read_console_frame,
    read_request,
    request_id,
)


def test_a_well_formed_request_is_read_as_its_model() -> None:
    frame = read_request(json.dumps({"type": "shell.resize", "sid": "s1", "cols": 90, "rows": 20}))
    assert frame == ShellResize(sid="s1", cols=90, rows=20)
    wake = read_request(json.dumps({"type": "wake", "id": 4, "mac": "02:00:5e:00:00:01"}))
    assert isinstance(wake, Wake) and wake.id == 4 and wake.password is None


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
