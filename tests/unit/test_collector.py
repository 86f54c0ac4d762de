"""The node's collector tuning: live objects set aside, and cycles that die later still freed.

Run in a child process: freezing the collector in the test process would change the tests.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, weakref
    from appliance.collector import keep_collections_short

    class Node:
        pass

    async def main():
        task = asyncio.create_task(keep_collections_short(0.05, thaw_s=0.3))
        a, b = Node(), Node()
        a.other, b.other = b, a            # a cycle, alive while the collector freezes it
        freed = []
        weakref.finalize(a, freed.append, True)
        await asyncio.sleep(0.15)
        print("frozen", gc.get_freeze_count() > 0)
        del a, b                           # now garbage, but set aside
        gc.collect()
        print("kept while frozen", not freed)
        await asyncio.sleep(0.5)           # past the thaw: collected once
        print("freed after thaw", bool(freed))
        task.cancel()

    asyncio.run(main())
    """
)


def test_frozen_objects_are_set_aside_and_dead_cycles_freed_at_the_thaw() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[:3] == [
        "frozen True",
        "kept while frozen True",
        "freed after thaw True",
    ], done.stdout + done.stderr
