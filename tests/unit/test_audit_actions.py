"""The audited actions are one table (``domain.audit``): every place the appliance writes an
entry names an action of the table and keeps only the detail the table lists, and the README
lists exactly the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from domain.audit import ACTION_NAMES, AUDIT_ACTIONS, actions_named, parse_audit_filter

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"audit", "audit_now", "audit_now_target", "_audit"}
#: Actions passed on, not named, at these calls; each is typed ``AuditAction`` (mypy holds
#: it to the table) or checked against the table where it is made.
PASSED_ON = {
    "action",  # the writers themselves pass their argument on
    "created",  # config_api/_crud.py: made with audit_action() as the routes are made
    "updated",
    "deleted",
    "AUDITED[action]",  # maintenance.py: a typed mapping of the sweep's verdicts
}


def _writes() -> list[tuple[str, int, ast.expr, list[str]]]:
    """(file, line, the action argument, the detail's names) of every audit write."""
    found = []
    for path in sorted((ROOT / "appliance").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in WRITERS:
                continue
            receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            index = 2 if receiver.split(".")[-1] == "repo" else 1  # repo.audit(at, actor, ...)
            action = node.args[index] if len(node.args) > index else None
            if action is None:
                action = next(k.value for k in node.keywords if k.arg == "action")
            keys = [k.arg for k in node.keywords if k.arg is not None]
            if isinstance(node.args[-1], ast.Dict):  # repo.audit(..., {"clients": n})
                keys += [k.value for k in node.args[-1].keys if isinstance(k, ast.Constant)]
            found.append((str(path.relative_to(ROOT)), node.lineno, action, keys))
    return found


def test_every_audit_write_names_an_action_of_the_table_with_its_detail() -> None:
    writes = _writes()
    assert len(writes) > 40  # the scan finds the writes (sessions, items, settings, ...)
    named = set()
    for where, line, action, keys in writes:
        if isinstance(action, ast.Constant) and isinstance(action.value, str):
            name = action.value
            assert name in AUDIT_ACTIONS, f"{where}:{line}: '{name}' is not in domain.audit"
            extra = set(keys) - set(AUDIT_ACTIONS[name].detail)  # type: ignore[index]
            assert not extra, f"{where}:{line}: {name} keeps {extra}: list it in domain.audit"
            named.add(name)
        else:
            spelled = ast.unparse(action)
            assert spelled in PASSED_ON, f"{where}:{line}: name the action, not {spelled}"
    made = {n for n in ACTION_NAMES if n.split(".")[-1] in ("create", "update", "delete")}
    swept = {"jump_client.lost", "jump_client.uninstalled", "jump_client.delete"}
    assert set(ACTION_NAMES) - named - made - swept == set()  # nothing listed is never written


def test_the_readme_lists_exactly_what_is_audited() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z_.]+)` \| (.+) \| (.*) \|$", readme, re.MULTILINE)
    audited = [(n, w, d) for n, w, d in rows if n in AUDIT_ACTIONS or "." in n]
    assert audited == [
        (name, info.when, ", ".join(f"`{k}`" for k in info.detail))
        for name, info in AUDIT_ACTIONS.items()
    ]


def test_filters_read_as_people_type_them() -> None:
    assert actions_named("session.start") == ("session.start",)
    assert actions_named("wake") == ("wake", "wake.refused")  # a family, named like its action
    assert set(actions_named("Session")) == {n for n in ACTION_NAMES if n.startswith("session.")}
    from tests.support.appliance import T0

    chosen = parse_audit_filter("actor:bob action:session item:42 since:2h", T0)
    assert (chosen.actor, chosen.action, chosen.item_id) == ("bob", "session", 42)
    assert chosen.since is not None and (T0 - chosen.since).total_seconds() == 7200
    assert chosen.params()["since"] == "2026-11-24T08:00:00Z"
    for bad, said in (
        ("bob", "'bob' is not a filter term"),
        ("action:sesion", "'sesion' is not an audited action"),
        ("item:abc", "item:abc is not a Jump Item id"),
        ("since:yesterday", "'yesterday' is not a time"),
        ("actor:a actor:b", "actor: is given twice"),
    ):
        try:
            parse_audit_filter(bad, T0)
        except ValueError as err:
            assert said in str(err), bad
        else:
            raise AssertionError(f"{bad} was accepted")
