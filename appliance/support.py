"""Support requests from endpoints, waiting for a representative (kept in memory).

A request is told at once to the live consoles of the representatives who may see the item
and start sessions on it; the first to take it starts the session, the others are told it
is taken. Whether the session is elevated (the site's "allow ad-hoc sessions from existing
Jump Clients") is decided when a representative accepts, not when the user asked: every
request read here says what the setting gives now. Requests lapse after
:data:`REQUEST_TTL_MINUTES`; a restart forgets them (the user asks again).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from appliance._access import access_for
from appliance.site import Site
from domain import JumpClient, User
from domain.access import Action
from domain.rules import Refusal
from domain.support import REQUEST_TTL_MINUTES, SupportRequest


class SupportQueue:
    def __init__(self, app: Site) -> None:
        self.app = app
        self.requests: dict[str, SupportRequest] = {}

    def _now(self, request: SupportRequest) -> SupportRequest:
        """The request as the site's settings make it now (elevated or normal)."""
        request.elevated = self.app.settings().allow_adhoc_sessions
        return request

    def _prune(self) -> None:
        oldest = self.app.clock.now() - timedelta(minutes=REQUEST_TTL_MINUTES)
        for rid in [r.id for r in self.requests.values() if r.requested_at < oldest]:
            del self.requests[rid]

    def _helpers(self, client: JumpClient) -> set[str]:
        """Representatives who may see the item and start sessions on it."""
        out = set()
        for user in self.app.repo.users.find():
            access = access_for(self.app, user)
            if access.permits(client.jump_group_type, client.jump_group_id, Action.START):
                out.add(user.username)
        return out

    def raise_request(self, client: JumpClient, console_user: str, message: str) -> SupportRequest:
        self._prune()
        for existing in self.requests.values():
            if existing.item_id == client.id:  # asking twice: one request, the latest words
                existing.message = message or existing.message
                self._now(existing)
                self._tell(client, existing, "again")
                return existing
        request = SupportRequest(
            id=secrets.token_hex(8),
            item_id=client.id,
            item_name=client.name,
            console_user=console_user,
            message=message,
            elevated=self.app.settings().allow_adhoc_sessions,
            requested_at=self.app.clock.now(),
        )
        self.requests[request.id] = request
        self._tell(client, request, "new")
        self.app.audit_now(
            f"jump_client:{client.id}",
            "support.request",
            client.id,
            elevated=request.elevated,
            console_user=console_user,
        )
        return request

    def _tell(self, client: JumpClient, request: SupportRequest, event: str) -> None:
        self.app.notify(
            self._helpers(client),
            {"type": "support", "event": event, "request": request.model_dump(mode="json")},
        )

    def visible_to(self, user: User) -> list[SupportRequest]:
        self._prune()
        access = access_for(self.app, user)
        out = []
        for request in self.requests.values():
            client = self.app.repo.clients.get(request.item_id)
            if client is not None and access.permits(
                client.jump_group_type, client.jump_group_id, Action.START
            ):
                out.append(self._now(request))
        return sorted(out, key=lambda r: r.requested_at)

    def take(self, user: User, request_id: str) -> SupportRequest | Refusal:
        """The request, now taken by ``user`` (a refusal when it is gone or not theirs to take)."""
        self._prune()
        request = next((r for r in self.visible_to(user) if r.id == request_id), None)
        if request is None:
            return Refusal(
                "not_found",
                "That support request is gone: another representative took it, or it lapsed.",
                status=404,
            )
        del self.requests[request.id]
        self._now(request)  # decided at this moment, whatever the site said when it was raised
        client = self.app.repo.clients.get(request.item_id)
        if client is not None:
            self._tell(client, request, "taken")
        return request

    def put_back(self, request: SupportRequest) -> None:
        """The session could not start: the request waits again."""
        self.requests[request.id] = request
