"""The Jump Client's injector types and clicks into a real X display (Xvfb), and an X client
there records exactly what a representative sent: keys as typed, buttons where clicked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from Xlib import XK

from domain.protocol.screen_input import (
    DISPLAY_LOST,
    NO_INJECTION,
    NO_XTEST,
    ButtonInput,
    InputFrame,
    KeyInput,
    PointerMove,
    WheelInput,
)
from jump_client.screen_input import Injector, ScreenControl
from tests.support.xrecorder import Recorder, recorder, xvfb

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as name:
        yield name


@pytest.fixture
def injector(display: str) -> Iterator[Injector]:
    opened = Injector.open(display)
    assert isinstance(opened, Injector), opened
    yield opened
    opened.close()


@pytest.fixture
def window(display: str) -> Iterator[Recorder]:
    with recorder(display) as recording:
        yield recording


def play(injector: Injector, *frames: InputFrame) -> None:
    for frame in frames:
        assert injector.inject(frame)


def presses(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "key_press" and not e["modifier"]]


def test_text_and_keys_arrive_as_typed(injector: Injector, window: Recorder) -> None:
    play(
        injector,
        KeyInput(text="Hi, é"),  # é: no key of the US map types it (a spare key is bound)
        KeyInput(text="ü~Ω"),  # another rebinding, a shifted key, a Unicode keysym
        KeyInput(key="Return"),
        KeyInput(text="c", mods=("ctrl",)),
        KeyInput(key="F5"),
        KeyInput(key="Page_Down", mods=("shift",)),
    )
    keys = presses(window.wait_for(lambda e: len(presses(e)) >= 12, "twelve key presses"))
    assert "".join(k["text"] for k in keys[:8]) == "Hi, éü~Ω"
    assert [k["keysym"] for k in keys[8:]] == [
        XK.XK_Return,
        XK.XK_c,
        XK.XK_F5,
        XK.XK_Page_Down,
    ]
    assert [(k["ctrl"], k["shift"]) for k in keys[8:]] == [
        (False, False),
        (True, False),  # ctrl held for c only
        (False, False),
        (False, True),
    ]
    assert not any(k["ctrl"] for k in keys[:8])


def test_clicks_land_where_they_were_sent(injector: Injector, window: Recorder) -> None:
    play(
        injector,
        ButtonInput(button=1, down=True, x=123, y=45),
        PointerMove(x=200, y=100),  # a drag
        ButtonInput(button=1, down=False, x=210, y=110),
        ButtonInput(button=3, down=True, x=600, y=400),
        ButtonInput(button=3, down=False, x=600, y=400),
        WheelInput(direction="down", count=2, x=9000, y=9000),  # clamped to the screen
    )
    seen = window.wait_for(
        lambda e: sum(x["event"] == "button_release" for x in e) >= 4, "the wheel's last notch"
    )
    buttons = [
        (e["event"], e["button"], e["x"], e["y"]) for e in seen if e["event"].startswith("button")
    ]
    assert buttons == [
        ("button_press", 1, 123, 45),
        ("button_release", 1, 210, 110),
        ("button_press", 3, 600, 400),
        ("button_release", 3, 600, 400),
        ("button_press", 5, 639, 479),
        ("button_release", 5, 639, 479),
        ("button_press", 5, 639, 479),
        ("button_release", 5, 639, 479),
    ]
    assert {"event": "motion", "x": 200, "y": 100} in seen  # the drag moved between them


def test_a_button_held_when_control_ends_is_released(display: str, window: Recorder) -> None:
    held = Injector.open(display)
    assert isinstance(held, Injector)
    play(held, ButtonInput(button=1, down=True, x=10, y=10))
    held.close()
    seen = window.wait_for(lambda e: any(x["event"] == "button_release" for x in e), "release")
    assert [e["button"] for e in seen if e["event"] == "button_release"] == [1]
    assert not held.inject(PointerMove(x=1, y=1))  # closed: nothing more is played


def test_when_the_display_goes_away_injection_stops_with_a_sentence() -> None:
    with xvfb() as gone:
        injector = Injector.open(gone)
        assert isinstance(injector, Injector)
        assert injector.inject(PointerMove(x=1, y=1))
    assert not injector.inject(KeyInput(text="a"))  # the server stopped with the block
    assert injector.lost == DISPLAY_LOST
    injector.close()  # and closing after it is quiet


async def test_a_sessions_control_types_from_the_event_loop(display: str, window: Recorder) -> None:
    control = ScreenControl(display)
    assert await control.play(KeyInput(text="ok")) is None
    assert await control.play(ButtonInput(button=2, down=True, x=7, y=8)) is None
    await control.close()  # the session ended: the middle button is let go
    seen = window.wait_for(lambda e: any(x["event"] == "button_release" for x in e), "release")
    assert "".join(k["text"] for k in presses(seen)) == "ok"
    assert [(e["event"], e["button"]) for e in seen if "button" in e] == [
        ("button_press", 2),
        ("button_release", 2),
    ]


# python-xlib 0.33 leaves the socket of a failed connection to the garbage collector
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_without_a_display_or_xtest_the_endpoint_says_it_cannot_take_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    assert Injector.open() == NO_INJECTION
    assert Injector.open(":4095") == NO_INJECTION
    with xvfb("-extension", "XTEST") as bare:
        assert Injector.open(bare) == NO_XTEST
    control = ScreenControl()
    assert await control.play(KeyInput(text="a")) == NO_INJECTION  # said once to the console
    assert await control.play(KeyInput(text="b")) is None
    await control.close()
