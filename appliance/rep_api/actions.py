"""Actions of the representative API: sessions, wake, upgrade, properties, copy, remove.

Every rule is checked here (the console only explains); a refusal is a typed error body
``{"error": CODE, "message": sentence, ...details}``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response, WebSocket
from starlette.websockets import WebSocketDisconnect

from appliance._access import access_for
from appliance.agents import AgentError, AgentHandle, unreachable
from appliance.config_api._deps import PathId
from appliance.config_api._refs import check_references
from appliance.errors import Refused
from appliance.rep_api._deps import Rep, State, current_user
from appliance.services import Services, services_of
from appliance.sessions import Session
from domain import JumpClient, JumpClientCopy, JumpClientUpdate, JumpGroupType, User
from domain.access import Action, missing_permissions
from domain.jump_client import with_whole_destination
from domain.protocol.close import Close
from domain.protocol.rep import (
    Invitation,
    MultiStart,
    MultiStartAnswer,
    MultiStartResult,
    UpgradeAnswer,
    WakeAnswer,
    WakeRequest,
)
from domain.rules import Refusal, parse_secureon, remove_refusal, role_refusal
from domain.session import SessionInfo, SessionStarted
from domain.support import SupportRequest

router = APIRouter()


def _item(app: Services, user: User, item_id: int, action: Action | None = None) -> JumpClient:
    """The item if the representative may see it (404 otherwise) and do ``action`` (403)."""
    client = app.site.repo.clients.get(item_id)
    access = access_for(app.site, user)
    if client is None or not access.can_see(client.jump_group_type, client.jump_group_id):
        raise Refused.because(
            404, "not_found", f"No Jump Item has the id {item_id}, or you may not see it."
        )
    if action is not None and not access.permits(
        client.jump_group_type, client.jump_group_id, action
    ):
        raise Refused(role_refusal(action, client))
    return client


def _agent_failed(err: AgentError, code: str, sentence: str) -> Refused:
    """409 with ``sentence`` when the client failed; 503 when its node could not be reached."""
    return Refused(unreachable(err) or Refusal(code, sentence))


@router.post("/jump-items/{id}/sessions", response_model=SessionStarted, status_code=201)
async def start_session(id: PathId, user: Rep, app: State) -> SessionStarted:
    return await app.sessions.start(user, id)


@router.post("/jump-items/sessions", response_model=MultiStartAnswer)
async def start_many(body: MultiStart, user: Rep, app: State) -> MultiStartAnswer:
    """Up to 10 items at once; each item succeeds or fails on its own."""
    sessions = app.sessions

    async def one(item_id: int) -> MultiStartResult:
        try:
            return MultiStartResult(id=item_id, started=await sessions.start(user, item_id))
        except Refused as err:
            return MultiStartResult(id=item_id, error=err.refusal.code, message=err.refusal.message)

    # at once: a present user may take up to the prompt's timeout to answer on each item
    results = await asyncio.gather(*(one(i) for i in dict.fromkeys(body.ids)))
    return MultiStartAnswer(results=list(results))


@router.get("/support-requests", response_model=list[SupportRequest])
async def support_requests(user: Rep, app: State) -> list[SupportRequest]:
    """Support requests from endpoints this representative may start sessions on."""
    return app.support.visible_to(user)


@router.post("/support-requests/{rid}/accept", response_model=SessionStarted, status_code=201)
async def accept_support(rid: str, user: Rep, app: State) -> SessionStarted:
    """Take a request: the session starts on its item (elevated or normal, as it says)."""
    taken = app.support.take(user, rid)
    if isinstance(taken, Refusal):
        raise Refused(taken)
    try:
        return await app.sessions.start(user, taken.item_id, support=taken)
    except Refused:
        app.support.put_back(taken)  # nobody is helping yet: it waits again
        raise


@router.get("/sessions", response_model=list[SessionInfo])
async def my_sessions(user: Rep, app: State) -> list[SessionInfo]:
    return app.sessions.of_user(user.username)


@router.post("/sessions/{sid}/invitations", response_model=SessionInfo, status_code=201)
async def invite(sid: str, body: Invitation, user: Rep, app: State) -> SessionInfo:
    return app.sessions.invite(user, sid, body.username)


@router.delete("/sessions/{sid}", status_code=204)
async def end_session(sid: str, user: Rep, app: State) -> Response:
    app.sessions.leave_or_end(user, sid)
    return Response(status_code=204)


@router.get("/jump-items/{id}/wake", response_model=WakeAnswer)
async def can_wake(id: PathId, user: Rep, app: State) -> WakeAnswer:
    """Whether a wake would be sent now, and via which peer (nothing is sent): the console
    explains wake with this answer, so it says what the appliance would decide."""
    client = _item(app, user, id, Action.WAKE)
    verdict = app.wake.check(client, app.site.clock.now())
    if isinstance(verdict, Refusal):
        raise Refused(verdict)
    return WakeAnswer(
        via=verdict.name, message=f"'{verdict.name}' on the same network would send the packet."
    )


@router.post("/jump-items/{id}/wake", response_model=WakeAnswer, status_code=202)
async def wake(id: PathId, user: Rep, app: State, body: WakeRequest | None = None) -> WakeAnswer:
    client = _item(app, user, id, Action.WAKE)
    password = parse_secureon(body.wol_password) if body and body.wol_password else None
    via = await app.wake.wake(user, id, password)
    return WakeAnswer(via=via, message=f"Wake packet for '{client.name}' sent via {via}.")


@router.post("/jump-items/{id}/upgrade", response_model=UpgradeAnswer, status_code=202)
async def upgrade(id: PathId, user: Rep, app: State) -> UpgradeAnswer:
    client = _item(app, user, id, Action.UPGRADE)
    app.upgrades.request(user, id)
    return UpgradeAnswer(state="queued", message=f"'{client.name}' is queued for an upgrade.")


@router.patch("/jump-items/{id}", response_model=JumpClient)
async def edit(id: PathId, body: JumpClientUpdate, user: Rep, app: State) -> JumpClient:
    client = _item(app, user, id)
    changes = with_whole_destination(client, body.changes())
    access = access_for(app.site, user)
    missing = missing_permissions(
        access.permissions(client.jump_group_type, client.jump_group_id), changes
    )
    if missing:
        field, perm = next(iter(missing.items()))
        raise Refused.because(
            403,
            "forbidden",
            f"Your role does not allow changing {field} of '{client.name}' (it needs {perm}).",
            fields=sorted(missing),
        )
    _check_destination(app, user, changes)
    with app.site.repo.transaction():
        if app.site.repo.clients.get(id) is None:
            raise Refused.because(404, "not_found", f"'{client.name}' was removed meanwhile.")
        check_references(app.site, changes)
        updated = app.site.repo.clients.update(id, changes)
        assert updated is not None
        app.site.audit(
            user.username, "jump_item.update", f"jump_client:{id}", fields=sorted(changes)
        )
    app.site.changed([id])
    return updated


@router.post("/jump-items/{id}/copy", response_model=JumpClient, status_code=201)
async def copy(id: PathId, body: JumpClientCopy, user: Rep, app: State) -> JumpClient:
    client = _item(app, user, id, Action.COPY)
    target = body.model_dump(exclude_none=True)
    _check_destination(app, user, target, required=True)
    with app.site.repo.transaction():
        source = app.site.repo.clients.get(id)
        if source is None:
            raise Refused.because(404, "not_found", f"'{client.name}' was removed meanwhile.")
        values = source.model_dump(exclude={"id", "x_status"})
        values.update(target)
        values["x_in_session_by"] = []
        created = app.site.repo.clients.insert(values)
        app.site.audit(user.username, "jump_item.copy", f"jump_client:{id}", copy_id=created.id)
    app.site.changed([created.id])
    return created


@router.delete("/jump-items/{id}", status_code=204)
async def remove(id: PathId, user: Rep, app: State) -> Response:
    client = _item(app, user, id)
    permissions = access_for(app.site, user).permissions(
        client.jump_group_type, client.jump_group_id
    )
    # the session claims live in the shared database (any node may hold the session): read
    # them in the same write transaction that deletes, so no claim slips in between
    with app.site.repo.transaction():
        current = app.site.repo.clients.get(id)
        if current is None:
            raise Refused.because(404, "not_found", f"'{client.name}' was removed meanwhile.")
        refusal = remove_refusal(current, permissions)
        if refusal is not None:
            raise Refused(refusal)
        app.site.repo.clients.delete(id)
        app.site.audit(user.username, "jump_item.remove", f"jump_client:{id}", name=client.name)
    app.site.changed(removed=[id])
    return Response(status_code=204)


def _check_destination(
    app: Services, user: User, values: dict[str, Any], *, required: bool = False
) -> None:
    """Moving or copying needs add rights in the destination group (both halves named)."""
    if "jump_group_id" not in values and not required:
        return
    kind = JumpGroupType(values.get("jump_group_type") or JumpGroupType.SHARED)
    gid = values.get("jump_group_id")
    access = access_for(app.site, user)
    if gid is None or not access.permits(kind, gid, Action.ADD_ITEMS):
        raise Refused.because(
            403, "forbidden", "You may not add Jump Items to that group.", jump_group_id=gid
        )


@router.get("/sessions/{sid}/system-info")
async def system_info(sid: str, user: Rep, app: State) -> dict[str, Any]:
    """Processes, disks and services of the endpoint, when the session policy allows it."""
    session = app.sessions.sessions.get(sid)
    if session is None or user.username not in session.info.participants:
        raise Refused.because(404, "not_found", f"No session {sid} of yours is running.")
    if not session.info.permissions.system_info:
        raise Refused.because(
            403, "forbidden", "The session policy does not allow system information."
        )
    agent = app.agents.get(session.info.item_id)
    if agent is None:
        raise Refused.because(409, "offline", "The Jump Client is not connected.")
    try:
        return await agent.system_info(sid)
    except AgentError as err:
        raise _agent_failed(
            err, "unavailable", f"System information is not available: {err}."
        ) from None
    finally:
        app.site.audit_now(user.username, "session.system_info", session.info.item_id, sid=sid)


def _session_agent(
    app: Services, user: User, sid: str, permission: str
) -> tuple[Session, AgentHandle]:
    session = app.sessions.sessions.get(sid)
    if session is None or user.username not in session.info.participants:
        raise Refused.because(404, "not_found", f"No session {sid} of yours is running.")
    if not getattr(session.info.permissions, permission):
        what = permission.replace("file_transfer_", "").replace("_", " ")
        raise Refused.because(403, "forbidden", f"The session policy does not allow file {what}s.")
    agent = app.agents.get(session.info.item_id)
    if agent is None:
        raise Refused.because(409, "offline", "The Jump Client is not connected.")
    return session, agent


@router.get("/sessions/{sid}/files", response_class=Response)
async def download_file(sid: str, path: str, user: Rep, app: State) -> Response:
    """A file of the endpoint (policy permitting, within its folders)."""
    session, agent = _session_agent(app, user, sid, "file_transfer_download")
    try:
        data = await agent.file_get(sid, path)
    except AgentError as err:
        raise _agent_failed(err, "refused", f"The download was refused: {err}.") from None
    app.site.audit_now(user.username, "session.download", session.info.item_id, sid=sid, path=path)
    return Response(data, media_type="application/octet-stream")


@router.put("/sessions/{sid}/files", status_code=204)
async def upload_file(sid: str, path: str, request: Request, user: Rep, app: State) -> Response:
    """Write a file on the endpoint (policy permitting, within its folders)."""
    session, agent = _session_agent(app, user, sid, "file_transfer_upload")
    data = await request.body()
    try:
        await agent.file_put(sid, path, data)
    except AgentError as err:
        raise _agent_failed(err, "refused", f"The upload was refused: {err}.") from None
    app.site.audit_now(
        user.username, "session.upload", session.info.item_id, sid=sid, path=path, size=len(data)
    )
    return Response(status_code=204)


@router.websocket("/sessions/{sid}/shell")
async def shell(ws: WebSocket, sid: str) -> None:
    """A representative's terminal on the session's command shell."""
    app = services_of(ws)
    await ws.accept()
    try:
        user = current_user(ws)
    except Refused as err:
        await ws.close(Close.UNAUTHORIZED, err.message[:120])
        return
    session = app.sessions.sessions.get(sid)
    if session is None or user.username not in session.info.participants:
        await ws.close(Close.NOT_FOUND, "No such session of yours is running.")
        return
    if not session.info.permissions.command_shell:
        await ws.close(Close.FORBIDDEN, "The session policy does not allow the command shell.")
        return
    agent = app.agents.get(session.info.item_id)
    if agent is None or not agent.shell:
        await ws.close(Close.CONFLICT, "This Jump Client offers no command shell.")
        return
    if app.shells.attach(sid, ws):
        await agent.send(
            {
                "type": "shell.open",
                "sid": sid,
                "cols": int(ws.query_params.get("cols", 80) or 80),
                "rows": int(ws.query_params.get("rows", 24) or 24),
            }
        )
    app.site.audit_now(user.username, "session.shell", session.info.item_id, sid=sid)
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                frame = orjson.loads(message.get("text") or message.get("bytes") or b"")
            except orjson.JSONDecodeError:
                continue
            if not isinstance(frame, dict):
                continue
            if frame.get("type") == "input" and isinstance(frame.get("data"), str):
                await agent.send({"type": "shell.input", "sid": sid, "data": frame["data"]})
            elif frame.get("type") == "resize":
                await agent.send(
                    {
                        "type": "shell.resize",
                        "sid": sid,
                        "cols": frame.get("cols", 80),
                        "rows": frame.get("rows", 24),
                    }
                )
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if app.shells.detach(sid, ws):
            with contextlib.suppress(Exception):
                await agent.send({"type": "shell.close", "sid": sid})
