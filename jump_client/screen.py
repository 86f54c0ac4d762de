"""The screen thumbnail: a screenshot of the console's display, shrunk to a few cells.

X11 through ``mss`` where a display is reachable (``DISPLAY`` set); every other case —
no display, Wayland without XWayland, a denied connection — is "unavailable" (None), never
an error: statistics go on without it.
"""

from __future__ import annotations

import logging
import os

from domain.thumbnail import downscale

log = logging.getLogger("jump_client.screen")


def thumbnail() -> str | None:
    """The console screen as a thumbnail, or None when there is no screen to read."""
    if not os.environ.get("DISPLAY"):
        return None
    try:
        import mss  # imported here: loading libX11 is only worth it with a display

        with mss.MSS() as grabber:
            monitors = grabber.monitors
            shot = grabber.grab(monitors[1] if len(monitors) > 1 else monitors[0])
            return downscale(shot.bgra, shot.width, shot.height).encode()
    except Exception as exc:  # any failure of the display means "unavailable"
        log.debug("no screen thumbnail: %s", type(exc).__name__)
        return None
