"""Console scale benchmark: our store + JumpTable against Textual's DataTable.

For each size (10k and 100k items; 1M with ``--sizes``), in a fresh process, headless at
180×50:

- store build: the snapshot's items turned into the store (sort order, search text); past
  200,000 items, from their columns (the console's own way; a million models do not fit);
- first paint: with the store built, the table's view refreshed and every visible line
  rendered (what the first frame needs);
- keystroke → filtered repaint (p50/p95): typing narrowing and fresh queries, each
  applied to the store and the visible lines rendered again;
- statistics: batches applied back to back, each followed by repainting the changed
  visible rows; updates per second and the frame times (max, p95);
- memory per item: what the store allocates for the snapshot (tracemalloc), per item.

The baseline is Textual's DataTable at 10k in the same run: rows added, its idle pass
(measuring cells) drained, the visible lines rendered; and a filter as clear + re-add.
Prints figures and the ratio; ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.geometry import Region  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from appliance.demo import _client  # noqa: E402
from console.store import COLUMN_KEYS, ItemStore  # noqa: E402
from domain import JumpClient  # noqa: E402
from domain.protocol.item_columns import ItemColumns, columns_of  # noqa: E402
from themes import VARIABLE_DEFAULTS  # noqa: E402
from widgets import JumpTable  # noqa: E402

SIZE = (180, 50)
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
QUERIES = [
    ["s", "sr", "srv", "srv-", "srv-l", "srv-lo", "srv-lon"],
    ["w", "ws", "ws-", "ws-p", "ws-pa", "ws-par"],
    ["tag:db"],
    ["status:online"],
    ["status:online web"],
    ["!status:online"],
    ["group:servers"],
    ["laptop"],
    ["os:win"],
    [""],
]


def fleet(n: int, seed: int = 7) -> Iterator[JumpClient]:
    """The demo site's first ``n`` items, validated one at a time as they are taken."""
    rng = random.Random(seed)
    for i in range(1, n + 1):
        yield JumpClient.model_validate({**_client(rng, i, NOW), "id": i})


#: the largest fleet whose items are held at once (a million models take gigabytes)
WHOLE_FLEET = 200_000


def fleet_columns(n: int) -> ItemColumns:
    """The columns of a fleet, made from a chunk of its items at a time: what a console
    receives in its snapshot, without the million models behind them at once."""
    columns, items = ItemColumns.empty(), fleet(n)
    while chunk := list(itertools.islice(items, 50_000)):
        columns.extend(ItemColumns(columns_of(chunk)))
    return columns


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class TableApp(App[None]):
    def __init__(self, store: ItemStore) -> None:
        super().__init__()
        self.store = store

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield JumpTable(self.store, now=lambda: NOW.timestamp(), id="table")


class DataTableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(id="table")


def render_visible(widget: Any) -> None:
    width, height = widget.size
    widget.render_lines(Region(0, 0, width, height))


def store_memory(items: list[JumpClient]) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    store = ItemStore()
    store.load(items)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del store
    return used / len(items)


async def measure_ours(n: int) -> dict[str, Any]:
    store = ItemStore()
    if n <= WHOLE_FLEET:  # the store built from the items, as ``ItemStore.load`` does
        items = list(fleet(n))
        bytes_per_item: float | None = store_memory(items)
        gc.collect()
        t0 = time.perf_counter()
        store.load(items)
        del items
    else:  # ... or from their columns (a million models do not fit): the console's own way
        columns, bytes_per_item = fleet_columns(n), None
        gc.collect()
        t0 = time.perf_counter()
        store.load_columns(columns)
        del columns
    build_ms = (time.perf_counter() - t0) * 1000
    gc.collect()
    gc.freeze()
    app = TableApp(ItemStore())
    async with app.run_test(size=SIZE, headless=True) as pilot:
        table = app.query_one(JumpTable)
        await pilot.pause()
        t0 = time.perf_counter()
        table.store = store
        table.refresh_table()
        render_visible(table)
        first_paint_ms = (time.perf_counter() - t0) * 1000

        keystrokes: list[float] = []
        for sequence in QUERIES * 3:
            for text in sequence:
                t0 = time.perf_counter()
                store.set_filter(text)
                table.refresh_table()
                render_visible(table)
                keystrokes.append((time.perf_counter() - t0) * 1000)
        store.set_filter("")
        table.refresh_table()

        rng = random.Random(3)
        ids = list(store.ids)
        batch = min(20_000, n)
        frames: list[float] = []
        applied = 0
        at = "2026-11-24T10:00:05+00:00"
        started = time.perf_counter()
        while time.perf_counter() - started < 3.0:
            rows = [
                (i, rng.uniform(0, 100), rng.uniform(0, 100), None, 3600, at)
                for i in rng.sample(ids, batch)
            ]
            t0 = time.perf_counter()
            applied += store.apply_stats(rows)
            table.refresh_rows(store.take_dirty())
            render_visible(table)
            frames.append((time.perf_counter() - t0) * 1000)
        busy_s = sum(frames) / 1000
    return {
        "n": n,
        "build_ms": build_ms,
        "first_paint_ms": first_paint_ms,
        "filter_p50_ms": percentile(keystrokes, 50),
        "filter_p95_ms": percentile(keystrokes, 95),
        "stat_updates_per_s": applied / busy_s,
        "frame_p95_ms": percentile(frames, 95),
        "frame_max_ms": max(frames),
        "stat_batch": batch,
        "bytes_per_item": bytes_per_item,
    }


