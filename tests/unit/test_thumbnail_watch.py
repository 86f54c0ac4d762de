"""Which answer's screen thumbnail the details pane shows: the newest asked for, and only the
item shown's (answers come back in any order)."""

from __future__ import annotations

from typing import Any

from console.thumbnail_watch import ThumbnailWatch
from domain import JumpClient
from domain.thumbnail import Thumbnail


def item(id_: int, rgb: tuple[int, int, int] | None) -> JumpClient:
    stats: dict[str, Any] | None = None
    if rgb is not None:
        thumb = Thumbnail(2, 1, bytes(rgb) * 2).encode()
        stats = {"thumbnail": thumb, "at": "2026-11-24T10:00:00+00:00"}
    return JumpClient.model_validate(
        {
            "id": id_,
            "jump_group_id": 1,
            "name": f"PC-{id_}",
            "hostname": f"pc-{id_}",
            "fqdn": f"pc-{id_}.test",
            "public_site_address": "support.jump.test",
            "x_online": True,
            "x_stats": stats,
        }
    )


def test_an_older_answer_never_replaces_a_newer_one_of_the_same_item() -> None:
    watch = ThumbnailWatch()
    first, second = watch.ask(), watch.ask()
    assert watch.answer(item(1, (0, 0, 200)), second, showing=1)
    shown = watch.shown[1]
    assert not watch.answer(item(1, (200, 0, 0)), first, showing=1)  # came back last
    assert watch.shown[:2] == (1, shown)


def test_an_answer_for_an_item_no_longer_shown_is_not_shown() -> None:
    watch = ThumbnailWatch()
    for_b = watch.ask()  # the highlight moved to B: its record is asked for
    for_a = watch.ask()  # ... while a row of A, still shown, asked for A's again
    assert watch.answer(item(1, (200, 0, 0)), for_a, showing=1)
    assert watch.answer(item(2, (0, 200, 0)), for_b, showing=2)  # B's own, though older
    assert watch.shown[0] == 2
    assert not watch.answer(item(1, (200, 0, 0)), watch.ask(), showing=2)  # A's: not B's pane
    assert watch.shown[0] == 2
    watch.asking(3)  # another item fetched: no image carried over under its id
    assert watch.shown[:2] == (3, None)


def test_an_item_is_fetched_again_an_interval_after_the_last_fetch() -> None:
    watch = ThumbnailWatch()
    assert watch.due_in(1, 30.0) == 0.0  # never fetched
    watch.asking(1)
    assert 26.0 < watch.due_in(1, 30.0) <= 27.0  # 0.9 of the interval
    assert watch.due_in(2, 30.0) == 0.0  # another item's fetch does not hold it back
