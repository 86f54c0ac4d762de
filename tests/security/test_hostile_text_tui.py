"""An endpoint's hostile text in the full-screen console (Pilot, a real embedded appliance).

The item's name, comments, tag, hostname, OS and console user hold terminal sequences. What
the console draws shows them as escapes; no ESC or BEL reaches the screen, and editing the
item does not rewrite what the endpoint reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Tabs

from console.app import JumpConsoleApp
from console.dialogs import ConfirmScreen, EditScreen
from console.session_screen import SessionsScreen
from domain import JumpClient
from tests.support.console import (
    SIZE,
    Site,
    appliance_state,
    details_text,
    loaded,
    make_item,
    make_site,
    toasts,
    until,
)
from tests.support.hostile import (
    BEL,
    CLIPBOARD,
    CLIPBOARD_SHOWN,
    ESC,
    RETITLE_SHOWN,
    controls_in,
    hostile_fields,
)
from widgets import GroupTree, JumpTable

pytestmark = pytest.mark.not_storage("the console's screens")
NAME_SHOWN = f"EVIL-900{RETITLE_SHOWN}"


@pytest.fixture
def site(tmp_path: Path, database: str) -> Iterator[Site]:
    yield from make_site(tmp_path, database, simulate=False)


def screen_text(app: JumpConsoleApp) -> str:
    """Every character the active screen draws (toasts included), line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_nothing_interpreted(text: str) -> None:
    assert ESC not in text and BEL not in text, text
    assert not controls_in(text), text


async def on_hostile(pilot: Pilot[object], item: JumpClient) -> JumpConsoleApp:
    """Filter the list down to ``item`` (by the printable start of its name)."""
    app = await loaded(pilot)
    await until(pilot, lambda: item.id in app.store.row_of)
    await pilot.press("colon", *"filter EVIL-900", "enter")
    await until(pilot, lambda: app._details_item is not None and app._details_item.id == item.id)
    await pilot.pause()
    return app


async def test_list_tree_details_and_dialogs_show_hostile_text_as_escapes(site: Site) -> None:
    item = make_item(site, **hostile_fields(900))
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await on_hostile(pilot, item)
        row = app.query_one(JumpTable).render_line(1).text
        # (the OS column gives way at this width: the details show it below)
        assert "EVIL-900\\x1b]0;PWNED" in row and "t\\x1b]0;PWN" in row
        details = details_text(app)
        for shown in (
            NAME_SHOWN,
            f"evil-900{CLIPBOARD_SHOWN}",
            f"note{CLIPBOARD_SHOWN}",
            f"t{RETITLE_SHOWN}",
            f"Linux{RETITLE_SHOWN}",
            f"mallory{CLIPBOARD_SHOWN}",
        ):
            assert shown in details, shown
        tree = app.screen.query_one(GroupTree)
        tags = [str(node.label) for node in tree._scope_nodes.values()]
        assert any(label.startswith(f"t{RETITLE_SHOWN}") for label in tags), tags
        assert_nothing_interpreted(screen_text(app))
        assert_nothing_interpreted(details + row + "".join(tags))
        await pilot.press("delete")  # the question names the item
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        text = screen_text(app)
        assert NAME_SHOWN in text and f"evil-900{CLIPBOARD_SHOWN}" in text
        assert_nothing_interpreted(text)
        await pilot.press("n")


async def test_the_session_and_its_toast_show_hostile_text_as_escapes(site: Site) -> None:
    item = make_item(site, **hostile_fields(900))
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await on_hostile(pilot, item)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        await pilot.pause()
        body = str(app.screen.query_one(".session-body").render())
        assert NAME_SHOWN in body
        tab = str(app.screen.query_one(Tabs).active_tab.label)  # type: ignore[union-attr]
        assert tab.startswith("1 EVIL-900\\x1b]0;PWNED")  # numbered, name shown
        said = [t for t in toasts(app) if "Session started on" in t]
        assert said and NAME_SHOWN in said[0]
        assert_nothing_interpreted(screen_text(app) + body + tab + "".join(toasts(app)))


async def test_editing_another_field_keeps_what_the_endpoint_reported(site: Site) -> None:
    item = make_item(site, **hostile_fields(900))
    app = site.console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await on_hostile(pilot, item)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditScreen))
        await pilot.pause()
        form = app.screen
        assert form.query_one("#edit-name", Input).value == NAME_SHOWN
        assert form.query_one("#edit-comments", Input).value == f"note{CLIPBOARD_SHOWN}"
        assert_nothing_interpreted(screen_text(app))
        form.query_one("#edit-tag", Input).value = "db"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("Saved the properties" in t for t in toasts(app)))
        stored = appliance_state(site).site.repo.clients.get(item.id)
        assert stored is not None and stored.tag == "db"
        # the name and comments were shown escaped, not changed: they were not sent back
        assert stored.name == item.name and stored.comments == f"note{CLIPBOARD}"


def test_the_last_line_of_defence_leaves_controls_out_and_keeps_the_layout() -> None:
    from rich.segment import Segment
    from rich.style import Style
    from textual.color import Color

    from widgets import DropControls

    bold = Style(bold=True)
    plain = [Segment("web-01  "), Segment("online", bold)]
    assert DropControls().apply(plain, Color(0, 0, 0)) is plain  # nothing to do: no copy
    hostile = [Segment(f"EVIL{ESC}]0;x{BEL}", bold), Segment(ESC), Segment(" \u202eok")]
    out = DropControls().apply(hostile, Color(0, 0, 0))
    assert out == [Segment("EVIL]0;x", bold), Segment(" ok")]
    assert sum(s.cell_length for s in out) == sum(s.cell_length for s in hostile)
