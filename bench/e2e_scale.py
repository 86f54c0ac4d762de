"""The whole program at scale: a real appliance, the real console in a real terminal.

For each size (10k and 100k items; 1M with ``--million``) this starts ``jump-appliance
--demo-fleet N`` on 127.0.0.1 (a fresh database), then, ``--repeat`` times, the real
``jump-console --appliance URL --user carol`` in a pseudo-terminal of 180×50, its output read
by a terminal emulator (pyte) in this process. It prints:

- first rows: console start → a row of the list on screen with its statistics (the CPU and
  disk cells of a row, as the emulated screen shows them);
- all counted: console start → the status bar says ``live`` and counts every item the
  appliance's snapshot holds for carol;
- console RSS once loaded (and its peak), the appliance's RSS before the console, with it
  loaded, and with ``--consoles`` feeds attached and their snapshots sent;
- keystroke → filtered repaint, p50/p95: ``/`` then filters typed and erased one key at a
  time; each key is timed from its write to the PTY until the screen shows the number of
  items the filter leaves (computed here from the same snapshot by the same store); keys that
  leave the count unchanged are typed but not timed; and the console's CPU time a key (its
  CPU while the filters are typed, less what live updates cost it a second while idle just
  before, over the keys typed), which the machine's other work does not inflate;
- the console's CPU time to its first rows (imports, start, sign-in, snapshot), and how much
  of it came before its first request to the appliance (starting Python, imports, settings);
- the load average (1 minute) when each console run started: the machine is shared, and the
  wall times grow with it while the CPU times do not;
- snapshot bytes per item: on the wire to the console (compressed, through a counting relay on
  127.0.0.1 that carries all of the console's traffic until everything is counted), and as
  JSON frames (uncompressed);
- the store-only figures of bench/console_scale.py for the same N, from the same run: the
  baseline; the ratios say how far the whole program is from its parts.

Output chunks are timestamped by a reader thread as they arrive, so the emulator's own
cost is not counted in the latencies. The bench switches threads every 0.2 ms (Python's
default is 5 ms): the reader shares the interpreter with the emulator, and with the default
it could wait a whole switch interval, after the chunk had arrived, before it could stamp it
(at 100k, two runs apart on a quiet machine: key p50 44 ms with 5 ms, 31 ms with 0.2 ms).
``--json`` prints one JSON object. Only loopback is used.

Both programs run with Python's bytecode cache, as an installed package has it (the bench
compiles ours first; ``PYTHONDONTWRITEBYTECODE``, which some machines set, is not passed on):
without it every start compiles some 110 of our modules again, 0.7 s of CPU no user pays.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import fcntl
import json
import multiprocessing as mp
import os
import pty
import queue
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyte
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import console_scale  # noqa: E402

from api_client import ApplianceClient, RepCredentials  # noqa: E402
from console.store import ItemStore  # noqa: E402
from domain.protocol.item_columns import ItemColumns  # noqa: E402
from domain.protocol.live import SnapshotChunk, Subscribe, read_frame  # noqa: E402

COLS, ROWS = 180, 50
USER, PASSWORD = "carol", "demo"
READY = re.compile(r"listening on (http://\S+)")
#: a list row with its statistics: name, status, ..., "12%   64%" (CPU and disk cells)
ROW_WITH_STATS = re.compile(r"│[\w.-]+\s+\S .*?\b\d{1,3}%\s+\d{1,3}%")
STATUS = re.compile(r"([\d,]+) online of ([\d,]+) items, ([\d,]+) shown")
#: (prefix, typed): the prefix is written at once, then each key of the rest is typed and
#: erased one at a time, then the prefix is erased; every text has a "-" or a field, so it
#: never matches a console user (which change with the live statistics)
FILTERS = (("srv-", "lon-001"), ("ws-", "par-02"), ("pos-", "nyc-1"), ("tag:", "web"))
MIB = 1024 * 1024
#: our packages, compiled before the first run (as installing the package does)
PACKAGES = ("domain", "api_client", "console", "widgets", "themes", "appliance", "jump_client")


def environment(**extra: str) -> dict[str, str]:
    """The programs' environment: this one, with the bytecode cache allowed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra


