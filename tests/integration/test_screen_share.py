"""Screen sharing end to end: a real Jump Client on an Xvfb display with a known picture, the
real appliance on 127.0.0.1, and the representative's view (the API's screen websocket, the
console's Screen view, the CLI's screenshot)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_client import ApplianceClient, Forbidden, Refused, RepCredentials, open_screen
from appliance.embedded import EmbeddedAppliance
from console.cli.common import REFUSED
from domain.png import decode_rgb
from domain.protocol.screen import NoScreen, ScreenNotice, ViewerPicture
from domain.protocol.screen_input import ButtonInput, InputFrame, KeyInput, PointerMove
from domain.screen import Picture
from domain.screen_rules import VIEW_ONLY_INPUT
from domain.wording import SCREEN_ENDED, SCREEN_NOT_ALLOWED, screen_refused_by_user
from tests.support.cli import run
from tests.support.console import Site, until
from tests.support.jump_client import Client, eventually, install_client, installer
from tests.support.xrecorder import Recorder, recorder
from tests.support.xvfb import Colour, Painter, painted, start_xvfb
from widgets.screen_view import UPPER, ScreenView
from widgets.terminal import Terminal

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("console_env"),
    pytest.mark.not_storage("the Jump Client's screen and the relay of its frames"),
]

RED, BLUE, GREEN = (220, 20, 30), (20, 40, 200), (10, 190, 60)


@pytest.fixture
def display() -> Iterator[str]:
    with start_xvfb(320, 180) as name:
        yield name


@pytest.fixture
def picture(display: str) -> Iterator[Painter]:
    """The known picture: the left half red, the right half blue."""
    with painted(display) as painter:
        painter.fill(0, 0, 160, 180, RED)
        painter.fill(160, 0, 160, 180, BLUE)
        yield painter


def _policy(embedded: EmbeddedAppliance, screen_sharing: str) -> None:
    """Session policy 3 (nobody present: the client's sessions) with this screen sharing."""
    repo = embedded.app.state.appliance.site.repo  # type: ignore[union-attr]
    with repo.transaction():
        repo.session_policies.update(
            3, {"permissions": {"command_shell": "allow", "screen_sharing": screen_sharing}}
        )


async def _session(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp: Path,
    clients: list[Client],
    display: str,
) -> tuple[ApplianceClient, str, int]:
    inst = await installer(api, unattended_session_policy_id=3)
    item_id = install_client(embedded.url, inst, tmp / "screen")
    clients.append(Client(tmp / "screen", mac="02:00:5e:77:00:21", display=display))
    rep = ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo"))

    async def online() -> bool:
        return bool((await rep.jump_item(item_id)).x_online)

    await eventually(online)
    started = await rep.start_session(item_id)
    return rep, started.session.sid, item_id


def near(seen: Colour, wanted: Colour) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(seen, wanted, strict=True))


async def _until(screen: Any, picture: list[Picture | None], check: Any) -> list[int]:
    """Draw frames (acking each) until ``check(picture)`` holds; the tiles of each frame."""
    counts: list[int] = []
    async for event in screen:
        if isinstance(event, NoScreen):
            raise AssertionError(event.reason)
        assert isinstance(event, ViewerPicture)
        current = picture[0]
        if current is None or (current.width, current.height) != (event.width, event.height):
            current = picture[0] = Picture(event.width, event.height)
        assert current.apply(event.tiles) == len(event.tiles)
        counts.append(len(event.tiles))
        await screen.ack(event.seq)
        if check(current):
            return counts
    raise AssertionError("the screen closed")


