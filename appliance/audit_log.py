"""Reading the audit log back, for the APIs that answer it (the representative API for site
administrators and for an item's history, the Config API for API accounts).

The filters are the same on both: ``item_id``, ``actor`` (exact), ``action`` (one action or
a family, :func:`domain.audit.actions_named`), ``since`` and ``until`` (UTC), ``before`` (an
entry id: only older entries, so a listing stays put while new entries arrive); newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from appliance.db.repository import AuditQuery
from appliance.errors import Refused
from appliance.site import Site
from domain import UtcDateTime, format_utc
from domain._types import MAX_ID
from domain.audit import AuditEntry, actions_named, item_target

#: a name to look for has no control characters (PostgreSQL cannot even compare a NUL)
_NO_CONTROLS = r"^[^\x00-\x1f\x7f]+$"


def audit_query(
    item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=128, pattern=_NO_CONTROLS)] = None,
    action: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    since: Annotated[UtcDateTime | None, Query()] = None,
    until: Annotated[UtcDateTime | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> AuditQuery:
    """The filters of a request (a dependency of both APIs' routes)."""
    try:
        actions = actions_named(action) if action is not None else ()
    except ValueError as err:
        raise Refused.because(422, "invalid", str(err), errors={"action": [str(err)]}) from None
    return AuditQuery(
        targets=(item_target(item_id),) if item_id is not None else (),
        actor=actor,
        actions=actions,
        since=_text(since),
        until=_text(until),
        before_id=before,
    )


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


Filters = Annotated[AuditQuery, Depends(audit_query)]


def read_log(
    site: Site, query: AuditQuery, *, limit: int, offset: int = 0, count: bool = True
) -> tuple[list[AuditEntry], int]:
    """One page of entries, newest first, with the names of their items, and the total."""
    with site.repo.reading():
        entries, total = site.repo.audit_entries(query, limit=limit, offset=offset, count=count)
        names = site.repo.client_names([e.item_id for e in entries if e.item_id is not None])
    return with_names(entries, names), total


def with_names(entries: Sequence[AuditEntry], names: dict[int, str]) -> list[AuditEntry]:
    """Each entry with its item's name: as it is now, or as it was removed."""
    named = []
    for entry in entries:
        if entry.item_id is None:
            named.append(entry)
            continue
        name = names.get(entry.item_id)
        if name is None:  # removed: the removal kept its name
            kept = entry.detail.get("name")
            name = kept if isinstance(kept, str) else None
        named.append(entry.model_copy(update={"item_name": name}))
    return named