def compile_ours() -> None:
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def _pages(pid: int, key: str) -> int:
    """A figure of /proc/PID/status in bytes (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def rss(pid: int) -> int:
    return _pages(pid, "VmRSS")


def peak(pid: int) -> int:
    return _pages(pid, "VmHWM")


def cpu(pid: int) -> float:
    """CPU seconds the process has used (user + system, all its threads): unlike wall time,
    not inflated by the other work on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- the appliance and a relay that counts bytes ------------------------------------------------


def start_appliance(workdir: str, n: int) -> tuple[subprocess.Popen[str], str, float]:
    command = [sys.executable, "-m", "appliance", "--db", f"{workdir}/site.sqlite3"]
    command += ["--port", "0", "--demo-fleet", str(n)]
    t0 = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=workdir,
        env=environment(),
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = READY.search(line)
        if match:
            threading.Thread(target=process.stdout.read, daemon=True).start()  # drain it
            return process, match.group(1), time.perf_counter() - t0
    raise RuntimeError(f"the appliance with {n} items did not start")


def _relay_main(target_port: int, ready: Any, down: Any, console: Any, first_cpu: Any) -> None:
    """Forward 127.0.0.1:<any> to the appliance; count the bytes it sends back in ``down``;
    note the CPU time of the process ``console`` when it first connects in ``first_cpu``."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: bool) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    with down.get_lock():
                        down.value += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if first_cpu.value < 0 and console.value:
            first_cpu.value = cpu(console.value)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ready.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(serve())


class Relay:
    def __init__(self, url: str) -> None:
        ctx = mp.get_context("spawn")
        self.down = ctx.Value("q", 0)
        self.console = ctx.Value("q", 0)  # the console's pid, once it runs
        self.first_cpu = ctx.Value("d", -1.0)  # its CPU time when it first connected
        ready = ctx.Queue()
        port = int(url.rsplit(":", 1)[1])
        args = (port, ready, self.down, self.console, self.first_cpu)
        self.process = ctx.Process(target=_relay_main, args=args, daemon=True)
        self.process.start()
        self.url = f"http://127.0.0.1:{ready.get(timeout=30)}"

    def close(self) -> None:
        self.process.terminate()
        self.process.join(5)


# -- the console in a pseudo-terminal ------------------------------------------------------------


@dataclass
class Screen:
    """The console's terminal as the emulator shows it, fed with timestamped chunks."""

    master: int
    screen: pyte.Screen = field(default_factory=lambda: pyte.Screen(COLS, ROWS))
    chunks: queue.Queue[tuple[float, bytes]] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        self.stream = pyte.ByteStream(self.screen)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            self.chunks.put((time.perf_counter(), data))
            if not data:
                return

    def wait(self, test: Any, timeout: float, after: float = 0.0) -> float | None:
        """Feed chunks until ``test(lines)`` holds on a chunk that arrived at or after
        ``after``; its arrival time, or None on timeout or when the console exited. (A
        chunk written before a key was sent never stands for that key's repaint.)"""
        end = time.perf_counter() + timeout
        while (left := end - time.perf_counter()) > 0:
            try:
                at, data = self.chunks.get(timeout=left)
            except queue.Empty:
                return None
            if not data:
                return None
            self.stream.feed(data)
            if at >= after and test(self.screen.display):
                return at
        return None


def status_of(lines: list[str]) -> tuple[bool, int, int] | None:
    """(live, items, shown) from the status bar, or None while it shows no counts."""
    for line in reversed(lines):
        match = STATUS.search(line)
        if match:
            total, shown = int(match[2].replace(",", "")), int(match[3].replace(",", ""))
            return "● live" in line, total, shown
    return None


def start_console(url: str, home: str) -> tuple[subprocess.Popen[bytes], Screen, float]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = environment(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        JUMP_CONSOLE_PASSWORD=PASSWORD,
        HOME=home,
        XDG_CONFIG_HOME=f"{home}/.config",
        XDG_DATA_HOME=f"{home}/.local/share",
        XDG_STATE_HOME=f"{home}/.local/state",
    )
    command = [str(Path(sys.executable).parent / "jump-console"), "--appliance", url]
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--user", USER],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    return process, Screen(master), t0