async def test_the_endpoints_picture_reaches_the_api_the_console_and_a_screenshot(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp_path: Path,
    clients: list[Client],
    display: str,
    picture: Painter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _policy(embedded, "view_only")
    rep, sid, _item = await _session(embedded, api, tmp_path, clients, display)
    async with rep, open_screen(rep, sid) as screen:  # through the API, as a script would
        await screen.watch(160, 100)  # a 16:9 screen fits as 160×90
        held: list[Picture | None] = [None]

        def shows_halves(p: Picture) -> bool:
            return near(p.pixel(20, 45), RED) and near(p.pixel(140, 45), BLUE)

        first = await asyncio.wait_for(_until(screen, held, shows_halves), 20)
        got = held[0]
        assert got is not None and (got.width, got.height) == (160, 90)
        picture.fill(0, 0, 32, 32, GREEN)  # a corner changes: 16×16 pixels of the picture

        def shows_corner(p: Picture) -> bool:
            return near(p.pixel(5, 5), GREEN) and near(p.pixel(20, 45), RED)

        then = await asyncio.wait_for(_until(screen, held, shows_corner), 20)
        assert sum(first) == 10 * 6  # every tile of 160×90 once at first
        assert then[-1] <= 2  # then the corner's tile(s) alone, not the screen again
        width, height, rgb = decode_rgb(await rep.screenshot(sid))  # the whole screen
    assert (width, height) == (320, 180)
    assert near(_at(rgb, 320, 40, 90), RED) and near(_at(rgb, 320, 280, 90), BLUE)
    assert near(_at(rgb, 320, 10, 10), GREEN)
    saved = tmp_path / "shot.png"  # and the command line's, into a new file
    code, out, err = await asyncio.to_thread(run, embedded, capsys, "screenshot", sid, str(saved))
    assert code == 0, err
    assert out.startswith("Saved the screen of ") and out.rstrip().endswith(f"to {saved}.")
    assert decode_rgb(saved.read_bytes()) == (width, height, rgb)
    code, _, err = await asyncio.to_thread(run, embedded, capsys, "screenshot", sid, str(saved))
    assert code == 2 and "nothing is overwritten" in err
    await _console_shows(embedded, tmp_path, sid)


async def _console_shows(embedded: EmbeddedAppliance, tmp_path: Path, sid: str) -> None:
    """The console's Screen view of the session draws the picture in half-block cells."""
    app = Site(embedded, tmp_path / "state.json").console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: sid in app.actions.desk.sessions, 20)
        app.show_sessions(sid)
        await until(pilot, lambda: isinstance(app.focused, Terminal))
        await pilot.press("ctrl+right_square_bracket", "s")  # leave the terminal; the screen
        view = app.screen.query_one(f"#screen-{sid}", ScreenView)
        await until(pilot, lambda: view.display and view.picture is not None and not view.message)
        assert app.focused is view
        left, top = view._origin()

        def halves() -> bool:
            width = view.picture.width if view.picture else 0
            lower_row = top + 5
            return near(_cell(view, left + width // 4, lower_row)[1], RED) and near(
                _cell(view, left + 3 * width // 4, lower_row)[2], BLUE
            )

        await until(pilot, halves, 20)
        got = view.picture
        assert got is not None and got.width <= view.size.width  # the tab's size, 16:9 kept
        assert (got.height + 1) // 2 <= view.size.height - 1 and abs(
            got.width / got.height - 16 / 9
        ) < 0.1
        assert got.width == view.size.width or (got.height + 1) // 2 >= view.size.height - 2
        assert _cell(view, left + 2, top + 2)[0] == UPPER
        assert "frames/s" in view.status() and "KB/s" in view.status()
        await pilot.press("s")  # back to the terminal: the view lets the screen go
        await until(pilot, lambda: not view.display and view._link is None)


def _at(rgb: bytes, width: int, x: int, y: int) -> Colour:
    at = (y * width + x) * 3
    return rgb[at], rgb[at + 1], rgb[at + 2]


def _cell(view: ScreenView, x: int, y: int) -> tuple[str, Colour, Colour]:
    """The character and colours (upper pixel, lower pixel) of a cell of the view."""
    at = 0
    for segment in view.render_line(y):
        if at <= x < at + len(segment.text):
            style = segment.style
            assert style is not None and style.color is not None and style.bgcolor is not None
            upper, lower = style.color.get_truecolor(), style.bgcolor.get_truecolor()
            return segment.text[x - at], tuple(upper), tuple(lower)  # type: ignore[return-value]
        at += len(segment.text)
    raise AssertionError(f"no cell at {x}")


async def test_no_screen_without_the_policy_nor_without_the_present_users_yes(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp_path: Path,
    clients: list[Client],
    display: str,
    picture: Painter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked, answer, script = tmp_path / "asked.txt", tmp_path / "answer", tmp_path / "prompt.sh"
    script.write_text(  # sessions are accepted; the screen, as the test wrote in `answer`
        f'printf "%s\\n" "$1" >> {asked}\n'
        'case "$1" in *"asks to start"*) exit 0;; esac\n'
        f'case "$(cat {answer})" in accept) exit 0;; *) exit 1;; esac\n'
    )
    inst = await installer(api, attended_session_policy_id=2)  # "prompt, view only"
    item_id = install_client(embedded.url, inst, tmp_path / "p")
    clients.append(
        Client(
            tmp_path / "p",
            mac="02:00:5e:77:00:22",
            display=display,
            prompter=f"command:sh {script} {{question}}",
            console_user="ann",
        )
    )
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:

        async def online() -> bool:
            return bool((await rep.jump_item(item_id)).x_online)

        await eventually(online)
        _prompting(embedded, "not_allowed")  # the policy says no: nobody is even asked
        denied = (await rep.start_session(item_id)).session.sid
        with pytest.raises(Refused) as refused:
            async with open_screen(rep, denied) as screen:
                await screen.watch(160, 90)
                async for _event in screen:
                    raise AssertionError("a frame came")
        assert refused.value.message == SCREEN_NOT_ALLOWED
        with pytest.raises(Forbidden) as shot:
            await rep.screenshot(denied)
        assert shot.value.message == SCREEN_NOT_ALLOWED
        saved = tmp_path / "shot.png"
        code, _, err = await asyncio.to_thread(
            run, embedded, capsys, "screenshot", denied, str(saved)
        )
        assert code == REFUSED and SCREEN_NOT_ALLOWED in err and not saved.exists()
        await rep.end_session(denied)

        _prompting(embedded, "view_only")
        answer.write_text("refuse")
        started = await rep.start_session(item_id)
        assert started.presence and started.permissions.prompt_end_user
        said = screen_refused_by_user(started.session.item_name)
        with pytest.raises(Refused) as refused:
            async with open_screen(rep, started.session.sid) as screen:
                await screen.watch(160, 90)
                async for _event in screen:
                    raise AssertionError("a frame came")
        assert refused.value.message == said
        with pytest.raises(Forbidden) as shot:  # not asked again: the answer holds
            await rep.screenshot(started.session.sid)
        assert shot.value.message == said
        await rep.end_session(started.session.sid)

        answer.write_text("accept")  # a new session asks again
        again = (await rep.start_session(item_id)).session.sid
        async with open_screen(rep, again) as screen:
            await screen.watch(160, 90)
            frames = aiter(screen)
            first = await asyncio.wait_for(anext(frames), 20)
            assert isinstance(first, ViewerPicture) and first.width == 160
            await rep.end_session(again)  # the view closes with the session, saying so
            with pytest.raises(Refused) as ended:
                await asyncio.wait_for(_drain(frames), 5)
            assert ended.value.message == SCREEN_ENDED
    questions = asked.read_text().splitlines()
    assert len(questions) == 5  # three starts, and the screen once in each session allowing it
    assert ["asks to see" in q for q in questions] == [False, False, True, False, True]
    assert "(carol) asks to see this computer's screen" in questions[2]


def _prompting(embedded: EmbeddedAppliance, screen_sharing: str) -> None:
    """Session policy 2 (a user present): prompt, refuse by default, this screen sharing."""
    repo = embedded.app.state.appliance.site.repo  # type: ignore[union-attr]
    permissions = {"prompt_end_user": "allow", "prompt_default_answer": "refuse"}
    with repo.transaction():
        repo.session_policies.update(
            2, {"permissions": permissions | {"screen_sharing": screen_sharing}}
        )


async def _drain(frames: Any) -> None:
    async for _event in frames:
        pass


async def test_keys_and_clicks_reach_the_endpoint_only_under_view_and_control(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    tmp_path: Path,
    clients: list[Client],
    display: str,
) -> None:
    """One Jump Client and one console, two sessions: "view only" first (a burst of input
    through the API and a click in the console's view are dropped, said once each and audited
    once), then "view and control" (a drag, clicks and typing arrive where sent, through the
    API and from the console's view). Frames reach the client in order: had the first
    session's input been played, the recording would hold it before the second's."""
    with recorder(display) as window:  # a window over the whole 320×180 screen, focused
        _policy(embedded, "view_only")
        rep, sid, item_id = await _session(embedded, api, tmp_path, clients, display)
        burst: list[InputFrame] = [
            ButtonInput(button=1, down=True, x=10, y=10),
            ButtonInput(button=1, down=False, x=10, y=10),
            *(KeyInput(text=c) for c in "nope"),
        ]
        app = Site(embedded, tmp_path / "state.json").console()
        async with rep, app.run_test(size=(120, 40)) as pilot:
            said = await _send_input(rep, sid, burst, until_notice=True)
            assert said == [VIEW_ONLY_INPUT]  # once for the burst
            view = await _screen_view(pilot, app, sid)
            assert not view.in_control and "view only" in view.status()
            await pilot.click(view, offset=view._origin())  # sent, refused, said
            await until(pilot, lambda: VIEW_ONLY_INPUT in view.status(), 20)
            repo = embedded.app.state.appliance.site.repo  # type: ignore[union-attr]
            refused = [
                e for e in repo.audit_log(30) if e["action"] == "session.screen_input_refused"
            ]
            assert len(refused) == 1 and refused[0]["actor"] == "carol"  # one for it all
            await rep.end_session(sid)

            _policy(embedded, "view_and_control")
            sid = (await rep.start_session(item_id)).session.sid
            sent: list[InputFrame] = [
                PointerMove(x=200, y=100),  # a drag from (200, 100) to (250, 120)
                ButtonInput(button=1, down=True, x=200, y=100),
                PointerMove(x=250, y=120),
                ButtonInput(button=1, down=False, x=250, y=120),
                ButtonInput(button=3, down=True, x=31, y=47),  # a right click
                ButtonInput(button=3, down=False, x=31, y=47),
                KeyInput(text="Hi!"),
                KeyInput(key="Return"),
            ]
            assert await _send_input(rep, sid, sent) == []

            def typed(events: list[dict[str, Any]]) -> bool:
                return any(e.get("keysym") == 0xFF0D for e in events)  # Return, sent last

            events = await asyncio.to_thread(window.wait_for, typed, "the typing", 20)
            clicked = await _console_controls(pilot, app, sid, window)
    buttons = [(e["event"], e["button"], e["x"], e["y"]) for e in events if "button" in e["event"]]
    assert buttons == [
        ("button_press", 1, 200, 100),
        ("button_release", 1, 250, 120),
        ("button_press", 3, 31, 47),
        ("button_release", 3, 31, 47),
    ]
    keys = [e for e in events if e["event"] == "key_press" and not e["modifier"]]
    assert "".join(k["text"] for k in keys[:-1]) == "Hi!" and keys[-1]["keysym"] == 0xFF0D
    after = window.events[len(events) :]  # the console's own, after the API's
    assert [(e["event"], e["x"], e["y"]) for e in after if "button" in e["event"]] == [
        ("button_press", *clicked),
        ("button_release", *clicked),
    ]
    typed_here = [e["text"] for e in after if e["event"] == "key_press" and not e["modifier"]]
    assert typed_here == ["o", "K", "+"]


async def _screen_view(pilot: Any, app: Any, sid: str) -> ScreenView:
    """The session's Screen view in the console, shown (``ctrl+]`` out of its terminal,
    ``s``) with a picture."""
    await until(pilot, lambda: sid in app.actions.desk.sessions, 20)
    app.show_sessions(sid)
    await until(pilot, lambda: getattr(app.focused, "id", None) == f"term-{sid}", 20)
    await pilot.press("ctrl+right_square_bracket", "s")
    view: ScreenView = app.screen.query_one(f"#screen-{sid}", ScreenView)
    await until(pilot, lambda: view.display and view.picture is not None and not view.message)
    assert app.focused is view
    return view


async def _console_controls(pilot: Any, app: Any, sid: str, window: Recorder) -> tuple[int, int]:
    """The console's Screen view, in control, clicks a cell and types (``+`` too: in control
    it is the endpoint's, not the zoom); the endpoint's pixel the cell shows."""
    view = await _screen_view(pilot, app, sid)
    assert view.in_control and "control" in view.status()
    left, top = view._origin()
    cell = (left + 30, top + 10)
    at = view.screen_point(*cell)
    assert at is not None
    seen = len(window.events)
    await pilot.click(view, offset=cell)
    await pilot.press("o", "K", "plus")

    def all_typed(events: list[dict[str, Any]]) -> bool:
        return any(e.get("text") == "+" for e in events[seen:])

    await asyncio.to_thread(window.wait_for, all_typed, "the console's typing", 20)
    assert view.zoom == 1
    return at


async def _send_input(
    rep: ApplianceClient, sid: str, frames: list[InputFrame], *, until_notice: bool = False
) -> list[str]:
    """Watch the session's screen (the first frame drawn), send ``frames`` as the console
    does on the same websocket; the notices said (waiting for one when ``until_notice``)."""
    said: list[str] = []
    async with open_screen(rep, sid) as screen:
        await screen.watch(160, 90)
        events = aiter(screen)
        first = await asyncio.wait_for(anext(events), 20)
        assert isinstance(first, ViewerPicture)
        for frame in frames:
            await screen.send(frame.model_dump(mode="json"))
        if until_notice:
            while not said:
                event = await asyncio.wait_for(anext(events), 20)
                if isinstance(event, ScreenNotice):
                    said.append(event.reason)
                elif isinstance(event, ViewerPicture):
                    await screen.ack(event.seq)
            await screen.watch(160, 90)  # one more round trip: a second notice would be here
            for _ in range(3):
                event = await asyncio.wait_for(anext(events), 20)
                if isinstance(event, ScreenNotice):
                    said.append(event.reason)
                if isinstance(event, ViewerPicture):
                    break
    return said
