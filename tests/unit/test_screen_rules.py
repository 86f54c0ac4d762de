"""Control of the endpoint's screen under the session policy: only "view and control" forwards
input; anything else drops every input with a sentence and audits the attempt — once, with a
count, however many inputs a representative sends."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from appliance.clock import FakeClock
from appliance.screen_input import ScreenInputGate
from domain.enums import PromptAnswer, ScreenSharing
from domain.screen_rules import (
    NO_SCREEN_INPUT,
    REFUSED_INPUT_AUDIT_EVERY_S,
    VIEW_ONLY_INPUT,
    RefusalThrottle,
    screen_input_refusal,
)
from domain.session_policy import ResolvedPermissions
from tests.support.appliance import make_item, state

EVERY = REFUSED_INPUT_AUDIT_EVERY_S


def permissions(sharing: ScreenSharing) -> ResolvedPermissions:
    return ResolvedPermissions(
        command_shell=True,
        file_transfer_upload=False,
        file_transfer_download=False,
        system_info=True,
        screen_sharing=sharing,
        prompt_end_user=False,
        prompt_timeout_s=30,
        prompt_default_answer=PromptAnswer.REFUSE,
    )


def test_only_view_and_control_forwards_input() -> None:
    assert screen_input_refusal(permissions(ScreenSharing.VIEW_AND_CONTROL)) is None
    assert screen_input_refusal(permissions(ScreenSharing.VIEW_ONLY)) == (
        "This session's policy allows viewing the screen only: your keys and clicks are not sent."
    )
    assert screen_input_refusal(permissions(ScreenSharing.NOT_ALLOWED)) == NO_SCREEN_INPUT
    assert screen_input_refusal(permissions(ScreenSharing.NOT_DEFINED)) == NO_SCREEN_INPUT


def test_refusals_are_audited_once_per_period_with_what_was_held_back() -> None:
    throttle = RefusalThrottle(every_s=60)
    assert throttle.refused("s1", "bob", 0.0) == 1  # the first at once
    assert [throttle.refused("s1", "bob", t / 10) for t in range(500)] == [None] * 500
    assert throttle.refused("s1", "amy", 1.0) == 1  # another representative: her own entry
    assert throttle.refused("s2", "bob", 1.0) == 1  # another session: its own entry
    assert throttle.refused("s1", "bob", 59.9) is None
    assert throttle.refused("s1", "bob", 60.0) == 502  # this one and the 501 held back
    assert throttle.refused("s1", "bob", 61.0) is None
    assert throttle.forget("s1") == 1  # the session ended: one held back, never audited
    assert throttle.refused("s1", "bob", 62.0) == 1  # a session of the same id starts afresh


def test_the_throttle_remembers_a_bounded_number_of_sessions() -> None:
    throttle = RefusalThrottle(every_s=60, keep=3)
    for n in range(10):
        assert throttle.refused(f"s{n}", "bob", 0.0) == 1
    assert throttle.refused("s9", "bob", 1.0) is None  # recent ones are remembered
    assert throttle.refused("s0", "bob", 1.0) == 1  # the oldest was let go: audited again


@pytest.mark.not_storage("the screen input rule")
def test_a_flood_of_view_only_input_is_dropped_and_audited_once(
    app: FastAPI, clock: FakeClock
) -> None:
    site = state(app).site
    item = make_item(app)
    gate = ScreenInputGate(site)
    view_only = permissions(ScreenSharing.VIEW_ONLY)

    def refused() -> list[dict[str, object]]:
        return [e for e in site.repo.audit_log(50) if e["action"] == "session.screen_input_refused"]

    verdicts = {gate.admit(actor="bob", item_id=item.id, sid="s1", permissions=view_only)}
    for _ in range(999):
        verdicts.add(gate.admit(actor="bob", item_id=item.id, sid="s1", permissions=view_only))
    assert verdicts == {VIEW_ONLY_INPUT}  # every one dropped, with the sentence
    assert [(e["actor"], e["target"], e["detail"]) for e in refused()] == [
        (
            "bob",
            f"jump_client:{item.id}",
            {"sid": "s1", "screen_sharing": "view_only", "dropped": 1},
        )
    ]
    clock.advance(EVERY)
    gate.admit(actor="bob", item_id=item.id, sid="s1", permissions=view_only)
    assert refused()[0]["detail"] == {"sid": "s1", "screen_sharing": "view_only", "dropped": 1000}
    assert len(refused()) == 2

    control = permissions(ScreenSharing.VIEW_AND_CONTROL)
    assert gate.admit(actor="amy", item_id=item.id, sid="s2", permissions=control) is None
    assert len(refused()) == 2  # forwarded input is not audited here