def stop_console(process: subprocess.Popen[bytes], screen: Screen) -> None:
    try:
        os.write(screen.master, b"\x11")  # ctrl+q
        process.wait(10)
    except (OSError, subprocess.TimeoutExpired):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    os.close(screen.master)


# -- feeds opened by the bench: the expected counts, and more consoles -------------------------


async def open_feed(
    url: str, token: str, keep: bool, compact: bool = False
) -> tuple[list[Any], int, Any]:
    """Subscribe like a console and read the snapshot: its items (when ``keep``; with
    ``compact``, its chunks' columns), its JSON bytes, and the open websocket (the appliance
    serves it until it is closed); ``compact``: as columns, as the console asks for it."""
    ws_url = url.replace("http://", "ws://", 1) + "/api/rep/v1/live"
    headers = {"Authorization": f"Bearer {token}"}
    ws = await connect(  # no keepalive: a busy appliance is measured, not dropped
        ws_url, additional_headers=headers, max_size=2**30, open_timeout=120, ping_interval=None
    )
    await ws.recv()  # hello
    await ws.send(Subscribe(since_seq=None, compact=compact).model_dump_json())
    items: list[Any] = []
    size = 0
    while True:
        raw = await ws.recv(decode=False)
        if not keep:  # counted only, and read only as far as needed
            frame = orjson.loads(raw)
            if frame.get("type") == "snapshot":
                size += len(raw)
                if frame.get("last") is True:
                    return items, size, ws
            continue
        chunk, _ = read_frame(raw)
        if isinstance(chunk, SnapshotChunk):  # not statistics and the like
            size += len(raw)
            items.extend(chunk.items if chunk.columns is None else [chunk.columns])
            if chunk.last:
                return items, size, ws


async def expected_store(url: str) -> tuple[ItemStore, int]:
    """What carol's console should hold, read as the console reads it (as columns); the
    snapshot's JSON bytes."""
    async with ApplianceClient(url, credentials=RepCredentials(USER, PASSWORD)) as client:
        token = await client.bearer()
    for attempt in range(3):  # a loaded appliance may drop a feed (keepalive): again
        try:
            chunks, size, ws = await open_feed(url, token, keep=True, compact=True)
            break
        except ConnectionClosed:
            if attempt == 2:
                raise
    await ws.close()
    columns = ItemColumns.empty()
    for chunk in chunks:
        columns.extend(chunk)
    store = ItemStore()
    store.load_columns(columns)
    return store, size


async def many_consoles(url: str, count: int, appliance: int) -> tuple[float, float]:
    """Appliance RSS (now, peak) with ``count`` feeds attached and their snapshots sent (as
    columns, as a console asks for them)."""
    async with ApplianceClient(url, credentials=RepCredentials(USER, PASSWORD)) as client:
        token = await client.bearer()
    feeds = await asyncio.gather(
        *(open_feed(url, token, keep=False, compact=True) for _ in range(count))
    )
    await asyncio.sleep(1)  # what the appliance frees after sending, freed
    figures = rss(appliance) / MIB, peak(appliance) / MIB
    for _, _, ws in feeds:
        await ws.close()
    return figures


# -- one console run -------------------------------------------------------------------------------


def typing_plan(store: ItemStore) -> list[tuple[bytes, int, bool]]:
    """Each write to send, the number of items the filter leaves after it, and whether it is
    one key to time (a prefix is written at once and erased at once, untimed)."""
    plan: list[tuple[bytes, int, bool]] = []

    def step(text: str, keys: bytes, timed: bool) -> None:
        store.set_filter(text)
        plan.append((keys, len(store.view), timed))

    for prefix, typed in FILTERS:
        step(prefix, prefix.encode(), False)
        for end in range(1, len(typed) + 1):
            step(prefix + typed[:end], typed[end - 1].encode(), True)
        for end in range(len(typed) - 1, -1, -1):
            step(prefix + typed[:end], b"\x7f", True)  # backspace
        step("", b"\x7f" * len(prefix), False)
    return plan


