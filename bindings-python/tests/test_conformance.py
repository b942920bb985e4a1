"""Replays every conformance scenario in ``tests/scenarios/`` through the typed Python API.

Each command type maps to its ``Engine`` method (record inputs built as typed records when
the command must succeed, passed as the core's JSON when it must fail, so invalid input
reaches the core); each query is asked as data through ``Engine.query`` by the step's actor,
else by the host (``None``). Results are compared with the same subset-match rule as the Rust
runner (``tests/src/lib.rs``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Type

import pytest

import salespipe as sp
from conftest import SCENARIOS
from salespipe._records import _parse_datetime

FILES = sorted(SCENARIOS.glob("*.json"))


def subset_match(expected: Any, actual: Any, path: str = "$") -> None:
    """The Rust runner's rule: objects key by key (extra keys ignored, expected null matches
    an absent key), arrays element by element with equal lengths, numbers by value."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k, ev in expected.items():
            subset_match(ev, actual.get(k), f"{path}.{k}")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        assert len(expected) == len(actual), (
            f"{path}: expected {len(expected)} items, got {len(actual)}: {actual}"
        )
        for i, (ev, av) in enumerate(zip(expected, actual)):
            subset_match(ev, av, f"{path}[{i}]")
        return
    numbers = (int, float)
    if (
        isinstance(expected, numbers)
        and isinstance(actual, numbers)
        and not isinstance(expected, bool)
        and not isinstance(actual, bool)
    ):
        assert float(expected) == float(actual), f"{path}: expected {expected}, got {actual}"
        return
    assert type(expected) is type(actual) and expected == actual, (
        f"{path}: expected {expected!r}, got {actual!r}"
    )


def typed(cls: Type[sp.Record], d: Dict[str, Any]) -> sp.Record:
    """The record built field by field (not carrying the original JSON)."""
    return dataclasses.replace(cls.from_dict(d))  # type: ignore[type-var]


