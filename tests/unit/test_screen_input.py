"""Control of an endpoint's screen, the parts without a display: the input frames a console
sends are read whole or refused, and a console cell lands on the endpoint pixel it shows."""

from __future__ import annotations

import json

import pytest

from domain.protocol.screen_input import (
    COORD_MAX,
    TEXT_MAX,
    WHEEL_MAX,
    ButtonInput,
    CellView,
    KeyInput,
    PointerMove,
    ScreenInput,
    ScreenRegion,
    WheelInput,
    cell_to_screen,
    read_input_frame,
)

FULL_HD = ScreenRegion(0, 0, 1920, 1080)


def view(region: ScreenRegion = FULL_HD, cols: int = 192, rows: int = 54, **at: int) -> CellView:
    return CellView(
        left=at.get("left", 0),
        top=at.get("top", 0),
        cols=cols,
        rows=rows,
        region=region,
        screen_width=1920,
        screen_height=1080,
    )


# -- frames ----------------------------------------------------------------------------------


def test_the_frames_a_console_sends_are_read_back_as_sent() -> None:
    sent = [
        KeyInput(text="hé!", mods=()),
        KeyInput(key="Return"),
        KeyInput(text="c", mods=("ctrl",)),
        KeyInput(key="F12", mods=("ctrl", "alt", "shift")),
        PointerMove(x=0, y=COORD_MAX),
        ButtonInput(button=3, down=True, x=10, y=20, mods=("shift",)),
        WheelInput(direction="left", count=WHEEL_MAX, x=5, y=6),
    ]
    for frame in sent:
        assert read_input_frame(frame.model_dump_json()) == frame
        assert read_input_frame(frame.model_dump()) == frame
    wrapped = ScreenInput(sid="s1", input=KeyInput(text="a"))
    assert ScreenInput.model_validate_json(wrapped.model_dump_json()) == wrapped


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "input.key"},  # neither key nor text
        {"type": "input.key", "key": "Return", "text": "a"},  # both
        {"type": "input.key", "key": "Print"},  # not a key sent by name
        {"type": "input.key", "text": ""},
        {"type": "input.key", "text": "x" * (TEXT_MAX + 1)},
        {"type": "input.key", "text": "ls\r"},  # a control character
        {"type": "input.key", "text": "\x1b[2J"},
        {"type": "input.key", "text": "a\u202eb"},  # a format character (bidi override)
        {"type": "input.key", "text": "a", "mods": ["ctrl", "ctrl"]},
        {"type": "input.key", "text": "a", "mods": ["hyper"]},
        {"type": "input.key", "text": "a", "extra": 1},
        {"type": "input.move", "x": -1, "y": 0},
        {"type": "input.move", "x": COORD_MAX + 1, "y": 0},
        {"type": "input.move", "x": 1.5, "y": 0},
        {"type": "input.move", "x": "1", "y": 0},
        {"type": "input.move", "x": 1},
        {"type": "input.button", "button": 4, "down": True, "x": 1, "y": 1},
        {"type": "input.button", "button": 0, "down": True, "x": 1, "y": 1},
        {"type": "input.button", "button": 1, "down": 1, "x": 1, "y": 1},
        {"type": "input.wheel", "direction": "in", "x": 1, "y": 1},
        {"type": "input.wheel", "direction": "up", "count": 0, "x": 1, "y": 1},
        {"type": "input.wheel", "direction": "up", "count": WHEEL_MAX + 1, "x": 1, "y": 1},
        {"type": "shell.input", "data": "bHMK"},  # another channel's frame
        {"x": 1, "y": 1},
    ],
)
def test_a_malformed_frame_is_refused_whole(frame: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        read_input_frame(json.dumps(frame))
    with pytest.raises(ValueError):
        read_input_frame(frame)


@pytest.mark.parametrize("raw", ["", "null", "[]", "{", '"input.key"', b"\xff\xfe", "1e999"])
def test_what_is_not_a_frame_at_all_is_refused(raw: str | bytes) -> None:
    with pytest.raises(ValueError):
        read_input_frame(raw)


# -- cells to pixels -------------------------------------------------------------------------


def test_a_cell_of_the_whole_screen_lands_in_the_middle_of_what_it_shows() -> None:
    # 192 × 54 cells show 1920 × 1080: a cell is 10 pixels wide and 20 tall (2 half blocks)
    assert cell_to_screen(0, 0, view()) == (5, 10)
    assert cell_to_screen(96, 27, view()) == (965, 550)
    assert cell_to_screen(191, 53, view()) == (1915, 1070)


def test_a_cell_of_a_zoomed_region_lands_in_that_region() -> None:
    quarter = ScreenRegion(960, 540, 480, 270)  # the middle quarter's top-left part, zoomed
    assert cell_to_screen(0, 0, view(quarter, 48, 27)) == (965, 545)
    assert cell_to_screen(47, 26, view(quarter, 48, 27)) == (1435, 805)
    # zoomed in past one pixel a cell: neighbouring cells may show the same pixel, never leave it
    tiny = ScreenRegion(100, 200, 3, 2)
    spots = {cell_to_screen(c, r, view(tiny, 30, 10)) for c in range(30) for r in range(10)}
    assert spots == {(x, y) for x in range(100, 103) for y in range(200, 202)}


def test_a_picture_drawn_with_margins_is_offset_and_outside_it_clamped_to_its_edge() -> None:
    boxed = view(cols=96, rows=27, left=10, top=3)  # 20 × 40 pixels a cell, drawn from (10, 3)
    assert cell_to_screen(10, 3, boxed) == (10, 20)
    assert cell_to_screen(105, 29, boxed) == (1910, 1060)
    assert cell_to_screen(0, 0, boxed) == (0, 0)  # the margin: the region's first pixel
    assert cell_to_screen(500, 500, boxed) == (1919, 1079)  # a drag past the view's edge
    zoomed = view(ScreenRegion(600, 300, 200, 100), 20, 5)
    assert cell_to_screen(-4, 99, zoomed) == (600, 399)
    beyond = CellView(0, 0, 10, 10, ScreenRegion(1900, 1000, 100, 100), 1920, 1080)
    assert cell_to_screen(9, 9, beyond) == (1919, 1079)  # a region past the screen: clamped


def test_a_region_without_pixels_is_refused() -> None:
    for bad in ((0, 0, 0, 10), (0, 0, 10, 0), (-1, 0, 10, 10)):
        with pytest.raises(ValueError):
            ScreenRegion(*bad)
