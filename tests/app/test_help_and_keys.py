"""Finding your way: the help scrolls to its end and explains the filter language, and every
place that names a key (status bar, toasts, placeholders, footer, help) names the user's key."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from tests.support.console import SIZE, Site, loaded, toasts, until
from widgets import StatusBar

pytestmark = pytest.mark.not_storage(
    "what the screen shows; the engine under it is not the subject"
)


async def test_a_remapped_key_is_named_everywhere_the_console_names_it(site: Site) -> None:
    app = site.console(keymap={"app.pause": "p", "app.filter": "f6"})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        placeholder = app.screen.query_one("#filter-input", Input).placeholder
        assert placeholder.startswith("Filter (f6):")
        await pilot.press("p")
        await until(pilot, lambda: app.paused)
        bar = str(app.screen.query_one(StatusBar).render())
        assert "PAUSED (p)" in bar and "(Z)" not in bar
        assert "Live updates paused; press p to resume." in toasts(app)
        footer = {k.description: k.key for k in app.screen.query(FooterKey)}
        assert footer["Pause"] == "p"
        await pilot.press("question_mark")
        await pilot.press(*"pause")
        await until(pilot, lambda: "app.pause" in str(app.screen.query_one("#help-body").render()))
        assert "  p  Pause" in str(app.screen.query_one("#help-body", Static).render())


def help_text(app: App[object]) -> str:
    return str(app.screen.query_one("#help-body", Static).render())


async def test_the_help_scrolls_to_its_end_and_explains_the_filter_language(site: Site) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(
            pilot, lambda: app.screen.query("#help-scroll").first(VerticalScroll) is not None
        )
        scroll = app.screen.query_one("#help-scroll", VerticalScroll)
        await until(pilot, lambda: scroll.max_scroll_y > 0)  # longer than the window
        for _ in range(40):  # bounded: page down until the end shows
            if scroll.scroll_y >= scroll.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y > 0
        body = str(app.screen.query_one("#help-body", Static).render())
        assert body.rstrip().endswith("Escape in the filter goes back to the list.")
        await pilot.press("up")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y - 1

        await pilot.press(*"leave out")  # the filter finds the language's lines too
        await until(pilot, lambda: "!status:lost" in help_text(app))
        assert scroll.scroll_y == 0


async def test_the_help_shows_keys_as_they_are_typed_and_finds_them_by_either_name(
    site: Site,
) -> None:
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: "app.filter" in help_text(app))
        lines = help_text(app).splitlines()
        filter_line = next(line for line in lines if "[app.filter]" in line)
        assert filter_line.split()[0] == "/"  # as on the keyboard and in the footer
        assert not any("question_mark" in line or "slash" in line for line in lines)
        await pilot.press(*"slash")  # the keymap's name for it still finds it

        def key_lines() -> list[str]:
            return [line for line in help_text(app).splitlines() if "[app." in line]

        await until(pilot, lambda: len(key_lines()) == 1)
        assert "[app.filter]" in key_lines()[0]


async def test_keys_that_arrive_together_are_typed_in_their_order(site: Site) -> None:
    """Keys that queued behind a slow link come in one burst: a backspace among letters
    deletes where it was typed. It was applied after the letters after it ('x', backspace,
    'filter' gave 'xfilt'): Textual's input takes letters at once and its editing keys only
    once they have gone round the screen."""
    app = site.console()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        line = app.screen.query_one("#filter-input", Input)
        await until(pilot, lambda: line.has_focus)
        burst = [("x", "x"), ("backspace", None), ("backspace", None)]
        burst += [(c, c) for c in "filter"]
        for key, character in burst:  # posted at once, as a burst read from the terminal
            app.post_message(events.Key(key, character))
        await until(pilot, lambda: line.value == "filter")  # 'xfilt' before
        await until(pilot, lambda: app.store.filter_text == "filter")
