"""``/audit``: the site's audit log for API accounts (read access is enough), newest first,
paginated like every list, with the representative API's filters."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request, Response

from appliance.audit_log import Filters, read_log
from appliance.config_api._deps import Paging, Reader, State, paginate, reject_unknown_query
from domain.audit import AuditEntry

router = APIRouter(tags=["audit"], dependencies=[Depends(reject_unknown_query)])


@router.get("/audit", response_model=list[AuditEntry])
async def list_audit(
    request: Request,
    response: Response,
    app: State,
    _account: Reader,
    page: Paging,
    query: Filters,
) -> Sequence[AuditEntry]:
    entries, total = read_log(app, query, limit=page.per_page, offset=page.offset)
    return paginate(request, response, page, entries, total)