def measure_keys(screen: Screen, plan: list[tuple[bytes, int, bool]]) -> tuple[list[float], int]:
    """Latencies of the keys that change the count (ms), and how many never showed it."""
    os.write(screen.master, b"/")  # the filter bar takes the keys
    screen.wait(lambda lines: False, 1.0)
    latencies: list[float] = []
    timeouts = 0
    shown = None
    for keys, expected, timed in plan:

        def applied(lines: list[str], expected: int = expected) -> bool:
            status = status_of(lines)
            return status is not None and status[2] == expected

        t0 = time.perf_counter()
        os.write(screen.master, keys)
        if expected == shown:  # nothing on screen says this one was applied
            screen.wait(lambda lines: False, 0.3)
            continue
        at = screen.wait(applied, 10.0, after=t0)
        if at is None:
            timeouts += 1
        elif timed:
            latencies.append((at - t0) * 1000)
        shown = expected
    return latencies, timeouts


def run_console(url: str, appliance: int, workdir: str, timeout: float) -> dict[str, Any]:
    relay = Relay(url)
    home = tempfile.mkdtemp(dir=workdir)
    appliance_before = rss(appliance)
    load = os.getloadavg()[0]
    process, screen, t0 = start_console(relay.url, home)
    relay.console.value = process.pid
    try:
        first = screen.wait(lambda lines: any(ROW_WITH_STATS.search(x) for x in lines), timeout)
        first_cpu = cpu(process.pid)
        if first is None:
            said = next((x.strip() for x in screen.screen.display if STATUS.search(x)), "")
            raise RuntimeError(f"no rows came on screen in {timeout:.0f} s; the status bar: {said}")

        def counted(lines: list[str]) -> bool:
            status = status_of(lines)
            return status is not None and status[0] and status[1] > 0

        counted_at = screen.wait(counted, timeout)
        wire = relay.down.value
        status = status_of(screen.screen.display)
        if counted_at is None or status is None:
            raise RuntimeError("the items were not counted:\n" + "\n".join(screen.screen.display))
        screen.wait(lambda lines: False, 1.0)  # let it settle
        console_rss, console_peak = rss(process.pid), peak(process.pid)
        appliance_loaded = rss(appliance)
        store, json_bytes = asyncio.run(expected_store(url))
        if len(store) != status[1]:
            raise RuntimeError(f"the console counts {status[1]} items, the snapshot {len(store)}")
        plan = typing_plan(store)
        idle_from, idle_at = cpu(process.pid), time.perf_counter()
        screen.wait(lambda lines: False, 5.0)  # live updates alone, over a statistics tick
        idle = (cpu(process.pid) - idle_from) / (time.perf_counter() - idle_at)
        before, typing_from = cpu(process.pid), time.perf_counter()
        latencies, timeouts = measure_keys(screen, plan)
        typing = time.perf_counter() - typing_from
        keys_cpu = max(0.0, cpu(process.pid) - before - idle * typing)
        items = status[1]
        return {
            "items": items,
            "first_rows_s": first - t0,
            "first_rows_cpu_s": first_cpu,
            "before_request_cpu_s": relay.first_cpu.value if relay.first_cpu.value >= 0 else None,
            "load": load,
            "key_cpu_ms": keys_cpu * 1000 / sum(len(keys) for keys, _, _ in plan),
            "all_counted_s": counted_at - t0,
            "console_rss_mib": console_rss / MIB,
            "console_peak_mib": console_peak / MIB,
            "console_bytes_per_item": console_rss / items,
            "appliance_before_mib": appliance_before / MIB,
            "appliance_loaded_mib": appliance_loaded / MIB,
            "key_p50_ms": percentile(latencies, 50) if latencies else None,
            "key_p95_ms": percentile(latencies, 95) if latencies else None,
            "keys_timed": len(latencies),
            "key_timeouts": timeouts,
            "wire_bytes_per_item": wire / items,
            "json_bytes_per_item": json_bytes / items,
        }
    finally:
        stop_console(process, screen)
        relay.close()


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if r[key] is not None]
        if values and all(isinstance(v, int | float) for v in values):
            merged[key] = statistics.median(values)
            merged[f"{key}_spread"] = (min(values), max(values))
        else:
            merged[key] = runs[0][key]
    return merged


