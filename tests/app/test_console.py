"""What a representative sees and does in the console, through the keyboard."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from api_client import FeedState
from appliance.clock import FakeClock
from appliance.services import Services
from console.app import JumpConsoleApp
from console.messages import FeedEventArrived
from domain import JumpGroupType, Status
from domain.protocol.live import StatsBatch
from domain.thumbnail import Thumbnail, decode
from tests.support.console import CONSOLE_NOW, SIZE, Site, groups_in_view, loaded, make_site, until
from widgets import DetailsPane, FilterBar, GroupTree, JumpTable, StatusBar
from widgets.percent_sparkline import PercentSparkline

pytestmark = pytest.mark.not_storage("the console's screens and keys")


async def test_tree_navigation_narrows_the_table(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        everything = len(app.store.view)
        await pilot.press("t", "down")
        await until(pilot, lambda: len(app.store.view) < everything)
        tree = app.query_one(GroupTree)
        node = tree.cursor_node
        assert node is not None and node.data is not None
        group, _tag = node.data
        assert groups_in_view(app) == {group}
        assert str(node.label).endswith(f"/{len(app.store.view)}")
        assert app.query_one(StatusBar).shown == len(app.store.view)
        await pilot.press("space", "down")  # open the group, go to its first tag
        await until(
            pilot,
            lambda: (
                tree.cursor_node is not None
                and tree.cursor_node.data is not None
                and tree.cursor_node.data[1] is not None
            ),
        )
        tag = tree.cursor_node.data[1]  # type: ignore[union-attr,index]
        assert app.store.view and all(app.store.tag[r] == tag for r in app.store.view)


async def test_filter_language_end_to_end_with_inline_errors(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        await pilot.press(*"status:offline")
        await until(pilot, lambda: app.store.filter_text == "status:offline")
        assert app.store.view
        assert all(app.store.status_at(r) is Status.OFFLINE for r in app.store.view)
        shown = list(app.store.view)
        await pilot.press("space", "quotation_mark", "x")
        bar = app.query_one(FilterBar)
        await until(pilot, lambda: bool(bar.error))
        assert "the quote is never closed" in bar.error and "position 16" in bar.error
        assert app.store.view == shown  # the last good filter still applies
        await pilot.press("escape")
        assert app.query_one(JumpTable).has_focus


async def test_sort_and_column_order_persist_across_restart(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("s")  # name → status
        await pilot.press("S")  # descending
        await pilot.press("ctrl+right")  # status moves right of group
        table = app.query_one(JumpTable)
        assert table.columns[:3] == ["name", "group", "status"]
        statuses = [app.store.status[r] for r in app.store.view]
        assert statuses == sorted(statuses, reverse=True)
    again = site.console()
    async with again.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert (again.store.sort_key, again.store.descending) == ("status", True)
        assert again.query_one(JumpTable).columns[:3] == ["name", "group", "status"]


async def test_command_line_group_tag_sort_and_errors(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"group servers", "enter")
        await until(pilot, lambda: groups_in_view(app) == {(JumpGroupType.SHARED, 1)})
        await pilot.press("colon", *"sort cpu desc", "enter")
        assert (app.store.sort_key, app.store.descending) == ("cpu", True)
        # the words the list shows are the words the command line takes
        await pilot.press("colon", *"columns name,status,user,last seen", "enter")
        table = app.query_one(JumpTable)
        assert table.columns == ["name", "status", "console_user", "last_seen"]
        assert "User" in table.render_line(0).text and "Last seen" in table.render_line(0).text
        await pilot.press("colon", *"sort last seen desc", "enter")
        assert (app.store.sort_key, app.store.descending) == ("last_seen", True)
        await pilot.press("colon", *"theme high-contrast", "enter")
        assert app.theme == "jump-high-contrast"
        await pilot.press("colon", *"frobnicate", "enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("'frobnicate' is not a command" in m for m in messages)


async def test_details_pane_shows_fields_policy_window_and_deletion(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"filter status:lost", "enter")
        await until(
            pilot,
            lambda: (
                app.store.filter_text == "status:lost"
                and app._details_item is not None
                and app._details_item.is_lost
            ),
        )
        await pilot.pause()
        text = str(app.query_one("#details-text").render())
        assert "Lost" in text and "scheduled for deletion" in text
        assert "Jump Item id" in text and "Public site" in text
        assert "User not present" in text


async def test_help_overlay_filters_as_you_type(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press(*"pause")
        await pilot.pause()
        body = str(app.screen.query_one("#help-body").render())
        assert "Pause" in body and "app.pause" in body
        assert "Filter" not in body
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen.query_one(JumpTable), JumpTable)


@pytest.fixture
def live_site(tmp_path: Path, database: str):  # type: ignore[no-untyped-def]
    yield from make_site(tmp_path, database, simulate=False, interval=0.05)


async def test_live_batches_change_the_right_cells(live_site: Site) -> None:
    app = live_site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.query_one(JumpTable)
        target = app.store.id_at(2)
        row = app.store.row_of[target]
        other = app.store.view[3]
        other_cells = [app.store.cell(other, k, 0) for k in ("cpu", "disk")]
        hub = live_site.appliance.app.state.appliance.live  # type: ignore[union-attr]
        live_site.appliance.call(
            lambda: hub.record_stats(target, (97.0, 12.0, "zoe", 7200, "2026-11-24T10:04:00+00:00"))
        )
        await until(pilot, lambda: app.store.cell(row, "cpu", 0) == "97%")
        assert app.store.cell(row, "console_user", 0) == "zoe"
        assert [app.store.cell(other, k, 0) for k in ("cpu", "disk")] == other_cells
        # On screen within one repaint tick: header, then rows 0, 1, 2.
        await until(pilot, lambda: "97%" in table.render_line(3).text)
        assert "zoe" in table.render_line(3).text
        assert "97%" not in table.render_line(4).text


async def test_pause_holds_the_screen_until_resumed(live_site: Site) -> None:
    app = live_site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        target = app.store.id_at(0)
        row = app.store.row_of[target]
        await pilot.press("Z")
        assert app.query_one(StatusBar).paused
        hub = live_site.appliance.app.state.appliance.live  # type: ignore[union-attr]
        live_site.appliance.call(
            lambda: hub.record_stats(target, (55.0, 12.0, None, 60, "2026-11-24T10:04:00+00:00"))
        )
        await until(pilot, lambda: target in app.items.pending_stats)
        assert app.store.cell(row, "cpu", 0) != "55%"
        await pilot.press("Z")
        assert app.store.cell(row, "cpu", 0) == "55%"


async def test_reconnect_after_appliance_restart_keeps_every_item_once(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        before = sorted(app.store.ids[r] for r in app.store.view)
        status = app.query_one(StatusBar)
        site.appliance.stop()
        await until(
            pilot,
            lambda: (
                status.connection in ("reconnecting", "offline") and status.retry_in is not None
            ),
        )
        assert "reconnecting" in status.connection_text() or "offline" in (status.connection_text())
        assert sorted(app.store.ids[r] for r in app.store.view) == before  # data kept
        site.appliance.start()
        await until(pilot, lambda: status.connection == FeedState.LIVE.value)
        await pilot.pause()
        after = [int(app.store.ids[r]) for r in app.store.view]
        assert sorted(after) == before and len(after) == len(set(after))


async def test_a_malformed_frame_is_logged_and_skipped(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        hub = site.appliance.app.state.appliance.live  # type: ignore[union-attr]

        def inject() -> None:
            for sub in hub.subscribers:
                sub.offer("{this is not json")
                sub.offer('{"type": "stats", "seq": 1, "rows": [[1, 500, 1, null, 1, "x"]]}')

        with caplog.at_level(logging.WARNING, logger="api_client.live"):
            site.appliance.call(inject)
            await until(pilot, lambda: any("malformed" in r.message for r in caplog.records))
        await pilot.press("down")
        assert app.query_one(StatusBar).connection == "live"
        assert app.is_running


async def test_details_toggle_and_status_words(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        pane = app.query_one(DetailsPane)
        await pilot.press("d")
        assert not pane.display
        await pilot.press("d")
        assert pane.display
        line = app.query_one(JumpTable).render_line(1).text
        words = [s.value.replace("_", " ") for s in Status]
        assert any(w in line for w in words)


async def test_login_screen_retries_after_a_wrong_password(site: Site) -> None:
    from console.login import LoginScreen

    app = JumpConsoleApp(
        None,
        connect=site.connect,
        appliance=site.appliance.url,
        username="dave",
        clock=lambda: CONSOLE_NOW,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*"wrong", "enter")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, LoginScreen)
                and "username and password" in str(app.screen.query_one("#login-error").render())
            ),
        )
        await pilot.press(*"demo", "enter")
        await until(pilot, lambda: app.loaded and app.session is not None)
        assert app.session is not None and app.session.username == "dave"
        assert app.query_one(StatusBar).user == "dave"


async def test_login_screen_says_when_a_locked_account_may_sign_in_again(site: Site) -> None:
    from console.login import LoginScreen

    async with httpx.AsyncClient(base_url=site.appliance.url) as guesser:
        for _ in range(5):  # someone guessed dave's password
            await guesser.post("/api/rep/v1/login", json={"username": "dave", "password": "x"})

    def error() -> str:
        return str(app.screen.query_one("#login-error").render())

    app = JumpConsoleApp(
        None,
        connect=site.connect,
        appliance=site.appliance.url,
        username="dave",
        clock=lambda: CONSOLE_NOW,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*"demo", "enter")  # the right password, refused while locked
        await until(pilot, lambda: isinstance(app.screen, LoginScreen) and error() != "")
        assert error() == "Too many failed sign-ins for this account; try again in 1 min."
        clock = site.appliance.clock
        assert isinstance(clock, FakeClock)
        clock.advance(60)
        await pilot.press(*"demo", "enter")
        await until(pilot, lambda: app.loaded and app.session is not None)
        assert app.session is not None and app.session.username == "dave"


async def test_the_details_pane_draws_the_screen_thumbnail_and_follows_it(site: Site) -> None:
    state: Services = site.appliance.app.state.appliance
    assert state.live is not None
    live = state.live

    def screen(rgb: tuple[int, int, int]) -> None:
        item_id = app.query_one(JumpTable).highlighted_id
        assert item_id is not None
        thumb = Thumbnail(4, 2, bytes(rgb) * 8).encode()
        live.record_stats(item_id, (10.0, 20.0, "ann", 60, "2026-01-05T12:00:00Z"), thumb)

    def drawn() -> str:
        return str(app.query_one("#thumbnail").render())

    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"filter status:online", "enter")
        await until(pilot, lambda: app._details_item is not None and app._details_item.x_online)
        assert "Screen thumbnail: none available." in drawn()
        await asyncio.to_thread(site.appliance.call, lambda: screen((200, 30, 30)))
        await pilot.press("down", "up")  # highlighting the item again fetches it
        await until(pilot, lambda: "Screen thumbnail (4×2 pixels)" in drawn())
        first = app.thumbnail[1]
        await asyncio.to_thread(site.appliance.call, lambda: screen((30, 30, 200)))
        await until(pilot, lambda: app.thumbnail[1] not in (first, None))  # follows the screen
        thumb = decode(app.thumbnail[1])
        assert thumb is not None and thumb.pixel(0, 0) == (30, 30, 200)


@pytest.fixture
def second_site(tmp_path: Path, database: str) -> Iterator[Site]:
    """A quiet site whose statistics interval is a second."""
    yield from make_site(tmp_path, database, simulate=False, interval=1.0)


async def test_a_screen_sent_just_after_the_details_were_fetched_is_still_shown(
    second_site: Site,
) -> None:
    """The thumbnail is fetched at most once a statistics interval; a new screen whose row
    comes sooner after the last fetch is fetched once the interval allows, not dropped (it
    was: the pane kept the old screen, here for good as no other row came)."""
    state: Services = second_site.appliance.app.state.appliance
    assert state.live is not None
    live = state.live
    app = second_site.console()

    def screen_now(rgb: tuple[int, int, int]) -> None:
        item_id = app.query_one(JumpTable).highlighted_id
        assert item_id is not None
        thumb = Thumbnail(4, 2, bytes(rgb) * 8).encode()
        live.record_stats(item_id, (10.0, 20.0, "ann", 60, "2026-01-05T12:00:00Z"), thumb)
        live.flush()  # sent at once, not at the next tick a second away

    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"filter status:online", "enter")
        await until(pilot, lambda: app._details_item is not None and app._details_item.x_online)
        await until(pilot, lambda: app.thumbnail[0] == app.highlighted_id())
        fetched = app.thumbnail[2]
        await pilot.press("down", "up")  # fetched again: the row below comes right after
        await until(pilot, lambda: app.thumbnail[2] > fetched)
        await asyncio.to_thread(second_site.appliance.call, lambda: screen_now((30, 30, 200)))
        await until(pilot, lambda: app.thumbnail[1] is not None)
        thumb = decode(app.thumbnail[1])
        assert thumb is not None and thumb.pixel(0, 0) == (30, 30, 200)
        drawn = app.query_one("#thumbnail")
        await until(pilot, lambda: "Screen thumbnail (4×2 pixels)" in str(drawn.render()))


async def test_history_is_drawn_on_a_fixed_0_to_100_scale(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        item_id = app.highlighted_id()
        assert item_id is not None
        samples = [(17.0, 86.0), (19.0, 86.0), (18.0, 86.0), (17.0, 96.0)]
        for seq, (cpu, disk) in enumerate(samples, start=1):
            row = (item_id, cpu, disk, None, 3600, CONSOLE_NOW.isoformat())
            app.post_message(FeedEventArrived(StatsBatch(seq, [row])))
        cpu_spark = app.screen.query_one("#cpu-spark", PercentSparkline)
        disk_spark = app.screen.query_one("#disk-spark", PercentSparkline)
        await until(pilot, lambda: len(disk_spark.data) == len(samples))
        # CPU between 17 and 19 % is a low, steady line (not a full-height swing); drawn once
        # the sparklines, shown from the second sample on, have their width
        await until(pilot, lambda: cpu_spark.render().plain == "▂▂▂▂")
        # a disk steady at 86 % is high on the scale (not flat at the bottom), and its
        # samples past the warning and critical marks take their styles
        drawn = disk_spark.render()
        assert drawn.plain == "▇▇▇█"
        styles = [span.style for span in drawn.spans]
        warn = disk_spark.get_component_rich_style("percent-sparkline--warn")
        critical = disk_spark.get_component_rich_style("percent-sparkline--critical")
        assert styles == [warn, warn, warn, critical] and warn != critical
        label = str(app.screen.query_one("#disk-label", Static).render())
        assert "0–100 %" in label and "high from 85 %" in label
