"""The Config API of :class:`~api_client.ApplianceClient`: its resources (list, read and write
Jump Clients, Jump Groups, policies, users, installers, ...) and the site's administration
(installer links and e-mail, SMTP and Jump Client settings).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping
from typing import Any, Generic

from pydantic import BaseModel

from api_client._transport import CONFIG, ClientCore, M, Page
from domain import (
    Installer,
    JumpClient,
    JumpClientCopy,
    JumpClientSettings,
    JumpClientSettingsUpdate,
    JumpGroupMember,
    JumpPolicy,
    Schedule,
)
from domain.audit import AuditEntry, AuditFilter
from domain.installer import InstallerExtend
from domain.jump_client import JumpClientCopied
from domain.mail import SmtpSettings


class ConfigCalls(ClientCore):
    """The Config API's single settings and installer calls, as methods of the client."""

    # -- installers -----------------------------------------------------------------------------

    def installer_link(self, installer_id: str, platform: str = "linux-64") -> str:
        """The direct download link of an installer: anyone with it can download (no sign-in)
        until the installer expires, so it goes only to those who deploy."""
        return f"{self.base_url}/api/agent/v1/installer/{installer_id}/{platform}"

    async def email_installer(
        self, id_: int, recipients: list[str], *, note: str = "", platform: str = "linux-64"
    ) -> str:
        """Have the appliance e-mail the installer's direct link; answers its sentence."""
        response = await self.request(
            "POST",
            f"{CONFIG}/jump-client/installer/{id_}/email",
            json={"recipients": recipients, "note": note, "platform": platform},
            item="the installer",
            timeout=60.0,
        )
        body = self._json(response)
        return str(body.get("message", "")) if isinstance(body, dict) else ""

    async def smtp(self) -> SmtpSettings:
        return await self.get_model(f"{CONFIG}/smtp", SmtpSettings)

    async def update_smtp(self, change: Mapping[str, Any]) -> SmtpSettings:
        return await self.send_model("PATCH", f"{CONFIG}/smtp", SmtpSettings, change)

    async def download_installer(self, installer_id: str, platform: str = "linux-64") -> bytes:
        response = await self.request(
            "GET",
            f"{CONFIG}/jump-client/installer/{installer_id}/{platform}",
            item="the installer",
        )
        return response.content

    # -- the audit log -------------------------------------------------------------------------

    async def config_audit(
        self,
        filters: AuditFilter | None = None,
        *,
        per_page: int = 100,
        current_page: int = 1,
        before: int | None = None,
    ) -> Page[AuditEntry]:
        """One page of the site's audit log through the Config API (an API account's read
        access is enough), newest first; the filters and ``before`` as :meth:`audit`'s."""
        return await self.audit_page(
            CONFIG, filters, per_page=per_page, current_page=current_page, before=before
        )

    # -- site settings -----------------------------------------------------------------------------

    async def settings(self) -> JumpClientSettings:
        return await self.get_model(f"{CONFIG}/jump-client/settings", JumpClientSettings)

    async def update_settings(
        self,
        change: JumpClientSettingsUpdate | Mapping[str, Any],
    ) -> JumpClientSettings:
        return await self.send_model(
            "PATCH", f"{CONFIG}/jump-client/settings", JumpClientSettings, change
        )


class Resource(Generic[M]):
    """List, iterate and read one Config API resource; subclasses add writes."""

    def __init__(self, client: ClientCore, path: str, model: type[M], kind: str) -> None:
        self._client = client
        self.path = CONFIG + path
        self.model = model
        self.kind = kind

    async def list(self, *, per_page: int = 100, current_page: int = 1, **filters: Any) -> Page[M]:
        params = {**filters, "per_page": per_page, "current_page": current_page}
        return await self._client.get_page(self.path, self.model, params=params)

    def iter(self, **filters: Any) -> AsyncIterator[M]:
        """Every item over all pages."""
        return self._client.iter_pages(self.path, self.model, params=filters)

    async def get(self, id_: int) -> M:
        return await self._client.get_model(
            f"{self.path}/{id_}", self.model, item=f"{self.kind} {id_}"
        )

    async def create(self, body: BaseModel | Mapping[str, Any]) -> M:
        return await self._client.send_model("POST", self.path, self.model, body)

    async def update(self, id_: int, body: BaseModel | Mapping[str, Any]) -> M:
        return await self._client.send_model(
            "PATCH", f"{self.path}/{id_}", self.model, body, item=f"{self.kind} {id_}"
        )

    async def delete(self, id_: int) -> None:
        await self._client.request("DELETE", f"{self.path}/{id_}", item=f"{self.kind} {id_}")

    # Jump Group members (only meaningful on /jump-group).

    async def members(self, id_: int) -> builtins.list[JumpGroupMember]:
        """Every member, over all pages."""
        pages = self._client.iter_pages(f"{self.path}/{id_}/user", JumpGroupMember, params={})
        return [member async for member in pages]

    async def add_member(self, id_: int, user_id: int, role_id: int) -> JumpGroupMember:
        body = JumpGroupMember(user_id=user_id, jump_item_role_id=role_id)
        return await self._client.send_model(
            "POST", f"{self.path}/{id_}/user", JumpGroupMember, body, item=f"{self.kind} {id_}"
        )

    async def remove_member(self, id_: int, user_id: int) -> None:
        await self._client.request(
            "DELETE", f"{self.path}/{id_}/user/{user_id}", item=f"{self.kind} {id_}"
        )


class JumpClients(Resource[JumpClient]):
    def __init__(self, client: ClientCore) -> None:
        super().__init__(client, "/jump-client", JumpClient, "Jump Client")

    async def copy(self, id_: int, body: JumpClientCopy | Mapping[str, Any]) -> JumpClient:
        """The copy (BeyondTrust's answer names its id; ours adds the copy itself)."""
        copied = await self._client.send_model(
            "POST", f"{self.path}/{id_}/copy", JumpClientCopied, body, item=f"Jump Client {id_}"
        )
        return copied.x_jump_client


class JumpPolicies(Resource[JumpPolicy]):
    def __init__(self, client: ClientCore) -> None:
        super().__init__(client, "/jump-policy", JumpPolicy, "Jump Policy")

    async def schedule(self, id_: int) -> Schedule:
        return await self._client.get_model(
            f"{self.path}/{id_}/schedule", Schedule, item=f"Jump Policy {id_}"
        )

    async def set_schedule(self, id_: int, schedule: Schedule) -> Schedule:
        return await self._client.send_model(
            "PUT", f"{self.path}/{id_}/schedule", Schedule, schedule, item=f"Jump Policy {id_}"
        )


class Installers(Resource[Installer]):
    def __init__(self, client: ClientCore) -> None:
        super().__init__(client, "/jump-client/installer", Installer, "installer")

    async def extend(self, id_: int, valid_duration: int) -> Installer:
        return await self._client.send_model(
            "POST",
            f"{self.path}/{id_}/extend",
            Installer,
            InstallerExtend(valid_duration=valid_duration),
            item=f"installer {id_}",
        )
