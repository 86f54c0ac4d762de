"""The details pane keeps its height as the highlight moves: the history below the fields
does not jump up and down from item to item, and showing a shorter item lays nothing out
again (a layout of the whole screen is what made a typed filter key late at 100k items)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from domain import Status
from themes import VARIABLE_DEFAULTS
from widgets import DetailsPane
from widgets.details import DetailField, DetailsView


def view(title: str, fields: int) -> DetailsView:
    return DetailsView(
        title=title,
        status=Status.ONLINE,
        sections=[("Endpoint", [DetailField(f"field {n}", f"value {n}") for n in range(fields)])],
        cpu_history=(10.0, 20.0, 30.0),
    )


class PaneApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield DetailsPane()


async def test_a_shorter_item_keeps_the_history_where_it_was() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 40)) as pilot:
        pane = app.query_one(DetailsPane)
        label = app.query_one("#cpu-label", Static)
        pane.show(view("tall", 8))
        await pilot.pause()
        where = label.region.y
        assert where > 8

        pane.show(view("short", 2))
        await pilot.pause()
        assert label.region.y == where
        assert "short" in str(app.query_one("#details-text", Static).render())

        pane.show(view("taller", 12))  # a taller one grows the pane's text
        await pilot.pause()
        assert label.region.y == where + 4
