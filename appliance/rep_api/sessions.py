"""Sessions in the representative API: support requests, the sessions of a
representative, invitations, the end of a session, system information, files and the
command shell's websocket.

A refusal is :class:`appliance.errors.Refused`, answered ``{"error": CODE, "message":
sentence, ...details}``; the shell's websocket closes with a code of
:class:`domain.protocol.close.Close` instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket
from pydantic import ValidationError

from appliance.agents import AgentError, AgentHandle, unreachable
from appliance.errors import Refused
from appliance.rep_api._deps import Rep, State, signed_in
from appliance.services import Services, services_of
from appliance.session_watch import Session
from domain import User
from domain.protocol.agent import ShellSize
from domain.protocol.close import LEFT_SESSION, NO_LONGER_ALLOWED, SESSION_ENDED, Close
from domain.protocol.rep import Invitation
from domain.rules import NO_LONGER_REACHABLE, Refusal
from domain.session import SessionInfo, SessionStarted
from domain.support import SupportRequest

router = APIRouter()


def _agent_failed(err: AgentError, code: str, sentence: str) -> Refused:
    """409 with ``sentence`` when the client failed; 503 when its node could not be reached."""
    return Refused(unreachable(err) or Refusal(code, sentence))


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
async def my_sessions(user: Rep, app: State, endable: bool = False) -> list[SessionInfo]:
    """The running sessions the representative is in or invited to (a console reattaches
    to them); ``endable``: also every other session they may end (an administrator: all)."""
    return app.sessions.endable_by(user) if endable else app.sessions.of_user(user)


@router.post("/sessions/{sid}/invitations", response_model=SessionInfo, status_code=201)
async def invite(sid: str, body: Invitation, user: Rep, app: State) -> SessionInfo:
    return app.sessions.invite(user, sid, body.username)


@router.delete("/sessions/{sid}", status_code=204)
async def end_session(sid: str, user: Rep, app: State) -> Response:
    """End the session for everyone in it (its owner, the owner of its item, an
    administrator); a joined representative who may not end it leaves it."""
    app.sessions.leave_or_end(user, sid)
    return Response(status_code=204)


@router.get("/sessions/{sid}/system-info")
async def system_info(sid: str, user: Rep, app: State) -> dict[str, Any]:
    """Processes, disks and services of the endpoint, when the session policy allows it."""
    session = app.sessions.sessions.get(sid)
    if session is None or user.username not in session.info.participants:
        raise Refused.because(404, "not_found", f"No session {sid} of yours is running.")
    if not app.shells.may_reach(user, session.info.item_id):  # the right, as of now
        raise Refused.because(403, "forbidden", NO_LONGER_REACHABLE)
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
    if not app.shells.may_reach(user, session.info.item_id):  # the right, as of now
        raise Refused.because(403, "forbidden", NO_LONGER_REACHABLE)
    if not getattr(session.info.permissions, permission):
        what = permission.replace("file_transfer_", "").replace("_", " ")
        raise Refused.because(403, "forbidden", f"The session policy does not allow file {what}s.")
    agent = app.agents.get(session.info.item_id)
    if agent is None:
        raise Refused.because(409, "offline", "The Jump Client is not connected.")
    return session, agent


@router.get(
    "/sessions/{sid}/files",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
async def download_file(sid: str, path: str, user: Rep, app: State) -> Response:
    """A file of the endpoint (policy permitting, within its folders)."""
    session, agent = _session_agent(app, user, sid, "file_transfer_download")
    try:
        data = await agent.file_get(sid, path)
    except AgentError as err:
        raise _agent_failed(err, "refused", f"The download was refused: {err}.") from None
    app.site.audit_now(user.username, "session.download", session.info.item_id, sid=sid, path=path)
    return Response(data, media_type="application/octet-stream")


@router.put(
    "/sessions/{sid}/files",
    status_code=204,
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
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
    """A representative's terminal on the session's command shell, for as long as they may
    (:class:`appliance.shells.ShellRelay` closes it when that right ends)."""
    app = services_of(ws)
    signed = await signed_in(ws)
    if signed is None:
        return
    user = signed.user
    session = app.sessions.sessions.get(sid)
    if session is None or user.username not in session.info.participants:
        await ws.close(Close.NOT_FOUND, "No such session of yours is running.")
        return
    if not session.info.permissions.command_shell:
        await ws.close(Close.FORBIDDEN, "The session policy does not allow the command shell.")
        return
    if not app.shells.may_reach(user, session.info.item_id):
        await ws.close(Close.FORBIDDEN, NO_LONGER_ALLOWED)
        return
    agent = app.agents.get(session.info.item_id)
    if agent is None or not agent.shell:
        await ws.close(Close.CONFLICT, "This Jump Client offers no command shell.")
        return
    asked = {k: v for k in ("cols", "rows") if (v := ws.query_params.get(k))}
    try:
        size = ShellSize.model_validate(asked)
    except ValidationError:
        await ws.close(Close.BAD_REQUEST, "cols and rows must be whole numbers from 1 to 1000.")
        return
    app.site.audit_now(user.username, "session.shell", session.info.item_id, sid=sid)

    def refusal() -> tuple[Close, str] | None:  # asked on every input
        if app.sessions.sessions.get(sid) is not session:
            return Close.CONFLICT, SESSION_ENDED
        if user.username not in session.info.participants:
            return Close.NOT_FOUND, LEFT_SESSION
        return None

    with app.grants.hold(*signed) as grant:  # no await since the sign-in was checked
        await app.shells.serve(
            ws,
            grant,
            sid=sid,
            item_id=session.info.item_id,
            agent=agent,
            size=size,
            refusal=refusal,
        )
