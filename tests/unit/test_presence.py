"""Presence transitions: each sets the same fields the same way, whoever reports them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI

from appliance.presence import transitions
from domain import ConnectionType
from tests.conftest import T0
from tests.unit.test_actions_api import make_item, settings, state

LATER = T0 + timedelta(hours=1)


def published(app: FastAPI) -> list[tuple[list[int], list[int]]]:
    told: list[tuple[list[int], list[int]]] = []
    state(app).site.changed = lambda ids=(), removed=(): told.append((list(ids), list(removed)))  # type: ignore[method-assign]
    return told


def test_online_finds_a_lost_item_and_forgets_sessions_of_an_older_connection(
    app: FastAPI,
) -> None:
    item = make_item(app, x_online=False, is_lost=True, x_in_session_by=["bob"]).id
    told = published(app)
    with transitions(state(app).site, LATER) as batch:
        batch.mark_online(item, {"public_ip": "192.0.2.7"})
    now = state(app).site.repo.clients.get(item)
    assert now is not None and now.x_online and not now.is_lost
    assert now.last_connect_timestamp == LATER and now.x_in_session_by == []
    assert now.public_ip == "192.0.2.7"
    assert told == [([item], [])]


def test_offline_only_from_online_and_only_for_the_latest_connection(app: FastAPI) -> None:
    item = make_item(app, last_connect_timestamp=T0, x_in_session_by=["bob"]).id
    told = published(app)
    with transitions(state(app).site, LATER) as batch:
        assert not batch.mark_offline(item, connected_at=T0 - timedelta(seconds=1))
    assert told == []  # a newer connection counts: nothing changed
    with transitions(state(app).site, LATER) as batch:
        assert batch.mark_offline(item, connected_at=T0)
    with transitions(state(app).site, LATER + timedelta(hours=1)) as batch:
        assert not batch.mark_offline(item)  # already offline: it keeps the time it went
    now = state(app).site.repo.clients.get(item)
    assert now is not None and not now.x_online and now.x_in_session_by == []
    assert now.last_disconnect_timestamp == LATER
    assert told == [([item], [])]


def test_uninstalled_goes_offline_or_is_removed_as_the_site_says(app: FastAPI) -> None:
    online = make_item(app).id
    offline = make_item(app, x_online=False, last_disconnect_timestamp=T0).id
    with transitions(state(app).site, LATER) as batch:
        assert not batch.mark_uninstalled(online)
        assert not batch.mark_uninstalled(offline)
    repo = state(app).site.repo
    for item_id, went in ((online, LATER), (offline, T0)):
        now = repo.clients.get(item_id)
        assert now is not None and now.connection_type is ConnectionType.UNINSTALLED
        assert not now.x_online and now.last_disconnect_timestamp == went
    settings(app, uninstalled_behavior="remove")
    told = published(app)
    with transitions(state(app).site, LATER) as batch:
        assert batch.mark_uninstalled(online)
    assert repo.clients.get(online) is None and told == [([], [online])]


def test_presence_fields_are_not_details(app: FastAPI) -> None:
    item = make_item(app).id
    with pytest.raises(ValueError, match="x_online"), transitions(state(app).site) as batch:
        batch.mark_offline(item, details={"x_online": True})
