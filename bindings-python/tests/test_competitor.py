"""The competitor report (竞争对手报告) through Python: engine and rows, as of, windows, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import salespipe as sp
from helpers import at


def engine() -> tuple[sp.Engine, sp.ManualClock]:
    clock = sp.ManualClock(at("2026-03-01T01:00:00"))
    e = sp.Engine(clock=clock)
    e.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    e.register_user("admin", sp.User("wang", "王芳", manager="admin"))
    e.define_pipeline(
        "admin",
        sp.Pipeline("s", "S", [sp.Stage("a", "A", 0.1), sp.Stage("b", "B", 0.5)]),
    )
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    return e, clock


def deal(e: sp.Engine, id: str, amount: sp.Money, *names: str) -> None:
    e.create_opportunity(
        "wang",
        sp.NewOpportunity(
            id, "s", "acme", "wang", id, amount, competitors=[sp.Competitor(n) for n in names]
        ),
    )


def test_the_engine_report_by_hand() -> None:
    e, clock = engine()
    deal(e, "o1", sp.Money("1000.00", "CNY"), "Globex", "Initech")
    deal(e, "o2", sp.Money("500.00", "CNY"), "Globex")
    deal(e, "o3", sp.Money("80.00", "USD"), "Globex")
    clock.set(at("2026-03-01T12:00:00"))
    e.advance("wang", "o1", "b")
    e.win("wang", "o1")
    clock.set(at("2026-03-02T01:00:00"))
    e.advance("wang", "o2", "b")
    e.lose("wang", "o2", "price", "Globex")
    lost_at = clock.now()
    clock.set(at("2026-03-03T01:00:00"))
    e.reopen("wang", "o2", "customer came back")

    r = e.competitor_report()
    assert isinstance(r, sp.CompetitorReport)
    assert r.as_of is None and r.deals == 3
    assert [c.competitor for c in r.competitors] == ["Globex", "Initech"]
    g = r.get("Globex")
    assert g is not None
    # o2 was reopened: open again.
    assert (g.met, g.open, g.won, g.lost_to, g.lost_other) == (3, 2, 1, 0, 0)
    assert g.win_rate == 1.0 and g.head_to_head_win_rate == 1.0
    assert g.open_amount == {"CNY": 50_000, "USD": 8_000}
    assert g.won_amount == {"CNY": 100_000}
    assert g.lost_at_stage == {}

    before = e.competitor_report(lost_at)
    g = before.get("Globex")
    assert g is not None
    assert (g.open, g.won, g.lost_to) == (1, 1, 1)
    assert g.win_rate == 0.5
    assert g.lost_at_stage == {"b": sp.StageLoss(1, {"CNY": 50_000})}
    assert before.as_of == lost_at

    window = e.competitor_report(lost_at, closed=(lost_at, None))
    assert window.closed == sp.TimeWindow(lost_at, None)
    g = window.get("Globex")
    assert g is not None and (g.won, g.lost_to) == (0, 1)
    assert window.get("Initech") is None  # its only deal closed before the window


def test_rows_and_their_errors() -> None:
    t = at("2026-03-02T01:00:00")
    rows: list[sp.CompetitorRow | dict[str, Any]] = [
        sp.CompetitorRow("o1", "Globex", sp.Money("10", "EUR"), sp.CompetitorOutcome.OPEN),
        sp.CompetitorRow(
            "o2",
            "Globex",
            sp.Money("5", "EUR"),
            sp.CompetitorOutcome.LOST_TO,
            lost_from="demo",
            closed_at=t,
        ),
        {
            "opportunity": "o3",
            "competitor": "Hooli",
            "amount": {"minor": 100, "currency": "USD"},
            "outcome": "open",
        },
    ]
    r = sp.competitor_report(rows)
    g = r.get("Globex")
    h = r.get("Hooli")
    assert g is not None and h is not None
    assert (g.met, g.lost_to, g.win_rate) == (2, 1, 0.0)
    assert g.lost_at_stage["demo"].amount == {"EUR": 500}
    assert (h.open, h.win_rate, h.head_to_head_win_rate) == (1, None, None)
    assert r.to_dict()["competitors"][1]["win_rate"] is None

    bad = sp.CompetitorRow("o1", "Globex", sp.Money("-1", "EUR"), sp.CompetitorOutcome.OPEN)
    with pytest.raises(sp.ValidationError, match=r"rows\[0\]\.amount"):
        sp.competitor_report([bad])
    no_close = sp.CompetitorRow("o1", "Globex", sp.Money("1", "EUR"), sp.CompetitorOutcome.WON)
    with pytest.raises(sp.ValidationError, match=r"rows\[0\]\.closed_at"):
        sp.competitor_report([no_close])
    with pytest.raises(sp.ValidationError, match=r"closed_at"):
        sp.competitor_report(rows, as_of=t - dt.timedelta(seconds=1))
    with pytest.raises(sp.ValidationError):
        sp.competitor_report(rows, as_of=dt.datetime(2026, 3, 2))  # naive
    with pytest.raises(sp.ValidationError, match=r"closed\.to"):
        sp.competitor_report(rows, closed=(t, t - dt.timedelta(days=1)))
