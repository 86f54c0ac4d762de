"""Screen sharing in the representative API: the live screen's websocket and a screenshot.

Both are held to the session's policy the same way: a participant who may still reach the
item, a policy whose screen sharing is not "not allowed", and, when the policy prompts a
present user, that user's "yes" (asked once per session, before anything of the screen is
captured). A refusal is one sentence: the websocket's close reason, or the HTTP refusal body.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, WebSocket

from appliance.agents import AgentError, AgentHandle, unreachable
from appliance.errors import Refused
from appliance.rep_api._deps import Rep, State, signed_in
from appliance.services import Services, services_of
from appliance.session_watch import Session
from domain import ScreenSharing, User
from domain.protocol.close import LEFT_SESSION, NO_LONGER_ALLOWED, Close
from domain.rules import NO_LONGER_REACHABLE, Refusal, prompt_outcome
from domain.wording import (
    NO_CLIENT_SCREEN,
    SCREEN_ENDED,
    screen_prompt_question,
    screen_refusal,
    screen_refused_by_user,
)

router = APIRouter()

_consents: dict[str, tuple[Session, asyncio.Future[bool]]] = {}
"""Each session's present user's answer to sharing the screen (asked once per session)."""


async def _consent(app: Services, user: User, session: Session, agent: AgentHandle) -> bool:
    """Whether the present user lets the screen be seen; asked once per session (viewers
    that come meanwhile wait for the same answer). Always yes when the policy does not
    prompt, or nobody was present when the session started."""
    info = session.info
    if not (info.present and info.permissions.prompt_end_user):
        return True
    for sid in [
        s for s, (held, _f) in _consents.items() if app.sessions.sessions.get(s) is not held
    ]:
        del _consents[sid]  # sessions that ended
    held = _consents.get(info.sid)
    if held is not None:
        return await asyncio.shield(held[1])
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    _consents[info.sid] = (session, future)
    question = screen_prompt_question(f"{user.display_name} ({user.username})", info.item_name)
    try:
        answer = await agent.prompt(question, info.permissions.prompt_timeout_s)
    except AgentError:
        answer = None
    accepted, how = prompt_outcome(answer, info.permissions.prompt_default_answer)
    app.site.audit_now(user.username, "session.prompt", info.item_id, answer=how, what="screen")
    future.set_result(accepted)
    return accepted


def _watchable(app: Services, user: User, sid: str) -> Session | Refusal:
    """The session whose screen ``user`` may see now, or why not (a refusal with its HTTP
    status and sentence)."""
    session = app.sessions.sessions.get(sid)
    if session is None or user.username not in session.info.participants:
        return Refusal("not_found", f"No session {sid} of yours is running.", status=404)
    if not app.shells.may_reach(user, session.info.item_id):  # the right, as of now
        return Refusal("forbidden", NO_LONGER_REACHABLE, status=403)
    why = screen_refusal(session.info.permissions.screen_sharing)
    if why is not None:
        return Refusal("forbidden", why, status=403)
    return session


_CLOSE = {404: Close.NOT_FOUND, 403: Close.FORBIDDEN, 409: Close.CONFLICT}


@router.websocket("/sessions/{sid}/screen")
async def screen(ws: WebSocket, sid: str) -> None:
    """A representative's live view of the session's screen, for as long as they may
    (:class:`appliance.screens.ScreenRelay`)."""
    app = services_of(ws)
    signed = await signed_in(ws)
    if signed is None:
        return
    user = signed.user
    session = _watchable(app, user, sid)
    if isinstance(session, Refusal):
        await ws.close(_CLOSE.get(session.status, Close.FORBIDDEN), session.message[:120])
        return
    agent = app.agents.get(session.info.item_id)
    if agent is None or not agent.shell:  # the stand-ins that serve no shell have no screen
        await ws.close(Close.CONFLICT, NO_CLIENT_SCREEN)
        return
    if not await _consent(app, user, session, agent):
        await ws.close(Close.FORBIDDEN, screen_refused_by_user(session.info.item_name)[:120])
        return
    app.site.audit_now(user.username, "session.screen", session.info.item_id, sid=sid)

    def refusal_now() -> tuple[Close, str] | None:  # asked on every frame, and twice a second
        if app.sessions.sessions.get(sid) is not session:
            return Close.CONFLICT, SCREEN_ENDED
        if user.username not in session.info.participants:
            return Close.NOT_FOUND, LEFT_SESSION
        return None

    with app.grants.hold(*signed) as grant:
        if not app.shells.may_reach(user, session.info.item_id):  # (awaited since the check)
            grant.end(Close.FORBIDDEN, NO_LONGER_ALLOWED)
        await app.screens.serve(
            ws,
            grant,
            sid=sid,
            item_id=session.info.item_id,
            agent=agent,
            refusal=refusal_now,
            control=session.info.permissions.screen_sharing is ScreenSharing.VIEW_AND_CONTROL,
        )


@router.get(
    "/sessions/{sid}/screenshot",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The endpoint's screen"}},
)
async def screenshot(sid: str, user: Rep, app: State) -> Response:
    """The endpoint's whole screen as a PNG, when the session policy allows screen sharing."""
    session = _watchable(app, user, sid)
    if isinstance(session, Refusal):
        raise Refused(session)
    agent = app.agents.get(session.info.item_id)
    if agent is None:
        raise Refused.because(409, "offline", "The Jump Client is not connected.")
    if not agent.shell:
        raise Refused.because(409, "unavailable", NO_CLIENT_SCREEN)
    if not await _consent(app, user, session, agent):
        raise Refused.because(
            403, "refused_by_user", screen_refused_by_user(session.info.item_name)
        )
    try:
        png = await agent.screenshot(sid)
    except AgentError as err:
        raise Refused(
            unreachable(err) or Refusal("unavailable", _sentence(str(err)), status=409)
        ) from None
    app.site.audit_now(user.username, "session.screenshot", session.info.item_id, sid=sid)
    return Response(png, media_type="image/png")


def _sentence(error: str) -> str:
    text = error.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}." if text else "The screenshot failed."
