"""Sign-in guessing: failed sign-ins (representatives' ``POST /api/rep/v1/login`` and API
accounts' ``POST /oauth2/token``) are counted per account and per client address, and a key
with too many is locked for a while.

How a key (an account name as typed, known or not; or a client address) is counted, the same
on a node alone (:class:`Strikes`) and for all nodes in Redis (``appliance.shared``):

- each failure adds one; failures are forgotten once ``signin_window_s`` has passed since the
  last one and since its lockout ended;
- the ``limit``-th failure locks the key for ``signin_lockout_s``; each further failure (made
  once that lockout ended) locks it twice as long as the last, up to ``signin_lockout_max_s``;
- while a key is locked, its sign-ins are refused with 429, ``Retry-After`` and one sentence,
  the right secret too (nothing is checked then). A success forgets the account's failures,
  never the address's.

Every secret is checked at the same cost, against a stand-in hash when the name is unknown,
in a few threads beside the event loop (``signin_hash_threads``): guessers wait their turn
without slowing the answers to everyone else.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import anyio
import anyio.to_thread
from starlette.requests import HTTPConnection

from appliance.errors import Refused
from appliance.security import verify_secret
from appliance.shared import SharedCounters, SharedUnavailable
from appliance.site import Site
from domain.wording import until

__all__ = ["Attempt", "SignInGuard", "Strikes", "client_address"]

Scope = Literal["account", "address"]


def client_address(conn: HTTPConnection) -> str:
    """Who is signing in, as counted: the client's address (an IPv6 client by its /64, the
    block one subscriber holds)."""
    host = conn.client.host if conn.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(slots=True)
class _Count:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0


class Strikes:
    """Failed sign-ins per key on this node alone: the most recent ``capacity`` keys."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._keys: OrderedDict[str, _Count] = OrderedDict()

    def strike(
        self, key: str, now: float, limit: int, window: float, first: float, longest: float
    ) -> tuple[int, float]:
        """One failure of ``key``: (failures counted, the lockout it started, 0 for none)."""
        count = self._keys.pop(key, None) or _Count()
        if now >= max(count.last, count.until) + window:
            count.failures = 0
        count.failures += 1
        count.last = now
        lockout = 0.0
        if count.failures >= limit:
            lockout = min(longest, first * 2 ** min(count.failures - limit, 40))
            count.until = now + lockout
        self._keys[key] = count
        while len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return count.failures, lockout

    def locked_until(self, key: str) -> float:
        count = self._keys.get(key)
        return count.until if count is not None else 0.0

    def forgive(self, key: str) -> None:
        self._keys.pop(key, None)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in: whose (``kind``: ``rep`` or ``api``; the name as typed), from where, and
    the audit target of the endpoint."""

    kind: str
    name: str
    address: str
    target: str

    @property
    def account_key(self) -> str:
        name = self.name.lower()  # names are matched without case
        if len(name) > 128:  # no account has such a name: its digest is enough to count it
            name = hashlib.sha256(name.encode()).hexdigest()
        return f"account:{self.kind}:{name}"

    @property
    def address_key(self) -> str:
        return f"address:{self.address}"


def _sentence(scope: Scope, seconds: int) -> str:
    wait = seconds if seconds < 60 else math.ceil(seconds / 60) * 60
    whose = "for this account" if scope == "account" else "from your address"
    return f"Too many failed sign-ins {whose}; try again in {until(timedelta(seconds=wait))}."


class SignInGuard:
    """Checks secrets at sign-in, under the limits of failed sign-ins (module docstring)."""

    def __init__(self, site: Site, shared: SharedCounters | None = None) -> None:
        self._site = site
        self._shared = shared
        self._local = Strikes()
        self._hashing = anyio.CapacityLimiter(site.config.signin_hash_threads)

    def _now(self) -> float:
        return self._site.clock.now().timestamp()

    def _locked_until(self, key: str) -> float:
        if self._shared is not None:
            try:
                return self._shared.locked_until(key)
            except SharedUnavailable:
                pass  # each node counts alone meanwhile
        return self._local.locked_until(key)

    def _strike(self, key: str, limit: int) -> tuple[int, float]:
        config = self._site.config
        args = (
            key,
            self._now(),
            limit,
            config.signin_window_s,
            config.signin_lockout_s,
            config.signin_lockout_max_s,
        )
        if self._shared is not None:
            try:
                return self._shared.strike(*args)
            except SharedUnavailable:
                pass
        return self._local.strike(*args)

    def _forgive(self, key: str) -> None:
        if self._shared is not None:
            with contextlib.suppress(SharedUnavailable):
                self._shared.forgive(key)
        self._local.forgive(key)

    def refuse_if_locked(self, attempt: Attempt) -> None:
        """Raise ``429 too_many_sign_ins`` while the account or the address is locked."""
        now = self._now()
        waits: list[tuple[float, Scope]] = [
            (self._locked_until(attempt.account_key) - now, "account"),
            (self._locked_until(attempt.address_key) - now, "address"),
        ]
        wait, scope = max(waits)
        if wait <= 0:
            return
        seconds = max(1, math.ceil(wait))
        raise Refused.because(
            429,
            "too_many_sign_ins",
            _sentence(scope, seconds),
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )

    async def check(self, attempt: Attempt, secret: str, stored: str | None) -> bool:
        """True when ``secret`` matches ``stored`` (None: no such account, checked all the
        same). Raises ``429`` while a lockout holds, before checking and after: a lockout
        that began while this secret was checked refuses it too."""
        self.refuse_if_locked(attempt)
        ok = await anyio.to_thread.run_sync(verify_secret, secret, stored, limiter=self._hashing)
        self.refuse_if_locked(attempt)
        if ok:
            self._forgive(attempt.account_key)
            return True
        config = self._site.config
        for scope, key, limit in (
            ("account", attempt.account_key, config.signin_failures_per_account),
            ("address", attempt.address_key, config.signin_failures_per_address),
        ):
            failures, lockout = self._strike(key, limit)
            if lockout > 0:
                self._site.audit_now_target(
                    attempt.name[:128],
                    "login.locked",
                    attempt.target,
                    locked=scope,
                    address=attempt.address,
                    failures=failures,
                    seconds=math.ceil(lockout),
                )
        return False
