"""The Screen view at full resolution: where nothing is a terminal (every test, a pipe) it draws
half-blocks; with kitty graphics or sixel (forced here: no test has a terminal to ask) it asks
the client for its cells in the terminal's pixels and its lines carry the protocol's escape
sequence, of the picture's size, and nothing of the endpoint's bytes as they came."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult

from console.config import ConfigError, load_settings
from domain.protocol.screen import FULL
from tests.app.test_screen_view import FakeLink, _frame
from tests.support.console import until
from widgets import screen_graphics
from widgets.screen_graphics import HALFBLOCK, Graphics, choose
from widgets.screen_view import ScreenView

pytestmark = pytest.mark.not_storage("the console's screens and keys")

HOSTILE = (b"\x1b]0;pwned\x07\x1b[2J\x1bP+q\x1b\\" * 40)[: 16 * 16 * 3]
"""A tile whose pixels, taken as text, would retitle and clear a terminal."""
KITTY = re.compile(r"(?:\x1b_G[a-zA-Z0-9=,]+;[A-Za-z0-9+/=]*\x1b\\)+")
SIXEL = re.compile(r'\x1b7\x1b\[(\d+);(\d+)H\x1bP0;0;0q"1;1;(\d+);(\d+)[#;!$\-0-9?-~]*\x1b\\\x1b8')


@pytest.fixture
def restore_choice() -> Iterator[None]:
    before = screen_graphics.chosen()
    yield
    screen_graphics._chosen[0] = before


def test_what_is_not_a_terminal_gets_half_blocks_unless_forced(restore_choice: None) -> None:
    assert choose("auto") == HALFBLOCK  # pytest's output is a file, not a terminal
    assert screen_graphics.chosen() == HALFBLOCK
    assert ScreenView(None).graphics == HALFBLOCK  # what the console's views then draw
    assert choose("halfblock") == HALFBLOCK
    forced = choose("sixel")
    assert forced.kind == "sixel" and min(forced.cell) >= 1
    assert ScreenView(None).graphics == forced


def test_auto_asks_a_terminal_but_not_through_tmux_or_screen() -> None:
    assert screen_graphics.asks_terminal("auto", terminal=True, environ={})
    assert not screen_graphics.asks_terminal("auto", terminal=False, environ={})
    for multiplexer in ({"TMUX": "/tmp/tmux-0/default,1,0"}, {"STY": "1.pts-0.host"}):
        assert not screen_graphics.asks_terminal("auto", terminal=True, environ=multiplexer)
    assert not screen_graphics.asks_terminal("halfblock", terminal=True, environ={})


def test_a_user_forces_half_blocks_by_the_environment_and_a_bad_value_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings(tmp_path / "none.toml").graphics == "auto"
    monkeypatch.setenv("JUMP_CONSOLE_GRAPHICS", "halfblock")
    assert load_settings(tmp_path / "none.toml").graphics == "halfblock"
    monkeypatch.setenv("JUMP_CONSOLE_GRAPHICS", "iterm")
    with pytest.raises(ConfigError, match="'graphics' is invalid.*'kitty' or 'sixel'"):
        load_settings(tmp_path / "none.toml")


@asynccontextmanager
async def _view(graphics: Graphics) -> AsyncIterator[tuple[ScreenView, FakeLink, list[Segment]]]:
    """A 10×5 view drawing with ``graphics``, fed one 64×64 frame of hostile pixels; yields
    the view, its link, and every segment of its lines."""
    link = FakeLink()

    @asynccontextmanager
    async def opener() -> AsyncIterator[FakeLink]:
        yield link

    class Headless(App[object]):
        def compose(self) -> ComposeResult:
            yield ScreenView(opener, graphics=graphics, id="view")

    app = Headless()
    async with app.run_test(size=(10, 5)) as pilot:
        view = app.query_one(ScreenView)
        view.watch_screen(True)
        await until(pilot, lambda: bool(link.asked))
        tiles = [(tx, ty, HOSTILE) for tx in range(4) for ty in range(4)]
        link.frames.put_nowait(_frame(1, 64, 64, tiles))
        await until(pilot, lambda: link.acked == [1])
        lines = [view.render_line(y) for y in range(view.size.height)]
        assert all(line.cell_length == 10 for line in lines)
        yield view, link, [segment for line in lines for segment in line]


def _plain(segments: list[Segment]) -> str:
    """What the lines draw as text (not the protocol's sequences)."""
    return "".join(s.text for s in segments if not s.control)


async def test_kitty_sends_the_picture_at_its_pixel_size_and_placeholders_for_its_cells() -> None:
    async with _view(Graphics("kitty", (8, 16))) as (view, link, segments):
        assert link.asked[0] == (80, 64, FULL)  # 10 cells × 8 pixels, 4 lines × 16 pixels
        sent = [s.text for s in segments if s.control]
        assert len(sent) == 1 and KITTY.fullmatch(sent[0])
        messages = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", sent[0])
        first = dict(key.split("=") for key in messages[0][0].split(","))
        assert (first["a"], first["U"], first["f"], first["o"]) == ("T", "1", "24", "z")
        assert (first["s"], first["v"], first["c"], first["r"]) == ("64", "64", "8", "4")
        data = zlib.decompress(base64.b64decode("".join(chunk for _keys, chunk in messages)))
        assert view.picture is not None and data == bytes(view.picture.rgb)  # as it came
        text = _plain(segments)
        assert text.count(chr(0x10EEEE)) == 8 * 4  # a placeholder in each of its cells
        cells = [s for s in segments if chr(0x10EEEE) in s.text]
        named = {s.style.color.number for s in cells if s.style and s.style.color}
        assert named == {int(first["i"])}  # each placeholder's colour names the image
        assert not re.search(r"[\x00-\x1f\x7f]", text)


async def test_sixel_draws_the_picture_at_its_pixel_size_from_its_top_left_cell() -> None:
    async with _view(Graphics("sixel", (8, 16))) as (view, link, segments):
        assert link.asked[0] == (80, 64, FULL)
        sent = [s.text for s in segments if s.control]
        assert len(sent) == 1
        found = SIXEL.fullmatch(sent[0])
        assert found is not None  # only the sixel's own characters between its start and end
        assert found.groups() == ("1", "2", "64", "64")  # the picture's first cell; 64×64
        assert not re.search(r"[\x00-\x1f\x7f]", _plain(segments))
