"""Keeping Python's full garbage collections from stalling a busy node.

With 10,000 connected Jump Clients a node holds about a million objects the collector
tracks. A full (oldest generation) collection walks all of them with the event loop stopped:
measured 0.5–0.8 s on the 2-core test machine, every few seconds while clients connect and
again now and then afterwards, and it finds next to nothing (those objects live as long as
their connections). Every statistics row in flight is late by that much.

So, every ``freeze_s``, what is alive is set aside (``gc.freeze``: the collector no longer
walks it); every ``thaw_s`` it is handed back and collected once, so that reference cycles
among objects that died since are freed — one known pause an hour instead of many.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger("appliance.collector")


async def keep_collections_short(freeze_s: float, thaw_s: float = 3600.0) -> None:
    thawed = time.monotonic()
    try:
        while True:
            await asyncio.sleep(freeze_s)
            if time.monotonic() - thawed >= thaw_s:
                gc.unfreeze()
                started = time.perf_counter()
                found = gc.collect()
                log.info(
                    "full collection: %d objects freed in %.0f ms",
                    found,
                    (time.perf_counter() - started) * 1000,
                )
                thawed = time.monotonic()
            gc.freeze()
    finally:
        gc.unfreeze()
