"""The session policy's rule on control of the endpoint's screen, pure.

A representative's keys and clicks (:mod:`domain.protocol.screen_input`) are forwarded to the
endpoint only where the session's policy says ``view_and_control``. Anywhere else every input
is dropped: the console shows :func:`screen_input_refusal`'s sentence, and the appliance
audits the attempt (``session.screen_input_refused``) — at most once per
:data:`REFUSED_INPUT_AUDIT_EVERY_S` per session and representative, counting the inputs dropped
in between (:class:`RefusalThrottle`), so a flood of keys cannot flood the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import ScreenSharing
from domain.session_policy import ResolvedPermissions

#: what the console says when a "view only" session's input is not sent
VIEW_ONLY_INPUT = (
    "This session's policy allows viewing the screen only: your keys and clicks are not sent."
)
#: ... and when the session's policy does not share the screen at all
NO_SCREEN_INPUT = (
    "This session's policy does not allow screen sharing: your keys and clicks are not sent."
)

#: ... and when a console sends keys and clicks faster than they are passed on
INPUT_FLOOD = (
    "Keys and clicks came faster than the endpoint takes them: some were not sent; "
    "type or click again."
)

#: input frames a second one console may send to an endpoint (beyond a burst of as many)
INPUT_PER_S = 100.0
#: seconds between two pointer moves passed on (those between are dropped: a button or wheel
#: frame carries its own position)
MOVE_GAP_S = 1 / 30

#: seconds between two audit entries of one representative's refused input in one session
REFUSED_INPUT_AUDIT_EVERY_S = 60.0


def screen_input_refusal(permissions: ResolvedPermissions) -> str | None:
    """None when the session's input is forwarded to the endpoint; else the sentence the
    console shows (and the input is dropped, and audited)."""
    sharing = permissions.screen_sharing
    if sharing is ScreenSharing.VIEW_AND_CONTROL:
        return None
    if sharing is ScreenSharing.VIEW_ONLY:
        return VIEW_ONLY_INPUT
    return NO_SCREEN_INPUT


@dataclass(slots=True)
class _Held:
    audited_at: float
    dropped: int = 0


class RefusalThrottle:
    """When refused input is audited: the first refusal of a session and representative at
    once, then at most one entry per ``every_s`` seconds, counting the refusals held back in
    between (they are in the next entry's count). At most ``keep`` pairs are remembered (the
    least recently audited go first): memory stays bounded however many sessions there are.
    """

    def __init__(self, every_s: float = REFUSED_INPUT_AUDIT_EVERY_S, keep: int = 10_000) -> None:
        self.every_s = every_s
        self.keep = keep
        self._held: dict[tuple[str, str], _Held] = {}

    def refused(self, sid: str, actor: str, now: float) -> int | None:
        """One input of ``actor`` in session ``sid`` refused at ``now`` (monotonic seconds):
        how many refusals to audit now (this one and those held back), or None (held back)."""
        key = (sid, actor)
        held = self._held.get(key)
        if held is not None and now - held.audited_at < self.every_s:
            held.dropped += 1
            return None
        count = 1 + (held.dropped if held is not None else 0)
        self._held.pop(key, None)
        self._held[key] = _Held(audited_at=now)  # the most recently audited last
        while len(self._held) > self.keep:
            del self._held[next(iter(self._held))]
        return count

    def forget(self, sid: str) -> int:
        """Forget a session (it ended): the refusals it held back, not yet audited."""
        gone = [key for key in self._held if key[0] == sid]
        return sum(self._held.pop(key).dropped for key in gone)


class InputPace:
    """How much of one console's input is passed on: pointer moves at most one per
    ``move_gap_s`` (the others dropped: what counts is where a button goes down or up, and
    those frames carry their position), every other frame within a token bucket of
    ``per_s`` a second (a burst of as many). What is over is dropped, never queued."""

    def __init__(self, per_s: float = INPUT_PER_S, move_gap_s: float = MOVE_GAP_S) -> None:
        self.per_s = per_s
        self.move_gap_s = move_gap_s
        self._tokens = per_s
        self._at: float | None = None
        self._moved: float | None = None
        self.told: set[str] = set()
        """The sentences this console was told already (each once)."""

    def take(self, now: float, *, move: bool) -> bool:
        """Whether a frame arriving at ``now`` (monotonic seconds) is passed on."""
        if move:
            if self._moved is not None and now - self._moved < self.move_gap_s:
                return False
            self._moved = now
            return True
        if self._at is not None:
            self._tokens = min(self.per_s, self._tokens + (now - self._at) * self.per_s)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


__all__ = [
    "INPUT_FLOOD",
    "INPUT_PER_S",
    "MOVE_GAP_S",
    "InputPace",
    "NO_SCREEN_INPUT",
    "REFUSED_INPUT_AUDIT_EVERY_S",
    "VIEW_ONLY_INPUT",
    "RefusalThrottle",
    "screen_input_refusal",
]
