"""The appliance at scale: many real Jump Client websockets on loopback, one node then two.

For each layout (one node on SQLite; two nodes sharing a private PostgreSQL and Redis) this
starts real ``jump-appliance`` processes, then load processes that each hold a share of the
client websockets (hello, the admission's retry frames as a Jump Client follows them,
then statistics once a site interval at a random phase), and representatives' live feeds.
It prints:

- admitted connections per second against the site's configured ``connection_rate``;
- statistics fan-out latency, client send → console receipt, p50 and p99 (each client
  writes its send time, in ms, in the ``uptime_s`` figure; all on this machine's clock),
  with 1 console subscribed and then with 20, over one interval starting ``SETTLE_S``
  after the last console has loaded its snapshot;
- appliance RSS per connected client (RSS with the fleet connected, less RSS before).

Targets: p99 ≤ 1 s at a 30 s interval; admission within ±10 % of the rate; ≤ 50 KiB RSS per
client. Usage: ``python bench/appliance_scale.py [--clients 10000] [--layouts one,two]``.
Only loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from queue import Empty
from typing import Any

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api_client import ApplianceClient, LiveFeed, RepCredentials  # noqa: E402
from appliance.agents.guards import Capacity  # noqa: E402
from domain.protocol.live import StatsBatch  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.agents import seed_site  # noqa: E402

RATE = 300  # the highest connection_rate a site may set
INTERVAL = 30
LOADERS = 4
SETTLE_S = 5
#: admission is over when no client was admitted for this long (a node that is full tells the
#: rest to come back in FULL_S or more, for as long as it stays full)
STALL_S = 60
FULL_S = Capacity.RETRY_S[0]
#: handshakes a load process has under way at once: thousands at once starved its event loop
#: (a node closed their connections before their requests came); 100 each outran a node that
#: had a sixth of a core on a loaded machine (handshakes timed out, and were tried again)
HANDSHAKES = 25
CONSOLE_USERS = ("carol", "bob", "alice")
READY = re.compile(r"listening on (http://\S+)")


def start_node(db: str, bus: str | None, name: str) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "appliance", "--db", db, "--port", "0"]
    if bus:
        command += ["--bus", bus, "--node-id", name]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        match = READY.search(line)
        if match:  # read on, or a node that says much would block on a full pipe
            threading.Thread(target=_echo, args=(process.stdout, name), daemon=True).start()
            return process, match.group(1)
    raise RuntimeError(f"node {name} did not start")


def _echo(stream: Any, name: str) -> None:
    """What a node says after it started, each line once (a repeated one is counted)."""
    seen: dict[str, int] = {}
    for line in stream:
        seen[line] = seen.get(line, 0) + 1
        if seen[line] in (1, 100, 10_000):
            print(f"[node {name}] {line.rstrip()} (x{seen[line]})", file=sys.stderr)


# -- load processes ------------------------------------------------------------------------------


def _loader(
    index: int, urls: list[str], creds: list[tuple[int, str]], until: float, out: Any
) -> None:
    asyncio.run(_load(index, urls, creds, until, out))


async def _load(
    index: int, urls: list[str], creds: list[tuple[int, str]], until: float, out: Any
) -> None:
    from websockets.asyncio.client import ClientConnection, connect
    from websockets.exceptions import WebSocketException

    from jump_client.agent import reconnect_delay, retry_delay

    admitted: list[float] = []  # since the last report
    counts = {"attempts": 0, "full": 0, "dropped": 0}  # full: told to come back in FULL_S+
    handshakes = asyncio.Semaphore(HANDSHAKES)  # or this process, not the node, is the limit
    failures: dict[str, int] = {}  # what made an attempt fail, besides a retry frame

    def failed(err: Exception) -> None:
        failures[type(err).__name__] = failures.get(type(err).__name__, 0) + 1

    async def attempt(url: str, hello: str) -> tuple[ClientConnection | None, float | None]:
        """Connect and say hello: the connection if welcomed, else the retry's ``after_s``
        (None: the attempt failed)."""
        ws = await connect(url, open_timeout=10, ping_interval=None)
        try:
            await ws.send(hello)
            first = orjson.loads(await ws.recv())
        except BaseException:
            await ws.close()
            raise
        if first["type"] == "retry":  # as the Jump Client: closed, then after_s and jitter
            await ws.close()
            return None, float(first["after_s"])
        return ws, None

    async def client(index: int, item_id: int, secret: str) -> None:
        url = urls[index % len(urls)].replace("http://", "ws://") + "/api/agent/v1/connect"
        hello = orjson.dumps(
            {"type": "hello", "jump_client_id": item_id, "secret": secret, "version": "1.0.0"}
        ).decode()
        in_a_row = 0  # failed attempts in a row: the Jump Client's backoff (one rule)
        first = True
        while True:
            async with handshakes:
                counts["attempts"] += 1
                try:
                    ws, after_s = await attempt(url, hello)
                except (OSError, TimeoutError, WebSocketException) as err:
                    failed(err)
                    ws, after_s = None, None
            if ws is None:
                if after_s is None:
                    in_a_row += 1
                    await asyncio.sleep(reconnect_delay(in_a_row))
                else:
                    in_a_row = 0
                    counts["full"] += after_s >= FULL_S
                    await asyncio.sleep(retry_delay(after_s))
                continue
            in_a_row = 0
            if first:
                admitted.append(time.time())
                await asyncio.sleep(random.random() * INTERVAL)
            first = False
            try:
                while time.time() < until:
                    sent = int(time.time() * 1000) % 2_000_000_000
                    await ws.send(orjson.dumps({"type": "stats", "uptime_s": sent}).decode())
                    await asyncio.sleep(INTERVAL)
                return
            except (OSError, WebSocketException):  # as the Jump Client: connect again
                counts["dropped"] += 1
                in_a_row += 1
                await asyncio.sleep(reconnect_delay(in_a_row))
            finally:
                await ws.close()

    async def report() -> None:
        while True:
            await asyncio.sleep(1)
            out.put((index, admitted[:], dict(counts), dict(failures)))
            admitted.clear()

    reporter = asyncio.create_task(report())
    await asyncio.gather(
        *(client(n, i, s) for n, (i, s) in enumerate(creds)), return_exceptions=True
    )
    reporter.cancel()


class Admitted:
    """What the load processes report each second: admission times, attempts, failures."""

    def __init__(self, loaders: int) -> None:
        self.times: list[float] = []
        self.counts: list[dict[str, int]] = [{} for _ in range(loaders)]
        self.failed: list[dict[str, int]] = [{} for _ in range(loaders)]

    def take(self, queue: Any, clients: int, stall_s: float) -> None:
        """Until every client is admitted, or none was for ``stall_s`` since one was (a full
        node; the load processes may take a while to start on a busy machine)."""
        last = time.time() + 600
        while len(self.times) < clients and time.time() - last < stall_s:
            try:
                index, times, counts, failed = queue.get(True, 1)
            except Empty:
                continue
            if times:
                last = time.time()
            self.times += times
            self.counts[index], self.failed[index] = counts, failed

    @staticmethod
    def _sum(each: list[dict[str, int]]) -> dict[str, int]:
        total: dict[str, int] = {}
        for one in each:
            for kind, count in one.items():
                total[kind] = total.get(kind, 0) + count
        return total

    def count(self, kind: str) -> int:
        return self._sum(self.counts).get(kind, 0)

    def failures(self) -> dict[str, int]:
        return self._sum(self.failed)


# -- consoles ------------------------------------------------------------------------------------


class Consoles:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.late: dict[int, int] = {}  # second of receipt -> rows over 1 s late in it
        self.lags: list[float] = []  # this process's own event-loop lag while recording
        self.recording = False
        self.tasks: list[asyncio.Task[None]] = []
        self.live = 0
        self.watch = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        """How late this process's event loop runs (the consoles' side of the latency)."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.05)
            if self.recording:
                self.lags.append(loop.time() - before - 0.05)

    async def add(self, url: str, user: str) -> None:
        self.tasks.append(asyncio.create_task(self._console(url, user)))

    async def _console(self, url: str, user: str) -> None:
        from api_client import FeedState, FeedStatus

        async with ApplianceClient(url, credentials=RepCredentials(user, "demo")) as rep:
            async for event in LiveFeed(rep, compact=True):  # as the console asks
                if isinstance(event, FeedStatus) and event.state is FeedState.LIVE:
                    self.live += 1
                if isinstance(event, StatsBatch) and self.recording:
                    now = int(time.time() * 1000) % 2_000_000_000
                    for row in event.rows:
                        if row[4] is not None:
                            self.latencies.append((now - row[4]) / 1000)
                            if now - row[4] > 1000:
                                self.late[now // 1000] = self.late.get(now // 1000, 0) + 1

    async def close(self) -> None:
        for task in [*self.tasks, self.watch]:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu(processes: list[psutil.Process]) -> float:
    """CPU seconds (user and system) these processes have used so far."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _load_average() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


async def run_layout(name: str, db: str, bus: str | None, clients: int, nodes: int) -> None:
    creds = await asyncio.to_thread(
        seed_site, db, clients, connection_rate=RATE, interval_s=INTERVAL
    )
    procs = [start_node(db, bus, f"n{n}") for n in range(nodes)]
    urls = [u for _, u in procs]
    pids = [psutil.Process(p.pid) for p, _ in procs]
    me = psutil.Process()
    try:
        await asyncio.sleep(2)
        before = sum(p.memory_info().rss for p in pids)
        consoles = Consoles()
        await consoles.add(urls[0], CONSOLE_USERS[0])
        measure_s = INTERVAL + 5
        # the clients send until the bench ends them: an admission slower than planned (a
        # loaded machine, a full node) must not leave the measurement without statistics
        until = time.time() + 24 * 3600
        queue: Any = mp.get_context("spawn").Queue()
        ctx = mp.get_context("spawn")
        share = [creds[n::LOADERS] for n in range(LOADERS)]
        loaders = [
            ctx.Process(target=_loader, args=(n, urls, s, until, queue), daemon=True)
            for n, s in enumerate(share)
        ]
        started, node_cpu = time.time(), _cpu(pids)
        for loader in loaders:
            loader.start()
        load_pids = [psutil.Process(loader.pid) for loader in loaders if loader.pid]
        taken = Admitted(LOADERS)
        await asyncio.to_thread(taken.take, queue, clients, STALL_S)
        admitted = sorted(taken.times)
        node_cpu = _cpu(pids) - node_cpu
        reached, attempts, failed = len(admitted), taken.count("attempts"), taken.failures()
        if reached < 2:
            raise RuntimeError(f"[{name}] {reached} clients admitted: {failed}")
        burst = min(RATE, reached - 1)
        last = int(reached * 0.95)
        rate = (last - burst) / max(1e-9, admitted[last] - admitted[burst])
        after = sum(p.memory_info().rss for p in pids)
        per_client = (after - before) / reached / 1024
        print(
            f"[{name}] {reached} of {clients} clients admitted in "
            f"{admitted[-1] - started:.1f} s ({_load_average()}; node CPU {node_cpu:.0f} s, "
            f"{node_cpu / reached * 1000:.1f} ms a client): {rate:.0f}/s against a rate of "
            f"{RATE}/s (ratio {rate / RATE:.2f}, target 0.90–1.10); "
            f"{attempts / clients:.2f} attempts a client"
            + (f"; told the node is full: {taken.count('full')}" if taken.count("full") else "")
            + (f"; dropped, then back: {taken.count('dropped')}" if taken.count("dropped") else "")
            + (f"; failed attempts: {failed}" if failed else "")
        )
        print(
            f"[{name}] appliance RSS {after / 2**20:.0f} MiB with the fleet, "
            f"{before / 2**20:.0f} MiB before: {per_client:.1f} KiB a client (target ≤ 50, "
            f"ratio {per_client / 50:.2f})"
        )
        for count in (1, 20):
            while len(consoles.tasks) < count:
                n = len(consoles.tasks)
                await consoles.add(urls[n % len(urls)], CONSOLE_USERS[n % len(CONSOLE_USERS)])
            while consoles.live < count:
                await asyncio.sleep(0.1)
            # steady state: the consoles' own backlog from loading their snapshots (this
            # process parses 20 of them at once) is not the appliance's fan-out
            await asyncio.sleep(SETTLE_S)
            consoles.latencies.clear()
            consoles.late.clear()
            consoles.lags.clear()
            consoles.recording = True
            cpu = _cpu(pids), _cpu(load_pids), _cpu([me])
            started_ms = int(time.time() * 1000) % 2_000_000_000
            await asyncio.sleep(measure_s)
            consoles.recording = False
            cpu = _cpu(pids) - cpu[0], _cpu(load_pids) - cpu[1], _cpu([me]) - cpu[2]
            lat = consoles.latencies
            rss = sum(p.memory_info().rss for p in pids) / 2**20
            if lat:
                p50, p99 = _pct(lat, 0.5), _pct(lat, 0.99)
                print(
                    f"[{name}] {count:>2} console(s): fan-out client → console p50 "
                    f"{p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over {len(lat)} rows "
                    f"(target p99 ≤ 1000 ms, ratio {p99:.2f}); appliance RSS {rss:.0f} MiB; "
                    f"CPU over {measure_s} s: node {cpu[0]:.1f} s, load processes "
                    f"{cpu[1]:.1f} s, consoles (this process) {cpu[2]:.1f} s; {_load_average()}"
                )
                late = sorted(consoles.late.items(), key=lambda kv: -kv[1])[:5]
                worst = ", ".join(
                    f"{n} at +{(t * 1000 - started_ms) / 1000:.0f} s" for t, n in late
                )
                print(
                    f"[{name}] {count:>2} console(s): this process's event-loop lag p99 "
                    f"{_pct(consoles.lags, 0.99) * 1000:.0f} ms, max "
                    f"{max(consoles.lags) * 1000:.0f} ms; rows over 1 s late: "
                    f"{sum(consoles.late.values())}, in {len(consoles.late)} seconds "
                    f"(most: {worst})"
                )
            else:
                print(f"[{name}] {count:>2} console(s): no statistics arrived")
        await consoles.close()
        for loader in loaders:
            loader.terminate()
            loader.join(10)
    finally:
        for process, _ in procs:
            asked = time.perf_counter()
            process.terminate()
            try:
                process.wait(60)
                print(f"[{name}] a node stopped {time.perf_counter() - asked:.1f} s after SIGTERM")
            except subprocess.TimeoutExpired:  # said, not a traceback: a figure of its own
                print(f"[{name}] a node was still stopping 60 s after SIGTERM: killed")
                process.kill()
                process.wait(10)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--layouts", default="one,two")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    layouts = args.layouts.split(",")
    with ExitStack() as stack:
        if "one" in layouts:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            await run_layout("one node", str(Path(folder) / "scale.sqlite3"), None, args.clients, 1)
        if "two" in layouts:
            missing = services.missing("postgresql") or services.missing("redis")
            if missing:
                print(f"[two nodes] skipped: {missing}.")
                return
            pg = stack.enter_context(services.postgres())
            redis = stack.enter_context(services.redis())
            await run_layout("two nodes", pg.url(), redis.url, args.clients, 2)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main())
