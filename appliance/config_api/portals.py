"""``/public-portal``: the public sites, by BeyondTrust's name (``/public-site`` stays: the
console's administration screens read it, with our fields)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request, Response

from appliance.config_api._deps import Paging, Reader, State, paginate, reject_unknown_query
from domain.site import PublicPortal

router = APIRouter(tags=["public-portal"], dependencies=[Depends(reject_unknown_query)])


@router.get("/public-portal", response_model=list[PublicPortal])
async def list_public_portals(
    request: Request, response: Response, app: State, _account: Reader, page: Paging
) -> Sequence[PublicPortal]:
    with app.repo.reading():
        total = app.repo.public_sites.count()
        sites = app.repo.public_sites.find([], limit=page.per_page, offset=page.offset)
    return paginate(request, response, page, [PublicPortal.of(s) for s in sites], total)
