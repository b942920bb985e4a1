"""No crash through the binding (issue 16): deep nesting is a ValidationError naming the
path, and random commands and queries either succeed or raise a SalespipeError / TypeError."""

from __future__ import annotations

import random
import string
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, List

import pytest

import salespipe as sp
from salespipe import _salespipe

DEEP = 20_000


def _deep_list(n: int) -> Any:
    v: Any = []
    for _ in range(n):
        v = [v]
    return v


def _deep_dict(n: int) -> Any:
    v: Any = {}
    for _ in range(n):
        v = {"k": v}
    return v


@pytest.mark.parametrize("make", [_deep_list, _deep_dict])
def test_a_value_nested_20000_deep_is_a_validation_error(
    engine: sp.Engine, make: Callable[[int], Any]
) -> None:
    deep = make(DEEP)
    with pytest.raises(sp.ValidationError) as info:
        engine.execute("admin", {"type": "register_user", "user": deep})
    assert "nested deeper than 128" in str(info.value)
    assert str(info.value).startswith("command.user")
    with pytest.raises(sp.ValidationError):
        engine.query("admin", {"type": "users", "as_of": deep})
    with pytest.raises(sp.ValidationError):
        _salespipe.to_json(deep)


def test_the_depth_bound_is_128_levels() -> None:
    assert _salespipe.to_json(_deep_list(128)) == _deep_list(128)
    with pytest.raises(sp.ValidationError) as info:
        _salespipe.to_json(_deep_list(129), "v")
    assert "v" + "[0]" * 129 in str(info.value)


def test_a_self_referencing_value_is_refused() -> None:
    loop: List[Any] = []
    loop.append(loop)
    with pytest.raises(sp.ValidationError):
        _salespipe.to_json(loop)

    class Selfish:
        def to_dict(self) -> Any:
            return self

    with pytest.raises(sp.ValidationError):
        _salespipe.to_json(Selfish())


def test_a_huge_forecast_is_refused_before_allocating(engine: sp.Engine) -> None:
    for method, field in [
        ({"kind": "monte_carlo", "samples": 2**32 - 1, "seed": 1}, "method.samples"),
        ({"kind": "auto", "max_support": 2**64 - 1, "samples": 10, "seed": 1}, "method.max_support"),
    ]:
        with pytest.raises(sp.ValidationError) as info:
            engine.query("admin", {"type": "forecast", "pipeline": "sales", "method": method})
        assert field in str(info.value)
    events = engine.query("admin", {"type": "events", "limit": 2**64 - 1})
    assert len(events) > 1


COMMANDS = [
    "advance", "force_advance", "move_back", "win", "lose", "reopen", "tick", "untick",
    "create_customer", "update_customer", "create_opportunity", "update_opportunity",
    "log_activity", "create_task", "complete_task", "reopen_task", "register_user",
    "define_pipeline", "edit_pipeline", "define_process", "add_contact", "submit_approval",
    "decide_approval", "withdraw_approval", "resubmit_approval", "set_target", "remove_target",
    "configure_expenses", "submit_expense", "decide_expense", "withdraw_expense",
    "resubmit_expense", "configure_sources", "take_forecast_snapshot", "set_reminder_rules",
    "acknowledge_reminder", "snooze_reminder", "dismiss_reminder",
]
QUERIES = [
    "opportunity", "opportunities", "customer", "customers", "pipeline", "pipelines", "user",
    "users", "timeline", "activities", "task", "open_tasks", "due", "upcoming",
    "next_due_after", "reminder", "reminder_rules", "daily_report", "daily_range_report",
    "daily_team_report", "targets", "attainment", "expense", "expenses", "expense_settings",
    "expense_report", "sources", "source_report", "competitor_report", "forecast_snapshot",
    "forecast_snapshots", "forecast_accuracy", "funnel", "forecast", "calibration", "events",
    "process", "processes", "approval",
]
KEYS = [
    "id", "opportunity", "stage", "pipeline", "actor", "user", "owner", "at", "as_of", "limit",
    "amount", "currency", "minor", "method", "samples", "max_support", "seed", "kind", "day",
    "first", "last", "rep", "manager", "period", "window", "from", "to", "customer", "name",
    "reason", "item", "mapping", "stages", "probability", "products", "recipient", "until",
]
WORDS = ["sales", "qualify", "demo", "quote", "opp-1", "acme", "wang", "li", "admin", "CNY"]


def _text(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.4:
        return rng.choice(WORDS)
    if pick < 0.5:
        return "2026-03-0%dT00:00:00Z" % rng.randint(1, 9)
    if pick < 0.6:
        return "\ud800"  # a lone surrogate: not encodable as UTF-8
    alphabet = string.printable + "é王\u0000\U0001f600"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def _value(rng: random.Random, depth: int) -> Any:
    leaves: List[Callable[[], Any]] = [
        lambda: None,
        lambda: rng.random() < 0.5,
        lambda: rng.choice([0, 1, -1, 2**31, 2**63 - 1, 2**64 - 1, 2**64, -(2**63) - 1]),
        lambda: rng.randint(-10**6, 10**6),
        lambda: rng.choice([0.5, -1e308, float("nan"), float("inf"), 1e-300]),
        lambda: _text(rng),
        lambda: datetime(2026, 3, rng.randint(1, 28), tzinfo=timezone.utc),
        lambda: datetime(2026, 3, 1),  # naive: refused
        lambda: date(2026, 4, rng.randint(1, 30)),
        lambda: timedelta(days=rng.randint(-2, 30)),
        lambda: sp.Money("12.50", "CNY"),
        lambda: object(),
        lambda: b"bytes",
        lambda: {1, 2},
    ]
    if depth <= 0 or rng.random() < 0.45:
        return rng.choice(leaves)()
    if rng.random() < 0.5:
        return [_value(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    out: Dict[Any, Any] = {}
    for _ in range(rng.randint(0, 5)):
        key: Any = rng.choice(KEYS) if rng.random() < 0.9 else rng.choice([1, None, _text(rng)])
        out[key] = _value(rng, depth - 1)
    return out


def _request(rng: random.Random, types: List[str]) -> Dict[Any, Any]:
    out: Dict[Any, Any] = {}
    if rng.random() < 0.95:
        out["type"] = rng.choice(types) if rng.random() < 0.9 else _value(rng, 1)
    for _ in range(rng.randint(0, 6)):
        out[rng.choice(KEYS)] = _value(rng, rng.randint(0, 6))
    return out


CASES = 2_000


@pytest.mark.parametrize("entry", ["execute", "query"])
def test_random_requests_never_crash(engine: sp.Engine, entry: str) -> None:
    rng = random.Random(16 if entry == "execute" else 61)
    types = COMMANDS if entry == "execute" else QUERIES
    call = engine.execute if entry == "execute" else engine.query
    outcomes = {"ok": 0, "refused": 0}
    for case in range(CASES):
        request = _request(rng, types)
        actor = rng.choice(["admin", "wang", "li", "", "nobody"])
        try:
            call(actor, request)
            outcomes["ok"] += 1
        except (sp.SalespipeError, TypeError):
            outcomes["refused"] += 1
        except BaseException as e:  # noqa: B902 - the point of the test
            pytest.fail(f"case {case}: {request!r} raised {type(e).__name__}: {e}")
    assert outcomes["refused"] > 0
    # the engine is still usable afterwards
    assert engine.query("admin", {"type": "opportunity", "id": "opp-1"}) is not None
