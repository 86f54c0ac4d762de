"""The console's keys and mouse become the endpoint screen's input frames: keys as typed, the
terminal's leave chord kept by the console, clicks and drags at the pixel the cell shows."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Offset
from textual.keys import _character_to_key
from textual.widget import Widget

from domain.protocol.screen_input import (
    TEXT_MAX,
    ButtonInput,
    CellView,
    InputFrame,
    KeyInput,
    PointerMove,
    ScreenRegion,
    WheelInput,
)
from widgets.screen_keys import PASTE_MAX, key_frame, mouse_frame, paste_frames
from widgets.terminal import LEAVE_KEY

#: 64 × 20 cells showing a 640 × 400 screen whole: 10 × 20 pixels a cell
VIEW = CellView(0, 0, 64, 20, ScreenRegion(0, 0, 640, 400), 640, 400)


class ScreenLike(Widget, can_focus=True):
    """What a screen view does with its keys and mouse: every one through screen_keys."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding(LEAVE_KEY, "leave", priority=True)]

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[InputFrame] = []
        self.left = 0

    def action_leave(self) -> None:
        self.left += 1

    def on_key(self, event: events.Key) -> None:
        frame = key_frame(event.key, event.character)
        if frame is not None:
            event.stop()
            self.sent.append(frame)

    def _mouse(self, event: events.MouseEvent) -> None:
        frame = mouse_frame(event, event.get_content_offset_capture(self), VIEW)
        if frame is not None:
            self.sent.append(frame)

    on_mouse_down = on_mouse_up = on_mouse_move = on_mouse_scroll_down = _mouse


class ScreenKeysApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ScreenLike()

    def on_mount(self) -> None:
        self.query_one(ScreenLike).focus()


async def test_keys_and_clicks_reach_the_view_as_frames_and_the_leave_chord_does_not() -> None:
    app = ScreenKeysApp()
    async with app.run_test(size=(64, 20)) as pilot:
        view = app.query_one(ScreenLike)
        await pilot.press(
            "h", "I", "exclamation_mark", "enter", "ctrl+c", "ctrl+right_square_bracket"
        )
        await pilot.mouse_down(view, offset=(10, 5), control=True)
        await pilot.mouse_up(view, offset=(10, 5))
        await pilot.pause()
    keys = [f for f in view.sent if isinstance(f, KeyInput)]
    assert keys == [
        KeyInput(text="h"),
        KeyInput(text="I"),
        KeyInput(text="!"),
        KeyInput(key="Return"),
        KeyInput(text="c", mods=("ctrl",)),
    ]
    assert view.left == 1  # the leave chord left: nothing was sent for it (6 keys, 5 frames)
    clicks = [f for f in view.sent if isinstance(f, ButtonInput)]
    assert clicks == [
        ButtonInput(button=1, down=True, x=105, y=110, mods=("ctrl",)),
        ButtonInput(button=1, down=False, x=105, y=110),
    ]


@pytest.mark.parametrize(
    ("key", "character", "frame"),
    [
        ("a", "a", KeyInput(text="a")),
        ("A", "A", KeyInput(text="A")),  # shift is in the case
        ("shift+a", "A", KeyInput(text="A")),
        ("é", "é", KeyInput(text="é")),
        ("space", " ", KeyInput(text=" ")),
        ("ctrl+space", None, KeyInput(text=" ", mods=("ctrl",))),
        ("ctrl+a", "\x01", KeyInput(text="a", mods=("ctrl",))),
        ("ctrl+shift+a", None, KeyInput(text="a", mods=("ctrl", "shift"))),
        ("alt+x", "x", KeyInput(text="x", mods=("alt",))),
        ("ctrl+minus", None, KeyInput(text="-", mods=("ctrl",))),
        ("tab", "\t", KeyInput(key="Tab")),
        ("shift+tab", None, KeyInput(key="Tab", mods=("shift",))),
        ("escape", "\x1b", KeyInput(key="Escape")),
        ("backspace", "\x7f", KeyInput(key="BackSpace")),
        ("delete", None, KeyInput(key="Delete")),
        ("ctrl+left", None, KeyInput(key="Left", mods=("ctrl",))),
        ("pagedown", None, KeyInput(key="Page_Down")),
        ("home", None, KeyInput(key="Home")),
        ("f1", None, KeyInput(key="F1")),
        ("f12", None, KeyInput(key="F12")),
        ("f17", None, KeyInput(key="F5", mods=("shift",))),  # Textual's shift+F5
        ("ctrl+alt+delete", None, KeyInput(key="Delete", mods=("ctrl", "alt"))),
    ],
)
def test_a_key_is_sent_as_typed(key: str, character: str | None, frame: KeyInput) -> None:
    assert key_frame(key, character) == frame


def test_every_character_of_the_keyboard_is_sent_with_ctrl_and_alt_held() -> None:
    for code in range(0x21, 0x7F):
        typed = chr(code).lower()
        name = _character_to_key(typed)  # the name Textual gives the key
        if f"ctrl+{name}" == LEAVE_KEY:
            continue  # ctrl+]: the console's
        assert key_frame(f"ctrl+{name}", None) == KeyInput(text=typed, mods=("ctrl",)), name
        assert key_frame(f"alt+{name}", None) == KeyInput(text=typed, mods=("alt",)), name


@pytest.mark.parametrize(
    ("key", "character"),
    [(LEAVE_KEY, "\x1d"), ("hyper+a", "a"), ("f30", None), ("ctrl+nonsense_name", None)],
)
def test_what_the_endpoint_cannot_be_sent_is_not_a_frame(key: str, character: str | None) -> None:
    assert key_frame(key, character) is None


def test_a_paste_is_typed_with_its_line_breaks_and_nothing_else_of_control() -> None:
    assert paste_frames("ls -l\r\ncd /\tx\x1b[2J\x07") == [
        KeyInput(text="ls -l"),
        KeyInput(key="Return"),
        KeyInput(text="cd /"),
        KeyInput(key="Tab"),
        KeyInput(text="x[2J"),
    ]
    long = paste_frames("y" * (PASTE_MAX + 500))
    assert all(len(f.text or "") <= TEXT_MAX for f in long)
    assert sum(len(f.text or "") for f in long) == PASTE_MAX


def _event(kind: type[events.MouseEvent], button: int = 0) -> events.MouseEvent:
    return kind(None, 0, 0, 0, 0, button, False, False, False)


def test_a_drag_moves_the_pointer_and_a_wheel_notch_scrolls_where_it_is() -> None:
    zoomed = CellView(2, 1, 20, 10, ScreenRegion(100, 100, 200, 100), 640, 400)
    assert mouse_frame(_event(events.MouseMove, 1), Offset(2, 1), zoomed) == PointerMove(
        x=105, y=105
    )
    # past the picture's edge while dragging: the region's edge
    assert mouse_frame(_event(events.MouseMove, 1), Offset(99, 99), zoomed) == PointerMove(
        x=299, y=199
    )
    assert mouse_frame(_event(events.MouseMove, 0), Offset(5, 5), zoomed) is None  # hovering
    assert mouse_frame(_event(events.MouseScrollUp), Offset(12, 6), zoomed) == WheelInput(
        direction="up", x=205, y=155
    )
    assert mouse_frame(_event(events.MouseScrollRight), Offset(2, 1), zoomed) == WheelInput(
        direction="right", x=105, y=105
    )
    assert mouse_frame(_event(events.MouseDown, 4), Offset(2, 1), zoomed) is None
