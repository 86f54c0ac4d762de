"""The appliance's gate for input to an endpoint's screen: forwarded under the policy, or
dropped and audited (throttled).

:meth:`ScreenInputGate.admit` is asked for every input frame a console sends on a session's
screen: None means forward it to the Jump Client; a sentence means the frame was dropped (the
console shows the sentence) and, at most once per
:data:`~domain.screen_rules.REFUSED_INPUT_AUDIT_EVERY_S` per session and representative,
``session.screen_input_refused`` was audited with the count dropped since the last entry.
:meth:`ScreenInputGate.session_over` forgets a session that ended.
"""

from __future__ import annotations

from appliance.site import Site
from domain.screen_rules import REFUSED_INPUT_AUDIT_EVERY_S, RefusalThrottle, screen_input_refusal
from domain.session_policy import ResolvedPermissions


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


__all__ = ["ScreenInputGate"]
