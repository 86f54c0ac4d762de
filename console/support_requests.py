"""Support requests raised at endpoints: the console announces each, and the representative
takes one from a list (its session starts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.dialogs import ChoiceScreen
from console.words import support_request_line, support_started
from domain.support import SupportEvent

if TYPE_CHECKING:
    from console.action_runner import ActionRunner


class SupportRequests:
    """The action runner's support requests (it runs the jobs and keeps the sessions)."""

    def __init__(self, runner: ActionRunner) -> None:
        self.runner = runner

    def on_event(self, event: SupportEvent) -> None:
        request = event.request
        if event.event == "taken":
            return
        who = f" by {request.console_user}" if request.console_user else ""
        said = f": “{request.message}”" if request.message else ""
        kind = "elevated" if request.elevated else "normal (view only)"
        self.runner.say(
            f"Support requested on '{request.item_name}'{who}{said} ({kind}). "
            ":requests answers it.",
            "warning",
        )

    def answer(self) -> None:
        """List the waiting support requests; the one chosen starts its session."""
        if not self.runner.reachable():
            return

        async def job() -> None:
            waiting = await self.runner.app.client.support_requests()
            if not waiting:
                self.runner.say("No support request is waiting.")
                return

            def chosen(request_id: str | None) -> None:
                if request_id:
                    self.runner.run_job(lambda: self._accept(request_id), "support")

            now = self.runner.app.clock()
            choices = [(support_request_line(r, now), r.id) for r in waiting]
            self.runner.app.push_screen(
                ChoiceScreen("Take a support request (its session starts):", choices), chosen
            )

        self.runner.run_job(job, "support")

    async def _accept(self, request_id: str) -> None:
        started = await self.runner.app.client.accept_support(request_id)
        info = started.session
        self.runner.remember(info, f"Support session: {info.session_policy_name} ({info.reason}).")
        self.runner.say(support_started(info))
        self.runner.app.show_sessions(info.sid)
