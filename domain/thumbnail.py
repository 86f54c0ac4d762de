"""Screen thumbnails: a tiny RGB picture carried as text.

A thumbnail is ``rgb1:{width}x{height}:{base64 of width*height*3 bytes}``, at most
:data:`MAX_WIDTH` × :data:`MAX_HEIGHT` pixels (about 2 KB on the wire), small enough to send
at the statistics interval and to draw in a terminal with half-block characters (two pixels
per cell). The agent makes it from a screenshot with :func:`downscale`; the appliance and the
console read it with :func:`decode`, which refuses anything malformed instead of raising.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

PREFIX = "rgb1"
MAX_WIDTH = 48
MAX_HEIGHT = 28
#: The longest text a valid thumbnail can be.
MAX_TEXT = len(PREFIX) + 12 + 4 * ((MAX_WIDTH * MAX_HEIGHT * 3 + 2) // 3)


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A decoded thumbnail: ``rgb`` holds ``width * height`` RGB triples, row by row."""

    width: int
    height: int
    rgb: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = (y * self.width + x) * 3
        return self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]

    def encode(self) -> str:
        data = base64.b64encode(self.rgb).decode("ascii")
        return f"{PREFIX}:{self.width}x{self.height}:{data}"


def decode(text: object) -> Thumbnail | None:
    """The thumbnail in ``text``, or None when it is not a well-formed one."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    parts = text.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    size = parts[1].split("x")
    if len(size) != 2 or not all(s.isdigit() and len(s) <= 3 for s in size):
        return None
    width, height = int(size[0]), int(size[1])
    if not (1 <= width <= MAX_WIDTH and 1 <= height <= MAX_HEIGHT):
        return None
    try:
        rgb = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(rgb) != width * height * 3:
        return None
    return Thumbnail(width, height, rgb)


def fit(
    width: int, height: int, max_width: int = MAX_WIDTH, max_height: int = MAX_HEIGHT
) -> tuple[int, int]:
    """The largest size within the bounds that keeps the screen's aspect ratio (≥ 1×1)."""
    if width <= 0 or height <= 0:
        raise ValueError("a screen has a positive size")
    scale = min(max_width / width, max_height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def downscale(
    pixels: bytes, width: int, height: int, *, order: str = "BGRA", samples: int = 3
) -> Thumbnail:
    """Shrink a screenshot (4 bytes a pixel, ``order`` BGRA or RGBA) to a thumbnail.

    Each thumbnail pixel is the mean of ``samples × samples`` points spread over the area it
    covers: cheap on a full-HD screen (a few thousand reads), and smoother than one point.
    """
    if order not in ("BGRA", "RGBA"):
        raise ValueError("order must be BGRA or RGBA")
    if len(pixels) < width * height * 4:
        raise ValueError("the screenshot is shorter than its size says")
    out_w, out_h = fit(width, height)
    red, blue = (2, 0) if order == "BGRA" else (0, 2)
    out = bytearray(out_w * out_h * 3)
    n = samples * samples
    at = 0
    for ty in range(out_h):
        ys = [
            min(height - 1, int((ty + (j + 0.5) / samples) * height / out_h))
            for j in range(samples)
        ]
        for tx in range(out_w):
            xs = [
                min(width - 1, int((tx + (i + 0.5) / samples) * width / out_w))
                for i in range(samples)
            ]
            r = g = b = 0
            for y in ys:
                row = y * width
                for x in xs:
                    p = (row + x) * 4
                    r += pixels[p + red]
                    g += pixels[p + 1]
                    b += pixels[p + blue]
            out[at] = r // n
            out[at + 1] = g // n
            out[at + 2] = b // n
            at += 3
    return Thumbnail(out_w, out_h, bytes(out))
