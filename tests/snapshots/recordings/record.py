"""How the recordings were made (run once; the snapshots replay them, so they never change).

    .venv/bin/python tests/snapshots/recordings/record.py

Each program runs in a real PTY of the size the snapshots' terminal has (118 x 25), with
TERM=xterm-256color; what it writes until it has drawn its first screen is saved as is.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.support.pty import local_pty, pty_env  # noqa: E402

HERE = Path(__file__).parent
COLUMNS, LINES = 118, 25
NOTES = """# Disk report, rack 4

df -h /srv          91% used
du -sh /srv/backups  412G

- rotate the backups older than 30 days
- check the RAID battery (\u2713 last week)
"""


async def record(argv: list[str], name: str, seconds: float, cwd: str) -> None:
    chunks: list[bytes] = []
    async with local_pty(argv, COLUMNS, LINES, pty_env(PWD=cwd), cwd) as pty:

        async def read() -> None:
            async for chunk in pty:
                chunks.append(chunk)

        reader = asyncio.ensure_future(read())
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            await asyncio.sleep(0.05)
        reader.cancel()
    (HERE / name).write_bytes(b"".join(chunks))
    print(f"{name}: {sum(map(len, chunks))} bytes")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        notes = Path(folder) / "notes.md"
        notes.write_text(NOTES)
        await record(["vi", "-u", "NONE", "-N", "-i", "NONE", notes.name], "vi.bin", 1.5, folder)
        await record(["top", "-d", "10"], "top.bin", 1.5, folder)


if __name__ == "__main__":
    asyncio.run(main())
