"""Ending sessions from the console: one, once confirmed (ours from its tab; any we may end
on the highlighted item with ``:end``); all of ours, when the console quits.

Ending a session asks first, naming its item and group and who is in it. Whether it ends
for everyone or the representative only leaves it is the appliance's rule
(:func:`domain.rules.may_end_session`: its owner, the owner of its personal item, an
administrator end it; a joined representative leaves).

Quitting with sessions open asks what becomes of them: end them, keep them running (the
console reattaches to them when it starts again; without a console they end after the site's
grace period), or cancel and stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from console.dialogs import ChoiceScreen, ConfirmScreen
from domain.rules import may_end_session
from domain.session import SessionInfo
from domain.wording import end_question, not_all_ended, quit_choices

if TYPE_CHECKING:
    from console.action_runner import ActionRunner
    from console.app import JumpConsoleApp

QuitChoice = Literal["end", "keep"]


def ends_for_everyone(runner: ActionRunner, info: SessionInfo) -> bool:
    """Whether ending ``info`` ends it for everyone (else the representative leaves it)."""
    signed_in = runner.app.session
    if signed_in is None or signed_in.user is None:
        return False
    store = runner.app.store
    row = store.row_of.get(info.item_id)
    group = store.groups[store.group_index[row]] if row is not None else None
    return may_end_session(signed_in.user, owner=info.owner, group=group)


def ask_to_end(runner: ActionRunner, sid: str) -> None:
    """End (or leave) one of our sessions, once the representative said yes to its item."""
    info = runner.sessions.get(sid)
    if info is not None and runner.reachable():
        _confirm_end(runner, info)


def ask_to_end_on_highlighted(runner: ActionRunner) -> None:
    """``:end``: end the session running on the highlighted item, ours or not (its owner,
    the owner of the personal item and administrators may), once confirmed."""
    if not runner.reachable():
        return
    item = runner.app.highlighted_item()
    if item is None:
        runner.say("Highlight a Jump Item first (arrows in the list).", "warning")
        return

    async def find() -> None:
        running = await runner.app.client.sessions(endable=True)
        info = next((s for s in running if s.item_id == item.id), None)
        if info is None:
            runner.say(f"No session you may end or leave is running on '{item.name}'.", "warning")
        else:
            _confirm_end(runner, info)

    runner.run_job(find, "end")


def _confirm_end(runner: ActionRunner, info: SessionInfo) -> None:
    ends = ends_for_everyone(runner, info)
    where = f"'{info.item_name}' in {runner.group_of(info.item_id)}"

    async def job() -> None:
        await runner.app.client.end_session(info.sid)
        runner.desk.left(info.sid)
        runner.say(f"{'Ended' if ends else 'Left'} the session on '{info.item_name}'.")
        runner.app.sessions_changed()

    def confirmed(yes: bool | None) -> None:
        if yes:
            runner.run_job(job, "end")

    question, then = end_question(where, info.participants, ends=ends)
    runner.app.push_screen(ConfirmScreen(f"{question} {then}"), confirmed)


def ask_before_quitting(app: JumpConsoleApp) -> None:
    """Quit at once without sessions; with some, ask what becomes of them."""
    runner = app.actions
    sessions = list(runner.sessions.values())
    if not sessions:
        app.exit(0)
        return
    grace = app.session.site.settings.session_grace_s if app.session else 120
    title, choices = quit_choices([s.item_name for s in sessions], grace)

    async def end_all() -> None:
        failed = await runner.desk.end_all(app.client, sessions)
        if failed:
            app.sessions_changed()
            runner.say(not_all_ended(failed, "press ctrl+q"), "error")
            return
        app.exit(0)

    def chosen(choice: QuitChoice | str | None) -> None:
        if choice == "end":
            app.run_worker(end_all(), group="quit", exit_on_error=False)
        elif choice == "keep":
            app.exit(0)

    app.push_screen(ChoiceScreen(title, choices), chosen)


__all__ = [
    "ask_before_quitting",
    "ask_to_end",
    "ask_to_end_on_highlighted",
    "ends_for_everyone",
]
