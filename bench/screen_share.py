"""Screen sharing benchmark: a 1920×1080 desktop watched at 180×100 half-block pixels.

A real Jump Client process captures an Xvfb display of 1920×1080 on which this process draws
(python-xlib); a real appliance in this process relays; the representative's side is the
API's screen websocket, each frame drawn into a picture (as the console's view holds it) and
acknowledged. Loopback only. It prints, for a still screen and while a 400×300 window moves
20 times a second:

- frames per second and bytes per second received by the viewer;
- the Jump Client's CPU (percent of one core, from its process's CPU time);
- capture → screen latency, p50/p95: from a square's colour drawn on the display to the
  viewer's picture holding it (the frame received, decoded and drawn into the picture);
- console frame time: the real ``ScreenView`` (headless, 180×51 cells) drawing every line of
  the last picture, its style cache cold and warm (a frame redraws only the lines its tiles
  cover; this is the whole view).

``--json`` prints one JSON object. Needs Xvfb (skipped, saying so, without it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

from api_client import ApiCredentials, ApplianceClient, RepCredentials, open_screen  # noqa: E402
from appliance.config import ApplianceSettings  # noqa: E402
from appliance.embedded import EmbeddedAppliance  # noqa: E402
from domain.protocol.screen import ViewerPicture  # noqa: E402
from domain.screen import Picture  # noqa: E402
from tests.support.jump_client import Client, install_client, installer  # noqa: E402
from tests.support.xvfb import Painter, start_xvfb  # noqa: E402

WIDTH, HEIGHT = 1920, 1080
VIEW = (180, 100)
PHASE_S = 5.0
SAMPLES = 30
BACKGROUND, WINDOW = (40, 90, 140), (230, 230, 220)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Viewer:
    """The representative's side: frames drawn into a picture and acked, counted."""

    def __init__(self) -> None:
        self.picture: Picture | None = None
        self.frames = 0
        self.bytes = 0
        self.changed = asyncio.Event()

    async def run(self, screen: Any) -> None:
        async for event in screen:
            if not isinstance(event, ViewerPicture):
                raise SystemExit(f"no picture: {event.reason}")
            picture = self.picture
            if picture is None or (picture.width, picture.height) != (event.width, event.height):
                picture = self.picture = Picture(event.width, event.height)
            picture.apply(event.tiles)
            self.frames += 1
            self.bytes = screen.received
            self.changed.set()
            await screen.ack(event.seq)


