"""The Jump Client bundle this appliance offers for upgrades."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Bundle:
    """The client bundle this appliance offers (read once at start)."""

    version: str
    data: bytes
    sha256: str
    announced_sha256: str  # what clients are told to expect (a test may make it lie)

    @property
    def size(self) -> int:
        return len(self.data)

    @classmethod
    def load(cls, path: Path, version: str, announce: str | None = None) -> Bundle:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        return cls(version, data, digest, announce or digest)
