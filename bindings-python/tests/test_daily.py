"""The rep's daily report (销售日报) through Python: local days, money per currency, teams."""

from __future__ import annotations

import datetime as dt

import pytest

import salespipe as sp
from helpers import at


def engine() -> tuple[sp.Engine, sp.ManualClock]:
    clock = sp.ManualClock(at("2026-03-01T15:59:59"))
    e = sp.Engine(clock=clock)
    e.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    e.register_user("admin", sp.User("li", "李经理", role=sp.Role.MANAGER, manager="admin"))
    e.register_user("admin", sp.User("wang", "王芳", manager="li", time_zone="Asia/Shanghai"))
    e.define_pipeline(
        "admin",
        sp.Pipeline("s", "S", [sp.Stage("a", "A", 0.1), sp.Stage("b", "B", 0.5)]),
    )
    return e, clock


def test_a_shanghai_day_and_its_figures() -> None:
    e, clock = engine()
    e.create_customer("wang", sp.Customer("early", "Early"))  # 23:59:59 local, 1 March
    clock.set(at("2026-03-01T16:00:00"))  # 00:00 local, 2 March
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    e.create_opportunity(
        "wang", sp.NewOpportunity("o1", "s", "acme", "wang", "ERP", sp.Money("1000.00", "CNY"))
    )
    e.create_opportunity(
        "wang", sp.NewOpportunity("o2", "s", "acme", "wang", "CRM", sp.Money("5.00", "USD"))
    )
    e.advance("wang", "o1", "b")  # 100000 minor x (0.5 - 0.1)
    e.lose("wang", "o2", "price")
    e.log_activity("wang", sp.Activity("a1", "call", "acme", clock.now()))
    as_of = at("2026-03-05T00:00:00")

    r = e.daily_report("wang", dt.date(2026, 3, 2), as_of)
    assert isinstance(r, sp.DailyReport)
    assert (r.from_, r.to) == (at("2026-03-01T16:00:00"), at("2026-03-02T16:00:00"))
    assert r.time_zone == "Asia/Shanghai"
    f = r.figures
    assert (f.new_customers, f.new_opportunities, f.advances, f.lost) == (1, 2, 1, 1)
    assert f.new_opportunity_amount == {"CNY": 100_000, "USD": 500}
    assert f.weighted_change["CNY"] == pytest.approx(40_000.0)
    assert f.lost_amount == {"USD": 500}
    assert f.activities == {"call": 1}
    assert r.to_dict()["figures"]["won"] == 0

    before = e.daily_report("wang", dt.date(2026, 3, 1), as_of)
    assert before.figures.new_customers == 1

    rng = e.daily_range_report("wang", dt.date(2026, 3, 1), dt.date(2026, 3, 2), as_of)
    assert [d.day for d in rng.days] == [dt.date(2026, 3, 1), dt.date(2026, 3, 2)]
    assert rng.total.new_customers == 2

    team = e.daily_team_report("li", dt.date(2026, 3, 2), as_of)
    assert [row.rep for row in team.rows] == ["wang"]
    assert team.totals.new_opportunity_amount == {"CNY": 100_000, "USD": 500}


def test_bad_input_raises_the_core_errors() -> None:
    e, clock = engine()
    with pytest.raises(sp.NotFound):
        e.daily_report("nobody", dt.date(2026, 3, 2), clock.now())
    with pytest.raises(sp.ValidationError):
        e.daily_range_report("wang", dt.date(2026, 3, 2), dt.date(2026, 3, 1), clock.now())
    with pytest.raises(sp.ValidationError):
        e.daily_report("wang", dt.date(2026, 3, 2), dt.datetime(2026, 3, 2))  # naive
