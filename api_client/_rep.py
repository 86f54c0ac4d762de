"""The representative API of :class:`~api_client.ApplianceClient`: what a signed-in
representative reads (their Jump Items, the site's rules, sessions, support requests) and
does (start, join and end sessions, move files, wake, upgrade, edit, copy and remove items).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from api_client._transport import REP, ClientCore, Page
from api_client.errors import ProtocolError
from domain import JumpClient
from domain.session import SessionInfo, SessionStarted
from domain.site import RepSite
from domain.support import SupportRequest

#: how long a session start may take: the present user may be asked, for up to 300 s
START_WAIT_S = 330.0


class RepCalls(ClientCore):
    """The ``/api/rep/v1`` calls, as methods of the client."""

    # -- representative API -------------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        response = await self.request("GET", f"{REP}/me")
        body = self._json(response)
        if not isinstance(body, dict):
            raise ProtocolError("The appliance's answer about you could not be read.")
        return body

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

    async def start_sessions(self, item_ids: list[int]) -> list[dict[str, Any]]:
        """Up to 10 at once; each result has ``started`` or ``error`` and ``message``."""
        response = await self.request(
            "POST", f"{REP}/jump-items/sessions", json={"ids": item_ids}, timeout=START_WAIT_S
        )
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ProtocolError("The appliance's answer to the multi-start was not readable.")
        results: list[dict[str, Any]] = body["results"]
        return results

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

    async def sessions(self) -> list[SessionInfo]:
        response = await self.request("GET", f"{REP}/sessions")
        result: list[SessionInfo] = self.parse(TypeAdapter(list[SessionInfo]), response)
        return result

    async def system_info(self, sid: str) -> dict[str, Any]:
        """Processes, disks and services of the session's endpoint (policy permitting)."""
        response = await self.request(
            "GET", f"{REP}/sessions/{sid}/system-info", item=f"session {sid}"
        )
        body = self._json(response)
        if not isinstance(body, dict):
            raise ProtocolError("The system information could not be read.")
        return body

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
        await self.request("DELETE", f"{REP}/sessions/{sid}", item=f"session {sid}")

    async def wake(self, item_id: int, wol_password: str | None = None) -> str:
        """Ask a peer to send the wake packet; answers the appliance's sentence."""
        body = {"wol_password": wol_password} if wol_password else {}
        response = await self.request(
            "POST", f"{REP}/jump-items/{item_id}/wake", json=body, item=f"Jump Item {item_id}"
        )
        answer = self._json(response)
        return (
            str(answer.get("message", "Wake packet sent."))
            if isinstance(answer, dict)
            else ("Wake packet sent.")
        )

    async def upgrade(self, item_id: int) -> str:
        response = await self.request(
            "POST", f"{REP}/jump-items/{item_id}/upgrade", item=f"Jump Item {item_id}"
        )
        answer = self._json(response)
        return (
            str(answer.get("message", "Upgrade queued."))
            if isinstance(answer, dict)
            else ("Upgrade queued.")
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
