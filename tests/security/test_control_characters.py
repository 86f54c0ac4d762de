"""Control characters in text: refused where people type it, shown as escapes everywhere else.

In-process appliance (every engine): what an endpoint reported still loads, a representative
or an API script cannot type control characters into names, and logs neutralise them.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError

from domain import (
    InstallerCreate,
    JumpClient,
    JumpClientCopy,
    JumpClientUpdate,
    JumpGroupCreate,
    JumpGroupUpdate,
    JumpPolicyCreate,
    JumpPolicyUpdate,
    SessionPolicyCreate,
    SessionPolicyUpdate,
)
from domain.text import ShownLogRecord, show_logs_plainly, visible, visible_lines
from tests.support.appliance import BASE, SERVERS, make_item
from tests.support.hostile import (
    BEL,
    CLIPBOARD,
    CLIPBOARD_SHOWN,
    ESC,
    RETITLE,
    RETITLE_SHOWN,
    hostile_fields,
)

# -- visible() ----------------------------------------------------------------------------------


def test_visible_escapes_every_control_character_and_leaves_the_rest() -> None:
    assert visible(RETITLE) == RETITLE_SHOWN
    assert visible(CLIPBOARD) == CLIPBOARD_SHOWN
    assert visible("a\tb\nc\rd\x00e\x7ff\x9bg") == "a\\tb\\nc\\rd\\x00e\\x7ff\\x9bg"
    assert visible("abc\u202edef\u2066x\u2069") == "abc\\u202edef\\u2066x\\u2069"
    # printable text, accents, wide characters, a no-break space and backslashes stay as they are
    for text in ("", "web-01.corp", "Zoë Müller", "東京-01", "a\u00a0b", "CORP\\alice"):
        assert visible(text) is text
    assert visible_lines(f"one{ESC}\ntwo{BEL}") == "one\\x1b\ntwo\\x07"


def test_visible_costs_next_to_nothing_when_there_is_nothing_to_change() -> None:
    names = [f"server-{n:05d}.corp.example" for n in range(20_000)]
    assert all(visible(name) is name for name in names)  # the same object: no copy was made


# -- refused where people type ------------------------------------------------------------------

WRITABLE: list[tuple[type[BaseModel], str, dict[str, Any]]] = [
    (JumpClientUpdate, "name", {}),
    (JumpClientUpdate, "tag", {}),
    (JumpClientUpdate, "comments", {}),
    (JumpClientCopy, "name", {"jump_group_id": SERVERS}),
    (JumpGroupCreate, "name", {}),
    (JumpGroupCreate, "comments", {"name": "G"}),
    (JumpGroupUpdate, "name", {}),
    (JumpPolicyCreate, "display_name", {}),
    (JumpPolicyCreate, "description", {"display_name": "P"}),
    (JumpPolicyUpdate, "description", {}),
    (SessionPolicyCreate, "display_name", {}),
    (SessionPolicyUpdate, "display_name", {}),
    (InstallerCreate, "name", {"jump_group_id": SERVERS}),
    (InstallerCreate, "tag", {"jump_group_id": SERVERS}),
    (InstallerCreate, "comments", {"jump_group_id": SERVERS}),
]


@pytest.mark.parametrize(("model", "field", "rest"), WRITABLE)
@pytest.mark.parametrize("bad", [ESC, BEL, "\x7f", "\x9b", "\u202e", "\u2067", "\r"])
def test_typed_text_refuses_control_characters(
    model: type[BaseModel], field: str, rest: dict[str, Any], bad: str
) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate({**rest, field: f"x{bad}y"})
    (error,) = info.value.errors()
    assert error["loc"] == (field,)
    assert "control characters" in error["msg"] and bad not in error["msg"]


def test_multi_line_fields_take_tabs_and_newlines_names_do_not() -> None:
    assert JumpClientUpdate(comments="line 1\n\tline 2").comments == "line 1\n\tline 2"
    assert JumpPolicyUpdate(description="a\nb").description == "a\nb"
    with pytest.raises(ValidationError):
        JumpClientUpdate(name="two\nlines")
    with pytest.raises(ValidationError):
        JumpClientUpdate(tag="a\tb")


def test_what_an_endpoint_reported_still_loads() -> None:
    item = JumpClient.model_validate(
        {"id": 1, "jump_group_id": 1, "public_site_address": "s", **hostile_fields(1)}
    )
    assert item.hostname.endswith(CLIPBOARD) and item.name.endswith(RETITLE)


# -- the APIs answer 422 naming the field ------------------------------------------------------


@pytest.fixture
async def carol(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client signed in to the rep API as carol, for sending bad input."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        answer = await c.post("/api/rep/v1/login", json={"username": "carol", "password": "demo"})
        c.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield c


async def test_the_rep_api_refuses_a_name_with_control_characters(
    app: FastAPI, carol: httpx.AsyncClient
) -> None:
    item = make_item(app, **hostile_fields(1))
    for field in ("name", "tag", "comments"):
        answer = await carol.patch(
            f"/api/rep/v1/jump-items/{item.id}", json={field: f"renamed{RETITLE}"}
        )
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert field in body["errors"], body
        assert ESC not in answer.text and BEL not in body["errors"][field][0]
    copied = await carol.post(
        f"/api/rep/v1/jump-items/{item.id}/copy",
        json={"jump_group_id": SERVERS, "name": f"copy{CLIPBOARD}"},
    )
    assert copied.status_code == 422 and "name" in copied.json()["errors"]
    # what the endpoint reported is not typed: changing another field keeps it as it is
    kept = await carol.patch(f"/api/rep/v1/jump-items/{item.id}", json={"tag": "db"})
    assert kept.status_code == 200, kept.text
    assert kept.json()["name"] == item.name and kept.json()["hostname"] == item.hostname


async def test_the_config_api_refuses_a_name_with_control_characters(
    app: FastAPI, raw: httpx.AsyncClient
) -> None:
    item = make_item(app, **hostile_fields(1))
    answer = await raw.patch(
        f"/api/config/v1/jump-client/{item.id}", json={"name": f"renamed{RETITLE}"}
    )
    assert answer.status_code == 422, answer.text
    assert "name" in answer.json()["errors"]
    for path, body, field in (
        ("/api/config/v1/jump-group", {"name": f"G{ESC}"}, "name"),
        ("/api/config/v1/jump-policy", {"display_name": "P", "description": BEL}, "description"),
        ("/api/config/v1/session-policy", {"display_name": "\u202eP"}, "display_name"),
        (
            "/api/config/v1/jump-client/installer",
            {"jump_group_id": SERVERS, "comments": f"c{CLIPBOARD}"},
            "comments",
        ),
    ):
        created = await raw.post(path, json=body)
        assert created.status_code == 422, (path, created.text)
        assert field in created.json()["errors"], (path, created.text)
    # a stored item with such a name still reads, and reads in JSON (which escapes it)
    read = await raw.get(f"/api/config/v1/jump-client/{item.id}")
    assert read.status_code == 200 and read.json()["name"] == item.name
    assert ESC not in read.text and "\\u001b" in read.text


# -- logs -----------------------------------------------------------------------------------


@pytest.fixture
def shown_logs() -> Iterator[io.StringIO]:
    """The programs' own log set-up (``show_logs_plainly``) for one test, into a buffer."""
    before = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    show_logs_plainly()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("appliance.sessions")
    logger.addHandler(handler)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(before)


def test_a_log_record_with_data_comes_out_neutralised(shown_logs: io.StringIO) -> None:
    assert logging.getLogRecordFactory() is ShownLogRecord
    log = logging.getLogger("appliance.sessions")
    name = f"EVIL{RETITLE}"
    log.warning("session on %s ended by %r", name, CLIPBOARD)
    log.warning(f"an f-string with {name}")

    class Hostile:
        def __str__(self) -> str:
            return f"obj{CLIPBOARD}"

    log.warning("an object %s", Hostile())
    try:
        raise ValueError(f"bad name {name}")
    except ValueError:
        log.exception("failed for %s", name)
    text = shown_logs.getvalue()
    assert ESC not in text and BEL not in text
    assert f"EVIL{RETITLE_SHOWN}" in text and CLIPBOARD_SHOWN in text
    assert f"ValueError: bad name EVIL{RETITLE_SHOWN}" in text  # the traceback too
    assert text.count("\nTraceback") == 1  # its line breaks stay
