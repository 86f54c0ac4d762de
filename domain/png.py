"""PNG, the few lines screen sharing needs: write an 8-bit RGB image (a screenshot), and read
one back (the appliance checks what a Jump Client sends; tests look at the pixels).

No dependency: a PNG is a signature and chunks (length, type, data, CRC-32); the image is
zlib-compressed rows, each after a filter byte (0: none).
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 65535


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_rgb(rgb: bytes, width: int, height: int, level: int = 6) -> bytes:
    """An RGB picture (``width * height * 3`` bytes, row by row) as a PNG file."""
    row = width * 3
    if len(rgb) != row * height or not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError("the picture's size does not match its pixels")
    raw = b"".join(b"\x00" + rgb[y * row : (y + 1) * row] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, level))
        + _chunk(b"IEND", b"")
    )


def size_of(png: bytes) -> tuple[int, int] | None:
    """The image's (width, height) when ``png`` starts as an RGB PNG of ours does; None
    otherwise (a cheap check of what arrives, not a full read)."""
    if len(png) < 33 or not png.startswith(SIGNATURE) or png[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    if depth != 8 or colour != 2 or not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return None
    return width, height


def decode_rgb(png: bytes, limit: int = 64 * 1024 * 1024) -> tuple[int, int, bytes]:
    """(width, height, RGB pixels) of an 8-bit RGB, non-interlaced PNG whose rows use filter
    0 (what :func:`encode_rgb` writes); raises ``ValueError`` for anything else."""
    size = size_of(png)
    if size is None:
        raise ValueError("not an 8-bit RGB PNG")
    width, height = size
    at, packed = 8, bytearray()
    while at + 8 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IDAT":
            packed += png[at + 8 : at + 8 + length]
        at += 12 + length
    row = width * 3
    inflater = zlib.decompressobj()
    raw = inflater.decompress(bytes(packed), min(limit, (row + 1) * height) + 1)
    if len(raw) != (row + 1) * height:
        raise ValueError("the PNG's pixels do not match its size")
    rows = [raw[y * (row + 1) : (y + 1) * (row + 1)] for y in range(height)]
    if any(r[0] != 0 for r in rows):
        raise ValueError("only unfiltered rows are read here")
    return width, height, b"".join(r[1:] for r in rows)


__all__ = ["SIGNATURE", "decode_rgb", "encode_rgb", "size_of"]