def measure_size(n: int, repeat: int, consoles: int, store_only: bool) -> dict[str, Any]:
    timeout = 120 + n / 1000  # generous: the figure is the point, not the limit
    compile_ours()
    with tempfile.TemporaryDirectory(prefix="e2e-scale-") as workdir:
        appliance, url, started = start_appliance(workdir, n)
        try:
            runs, errors = [], []
            for _ in range(repeat):
                try:
                    runs.append(run_console(url, appliance.pid, workdir, timeout))
                except RuntimeError as err:  # reported with the figures of the other runs
                    errors.append(str(err).splitlines()[0])
            figures = median_of(runs) if runs else {"items": 0}
            figures["failed_runs"] = errors
            if not runs:
                return figures | {"n": n, "appliance_start_s": started}
            figures["n"] = n
            figures["appliance_start_s"] = started
            if consoles:
                try:
                    now, high = asyncio.run(many_consoles(url, consoles, appliance.pid))
                except Exception as err:  # noqa: BLE001 - reported, the other figures stand
                    print(f"{consoles} feeds at {n:,} failed: {err!r}", file=sys.stderr)
                else:
                    figures["consoles"] = consoles
                    figures["appliance_consoles_mib"] = now
                    figures["appliance_peak_mib"] = high
        finally:
            appliance.terminate()
            try:
                appliance.wait(30)
            except subprocess.TimeoutExpired:
                appliance.kill()
                appliance.wait()
    if store_only:
        figures["store"] = console_scale.run_worker("ours", n)
    return figures


def ratios(f: dict[str, Any]) -> dict[str, float]:
    """How far the whole program is from the store and list alone (the baseline)."""
    store = f.get("store")
    if not store:
        return {}
    out = {
        "first_rows_x": f["first_rows_s"] * 1000 / (store["build_ms"] + store["first_paint_ms"]),
        "key_p95_x": (f["key_p95_ms"] or 0) / store["filter_p95_ms"],
    }
    if store.get("bytes_per_item"):
        out["memory_x"] = f["console_bytes_per_item"] / store["bytes_per_item"]
    return out


def _s(f: dict[str, Any], key: str, unit: str = "", digits: int = 1) -> str:
    value = f.get(key)
    if value is None:
        return "n/a"
    spread = f.get(f"{key}_spread")
    text = f"{value:,.{digits}f}{unit}"
    if spread and spread[0] != spread[1]:
        text += f" ({spread[0]:,.{digits}f}–{spread[1]:,.{digits}f})"
    return text


