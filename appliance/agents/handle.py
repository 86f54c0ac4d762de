"""What the appliance may ask of a Jump Client, and how such a request fails.

Every kind of handle (a client connected here, one held by another node, a passive client
that listens, a demo stand-in) answers the same :class:`AgentHandle`; this module imports
nothing of the appliance's services, so any of them (and the bus) may speak of handles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from domain.protocol.agent import AgentSettings
from domain.rules import Refusal
from domain.session_policy import ResolvedPermissions

Transfer = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PresenceAnswer:
    console_user: str | None
    locked: bool
    screen_saver: bool


class AgentError(Exception):
    """The Jump Client did not do what it was asked; the message says what happened."""


class NodesUnavailable(AgentError):
    """The client is held by another appliance node, and the nodes cannot reach each other
    just now (the bus is down): nothing was asked; the request may be tried again shortly."""

    retry_after_s = 5

    def __init__(self) -> None:
        super().__init__(
            "the appliance nodes cannot reach each other just now; try again in a few seconds"
        )


def unreachable(err: BaseException) -> Refusal | None:
    """The refusal (503, to be retried) for a request that could not reach the node holding
    the client; None for any other failure."""
    if not isinstance(err, NodesUnavailable):
        return None
    return Refusal("unavailable", str(err).capitalize() + ".", status=503)


class AgentHandle(Protocol):
    item_id: int
    shell: bool
    connected: bool
    """False for a passive client that only checks in: ``connect_now`` asks it to connect."""

    async def presence(self) -> PresenceAnswer: ...

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        """Ask the present user to accept: True, False, or None when nobody answered."""
        ...

    async def connect_now(self) -> bool: ...

    async def site_settings(self, settings: AgentSettings) -> None:
        """The site's settings changed: a connected client follows them at once."""
        ...

    async def wake(self, mac: str, password: bytes | None) -> None: ...

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None: ...

    async def end_session(self, sid: str, reason: str) -> None: ...

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        """Upgrade; answer the version the client moved to."""
        ...

    async def send(self, frame: dict[str, Any]) -> None: ...

    async def system_info(self, sid: str) -> dict[str, Any]: ...

    async def file_get(self, sid: str, path: str) -> bytes: ...

    async def file_put(self, sid: str, path: str, data: bytes) -> None: ...

    async def screenshot(self, sid: str) -> bytes:
        """The endpoint's whole screen as a PNG (screen sharing's policy is the caller's)."""
        ...
