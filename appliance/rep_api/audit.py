"""The audit log on the representative API: the whole log for site administrators
(``GET /audit``, paginated like every list, filtered), and an item's own history for anyone
who may see the item (``GET /jump-items/{id}/audit``, the newest entries)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from appliance.audit_log import Filters, read_log
from appliance.config_api._deps import Paging, PathId, paginate
from appliance.db.repository import AuditQuery
from appliance.errors import Refused
from appliance.rep_api._deps import Rep, State
from appliance.rep_api.items import _item as visible_item
from domain.audit import (
    AUDIT_FOR_ADMINS,
    ITEM_HISTORY_MAX,
    AuditEntry,
    for_item_viewer,
    item_target,
)

router = APIRouter()


@router.get("/audit", response_model=list[AuditEntry])
async def audit_log(
    request: Request, response: Response, user: Rep, app: State, page: Paging, query: Filters
) -> Sequence[AuditEntry]:
    """The site's audit log, newest first (site administrators only)."""
    if not user.is_admin:
        raise Refused.because(403, "forbidden", AUDIT_FOR_ADMINS)
    entries, total = read_log(app.site, query, limit=page.per_page, offset=page.offset)
    return paginate(request, response, page, entries, total)


@router.get("/jump-items/{id}/audit", response_model=list[AuditEntry])
async def item_history(
    id: PathId,
    user: Rep,
    app: State,
    limit: Annotated[int, Query(ge=1, le=ITEM_HISTORY_MAX)] = 10,
) -> list[AuditEntry]:
    """The newest entries about one item, for whoever may see it (refused like any read of
    an item they may not see). Everyone is named: a support desk reads who did what."""
    client = visible_item(app, user, id)
    query = AuditQuery(targets=(item_target(client.id),))
    entries, _ = read_log(app.site, query, limit=limit, count=False)
    return entries if user.is_admin else [for_item_viewer(e) for e in entries]
