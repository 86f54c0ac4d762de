"""Wake-on-LAN, as the appliance carries it out.

The site must allow it, the target be offline with a known MAC, and a peer — another online
active client behind the same gateway — sends the magic packet. Then the target cannot be
woken again for 30 s, whoever asks (on every node of the site). The SecureOn password is
passed to the peer and nowhere else: not to the audit log, not to any log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

from appliance.agents import AgentError, AgentRegistry, unreachable
from appliance.errors import Refused
from appliance.shared import SharedCounters, SharedUnavailable
from appliance.site import Site
from domain import JumpClient, User
from domain.rules import WAKE_COOLDOWN, Refusal, no_peer, wake_peer, wake_refusal


class WakeService:
    def __init__(
        self, app: Site, agents: AgentRegistry, shared: SharedCounters | None = None
    ) -> None:
        self.app = app
        self.agents = agents
        self.shared = shared
        self.last_attempt: dict[int, datetime] = {}

    def _claim(self, item_id: int, now: datetime) -> datetime | None:
        """Start the item's cooldown, for every representative on every node; answer when
        the running cooldown started instead, if one runs."""
        self.last_attempt[item_id] = now
        shared = self.shared
        if shared is None:
            return None
        try:
            held = shared.claim(
                f"wake:{item_id}", now.isoformat(), int(WAKE_COOLDOWN.total_seconds())
            )
        except SharedUnavailable:
            return None  # this node's own cooldown still holds
        if held is None:
            return None
        started = datetime.fromisoformat(held)
        self.last_attempt[item_id] = started
        return started

    def check(self, target: JumpClient, now: datetime) -> Refusal | JumpClient:
        """Could ``target`` be woken now? The refusal, or the peer that would send the packet
        (the representative's role is checked by the API first)."""
        refusal = wake_refusal(
            target,
            allowed=self.app.settings().allow_wake,
            last_attempt=self.last_attempt.get(target.id),
            now=now,
        )
        if refusal is not None:
            return refusal
        peer = wake_peer(target, self._candidates(target))
        if peer is None or self.agents.get(peer.id) is None:
            return no_peer(target)
        return peer

    def _candidates(self, target: JumpClient, page: int = 100) -> Iterator[JumpClient]:
        """Online clients whose stored gateway holds the target's gateway address, a page at
        a time until the rule (``wake_peer``) finds one: every online client as a model took
        10 s at 100,000 items, on each highlighted item of every console."""
        if target.x_gateway is None:
            return
        quoted = json.dumps(target.x_gateway.ip)[1:-1]  # as the stored JSON spells it
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", quoted) + "%"
        table = self.app.repo.clients
        sql = (
            f"SELECT {', '.join(table.columns)} FROM jump_client WHERE x_online = ? "
            "AND x_gateway LIKE ? ESCAPE '\\' AND id > ? ORDER BY id LIMIT ?"
        )
        after = 0
        while True:
            with self.app.repo.reading():
                rows = self.app.repo.execute(sql, (1, pattern, after, page)).fetchall()
            yield from (table.load(row) for row in rows)
            if len(rows) < page:
                return
            after = int(rows[-1][0])

    async def wake(self, user: User, item_id: int, password: bytes | None) -> JumpClient:
        """Have a peer send the magic packet; return the peer (raises Refused)."""
        repo = self.app.repo
        target = repo.clients.get(item_id)
        assert target is not None
        now = self.app.clock.now()
        verdict = self.check(target, now)
        refusal = verdict if isinstance(verdict, Refusal) else None
        if isinstance(verdict, JumpClient):
            peer, agent = verdict, self.agents.get(verdict.id)
            held = self._claim(item_id, now) if agent is not None else None
            if agent is None:  # the peer went away just now
                refusal = no_peer(target)
            elif held is not None:  # another node's representative was just first
                refusal = wake_refusal(target, allowed=True, last_attempt=held, now=now) or no_peer(
                    target
                )
            else:
                assert target.x_mac is not None
                try:
                    await agent.wake(target.x_mac, password)
                except (AgentError, OSError) as err:
                    refusal = unreachable(err) or Refusal(
                        "wake_failed",
                        "The Jump Client chosen on the same network could not send the wake "
                        "packet; try again.",
                    )
                else:
                    with repo.transaction():
                        self.app.audit(
                            user.username,
                            "wake",
                            f"jump_client:{item_id}",
                            via=peer.name,
                            secureon=password is not None,
                        )
                    return peer
        assert refusal is not None
        with repo.transaction():
            self.app.audit(
                user.username, "wake.refused", f"jump_client:{item_id}", code=refusal.code
            )
        raise Refused(refusal)
