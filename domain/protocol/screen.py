"""Screen sharing's frames, once for every end: the console's screen websocket
(``WS /api/rep/v1/sessions/{sid}/screen``) and the agent channel.

A picture is an RGB image of ``width × height`` pixels cut into a fixed grid of
:data:`TILE` × :data:`TILE` tiles (the last column and row may be narrower). A frame carries
only the tiles that changed since the frame before, each as ``[tx, ty, data]``: ``data`` is
the tile's raw RGB rows, zlib-compressed, in base64. Frames travel as JSON text on both
websockets (the agent channel reads text frames only), so base64 keeps them binary-safe; a
tile of 16 × 16 pixels is at most ~1 KB of text, and an unchanged screen sends nothing.

Console → appliance (:func:`read_viewer_frame`): ``watch`` (start, or change the wanted size
and region), ``ack`` (the frame ``seq`` is drawn: send more), ``stop``. Other types on that
websocket are input (key and mouse frames), which :mod:`appliance.screens` hands to its input
hook. Appliance → console: ``frame`` (the agent's frame, less its ``sid``), ``none``
(``reason``: one sentence; nothing will come) and ``notice`` (a sentence that stops nothing:
an input dropped, input the endpoint cannot take).

Appliance → Jump Client (:func:`read_screen_request`): ``screen.start`` (capture for a
session, at most the size asked; again every :data:`LEASE_RENEW_S` while someone watches,
``fresh`` when a full frame is needed), ``screen.ack``, ``screen.stop``, and the request
``screen.shot`` answered with a ``response`` whose result is ``{"png": base64}``. Jump
Client → appliance (:func:`read_agent_screen`): ``screen.frame``, ``screen.none`` and
``screen.notice`` (a sentence for the viewers; the picture goes on).

Every frame is validated where it arrives, with bounded sizes: a tile outside the picture, a
picture larger than :data:`MAX_SIDE`, a tile's text longer than any compressed tile can be
are refused whole. A tile's pixels are checked when they are drawn
(:func:`domain.screen.decode_tile`): what does not inflate to exactly its size is dropped.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from domain._types import LAZY, Count
from domain.png import size_of
from domain.protocol.agent import RequestId, Sid

TILE = 16
"""Pixels on a side of a tile (the grid is fixed: tile (tx, ty) starts at (16·tx, 16·ty))."""
MAX_SIDE = 2048
"""Largest width or height of a picture, in pixels."""
MAX_TILE_TEXT = 4 * ((TILE * TILE * 3 + TILE * 16 + 64 + 2) // 3)
"""The longest base64 text a tile may take (zlib's worst case on 768 bytes, encoded)."""
MAX_TILES = (MAX_SIDE // TILE) ** 2
ACK_WINDOW = 2
"""Frames a sender may have out before it waits for an ack (it drops, never queues)."""
LEASE_RENEW_S = 2.0
"""How often the appliance says again that someone watches (``screen.start``)."""
LEASE_S = 3 * LEASE_RENEW_S
"""A Jump Client stops capturing when nobody said so for this long."""
REGION_FULL = 10_000
"""A region's unit: 1/10 000 of the screen's width or height."""
MAX_PNG = 48 * 1024 * 1024
"""The largest screenshot a Jump Client may answer with (bytes of PNG)."""

Side = Annotated[int, Field(strict=True, ge=1, le=MAX_SIDE)]
Share = Annotated[int, Field(strict=True, ge=0, le=REGION_FULL)]
Coordinate = Annotated[int, Field(strict=True, ge=0, le=MAX_SIDE)]


def tiles_across(pixels: int) -> int:
    """Tiles in a row (or a column) of a picture this many pixels wide (or high)."""
    return -(-pixels // TILE)


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class Region(_Frame):
    """The part of the screen shown, in 1/10 000 of its width and height (all of it by
    default): zooming asks for a smaller one, the picture keeps the size asked."""

    x: Share = 0
    y: Share = 0
    w: Annotated[int, Field(strict=True, ge=1, le=REGION_FULL)] = REGION_FULL
    h: Annotated[int, Field(strict=True, ge=1, le=REGION_FULL)] = REGION_FULL

    @model_validator(mode="after")
    def _inside(self) -> Region:
        if self.x + self.w > REGION_FULL or self.y + self.h > REGION_FULL:
            raise ValueError("the region goes past the screen's edge")
        return self


FULL = Region()

# -- console → appliance ------------------------------------------------------------------


class Watch(_Frame):
    """Show me the screen, at most ``width × height`` pixels (its aspect is kept)."""

    type: Literal["watch"] = "watch"
    width: Side
    height: Side
    region: Region = FULL


class Ack(_Frame):
    """Frame ``seq`` is drawn: the next may come."""

    type: Literal["ack"] = "ack"
    seq: Count


class Stop(_Frame):
    type: Literal["stop"] = "stop"


ViewerFrame = Annotated[Watch | Ack | Stop, Field(discriminator="type")]
_VIEWER: TypeAdapter[ViewerFrame] = TypeAdapter(ViewerFrame, config=LAZY)
VIEWER_TYPES = frozenset({"watch", "ack", "stop"})
"""The types :func:`read_viewer_frame` reads; any other is input (the input hook's)."""


def read_viewer_frame(frame: object) -> ViewerFrame:
    """A viewer's frame (already parsed from JSON), validated (raises ``ValueError``)."""
    return _VIEWER.validate_python(frame)


# -- appliance → Jump Client -------------------------------------------------------------


class ScreenStart(_Frame):
    type: Literal["screen.start"] = "screen.start"
    sid: Sid
    width: Side
    height: Side
    region: Region = FULL
    fresh: bool = True
    """Send every tile next (a viewer has nothing yet); False: only the lease goes on."""


class ScreenAck(_Frame):
    type: Literal["screen.ack"] = "screen.ack"
    sid: Sid
    seq: Count


class ScreenStop(_Frame):
    type: Literal["screen.stop"] = "screen.stop"
    sid: Sid


class ScreenShot(_Frame):
    """A request: the whole screen as a PNG (answered ``{"png": base64}``)."""

    type: Literal["screen.shot"] = "screen.shot"
    id: RequestId
    sid: Sid


ScreenRequest = Annotated[
    ScreenStart | ScreenAck | ScreenStop | ScreenShot, Field(discriminator="type")
]
_REQUEST: TypeAdapter[ScreenRequest] = TypeAdapter(ScreenRequest, config=LAZY)


def read_screen_request(raw: str | bytes) -> ScreenRequest:
    """A screen frame from the appliance, validated (raises ``ValueError``)."""
    return _REQUEST.validate_json(raw)


# -- Jump Client → appliance (→ console) ----------------------------------------------------

Tile = tuple[
    Annotated[int, Field(strict=True, ge=0)],
    Annotated[int, Field(strict=True, ge=0)],
    Annotated[str, Field(min_length=4, max_length=MAX_TILE_TEXT)],
]


class _Picture(_Frame):
    """A frame's picture: its size, the screen it shows, the tiles that changed."""

    seq: Count
    width: Side
    height: Side
    screen: tuple[Annotated[int, Field(ge=1, le=65535)], Annotated[int, Field(ge=1, le=65535)]]
    """The endpoint's screen in its own pixels (what the picture was made from)."""
    tiles: list[Tile] = Field(max_length=MAX_TILES)
    pointer: tuple[Coordinate, Coordinate] | None = None
    """Where the remote pointer is, in the picture's pixels, when the client knows."""

    @model_validator(mode="after")
    def _in_the_picture(self) -> _Picture:
        across, down = tiles_across(self.width), tiles_across(self.height)
        for tx, ty, _data in self.tiles:
            if tx >= across or ty >= down:
                raise ValueError("a tile lies outside the picture")
        return self


class ScreenFrame(_Picture):
    """Jump Client → appliance: the tiles that changed, numbered ``seq`` (1, 2, ... per
    watch)."""

    type: Literal["screen.frame"] = "screen.frame"
    sid: Sid


class ViewerPicture(_Picture):
    """Appliance → console: a frame of the session's screen (the latest tiles of the places
    that changed since the last frame this viewer got)."""

    type: Literal["frame"] = "frame"


class NoScreen(_Frame):
    """Appliance → console: there is no screen to see (one sentence why)."""

    type: Literal["none"] = "none"
    reason: Annotated[str, Field(max_length=300)]


class ScreenNotice(_Frame):
    """Appliance → console: one sentence about the session's screen that stops nothing (the
    input was dropped under a view-only policy, the endpoint cannot inject): the view shows
    it on its status line while the picture goes on."""

    type: Literal["notice"] = "notice"
    reason: Annotated[str, Field(max_length=300)]


ToViewer = Annotated[ViewerPicture | NoScreen | ScreenNotice, Field(discriminator="type")]
_TO_VIEWER: TypeAdapter[ToViewer] = TypeAdapter(ToViewer, config=LAZY)


def read_to_viewer(raw: str | bytes) -> ToViewer:
    """A frame from the appliance on the screen websocket, validated (raises
    ``ValueError``)."""
    return _TO_VIEWER.validate_json(raw)


class ScreenNone(_Frame):
    """Nothing to share (no display, capture failed, the policy says no): one sentence."""

    type: Literal["screen.none"] = "screen.none"
    sid: Sid
    reason: Annotated[str, Field(max_length=300)]


class ScreenSaid(_Frame):
    """Jump Client → appliance: a sentence for the session's viewers that stops nothing (a
    :class:`ScreenNotice` for each)."""

    type: Literal["screen.notice"] = "screen.notice"
    sid: Sid
    reason: Annotated[str, Field(max_length=300)]


AgentScreen = Annotated[ScreenFrame | ScreenNone | ScreenSaid, Field(discriminator="type")]
_AGENT: TypeAdapter[AgentScreen] = TypeAdapter(AgentScreen, config=LAZY)


def read_agent_screen(frame: object) -> AgentScreen:
    """A screen frame from a Jump Client (already parsed from JSON), validated (raises
    ``ValueError``)."""
    return _AGENT.validate_python(frame)


def read_png(result: object) -> bytes | None:
    """The PNG in a ``screen.shot`` result (``{"png": base64}``), or None when it is not an
    RGB PNG of at most :data:`MAX_PNG` bytes."""
    data = result.get("png") if isinstance(result, dict) else None
    if not isinstance(data, str) or len(data) > MAX_PNG * 4 // 3 + 4:
        return None
    try:
        png = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return png if size_of(png) is not None else None


def is_screen_type(kind: object) -> bool:
    """Whether a frame's ``type`` is one of screen sharing's on the agent channel."""
    return isinstance(kind, str) and kind.startswith("screen.")


__all__ = [
    "ACK_WINDOW",
    "FULL",
    "LEASE_RENEW_S",
    "LEASE_S",
    "MAX_PNG",
    "MAX_SIDE",
    "REGION_FULL",
    "TILE",
    "VIEWER_TYPES",
    "Ack",
    "AgentScreen",
    "Region",
    "ScreenAck",
    "ScreenFrame",
    "ScreenNone",
    "ScreenNotice",
    "ScreenRequest",
    "ScreenSaid",
    "ScreenShot",
    "ScreenStart",
    "ScreenStop",
    "Stop",
    "Tile",
    "ViewerFrame",
    "Watch",
    "is_screen_type",
    "NoScreen",
    "ToViewer",
    "ViewerPicture",
    "read_to_viewer",
    "read_agent_screen",
    "read_png",
    "read_screen_request",
    "read_viewer_frame",
    "tiles_across",
]
