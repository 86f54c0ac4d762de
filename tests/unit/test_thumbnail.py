"""Screen thumbnails: shrinking a screenshot, the wire text, and drawing it in cells."""

from __future__ import annotations

import pytest
from rich.console import Console

from domain.thumbnail import MAX_TEXT, Thumbnail, decode, downscale, fit
from widgets.thumbnail import UPPER_HALF, picture, thumbnail_text


def screenshot(width: int, height: int) -> bytes:
    """BGRA: the left half red, the right half blue."""
    out = bytearray()
    for _y in range(height):
        for x in range(width):
            out += bytes((0, 0, 255, 255)) if x < width // 2 else bytes((255, 0, 0, 255))
    return bytes(out)


def test_downscale_keeps_the_picture_and_the_aspect_ratio() -> None:
    thumb = downscale(screenshot(1920, 1080), 1920, 1080)
    assert (thumb.width, thumb.height) == (48, 27)
    assert thumb.pixel(0, 0) == (255, 0, 0) and thumb.pixel(47, 26) == (0, 0, 255)
    assert thumb.pixel(23, 10) == (255, 0, 0) and thumb.pixel(24, 10) == (0, 0, 255)
    rgba = bytes(b for i in range(0, 4 * 4 * 4, 4) for b in (10, 20, 30, 255))
    assert downscale(rgba, 4, 4, order="RGBA").pixel(0, 0) == (10, 20, 30)


def test_fit_never_enlarges_and_never_reaches_zero() -> None:
    assert fit(20, 10) == (20, 10)
    assert fit(1000, 10) == (48, 1)
    assert fit(1080, 1920) == (16, 28)
    with pytest.raises(ValueError):
        fit(0, 10)


def test_the_wire_text_round_trips_and_refuses_anything_malformed() -> None:
    thumb = Thumbnail(2, 1, bytes((1, 2, 3, 4, 5, 6)))
    text = thumb.encode()
    assert decode(text) == thumb
    full = Thumbnail(48, 28, bytes(48 * 28 * 3)).encode()
    assert len(full) <= MAX_TEXT and decode(full) is not None
    for bad in (
        None,
        42,
        "",
        "rgb1:2x1",
        "png:2x1:AQIDBAUG",
        "rgb1:2x2:AQIDBAUG",  # too few bytes for the size
        "rgb1:49x1:" + "A" * 196,  # wider than allowed
        "rgb1:0x1:",
        "rgb1:2x1:AQID*AUG",  # not base64
        "rgb1:-2x1:AQIDBAUG",
        "x" * (MAX_TEXT + 1),
    ):
        assert decode(bad) is None, bad


def test_the_picture_uses_two_pixels_a_cell_and_says_what_it_is() -> None:
    thumb = Thumbnail(2, 3, bytes((255, 0, 0) * 2 + (0, 255, 0) * 2 + (0, 0, 255) * 2))
    drawn = picture(thumb)
    assert drawn.plain == UPPER_HALF * 2 + "\n" + UPPER_HALF * 2  # 3 rows of pixels → 2 lines
    first = drawn.get_style_at_offset(Console(), 0)
    assert first.color is not None and first.color.triplet == (255, 0, 0)
    assert first.bgcolor is not None and first.bgcolor.triplet == (0, 255, 0)
    last = drawn.get_style_at_offset(Console(), 3)
    assert last.color is not None and last.color.triplet == (0, 0, 255) and last.bgcolor is None
    assert thumbnail_text(thumb.encode()).plain.startswith("Screen thumbnail (2×3 pixels)\n")
    assert thumbnail_text(None).plain == "Screen thumbnail: none available."
    assert "cannot read" in thumbnail_text("rgb1:junk").plain
