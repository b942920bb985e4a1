"""The source report (来源统计) through Python."""

from __future__ import annotations

import pytest

import salespipe as sp
from helpers import at


def test_sources_configured_checked_and_reported() -> None:
    clock = sp.ManualClock(at("2026-03-01T00:00:00"))
    e = sp.Engine(clock=clock)
    e.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    e.register_user("admin", sp.User("wang", "王芳"))
    assert e.sources() is None
    e.define_pipeline(
        "admin", sp.Pipeline("s", "S", [sp.Stage("a", "A", 0.2)], lost_reasons=["price"])
    )
    e.configure_sources("admin", [sp.Source("高交会", "trade fair"), sp.Source("网络推广", "web")])
    sources = e.sources()
    assert sources is not None and [s.id for s in sources] == ["高交会", "网络推广"]
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    for i, (src, amount) in enumerate([("高交会", "100"), ("高交会", "50"), ("网络推广", "10")]):
        e.create_opportunity(
            "wang",
            sp.NewOpportunity(f"o{i}", "s", "acme", "wang", "x", sp.Money(amount, "CNY"), source=src),
        )
    with pytest.raises(sp.ValidationError, match="source"):
        e.create_opportunity(
            "wang",
            sp.NewOpportunity("bad", "s", "acme", "wang", "x", sp.Money("1", "CNY"), source="?"),
        )
    clock.set(at("2026-03-03T00:00:00"))
    e.win("wang", "o0")
    e.lose("wang", "o1", "price")
    r = e.source_report("s")
    assert isinstance(r, sp.SourceReport)
    fair = r.row("高交会")
    assert fair is not None and isinstance(fair, sp.SourceRow)
    assert (fair.created, fair.won, fair.lost) == (2, 1, 1)
    assert fair.win_rate == pytest.approx(0.5)
    assert fair.revenue == 10_000
    assert fair.avg_cycle_days == pytest.approx(2.0)
    web = r.row("网络推广")
    assert web is not None and web.win_rate is None and web.open == 1
    before = e.source_report("s", as_of=at("2026-03-02T00:00:00"))
    row = before.row("高交会")
    assert row is not None and row.won == 0
    with pytest.raises(sp.NotFound):
        e.source_report("nope")


def test_the_source_report_over_frames() -> None:
    import pyarrow as pa

    ts = pa.timestamp("ms", tz="UTC")
    d0, d2, d4 = at("2026-03-01T00:00:00"), at("2026-03-03T00:00:00"), at("2026-03-05T00:00:00")
    events = pa.table(
        {
            "opp": ["a", "a", "b", "b", "c"],
            "at": pa.array([d0, d2, d0, d4, d0], ts),
            "stage": ["qualify", "won", "qualify", "lost", "qualify"],
        }
    )
    opps = pa.table(
        {
            "opp": ["a", "b", "c"],
            "amount": pa.array([100_00, 50_00, 7_00], pa.int64()),
            "created": pa.array([d0, d0, d0], ts),
            "source": ["fair", "fair", "web"],
        }
    )
    pipeline = sp.Pipeline("s", "S", [sp.Stage("qualify", "Q", 0.2)])
    f = sp.funnel(events, opps, pipeline, as_of=d4, by="source", currency="CNY")
    r = sp.source_report(
        f,
        costs={"fair": {"CNY": 30_00}},
        sources=[sp.Source("fair", "trade fair"), sp.Source("web", "web"), sp.Source("ads", "ads")],
    )
    fair = r.row("fair")
    assert fair is not None
    assert (fair.created, fair.won, fair.lost, fair.revenue) == (2, 1, 1, 100_00)
    assert fair.cost_per_won == {"CNY": 3000.0}
    assert fair.avg_cycle_days == pytest.approx(2.0)
    ads = r.row("ads")
    assert ads is not None and ads.created == 0 and ads.win_rate is None
    assert [s.source for s in r.sources] == ["fair", "web", "ads"]
