"""Standard list/show/create/update/delete routes for a resource stored in one table.

This module does not use ``from __future__ import annotations``: FastAPI reads the
endpoints' annotations at runtime, and here they name the factory's arguments.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from appliance.config_api._deps import (
    Paging,
    PathId,
    Reader,
    State,
    Writer,
    not_found,
    paginate,
)
from appliance.db._table import Table
from appliance.errors import invalid
from appliance.site import Site
from domain._types import Patch, code_name_of
from domain.audit import audit_action

#: runs in the delete's transaction; what it answers (if anything) runs after the commit
Hook = Callable[[Site, int], Callable[[], None] | None]
Check = Callable[[Site, dict[str, Any]], None]


def fill_code_name(values: dict[str, Any], name_field: str, fallback: str) -> None:
    """A created resource without a code name gets one made from its name (BeyondTrust's
    pattern needs one); ``null`` comments are empty comments."""
    if "code_name" in values and not values["code_name"]:
        values["code_name"] = code_name_of(str(values.get(name_field) or ""), fallback)
    if "comments" in values and values["comments"] is None:
        values["comments"] = ""


def add_crud(
    router: APIRouter,
    *,
    path: str,
    kind: str,
    table: Callable[[Site], Table[Any]],
    model: type[BaseModel],
    create: type[BaseModel] | None,
    update: type[Patch] | None,
    name_field: str,
    check: Check | None = None,
    before_delete: Hook | None = None,
    read_only: bool = False,
    listing: bool = True,
) -> None:
    """Register the routes of one resource under ``path`` (e.g. ``/jump-group``); without
    ``listing``, the caller registers its own list (one with more filters)."""
    slug = path.strip("/").replace("-", "_").replace("/", "_")

    async def list_items(
        request: Request,
        response: Response,
        app: State,
        _account: Reader,
        page: Paging,
        name: Annotated[str | None, Query(alias=name_field)] = None,
        code_name: str | None = None,
    ) -> Sequence[Any]:
        where = [(k, v) for k, v in ((name_field, name), ("code_name", code_name)) if v]
        if code_name and "code_name" not in table(app).columns:
            raise invalid("code_name", f"is not a filter of {kind} resources")
        with app.repo.reading():
            total = table(app).count(where)
            items = table(app).find(where, limit=page.per_page, offset=page.offset)
        return paginate(request, response, page, items, total)

    async def get_item(id: PathId, app: State, _account: Reader) -> Any:
        item = table(app).get(id)
        if item is None:
            raise not_found(kind, id)
        return item

    if listing:
        router.add_api_route(
            path,
            list_items,
            methods=["GET"],
            response_model=list[model],  # type: ignore[valid-type]
            name=f"list_{slug}",
        )
    router.add_api_route(
        f"{path}/{{id}}", get_item, methods=["GET"], response_model=model, name=f"get_{slug}"
    )
    if read_only:
        return
    assert create is not None and update is not None
    # checked here, as the routes are made: a resource whose actions the table lacks fails
    # at import, never in a request
    created, updated, deleted = (
        audit_action(f"{slug}.{v}") for v in ("create", "update", "delete")
    )

    async def create_item(
        body: create,  # type: ignore[valid-type]
        request: Request,
        response: Response,
        app: State,
        account: Writer,
    ) -> Any:
        values = cast(BaseModel, body).model_dump()
        with app.repo.transaction():
            if check:
                check(app, values)
            item = table(app).insert(values)
            app.audit(account.actor, created, f"{slug}:{item.id}")
        response.status_code = 201
        response.headers["Location"] = str(request.url_for(f"get_{slug}", id=item.id))
        return item

    async def update_item(
        id: PathId,
        body: update,  # type: ignore[valid-type]
        app: State,
        account: Writer,
    ) -> Any:
        changes = cast(Patch, body).changes()
        with app.repo.transaction():
            if table(app).get(id) is None:
                raise not_found(kind, id)
            if check:
                check(app, changes)
            item = table(app).update(id, changes)
            app.audit(account.actor, updated, f"{slug}:{id}", fields=sorted(changes))
        return item

    async def delete_item(id: PathId, app: State, account: Writer) -> Response:
        then = None
        with app.repo.transaction():
            if table(app).get(id) is None:
                raise not_found(kind, id)
            if before_delete:
                then = before_delete(app, id)
            table(app).delete(id)
            app.audit(account.actor, deleted, f"{slug}:{id}")
        if then is not None:
            then()
        return Response(status_code=204)

    router.add_api_route(
        path,
        create_item,
        methods=["POST"],
        response_model=model,
        status_code=201,
        name=f"create_{slug}",
    )
    router.add_api_route(
        f"{path}/{{id}}",
        update_item,
        methods=["PATCH"],
        response_model=model,
        name=f"update_{slug}",
    )
    router.add_api_route(
        f"{path}/{{id}}", delete_item, methods=["DELETE"], status_code=204, name=f"delete_{slug}"
    )