def report(sizes: dict[int, dict[str, Any]], repeat: int) -> None:
    print(
        f"End to end: jump-appliance --demo-fleet N + jump-console in a {COLS}x{ROWS} PTY as "
        f"{USER}; medians of {repeat} console runs (min–max)"
    )
    for n, f in sizes.items():
        print(f"  --demo-fleet {n:,} ({f['items']:,.0f} items visible to {USER}):")
        for error in f["failed_runs"]:
            print(f"    a console run failed: {error}")
        if "first_rows_s" not in f:
            continue
        print(
            f"    first rows with statistics {_s(f, 'first_rows_s', ' s', 2)}, all counted "
            f"{_s(f, 'all_counted_s', ' s', 2)} (load average {_s(f, 'load')})"
        )
        print(
            f"    console CPU to its first rows {_s(f, 'first_rows_cpu_s', ' s', 2)}, of which "
            f"{_s(f, 'before_request_cpu_s', ' s', 2)} before its first request (imports)"
        )
        print(
            f"    console RSS {_s(f, 'console_rss_mib', ' MiB', 0)} (peak "
            f"{_s(f, 'console_peak_mib', ' MiB', 0)}), "
            f"{_s(f, 'console_bytes_per_item', ' B/item', 0)}"
        )
        line = (
            f"    appliance RSS {_s(f, 'appliance_before_mib', ' MiB', 0)} idle, "
            f"{_s(f, 'appliance_loaded_mib', ' MiB', 0)} with the console"
        )
        if "consoles" in f:
            line += (
                f", {f['appliance_consoles_mib']:,.0f} MiB with {f['consoles']} feeds attached "
                f"(peak {f['appliance_peak_mib']:,.0f} MiB); started in "
                f"{f['appliance_start_s']:.1f} s"
            )
        print(line)
        print(
            f"    keystroke → filtered repaint p50 {_s(f, 'key_p50_ms', ' ms')} / p95 "
            f"{_s(f, 'key_p95_ms', ' ms')} ({f['keys_timed']:.0f} keys, "
            f"{f['key_timeouts']:.0f} never shown); console CPU a key {_s(f, 'key_cpu_ms', ' ms')}"
        )
        print(
            f"    snapshot {_s(f, 'wire_bytes_per_item', ' B/item', 0)} on the wire, "
            f"{_s(f, 'json_bytes_per_item', ' B/item', 0)} as JSON"
        )
        store = f.get("store")
        if store:
            memory = store["bytes_per_item"]
            print(
                f"    store only (bench/console_scale.py, same N): build {store['build_ms']:.0f} ms"
                f" + first paint {store['first_paint_ms']:.1f} ms, keystroke p95 "
                f"{store['filter_p95_ms']:.1f} ms, "
                + (f"{memory:.0f} B/item" if memory else "memory n/a")
            )
            r = f["ratios"]
            memory_x = f", memory {r['memory_x']:.0f}x" if "memory_x" in r else ""
            print(
                f"    whole program / store only: first rows {r['first_rows_x']:.1f}x, keystroke "
                f"p95 {r['key_p95_x']:.1f}x{memory_x}"
            )
    large = sizes.get(100_000)
    if large and "first_rows_s" in large:
        targets = [
            ("first rows ≤ 2 s at 100k", large["first_rows_s"], 2),
            ("all counted ≤ 4 s at 100k", large["all_counted_s"], 4),
            ("console RSS ≤ 200 MiB at 100k", large["console_rss_mib"], 200),
            ("keystroke p95 ≤ 50 ms at 100k", large["key_p95_ms"], 50),
            ("appliance RSS ≤ 400 MiB with the feeds", large.get("appliance_consoles_mib"), 400),
        ]
        for label, value, limit in targets:
            if value is not None:
                print(f"  [{'met' if value <= limit else 'MISSED'}] {label}: {value:,.1f}")
    million = sizes.get(1_000_000)
    if million and "first_rows_s" in million:
        for label, value, limit in (
            ("first rows ≤ 5 s at 1M", million["first_rows_s"], 5),
            ("keystroke p95 ≤ 200 ms at 1M", million["key_p95_ms"], 200),
        ):
            if value is not None:
                print(f"  [{'met' if value <= limit else 'MISSED'}] {label}: {value:,.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated demo fleets")
    parser.add_argument("--million", action="store_true", help="add a fleet of 1,000,000")
    parser.add_argument("--repeat", type=int, default=2, help="console runs per size")
    parser.add_argument("--consoles", type=int, default=10, help="feeds for the appliance RSS")
    parser.add_argument("--no-store", action="store_true", help="skip the store-only baseline")
    args = parser.parse_args()
    sys.setswitchinterval(0.0002)  # the reader stamps a chunk when it comes (module docstring)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million:
        sizes.append(1_000_000)
    results: dict[int, dict[str, Any]] = {}
    for n in sizes:
        figures = measure_size(n, args.repeat, args.consoles, not args.no_store)
        figures["ratios"] = ratios(figures) if "first_rows_s" in figures else {}
        results[n] = figures
    if args.json:
        print(json.dumps({str(n): f for n, f in results.items()}, default=list))
    else:
        report(results, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