def frame_times(picture: Picture) -> tuple[float, float]:
    """Milliseconds for the console's view to draw every line of ``picture`` anew (a new
    picture: the first pass with no style cached) and the p50 of 20 more passes that redraw
    every line (styles cached; a frame usually redraws only the rows its tiles cover)."""
    from textual.app import App, ComposeResult

    from widgets.screen_view import ScreenView

    timings: list[float] = []

    class Headless(App[None]):
        def compose(self) -> ComposeResult:
            yield ScreenView(None, id="view")

    async def measure() -> None:
        app = Headless()
        async with app.run_test(size=(VIEW[0], VIEW[1] // 2 + 1)):
            view = app.query_one(ScreenView)
            view.picture, view.screen_size, view.message = picture, (WIDTH, HEIGHT), ""
            for _ in range(21):
                view._lines.clear()
                began = time.perf_counter()
                for y in range(view.size.height):
                    view.render_line(y)
                timings.append((time.perf_counter() - began) * 1000)

    asyncio.run(measure())
    return timings[0], statistics.median(timings[1:])


def _mover(painter: Painter, stop: threading.Event) -> None:
    """A 400×300 window moving 20 times a second across the screen."""
    x, step = 100, 24
    while not stop.is_set():
        painter.fill(x, 300, 400, 300, BACKGROUND)
        x = 100 if x + step > WIDTH - 500 else x + step
        painter.fill(x, 300, 400, 300, WINDOW)
        stop.wait(0.05)


async def _phase(viewer: Viewer, process: psutil.Process) -> dict[str, float]:
    frames, received, cpu = viewer.frames, viewer.bytes, sum(process.cpu_times()[:2])
    began = time.monotonic()
    await asyncio.sleep(PHASE_S)
    spent = time.monotonic() - began
    return {
        "frames_per_s": (viewer.frames - frames) / spent,
        "bytes_per_s": (viewer.bytes - received) / spent,
        "client_cpu_percent": 100 * (sum(process.cpu_times()[:2]) - cpu) / spent,
    }


async def _latency(viewer: Viewer, painter: Painter) -> list[float]:
    """Paint a 240×240 square a new colour; time until the picture holds it."""
    samples = []
    for n in range(SAMPLES):
        colour = (255, 40 + 7 * n, 0) if n % 2 else (0, 40 + 7 * n, 255)
        began = time.monotonic()
        painter.fill(1500, 700, 240, 240, colour)
        while True:
            viewer.changed.clear()
            picture = viewer.picture
            if picture is not None:
                x = 1620 * picture.width // WIDTH
                y = 820 * picture.height // HEIGHT
                if all(abs(a - b) <= 8 for a, b in zip(picture.pixel(x, y), colour, strict=True)):
                    break
            await asyncio.wait_for(viewer.changed.wait(), 10)
        samples.append((time.monotonic() - began) * 1000)
        await asyncio.sleep(0.2)
    return samples


async def _bench(folder: Path, display: str, painter: Painter) -> tuple[dict[str, Any], Picture]:
    settings = ApplianceSettings(db=str(folder / "bench.sqlite3"), demo_fleet=1, simulate=False)
    appliance = EmbeddedAppliance(settings, api_account=("bench", "bench-secret"))
    appliance.start()
    client: Client | None = None
    try:
        repo = appliance.app.state.appliance.site.repo  # type: ignore[union-attr]
        with repo.transaction():
            repo.session_policies.update(3, {"permissions": {"screen_sharing": "view_only"}})
        async with ApplianceClient(
            appliance.url, credentials=ApiCredentials("bench", "bench-secret")
        ) as api:
            inst = await installer(api, unattended_session_policy_id=3)
        item_id = install_client(appliance.url, inst, folder / "client")
        client = Client(folder / "client", mac="02:00:5e:77:00:99", display=display)
        process = psutil.Process(client.process.pid)
        async with ApplianceClient(
            appliance.url, credentials=RepCredentials("carol", "demo")
        ) as rep:
            for _ in range(300):
                if (await rep.jump_item(item_id)).x_online:
                    break
                await asyncio.sleep(0.1)
            sid = (await rep.start_session(item_id)).session.sid
            viewer = Viewer()
            async with open_screen(rep, sid) as screen:
                await screen.watch(*VIEW)
                task = asyncio.create_task(viewer.run(screen))
                await asyncio.wait_for(viewer.changed.wait(), 30)
                await asyncio.sleep(1.0)  # the first, full frame is past
                idle = await _phase(viewer, process)
                stop = threading.Event()
                mover = threading.Thread(target=_mover, args=(painter, stop), daemon=True)
                mover.start()
                moving = await _phase(viewer, process)
                stop.set()
                mover.join()
                await asyncio.sleep(0.5)
                latency = await _latency(viewer, painter)
                task.cancel()
        picture = viewer.picture
        assert picture is not None
        return {
            "screen": [WIDTH, HEIGHT],
            "picture": [picture.width, picture.height] if picture else None,
            "idle": idle,
            "moving": moving,
            "latency_ms_p50": statistics.median(latency),
            "latency_ms_p95": percentile(latency, 95),
        }, picture
    finally:
        if client is not None:
            client.stop()
        appliance.stop()


def main() -> int:
    global VIEW
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--view",
        default=f"{VIEW[0]}x{VIEW[1]}",
        help="the picture the viewer asks for, WxH pixels (full resolution: e.g. 1800x1000, "
        "what a 180-column kitty or sixel terminal asks)",
    )
    args = parser.parse_args()
    width, _, height = args.view.partition("x")
    VIEW = (int(width), int(height))
    if shutil.which("Xvfb") is None:
        print("screen_share: skipped, Xvfb is not installed")
        return 0
    with tempfile.TemporaryDirectory() as tmp, start_xvfb(WIDTH, HEIGHT) as display:
        painter = Painter(display)
        painter.fill(0, 0, WIDTH, HEIGHT, BACKGROUND)
        for n in range(12):  # something of a desktop: a few panels
            painter.fill(60 + 150 * n, 40, 120, 80, (30 + 18 * n, 200 - 12 * n, 90))
        try:
            result, picture = asyncio.run(_bench(Path(tmp), display, painter))
        finally:
            painter.close()
    cold, warm = frame_times(picture)
    result["console_frame_ms_cold"], result["console_frame_ms_warm"] = cold, warm
    if args.json:
        print(json.dumps(result))
        return 0
    idle, moving = result["idle"], result["moving"]
    print(
        f"Screen sharing, {WIDTH}×{HEIGHT} viewed at {VIEW[0]}×{VIEW[1]} half-block pixels "
        f"(picture {result['picture'][0]}×{result['picture'][1]})"
    )
    for name, phase in (("still", idle), ("window moving", moving)):
        print(
            f"  {name:14} {phase['frames_per_s']:5.1f} frames/s  "
            f"{phase['bytes_per_s'] / 1024:7.1f} KB/s  "
            f"client CPU {phase['client_cpu_percent']:5.1f}%"
        )
    print(
        f"  capture → screen latency: p50 {result['latency_ms_p50']:.0f} ms, "
        f"p95 {result['latency_ms_p95']:.0f} ms"
    )
    print(f"  console frame (every line of the view): {cold:.1f} ms cold, {warm:.1f} ms warm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
