"""The representative API of :class:`~api_client.ApplianceClient`: what a signed-in
representative reads (their Jump Items, the site's rules, sessions, support requests) and
does (start, join and end sessions, move files, wake, upgrade, edit, copy and remove items).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from api_client._transport import REP, ClientCore, Page
from domain import JumpClient
from domain.audit import AuditEntry, AuditFilter
from domain.protocol.rep import (
    Me,
    MultiStart,
    MultiStartAnswer,
    MultiStartResult,
    SystemInfo,
    UpgradeAnswer,
    WakeAnswer,
    WakeRequest,
)
from domain.session import SessionInfo, SessionStarted
from domain.site import RepSite
from domain.support import SupportRequest

#: how long a session start may take: the present user may be asked, for up to 300 s
START_WAIT_S = 330.0


class RepCalls(ClientCore):
    """The ``/api/rep/v1`` calls, as methods of the client."""

    # -- representative API -------------------------------------------------------------------

    async def me(self) -> Me:
        """Who is signed in: teams, and the groups they may see with their rights."""
        return await self.get_model(f"{REP}/me", Me)

    async def site(self) -> RepSite:
        """Policies, schedules and site settings, as a representative may read them."""
        return await self.get_model(f"{REP}/site", RepSite)

    async def jump_items(
        self,
        q: str = "",
        *,
        per_page: int = 100,
        current_page: int = 1,
    ) -> Page[JumpClient]:
        return await self.get_page(
            f"{REP}/jump-items",
            JumpClient,
            params={"q": q or None, "per_page": per_page, "current_page": current_page},
        )

    def iter_jump_items(self, q: str = "") -> AsyncIterator[JumpClient]:
        return self.iter_pages(f"{REP}/jump-items", JumpClient, params={"q": q or None})

    async def jump_item(self, id_: int) -> JumpClient:
        return await self.get_model(f"{REP}/jump-items/{id_}", JumpClient, item=f"Jump Item {id_}")

    # -- the audit log ------------------------------------------------------------------------

    async def audit(
        self,
        filters: AuditFilter | None = None,
        *,
        per_page: int = 100,
        current_page: int = 1,
        before: int | None = None,
    ) -> Page[AuditEntry]:
        """One page of the site's audit log, newest first (site administrators; others get
        :class:`Forbidden` with the appliance's sentence). ``before``: only entries older than
        that id, so the next page follows the last one read even while new entries arrive."""
        return await self.audit_page(
            REP, filters, per_page=per_page, current_page=current_page, before=before
        )

    async def iter_audit(
        self, filters: AuditFilter | None = None, *, per_page: int = 100
    ) -> AsyncGenerator[AuditEntry, None]:
        """Every matching entry, newest first, page after page (each after the last read)."""
        before = None
        while True:
            page = await self.audit(filters, per_page=per_page, before=before)
            for entry in page.items:
                yield entry
            if len(page.items) < per_page or page.total <= len(page.items):
                return
            before = page.items[-1].id

    async def item_audit(self, item_id: int, *, limit: int = 10) -> list[AuditEntry]:
        """The newest entries about one item this representative may see."""
        response = await self.request(
            "GET",
            f"{REP}/jump-items/{item_id}/audit",
            params={"limit": limit},
            item=f"Jump Item {item_id}",
        )
        entries: list[AuditEntry] = self.parse(TypeAdapter(list[AuditEntry]), response)
        return entries

    # -- actions ----------------------------------------------------------------------------------

    async def start_session(self, item_id: int) -> SessionStarted:
        """Start (or join) a session; rule refusals raise :class:`Refused` with its code."""
        return await self.send_model(
            "POST",
            f"{REP}/jump-items/{item_id}/sessions",
            SessionStarted,
            {},
            item=f"Jump Item {item_id}",
            timeout=START_WAIT_S,
        )

    async def start_sessions(self, item_ids: list[int]) -> list[MultiStartResult]:
        """Up to 10 at once; each result has ``started`` or ``error`` and ``message``."""
        answer = await self.send_model(
            "POST",
            f"{REP}/jump-items/sessions",
            MultiStartAnswer,
            MultiStart.model_construct(ids=item_ids),  # the appliance checks the limit
            timeout=START_WAIT_S,
        )
        return answer.results

    async def support_requests(self) -> list[SupportRequest]:
        """Support requests from endpoints this representative may start sessions on."""
        response = await self.request("GET", f"{REP}/support-requests")
        requests: list[SupportRequest] = self.parse(TypeAdapter(list[SupportRequest]), response)
        return requests

    async def accept_support(self, request_id: str) -> SessionStarted:
        """Take a support request: its session starts (raises Refused when it is gone)."""
        return await self.send_model(
            "POST",
            f"{REP}/support-requests/{request_id}/accept",
            SessionStarted,
            {},
            item="the support request",
            timeout=START_WAIT_S,
        )

    async def sessions(self, *, endable: bool = False) -> list[SessionInfo]:
        """The running sessions we are in or invited to (a console reattaches to them);
        ``endable``: also every other one we may end (an administrator: all of them)."""
        params = {"endable": "true"} if endable else None
        response = await self.request("GET", f"{REP}/sessions", params=params)
        result: list[SessionInfo] = self.parse(TypeAdapter(list[SessionInfo]), response)
        return result

    async def system_info(self, sid: str) -> SystemInfo:
        """Processes, disks and services of the session's endpoint (policy permitting)."""
        return await self.get_model(
            f"{REP}/sessions/{sid}/system-info", SystemInfo, item=f"session {sid}"
        )

    async def screenshot(self, sid: str) -> bytes:
        """The session's endpoint's whole screen as a PNG (policy permitting)."""
        response = await self.request(
            "GET", f"{REP}/sessions/{sid}/screenshot", item=f"session {sid}", timeout=90
        )
        return response.content

    async def download_file(self, sid: str, path: str) -> bytes:
        """A file from the session's endpoint (policy permitting)."""
        response = await self.request(
            "GET", f"{REP}/sessions/{sid}/files", params={"path": path}, item=path
        )
        return response.content

    async def upload_file(self, sid: str, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` on the session's endpoint (policy permitting)."""
        await self.request(
            "PUT", f"{REP}/sessions/{sid}/files", params={"path": path}, content=data, item=path
        )

    async def invite(self, sid: str, username: str) -> SessionInfo:
        return await self.send_model(
            "POST",
            f"{REP}/sessions/{sid}/invitations",
            SessionInfo,
            {"username": username},
            item=f"session {sid}",
        )

    async def end_session(self, sid: str) -> None:
        """End the session for everyone in it (when we started it, own its item or are an
        administrator), or else leave it."""
        await self.request("DELETE", f"{REP}/sessions/{sid}", item=f"session {sid}")

    async def wake(self, item_id: int, wol_password: str | None = None) -> WakeAnswer:
        """Ask a peer to send the wake packet; the answer names the peer, in a sentence."""
        return await self.send_model(
            "POST",
            f"{REP}/jump-items/{item_id}/wake",
            WakeAnswer,
            # built as sent; the appliance checks it (a bad password is never echoed here)
            WakeRequest.model_construct(wol_password=wol_password)
            if wol_password
            else WakeRequest.model_construct(),
            item=f"Jump Item {item_id}",
        )

    async def can_wake(self, item_id: int) -> WakeAnswer:
        """Would a wake be sent now, and via which peer? Nothing is sent; a refusal raises
        :class:`Refused` with the appliance's sentence."""
        return await self.get_model(
            f"{REP}/jump-items/{item_id}/wake", WakeAnswer, item=f"Jump Item {item_id}"
        )

    async def upgrade(self, item_id: int) -> UpgradeAnswer:
        return await self.send_model(
            "POST",
            f"{REP}/jump-items/{item_id}/upgrade",
            UpgradeAnswer,
            {},
            item=f"Jump Item {item_id}",
        )

    async def edit_item(
        self,
        item_id: int,
        changes: BaseModel | Mapping[str, Any],
    ) -> JumpClient:
        return await self.send_model(
            "PATCH", f"{REP}/jump-items/{item_id}", JumpClient, changes, item=f"Jump Item {item_id}"
        )

    async def copy_item(self, item_id: int, target: BaseModel | Mapping[str, Any]) -> JumpClient:
        return await self.send_model(
            "POST",
            f"{REP}/jump-items/{item_id}/copy",
            JumpClient,
            target,
            item=f"Jump Item {item_id}",
        )

    async def remove_item(self, item_id: int) -> None:
        await self.request("DELETE", f"{REP}/jump-items/{item_id}", item=f"Jump Item {item_id}")
