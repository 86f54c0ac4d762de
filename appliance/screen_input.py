"""The appliance's gate for input to an endpoint's screen: forwarded under the policy, or
dropped and audited (throttled); and the relay's input hook that uses it.

:meth:`ScreenInputGate.admit` is asked for every input frame a console sends on a session's
screen: None means forward it to the Jump Client; a sentence means the frame was dropped (the
console shows the sentence) and, at most once per
:data:`~domain.screen_rules.REFUSED_INPUT_AUDIT_EVERY_S` per session and representative,
``session.screen_input_refused`` was audited with the count dropped since the last entry.
:meth:`ScreenInputGate.session_over` forgets a session that ended.

:class:`ScreenInputs` is :attr:`appliance.screens.ScreenRelay.on_input`: each frame is read
(:func:`~domain.protocol.screen_input.read_input_frame`; one that is not is dropped), the
viewer's place in the session checked again (one who left sends nothing more), the gate
asked, the pace kept (:class:`~domain.screen_rules.InputPace`: pointer moves thinned, a
flood dropped, never queued), and what passes goes to the Jump Client as ``screen.input``
(through the bus when another node holds it, as the watch does). A sentence — refused, too
fast — is told each viewer once.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocketDisconnect

from appliance.agents import AgentError, AgentHandle
from appliance.site import Site
from domain.protocol.screen_input import PointerMove, ScreenInput, read_input_frame
from domain.screen_rules import (
    INPUT_FLOOD,
    REFUSED_INPUT_AUDIT_EVERY_S,
    InputPace,
    RefusalThrottle,
    screen_input_refusal,
)
from domain.session_policy import ResolvedPermissions

if TYPE_CHECKING:
    from appliance.screens import ScreenRelay, ScreenViewer
    from appliance.session_watch import Session

log = logging.getLogger("appliance.screen_input")


class ScreenInputGate:
    """One per appliance node (sessions on other nodes are gated where their console is)."""

    def __init__(self, site: Site, *, every_s: float = REFUSED_INPUT_AUDIT_EVERY_S) -> None:
        self._site = site
        self._throttle = RefusalThrottle(every_s)

    def admit(
        self, *, actor: str, item_id: int, sid: str, permissions: ResolvedPermissions
    ) -> str | None:
        """None to forward the input of ``actor`` in session ``sid`` (on item ``item_id``);
        else the sentence for the console (the input is dropped, the attempt audited)."""
        refusal = screen_input_refusal(permissions)
        if refusal is None:
            return None
        dropped = self._throttle.refused(sid, actor, self._site.clock.monotonic())
        if dropped is not None:
            self._site.audit_now(
                actor,
                "session.screen_input_refused",
                item_id,
                sid=sid,
                screen_sharing=permissions.screen_sharing.value,
                dropped=dropped,
            )
        return refusal

    def session_over(self, sid: str) -> None:
        """Forget session ``sid`` (it ended)."""
        self._throttle.forget(sid)


class ScreenInputs:
    """The relay's input hook on one node: a viewer's keys and clicks to the endpoint, within
    the session's policy and at a bounded pace."""

    def __init__(self, site: Site, sessions: Mapping[str, Session], relay: ScreenRelay) -> None:
        """``sessions``: this node's running sessions, by sid (read on every frame)."""
        self._site = site
        self._sessions = sessions
        self._relay = relay
        self.gate = ScreenInputGate(site)
        self._paces: weakref.WeakKeyDictionary[ScreenViewer, InputPace] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(
        self, sid: str, viewer: ScreenViewer, agent: AgentHandle, raw: dict[str, Any]
    ) -> None:
        session = self._sessions.get(sid)
        actor = viewer.grant.user.username
        if session is None or not viewer.grant.active or actor not in session.info.participants:
            return  # the session ended, or they left it: nothing more reaches the endpoint
        try:
            frame = read_input_frame(raw)
        except ValueError:
            log.info("session %s: dropped an input frame that is not one", sid)
            return
        info = session.info
        pace = self._paces.get(viewer)
        if pace is None:
            pace = self._paces[viewer] = InputPace()
        refusal = self.gate.admit(
            actor=actor, item_id=info.item_id, sid=sid, permissions=info.permissions
        )
        if refusal is not None:
            await self._tell(viewer, pace, refusal)
            return
        if not pace.take(self._site.clock.monotonic(), move=isinstance(frame, PointerMove)):
            if not isinstance(frame, PointerMove):  # a thinned drag is not worth a sentence
                await self._tell(viewer, pace, INPUT_FLOOD)
            return
        try:
            await agent.send(ScreenInput(sid=sid, input=frame).model_dump(mode="json"))
        except (AgentError, WebSocketDisconnect, RuntimeError, OSError) as err:
            log.info("session %s: input not sent (%s)", sid, type(err).__name__)

    async def _tell(self, viewer: ScreenViewer, pace: InputPace, sentence: str) -> None:
        if sentence not in pace.told:
            pace.told.add(sentence)
            await self._relay.notice(viewer, sentence)

    def unwatched(self, sid: str) -> None:
        """Nobody watches ``sid`` here any more: forget it if the session is over."""
        if sid not in self._sessions:
            self.gate.session_over(sid)


__all__ = ["ScreenInputGate", "ScreenInputs"]