def run_command(engine: sp.Engine, actor: str, c: Dict[str, Any], as_json: bool) -> None:
    t = c["type"]

    def rec(cls: Type[sp.Record], d: Dict[str, Any]) -> Any:
        return d if as_json else typed(cls, d)

    calls: Dict[str, Callable[[], None]] = {
        "define_pipeline": lambda: engine.define_pipeline(actor, rec(sp.Pipeline, c["pipeline"])),
        "edit_pipeline": lambda: engine.edit_pipeline(
            actor, rec(sp.Pipeline, c["pipeline"]), c.get("mapping")
        ),
        "define_process": lambda: engine.define_process(
            actor, rec(sp.ApprovalProcess, c["process"])
        ),
        "register_user": lambda: engine.register_user(actor, rec(sp.User, c["user"])),
        "create_customer": lambda: engine.create_customer(actor, rec(sp.Customer, c["customer"])),
        "update_customer": lambda: engine.update_customer(actor, rec(sp.Customer, c["customer"])),
        "add_contact": lambda: engine.add_contact(
            actor, c["customer"], rec(sp.Contact, c["contact"])
        ),
        "create_opportunity": lambda: engine.create_opportunity(
            actor, rec(sp.NewOpportunity, c["opportunity"])
        ),
        "update_opportunity": lambda: engine.update_opportunity(
            actor, c["opportunity"], c["patch"]
        ),
        "tick": lambda: engine.tick(actor, c["opportunity"], c["item"]),
        "untick": lambda: engine.untick(actor, c["opportunity"], c["item"]),
        "advance": lambda: engine.advance(actor, c["opportunity"], c["to"]),
        "force_advance": lambda: engine.force_advance(
            actor, c["opportunity"], c["to"], c["reason"]
        ),
        "move_back": lambda: engine.move_back(actor, c["opportunity"], c["to"], c.get("reason")),
        "win": lambda: engine.win(actor, c["opportunity"]),
        "lose": lambda: engine.lose(actor, c["opportunity"], c["reason"], c.get("competitor")),
        "reopen": lambda: engine.reopen(actor, c["opportunity"], c["reason"], c.get("stage")),
        "submit_approval": lambda: engine.submit_approval(
            actor, c["opportunity"], c["process"], c["request"]
        ),
        "decide_approval": lambda: engine.decide_approval(
            actor, c["opportunity"], c["request"], c["decision"], c.get("comment", "")
        ),
        "withdraw_approval": lambda: engine.withdraw_approval(
            actor, c["opportunity"], c["request"]
        ),
        "resubmit_approval": lambda: engine.resubmit_approval(
            actor, c["opportunity"], c["request"]
        ),
        "log_activity": lambda: engine.log_activity(actor, rec(sp.Activity, c["activity"])),
        "create_task": lambda: engine.create_task(actor, rec(sp.Task, c["task"])),
        "complete_task": lambda: engine.complete_task(actor, c["task"]),
        "reopen_task": lambda: engine.reopen_task(actor, c["task"]),
        "set_reminder_rules": lambda: engine.set_reminder_rules(actor, c["rules"]),
        "acknowledge_reminder": lambda: engine.acknowledge(actor, c["reminder"]),
        "snooze_reminder": lambda: engine.snooze(
            actor, c["reminder"], c["until"] if as_json else _parse_datetime(c["until"])
        ),
        "dismiss_reminder": lambda: engine.dismiss(actor, c["reminder"]),
        "set_target": lambda: engine.set_target(actor, rec(sp.Target, c["target"])),
        "remove_target": lambda: engine.remove_target(actor, c["target"]),
        "configure_sources": lambda: engine.configure_sources(
            actor, [rec(sp.Source, x) for x in c["sources"]]
        ),
        "configure_expenses": lambda: engine.configure_expenses(
            actor, rec(sp.ExpenseSettings, c["settings"])
        ),
        "submit_expense": lambda: engine.submit_expense(actor, rec(sp.Expense, c["expense"])),
        "decide_expense": lambda: engine.decide_expense(
            actor, c["expense"], c["decision"], c.get("comment", "")
        ),
        "withdraw_expense": lambda: engine.withdraw_expense(actor, c["expense"]),
        "resubmit_expense": lambda: engine.resubmit_expense(
            actor,
            c["expense"],
            (c["amount"] if as_json else sp.Money.from_dict(c["amount"])) if "amount" in c else None,
            c.get("note"),
        ),
        "take_forecast_snapshot": lambda: engine.take_forecast_snapshot(
            actor, c["id"], c["period"], c.get("currency")
        ),
    }
    if t not in calls:
        # A command type without a typed method would be a gap in the binding.
        pytest.fail(f"no Python method for command type {t!r}")
    calls[t]()


def run_query(engine: sp.Engine, actor: Optional[str], q: Dict[str, Any]) -> Any:
    """As the Rust runner: the query as data through ``Engine.query``; errors as their code."""
    try:
        return engine.query(actor, q)
    except sp.ValidationError as e:
        if e.field.split(".")[0].split("[")[0] == "query":  # a malformed query fails the
            # scenario, as in the Rust runner (the field names the path inside the query)
            pytest.fail(f"bad query {q}: {e}")
        return {"error": e.code}
    except sp.SalespipeError as e:
        return {"error": e.code}


def test_the_suite_is_there() -> None:
    assert len(FILES) >= 7, FILES


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    clock = sp.ManualClock(_parse_datetime(scenario["start"]))
    engine = sp.Engine(clock=clock)
    for i, step in enumerate(scenario["steps"]):
        where = f"{scenario['name']}: steps[{i}]"
        if "at" in step:
            clock.set(_parse_datetime(step["at"]))
        if "command" in step:
            expect = step.get("expect_error")
            written = len(engine.events_after(0, 1_000_000))
            try:
                run_command(engine, step["actor"], step["command"], as_json=expect is not None)
            except sp.SalespipeError as e:
                # a refused command writes nothing
                assert len(engine.events_after(0, 1_000_000)) == written, f"{where}: wrote"
                assert expect is not None, f"{where}: unexpected error {e.code}: {e}"
                assert e.code == expect, f"{where}: expected error {expect}, got {e.code}: {e}"
            else:
                assert expect is None, f"{where}: expected error {expect}, the command succeeded"
        if "query" in step:
            actual = run_query(engine, step.get("actor"), step["query"])
            try:
                subset_match(step["expect"], actual)
            except AssertionError as e:
                raise AssertionError(f"{where}: {e}") from None
