"""Plain mode's sessions: start them (``jump``), list them, invite, end one, and quit."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from console.words import support_request_line, support_started
from domain.wording import not_all_ended, quit_choices

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


async def jump(con: PlainConsole, ids: list[int]) -> None:
    client = con.backend.client
    if len(ids) == 1:
        started = await client.start_session(ids[0])
        info = started.session
        con.desk.joined(info)
        policy = info.session_policy_name
        con.say(f"Session started on {info.item_name} with {policy}: {info.reason}.")
        return
    for result in await client.start_sessions(ids):
        if result.started is not None:
            info = result.started.session
            con.desk.joined(info)
            con.say(f"Session started on {info.item_name}.")
        else:
            con.say(str(result.message))


async def list_sessions(con: PlainConsole) -> None:
    con.desk.sync(await con.backend.client.sessions())  # joined elsewhere too
    if not con.sessions:
        con.say("You are in no session.")
    for n, info in enumerate(con.sessions.values(), start=1):
        con.say(
            f"{n}. {info.item_name}; policy {info.session_policy_name}; "
            f"with {', '.join(info.participants)}"
        )


async def invite(con: PlainConsole, rest: list[str]) -> None:
    if not rest or not con.sessions:
        con.say("Say invite NAME while you are in a session.")
        return
    info = con.desk.current_session() or list(con.sessions.values())[-1]
    await con.backend.client.invite(info.sid, rest[0])
    con.say(f"Invited {rest[0]} to the session on {info.item_name}.")


async def end(con: PlainConsole, rest: list[str]) -> None:
    if not con.sessions:
        con.say("You are in no session.")
        return
    chosen = list(con.sessions.values())
    current = con.desk.current_session()
    index = (
        int(rest[0]) - 1
        if rest and rest[0].isdigit()
        else (chosen.index(current) if current is not None else -1)
    )
    if not 0 <= index < len(chosen):
        con.say("Say sessions for their numbers, then end N.")
        return
    info = chosen[index]
    await con.backend.client.end_session(info.sid)
    con.desk.left(info.sid)
    con.say(f"Left the session on {info.item_name}.")


async def quit_(con: PlainConsole) -> None:
    """Quit at once without sessions; with some, ask what becomes of them: the TUI's
    question (:func:`domain.wording.quit_choices`), its choices numbered."""
    sessions = list(con.sessions.values())
    if sessions:
        grace = con.session.site.settings.session_grace_s if con.session else 120
        question, choices = quit_choices([s.item_name for s in sessions], grace)
        con.say(question)
        answer = ""
        for n, (words, _value) in enumerate(choices, start=1):
            con.say(f"{n}. {words}")
        with contextlib.suppress(EOFError):  # (no answer: stay)
            answer = (await con.ask(f"Say 1 to {len(choices)}: ")).strip()
        choice = dict(enumerate((value for _words, value in choices), start=1))
        match choice.get(int(answer) if answer.isdigit() else 0):
            case "end":
                if failed := await con.desk.end_all(con.backend.client, sessions):
                    return con.say(not_all_ended(failed, "say quit"))
            case "keep":
                pass
            case _:
                return con.say("Not quitting: your sessions go on.")
    con.done = True
    con.say("Goodbye.")


async def support(con: PlainConsole, verb: str, rest: list[str]) -> None:
    """``requests`` numbers the waiting support requests; ``accept N`` takes one (its
    session starts, as when the full screen's list is answered)."""
    client = con.backend.client
    if verb == "requests" or not con.requests:
        con.requests = await client.support_requests()
        if not con.requests:
            con.say("No support request is waiting.")
            return
        if verb == "requests":
            now = con.clock()
            con.say(f"{len(con.requests)} support requests waiting; accept N takes one:")
            for n, request in enumerate(con.requests, start=1):
                con.say(f"{n}. {support_request_line(request, now)}")
            return
    count = len(con.requests)
    if not rest or not rest[0].isdigit() or not 1 <= int(rest[0]) <= count:
        con.say(f"Say accept and the number of a support request (1 to {count}); say requests.")
        return
    started = await client.accept_support(con.requests[int(rest[0]) - 1].id)
    con.requests = []  # taken: the numbers change
    info = started.session
    con.desk.joined(info)
    con.say(support_started(info))
