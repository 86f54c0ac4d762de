"""Jump sessions: start (every rule, in DOMAIN.md's order), join, invite, end, strict windows.

The appliance is the authority: each refusal is a :class:`domain.rules.Refusal` turned into
the rep API's typed error. Participants hear of joins, invitations, strict-window warnings
(15, 5 and 1 minutes before the close, those with that much time left at the start) and the
end over the live feed. Every start, join, invitation, end and refusal is written to the
audit log with who, when and why.

A session outlives its consoles: leaving the sessions screen, a dropped connection or a
console that quits leave it (and its shell) running, for the console to reattach. It ends
when someone who may end it does so (its owner, the item's owner, an administrator), when its
strict window closes, or when none of its representatives has had a console attached (a live
feed or the shell, on this node) for the site's grace period (``session_grace_s``).

Starts that come together on one item meet the simultaneous-jump rule one at a time: the
first holds the item (in the shared database) and opens the session; the others wait for it
and join it, or are refused, and never open a second one on this node. A session running on
another node of the site shows only as the item's holders: a start there joins that claim
with a session of its own, and the item is in use until the last holder lets go.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from appliance._access import access_for
from appliance.agents import AgentError, AgentHandle, AgentRegistry, unreachable
from appliance.errors import Refused, not_found
from appliance.session_watch import Consoles, Session
from appliance.shells import ShellRelay
from appliance.site import Site
from domain import (
    ConnectionType,
    JumpClient,
    JumpGroupType,
    JumpPolicy,
    Schedule,
    SiteSimultaneousJumps,
    User,
    resolve_permissions,
)
from domain.audit import AuditAction
from domain.jump_policy import window_state
from domain.rules import (
    Refusal,
    end_refusal,
    invite_refusal,
    is_present,
    may_end_session,
    prompt_outcome,
    prompt_question,
    session_policy_for,
    simultaneous,
    start_verdict,
    strict_warning_due,
    strict_warnings,
)
from domain.session import SessionEvent, SessionEventKind, SessionInfo, SessionStarted
from domain.session_policy import (
    SITE_DEFAULT_SESSION_POLICY_ID,
    ResolvedPermissions,
    SessionPolicy,
)
from domain.support import SupportRequest, normal_session
from domain.wording import span

log = logging.getLogger("appliance.sessions")


@dataclass
class _Opening:
    """A session being opened on an item (presence, the user's answer, the client): the starts
    that come meanwhile wait for it and join it, or are refused, rather than open another."""

    owner: str
    done: asyncio.Event = field(default_factory=asyncio.Event)
    refusal: Refusal | None = None


class SessionManager:
    def __init__(
        self,
        app: Site,
        agents: AgentRegistry,
        shells: ShellRelay,
        consoles: Callable[[], Collection[str]] = frozenset,
    ) -> None:
        """``consoles``: the representatives with a console (a live feed) on this node."""
        self.app = app
        self.agents = agents
        self.shells = shells
        self.consoles = Consoles(app, shells, consoles)
        self.sessions: dict[str, Session] = {}
        self._opening: dict[int, _Opening] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.app.clock.now()

    def _audit(self, actor: str, action: AuditAction, item_id: int, **detail: object) -> None:
        with self.app.repo.transaction():
            self.app.audit(actor, action, f"jump_client:{item_id}", **detail)

    def refuse(self, user: User, item_id: int, refusal: Refusal) -> Refused:
        self._audit(
            user.username, "session.refused", item_id, code=refusal.code, reason=refusal.message
        )
        return Refused(refusal)

    def on_item(self, item_id: int) -> Session | None:
        return next((s for s in self.sessions.values() if s.info.item_id == item_id), None)

    def _may_see(self, user: User, item_id: int) -> bool:
        client = self.app.repo.clients.get(item_id)
        access = access_for(self.app, user)
        return client is not None and access.can_see(client.jump_group_type, client.jump_group_id)

    def _seeing(self, usernames: set[str], item_id: int) -> set[str]:
        """Those of ``usernames`` who may see the item: a session is never shown to others
        (all of them when the item is gone: its session's end is still told)."""
        if self.app.repo.clients.get(item_id) is None:
            return usernames
        found = (self.app.repo.user_by_name(name) for name in sorted(usernames))
        return {f[0].username for f in found if f is not None and self._may_see(f[0], item_id)}

    def of_user(self, user: User) -> list[SessionInfo]:
        """The sessions the representative is in or invited to, on items they may see."""
        me = user.username
        return [
            s.info
            for s in self.sessions.values()
            if (me in s.info.participants or me in s.info.invited)
            and self._may_see(user, s.info.item_id)
        ]

    def _notify(
        self,
        session: Session,
        event: SessionEventKind,
        message: str,
        extra: list[str] | None = None,
    ) -> None:
        frame = SessionEvent(event=event, session=session.info, message=message)
        users = set(session.info.participants) | set(session.info.invited) | set(extra or [])
        self.app.notify(self._seeing(users, session.info.item_id), frame.model_dump(mode="json"))

    def _policies(self, client: JumpClient) -> tuple[SessionPolicy | None, ...]:
        repo = self.app.repo
        site_policy = None
        for site in repo.public_sites.find():
            if client.public_site_address in site.addresses and site.session_policy_id:
                site_policy = repo.session_policies.get(site.session_policy_id)
        return (site_policy, repo.session_policies.get(SITE_DEFAULT_SESSION_POLICY_ID))

    # -- start -----------------------------------------------------------------------------------

    async def start(
        self, user: User, item_id: int, *, support: SupportRequest | None = None
    ) -> SessionStarted:
        """Start (or join) a session; ``support``: answering the user's own request."""
        app, repo = self.app, self.app.repo
        client = repo.clients.get(item_id)
        access = access_for(app, user)
        if client is None or not access.can_see(client.jump_group_type, client.jump_group_id):
            raise not_found(f"No Jump Item has the id {item_id}, or you may not see it.")
        running = self.on_item(item_id)
        # a session held on another node of the site shows in the shared item
        holders = running.info.participants if running else list(client.x_in_session_by)
        invited = running is not None and user.username in running.info.invited
        policy = repo.policies.get(client.jump_policy_id) if client.jump_policy_id else None
        schedule = repo.schedule(policy.id) if policy else None
        site_mode = self.app.settings().simultaneous_jumps
        now = self._now()
        verdict = start_verdict(
            client,
            permissions=access.permissions(client.jump_group_type, client.jump_group_id),
            policy=policy,
            schedule=schedule,
            site_simultaneous=site_mode,
            holders=holders,
            me=user.username,
            invited=invited,
            now=now,
        )
        if isinstance(verdict, Refusal):
            raise self.refuse(user, item_id, verdict)
        agent = self.agents.get(item_id)
        passive = client.connection_type is ConnectionType.PASSIVE
        if passive and (not client.x_online or agent is None or not agent.connected):
            if agent is None or not await agent.connect_now():
                raise self.refuse(
                    user,
                    item_id,
                    Refusal(
                        "offline",
                        f"The passive Jump Client '{client.name}' did not answer the "
                        "request to connect.",
                    ),
                )
            client = repo.clients.get(item_id) or client
            agent = self.agents.get(item_id)  # now the connected client itself
        while True:
            step = self._claim_or_join(user, client, policy, site_mode, agent)
            if isinstance(step, Session):
                return self._join(step, user)
            if step is None:
                break
            await step.done.wait()  # then join what it opened, or claim anew if it failed
            if step.refusal is not None:
                raise self.refuse(user, item_id, step.refusal)
        assert agent is not None
        opening = self._opening[item_id]
        try:
            return await self._open(user, client, agent, policy, schedule, now, support)
        except AgentError as err:  # asking presence or the present user failed
            self._release(item_id, [user.username])
            refusal = unreachable(err) or Refusal(
                "offline", f"The Jump Client '{client.name}' did not answer: {err}."
            )
            opening.refusal = refusal
            raise self.refuse(user, item_id, refusal) from None
        except Refused as err:
            self._release(item_id, [user.username])
            opening.refusal = err.refusal
            raise
        except BaseException:
            self._release(item_id, [user.username])
            raise
        finally:
            del self._opening[item_id]
            opening.done.set()

    def _claim_or_join(
        self,
        user: User,
        client: JumpClient,
        policy: JumpPolicy | None,
        site_mode: SiteSimultaneousJumps,
        agent: AgentHandle | None,
    ) -> Session | _Opening | None:
        """A start's one atomic step, with no await in it: the running session to join, the
        session being opened to wait for, or None when this start now holds the item and
        opens the session (refused under the simultaneous-jump rule). The claim is one write
        transaction of the shared database, which all nodes of the site take in turn."""
        me, item_id = user.username, client.id
        running = self.on_item(item_id)
        if running is not None:
            held_by, invited = running.info.participants, me in running.info.invited
            outcome = simultaneous(client, policy, site_mode, held_by, me, invited=invited)
            if isinstance(outcome, Refusal):
                raise self.refuse(user, item_id, outcome)
            return running
        opening = self._opening.get(item_id)
        if opening is not None:
            outcome = simultaneous(client, policy, site_mode, [opening.owner], me)
            if isinstance(outcome, Refusal):
                raise self.refuse(user, item_id, outcome)
            return opening
        if agent is None:
            raise self.refuse(
                user,
                item_id,
                Refusal("offline", f"The Jump Client '{client.name}' is not connected."),
            )
        conflict = self._claim(item_id, me)
        if conflict is not None:  # a session on another node of the site holds the item
            outcome = simultaneous(client, policy, site_mode, conflict, me)
            if isinstance(outcome, Refusal):
                raise self.refuse(user, item_id, outcome)
            self._claim(item_id, me, joining=True)
        self._opening[item_id] = _Opening(me)
        return None

    def _claim(self, item_id: int, username: str, *, joining: bool = False) -> list[str] | None:
        """Hold the item for ``username`` in the shared database, in one write transaction
        (which all nodes take in turn). Answer the holders when someone else holds it first,
        unless ``joining``."""
        repo = self.app.repo
        with repo.transaction():
            current = repo.clients.get(item_id)
            holders = list(current.x_in_session_by) if current else []
            if username in holders:
                return None
            if holders and not joining:
                return holders
            repo.clients.update(item_id, {"x_in_session_by": [*holders, username]})
        return None

    def _release(self, item_id: int, usernames: list[str]) -> None:
        """Let go of the item for these representatives; the others still hold it (a
        session on another node of the site keeps it in use)."""
        repo = self.app.repo
        with repo.transaction():
            current = repo.clients.get(item_id)
            if current is None or not set(usernames) & set(current.x_in_session_by):
                return
            holders = [h for h in current.x_in_session_by if h not in usernames]
            repo.clients.update(item_id, {"x_in_session_by": holders})
        self.app.changed([item_id])

    async def _open(
        self,
        user: User,
        client: JumpClient,
        agent: AgentHandle,
        policy: JumpPolicy | None,
        schedule: Schedule | None,
        now: datetime,
        support: SupportRequest | None,
    ) -> SessionStarted:
        repo, item_id = self.app.repo, client.id
        if support is not None:
            present = True  # the user asked for this session: present, and already agreed
        else:
            answer = await agent.presence()  # asked once per session start
            present = is_present(
                console_user=answer.console_user,
                locked=answer.locked,
                screen_saver=answer.screen_saver,
                by_screen_state=self.app.settings().presence_by_screen_state,
            )
        chosen_id, reason = session_policy_for(client, present)
        chosen = repo.session_policies.get(chosen_id) if chosen_id else None
        permissions = resolve_permissions((chosen, *self._policies(client)))
        if support is not None and support.elevated:
            reason = f"the user asked for support (elevated, through the Jump Client); {reason}"
        elif support is not None:
            permissions = normal_session(permissions)
            reason = (
                "the user asked for support; ad-hoc sessions from Jump Clients are off, so it "
                "is a normal support session (view only: no shell, files or system information)"
            )
        elif present and permissions.prompt_end_user:
            reason = await self._ask_user(user, client, agent, permissions, reason)
        state = window_state(policy, schedule, now)
        strict = bool(policy and policy.schedule_strict and state.closes_at)
        sid = secrets.token_hex(8)
        info = SessionInfo(
            sid=sid,
            item_id=item_id,
            item_name=client.name,
            owner=user.username,
            participants=[user.username],
            present=present,
            session_policy_id=chosen.id if chosen else SITE_DEFAULT_SESSION_POLICY_ID,
            session_policy_name=chosen.display_name if chosen else "Site default",
            reason=reason,
            permissions=permissions,
            started_at=now,
            strict=strict,
            closes_at=state.closes_at if strict else None,
            shell=agent.shell and permissions.command_shell,
        )
        try:
            await agent.open_session(sid, permissions)
        except AgentError as err:
            refusal = unreachable(err) or Refusal("offline", str(err))
            raise self.refuse(user, item_id, refusal) from None
        warnings = strict_warnings(info.closes_at - now) if info.closes_at else set()
        session = Session(info, warnings)
        self.consoles.follow(sid, session, now)
        self.sessions[sid] = session  # only now: a start that comes meanwhile waits to join it
        with self.app.repo.transaction():  # BeyondTrust's last_access_timestamp
            self.app.repo.clients.update(item_id, {"last_access_timestamp": now})
        self.app.changed([item_id])  # held since the claim; consoles see it in use now
        self._audit(
            user.username,
            "session.start",
            item_id,
            sid=sid,
            present=present,
            session_policy=info.session_policy_name,
            reason=reason,
        )
        self._notify(session, "started", f"Session on '{client.name}' started.")
        return SessionStarted(
            session=info,
            session_policy_id=info.session_policy_id,
            presence=present,
            permissions=permissions,
            joined=False,
        )

    async def _ask_user(
        self,
        user: User,
        client: JumpClient,
        agent: AgentHandle,
        permissions: ResolvedPermissions,
        reason: str,
    ) -> str:
        """Ask the present user to accept; refuse the start when they (or the default) say no."""
        question = prompt_question(f"{user.display_name} ({user.username})", client.name)
        try:
            answer = await agent.prompt(question, permissions.prompt_timeout_s)
        except AgentError as err:
            log.warning("could not ask the user of item %s: %s", client.id, err)
            answer = None
        accepted, how = prompt_outcome(answer, permissions.prompt_default_answer)
        self._audit(user.username, "session.prompt", client.id, answer=how)
        if not accepted:
            raise self.refuse(
                user,
                client.id,
                Refusal(
                    "refused_by_user",
                    f"The user at '{client.name}' {how}; the session did not start.",
                ),
            )
        return f"{reason}; the user {how}"

    def _join(self, session: Session, user: User) -> SessionStarted:
        info = session.info
        if user.username not in info.participants:
            info.participants.append(user.username)
            if user.username in info.invited:
                info.invited.remove(user.username)
            self._claim(info.item_id, user.username, joining=True)
            self.consoles.follow(info.sid, session, self._now())
            self.app.changed([info.item_id])
            self._audit(user.username, "session.join", info.item_id, sid=info.sid, owner=info.owner)
            self._notify(
                session, "joined", f"{user.username} joined the session on '{info.item_name}'."
            )
        return SessionStarted(
            session=info,
            session_policy_id=info.session_policy_id,
            presence=info.present,
            permissions=info.permissions,
            joined=True,
        )

    # -- invite and end --------------------------------------------------------------------------

    def _mine(self, user: User, sid: str) -> Session:
        session = self.sessions.get(sid)
        if session is None or user.username not in session.info.participants:
            raise not_found(f"No session {sid} of yours is running.")
        return session

    def invite(self, user: User, sid: str, username: str) -> SessionInfo:
        """Invite a representative who may see the session's item; one who may not is
        refused with the same sentence as a name that does not exist."""
        session = self._mine(user, sid)
        info = session.info
        found = self.app.repo.user_by_name(username)
        if found is None or not self._may_see(found[0], info.item_id):
            raise self.refuse(user, info.item_id, invite_refusal(username, info.item_name))
        invitee = found[0].username  # as the site spells it, whatever case was typed
        if invitee not in info.participants and invitee not in info.invited:
            info.invited.append(invitee)
        self._audit(user.username, "session.invite", info.item_id, sid=sid, invited=invitee)
        self._notify(
            session,
            "invited",
            f"{user.username} invited {invitee} to the session on '{info.item_name}'.",
        )
        return info

    def end(self, sid: str, *, by: str, reason: str) -> SessionInfo | None:
        session = self.sessions.pop(sid, None)
        if session is None:
            return None
        info = session.info
        agent = self.agents.get(info.item_id)
        if agent is not None:
            task = asyncio.ensure_future(agent.end_session(sid, reason))

            def report(done: asyncio.Future[None]) -> None:
                if not done.cancelled() and done.exception() is not None:
                    log.warning("ending session %s on the client failed", sid)

            task.add_done_callback(report)
        asyncio.ensure_future(self.shells.session_ended(sid, reason))
        self._release(info.item_id, list(info.participants))
        self._audit(by, "session.end", info.item_id, sid=sid, reason=reason)
        self._notify(session, "ended", f"The session on '{info.item_name}' ended: {reason}.")
        return info

    def _group_of(self, item_id: int) -> tuple[JumpGroupType, int] | None:
        item = self.app.repo.clients.get(item_id)
        return (item.jump_group_type, item.jump_group_id) if item else None

    def endable_by(self, user: User) -> list[SessionInfo]:
        """Every session ``user`` may end for everyone in it (all of them for an
        administrator), besides those they are in or invited to."""
        mine = {s.sid for s in self.of_user(user)}
        return [
            *self.of_user(user),
            *(
                s.info
                for s in self.sessions.values()
                if s.info.sid not in mine
                and may_end_session(user, owner=s.info.owner, group=self._group_of(s.info.item_id))
            ),
        ]

    def leave_or_end(self, user: User, sid: str) -> str:
        """End the session for everyone when ``user`` may (its owner, the owner of its item,
        an administrator: ``domain.rules.may_end_session``); a joined representative who may
        not only leaves it; anyone else is refused. Answers ``ended`` or ``left``."""
        session = self.sessions.get(sid)
        me = user.username
        if session is None:
            raise not_found(f"No session {sid} is running that you may see.")
        info = session.info
        group = self._group_of(info.item_id)
        refusal = end_refusal(user, owner=info.owner, group=group, item_name=info.item_name)
        if refusal is None:
            self.end(sid, by=me, reason=f"ended by {me}")
            return "ended"
        if me not in info.participants:
            if me not in info.invited and not self._may_see(user, info.item_id):
                raise not_found(f"No session {sid} is running that you may see.")
            raise self.refuse(user, info.item_id, refusal)
        if me != info.owner:
            info.participants.remove(user.username)
            self.shells.left(sid, user.username)  # their shell closes, their input stops
            self._release(info.item_id, [user.username])
            self._audit(user.username, "session.leave", info.item_id, sid=sid)
            self._notify(
                session, "left", f"{user.username} left the session.", extra=[user.username]
            )
        return "left"

    def client_gone(self, item_id: int) -> None:
        for sid, session in list(self.sessions.items()):
            if session.info.item_id == item_id:
                self.end(sid, by="appliance", reason="the Jump Client disconnected")

    # -- consoles --------------------------------------------------------------------------------

    def consoles_changed(self) -> None:
        """A console went (or came): the sessions it leaves alone start their grace period
        now, not at the next supervision."""
        if not self.sessions:
            return
        now, feeds = self._now(), self.consoles.feeds()
        for sid, session in list(self.sessions.items()):
            self.consoles.follow(sid, session, now, feeds)

    # -- strict windows and the grace period -----------------------------------------------------

    def supervise(self, now: datetime) -> None:
        """End the sessions nobody came back to within the grace period; warn strict
        sessions before their window closes (15, 5 and 1 minutes, those with that much time
        left at the start), and end them then."""
        feeds = self.consoles.feeds() if self.sessions else ()
        for sid, session in list(self.sessions.items()):
            if not self.consoles.follow(sid, session, now, feeds):
                self.end(sid, by="appliance", reason=f"nobody attached for {span(session.grace_s)}")
                continue
            closes = session.info.closes_at
            if closes is None:
                continue
            if now >= closes:
                self.end(sid, by="appliance", reason="the Jump Policy window closed")
                continue
            minutes = strict_warning_due(closes - now, session.warnings)
            if minutes is None:
                continue
            session.warnings.difference_update({m for m in session.warnings if m >= minutes})
            self._notify(
                session,
                "warning",
                f"The Jump Policy window closes in {minutes} "
                f"minute{'s' if minutes > 1 else ''}; the session on "
                f"'{session.info.item_name}' will end then.",
            )
            self._audit(
                "appliance", "session.warning", session.info.item_id, sid=sid, minutes=minutes
            )

    async def run(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                self.supervise(self._now())
            except Exception:
                log.exception("session supervision failed")
