"""Screen pictures for screen sharing: made from a screenshot, cut into tiles, compared with
the last one sent, and put back together where they are drawn.

Pure Python, and cheap enough for ten frames a second: a screenshot is shrunk by picking one
source pixel per picture pixel (rows by slicing, pixels by one ``itemgetter`` per row), and
tiles are compared as ``bytes``. The wire shapes are :mod:`domain.protocol.screen`'s.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterable, Iterator
from operator import itemgetter

from domain.protocol.screen import REGION_FULL, TILE, Region, tiles_across
from domain.thumbnail import fit

Key = tuple[int, int]
"""A tile's place in the grid: (column, row)."""


def picture_size(screen: tuple[int, int], region: Region, most: tuple[int, int]) -> tuple[int, int]:
    """The picture's size for ``region`` of a screen of ``screen`` pixels, within ``most``
    (its aspect kept; never larger than the region's own pixels)."""
    x0, y0, x1, y1 = crop_box(screen, region)
    return fit(x1 - x0, y1 - y0, most[0], most[1])


def crop_box(screen: tuple[int, int], region: Region) -> tuple[int, int, int, int]:
    """The region in the screen's pixels: (left, top, right, bottom), at least one pixel."""
    width, height = screen
    x0 = min(width - 1, region.x * width // REGION_FULL)
    y0 = min(height - 1, region.y * height // REGION_FULL)
    x1 = max(x0 + 1, min(width, -(-(region.x + region.w) * width // REGION_FULL)))
    y1 = max(y0 + 1, min(height, -(-(region.y + region.h) * height // REGION_FULL)))
    return x0, y0, x1, y1


def shrink(
    bgra: bytes | bytearray,
    screen: tuple[int, int],
    box: tuple[int, int, int, int],
    size: tuple[int, int],
) -> bytes:
    """The ``box`` of a BGRA screenshot as an RGB picture of ``size`` (nearest pixel)."""
    width, height = screen
    if len(bgra) < width * height * 4:
        raise ValueError("the screenshot is shorter than its size says")
    x0, y0, x1, y1 = box
    out_w, out_h = size
    xs = [min(x1 - 1, x0 + int((i + 0.5) * (x1 - x0) / out_w)) for i in range(out_w)]
    ys = [min(y1 - 1, y0 + int((j + 0.5) * (y1 - y0) / out_h)) for j in range(out_h)]
    first = 4 * xs[0]
    span = 4 * xs[-1] + 4 - first
    picks = [4 * x - first + offset for x in xs for offset in (2, 1, 0)]
    getter = itemgetter(*picks) if len(picks) > 1 else (lambda row: (row[picks[0]],))
    view = memoryview(bgra)
    stride = width * 4
    out = bytearray()
    for y in ys:
        start = y * stride + first
        out += bytes(getter(view[start : start + span]))
    return bytes(out)


def tile_box(key: Key, width: int, height: int) -> tuple[int, int, int, int]:
    """Tile ``key`` of a ``width × height`` picture: (left, top, its width, its height)."""
    tx, ty = key
    left, top = tx * TILE, ty * TILE
    return left, top, min(TILE, width - left), min(TILE, height - top)


def split(rgb: bytes, width: int, height: int) -> dict[Key, bytes]:
    """The picture's tiles, raw RGB rows each."""
    tiles: dict[Key, bytes] = {}
    row = width * 3
    for ty in range(tiles_across(height)):
        for tx in range(tiles_across(width)):
            left, top, w, h = tile_box((tx, ty), width, height)
            start = top * row + left * 3
            tiles[(tx, ty)] = b"".join(
                rgb[start + r * row : start + r * row + w * 3] for r in range(h)
            )
    return tiles


def changed(new: dict[Key, bytes], old: dict[Key, bytes]) -> list[Key]:
    """The tiles of ``new`` that differ from ``old``'s."""
    return [key for key, data in new.items() if old.get(key) != data]


def encode_tile(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw, 1)).decode("ascii")


def decode_tile(text: str, width: int, height: int) -> bytes | None:
    """A tile's pixels, or None when ``text`` is not a well-formed tile of that size (never
    inflated past its size)."""
    size = width * height * 3
    try:
        packed = base64.b64decode(text, validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, size + 1)
    except (binascii.Error, ValueError, zlib.error):
        return None
    if len(raw) != size or not inflater.eof:
        return None
    return raw


class Picture:
    """The picture a viewer holds, updated tile by tile."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.rgb = bytearray(width * height * 3)

    def apply(self, tiles: Iterable[tuple[int, int, str]]) -> int:
        """Draw the tiles that are well formed; the number drawn (a bad one is skipped)."""
        drawn = 0
        row = self.width * 3
        for tx, ty, text in tiles:
            left, top, w, h = tile_box((tx, ty), self.width, self.height)
            if w <= 0 or h <= 0:
                continue
            raw = decode_tile(text, w, h)
            if raw is None:
                continue
            line = w * 3
            for r in range(h):
                start = (top + r) * row + left * 3
                self.rgb[start : start + line] = raw[r * line : (r + 1) * line]
            drawn += 1
        return drawn

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = (y * self.width + x) * 3
        rgb = self.rgb
        return rgb[at], rgb[at + 1], rgb[at + 2]

    def rows(self) -> Iterator[bytes]:
        row = self.width * 3
        for y in range(self.height):
            yield bytes(self.rgb[y * row : (y + 1) * row])


__all__ = [
    "Key",
    "Picture",
    "changed",
    "crop_box",
    "decode_tile",
    "encode_tile",
    "picture_size",
    "shrink",
    "split",
    "tile_box",
]