async def measure_datatable(n: int) -> dict[str, Any]:
    store = ItemStore()
    store.load(list(fleet(n)))
    keys = COLUMN_KEYS
    now = NOW.timestamp()
    rows = [tuple(store.cell(r, k, now) for k in keys) for r in store.view]
    app = DataTableApp()
    async with app.run_test(size=SIZE, headless=True) as pilot:
        table: DataTable[str] = app.query_one(DataTable)
        table.add_columns(*keys)
        await pilot.pause()
        t0 = time.perf_counter()
        table.add_rows(rows)
        await pilot.pause()
        render_visible(table)
        first_paint_ms = (time.perf_counter() - t0) * 1000
        matching = [row for row in rows if "srv" in row[0].lower()]
        t0 = time.perf_counter()
        table.clear()
        table.add_rows(matching)
        await pilot.pause()
        render_visible(table)
        filter_ms = (time.perf_counter() - t0) * 1000
    return {"n": n, "first_paint_ms": first_paint_ms, "filter_ms": filter_ms}


def run_worker(kind: str, n: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, str(n)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {n} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs]
        if all(isinstance(v, int | float) for v in values):
            merged[key] = statistics.median(values)
            merged[f"{key}_spread"] = (min(values), max(values))
        else:
            merged[key] = values[0]
    return merged


def _spread(figures: dict[str, Any], key: str) -> str:
    low, high = figures[f"{key}_spread"]
    return f"{low:.1f}–{high:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated item counts")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per size")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, n = args.worker[0], int(args.worker[1])
        measure = measure_ours if kind == "ours" else measure_datatable
        print(json.dumps(asyncio.run(measure(n))))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    ours = {n: median_of([run_worker("ours", n) for _ in range(args.repeat)]) for n in sizes}
    baseline = median_of([run_worker("datatable", 10_000) for _ in range(max(1, args.repeat - 1))])
    small, large = ours.get(10_000), ours.get(100_000)
    summary: dict[str, Any] = {
        "first_paint_ms_10k": small and small["first_paint_ms"],
        "first_paint_ms_100k": large and large["first_paint_ms"],
        "filter_p95_ms_100k": large and large["filter_p95_ms"],
        "stat_updates_per_s_100k": large and large["stat_updates_per_s"],
        "max_frame_ms_under_updates": large and large["frame_max_ms"],
        "frame_p95_ms_under_updates": large and large["frame_p95_ms"],
        "bytes_per_item_100k": large and large["bytes_per_item"],
        "store_build_ms_100k": large and large["build_ms"],
        "datatable_first_paint_ms_10k": baseline["first_paint_ms"],
        "datatable_filter_ms_10k": baseline["filter_ms"],
        "first_paint_ratio_10k": small and baseline["first_paint_ms"] / small["first_paint_ms"],
        "filter_ratio_10k": small and baseline["filter_ms"] / small["filter_p95_ms"],
        "sizes": {str(n): figures for n, figures in ours.items()},
    }
    if args.json:
        print(json.dumps(summary, default=list))
        return 0
    print(
        f"Console scale, headless {SIZE[0]}x{SIZE[1]}, medians of {args.repeat} fresh "
        "processes (min–max)"
    )
    for n, f in ours.items():
        memory = f"{f['bytes_per_item']:.0f} B/item" if f["bytes_per_item"] else "n/a"
        print(
            f"  {n:>9,} items: store build {f['build_ms']:.0f} ms, first paint "
            f"{f['first_paint_ms']:.1f} ms ({_spread(f, 'first_paint_ms')}), keystroke→repaint "
            f"p50 {f['filter_p50_ms']:.1f} / p95 {f['filter_p95_ms']:.1f} ms, "
            f"{f['stat_updates_per_s']:,.0f} stat updates/s (frames p95 "
            f"{f['frame_p95_ms']:.1f}, max {f['frame_max_ms']:.1f} ms), {memory}"
        )
    print(
        f"  DataTable 10,000 items (baseline): first paint {baseline['first_paint_ms']:.0f} ms,"
        f" filter {baseline['filter_ms']:.0f} ms"
    )
    if small:
        print(
            f"  ratio at 10k: first paint {summary['first_paint_ratio_10k']:.0f}x faster, "
            f"filter {summary['filter_ratio_10k']:.0f}x faster than DataTable"
        )
    targets = [
        ("100k first paint ≤ 100 ms", summary["first_paint_ms_100k"], 100, "le"),
        ("keystroke→repaint p95 ≤ 30 ms at 100k", summary["filter_p95_ms_100k"], 30, "le"),
        ("≥ 200k stat updates/s at 100k", summary["stat_updates_per_s_100k"], 200_000, "ge"),
        ("frames ≤ 50 ms p95 under updates", summary["frame_p95_ms_under_updates"], 50, "le"),
        ("≤ 600 bytes per item at 100k", summary["bytes_per_item_100k"], 600, "le"),
        ("≥ 100x DataTable first paint at 10k", summary["first_paint_ratio_10k"], 100, "ge"),
    ]
    for label, value, limit, how in targets:
        if value is None:
            continue
        ok = value <= limit if how == "le" else value >= limit
        print(f"  [{'met' if ok else 'MISSED'}] {label}: {value:,.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
