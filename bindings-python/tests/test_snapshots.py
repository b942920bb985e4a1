"""Forecast snapshots and accuracy through Python: the engine path, plain records, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

import salespipe as sp
from helpers import at, cny, team


def engine() -> tuple[sp.Engine, sp.ManualClock]:
    """li manages wang; the company clock is Asia/Shanghai (Q1 ends at 2026-03-31T16:00Z)."""
    e, clock = team("2026-02-01T00:00:00", time_zone="Asia/Shanghai")
    e.define_pipeline(
        "admin",
        sp.Pipeline(
            "s",
            "S",
            [
                sp.Stage("a", "A", 0.1),
                sp.Stage("q", "Quote", 0.5, forecast_category=sp.ForecastCategory.BEST_CASE),
                sp.Stage("c", "Contract", 0.9, forecast_category=sp.ForecastCategory.COMMIT),
            ],
            allow_skip=True,
        ),
    )
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    return e, clock


def deal(e: sp.Engine, id: str, amount: str, close: dt.date, stage: str) -> None:
    e.create_opportunity(
        "wang",
        sp.NewOpportunity(
            id, "s", "acme", "wang", id, cny(amount), expected_close=close, stage=stage
        ),
    )


def test_snapshot_and_accuracy_through_the_engine() -> None:
    e, clock = engine()
    deal(e, "commit", "2000", dt.date(2026, 3, 20), "c")
    deal(e, "best", "1000", dt.date(2026, 3, 25), "q")
    e.take_forecast_snapshot("li", "s1", "2026-Q1", "CNY")

    s1 = e.forecast_snapshot("s1")
    assert isinstance(s1, sp.ForecastSnapshot)
    assert (s1.period, s1.time_zone, s1.currency) == ("2026-Q1", "Asia/Shanghai", "CNY")
    assert s1.taken_at == at("2026-02-01T00:00:00")
    wang = s1.rep("wang")
    assert wang is not None and isinstance(wang, sp.RepSnapshot)
    # 2,000.00 × 0.9 + 1,000.00 × 0.5
    assert wang.weighted_pipeline == pytest.approx(230_000.0)
    assert (wang.commit, wang.best_case) == (cny("2000"), cny("1000"))
    # totals 0, 1,000, 2,000, 3,000 with probabilities .05, .05, .45, .45
    assert (wang.p10, wang.p50, wang.p90) == (100_000, 200_000, 300_000)
    assert wang.figures() == sp.Figures(
        weighted=230_000.0, commit=200_000.0, best_case=300_000.0, p50=200_000.0
    )
    assert [s.id for s in e.forecast_snapshots()] == ["s1"]

    # the deal is pushed three times, then won at 23:59 on 31 March, Shanghai time
    for close in ("2026-03-26", "2026-03-27", "2026-03-28"):
        e.update_opportunity("wang", "best", {"expected_close": dt.date.fromisoformat(close)})
    clock.set(at("2026-03-31T15:59:00"))
    e.win("wang", "commit")

    pending = e.forecast_accuracy(at("2026-03-31T15:59:59"))
    assert pending.pending == ["s1"] and pending.comparisons == []
    r = e.forecast_accuracy(at("2026-03-31T16:00:00"))
    assert isinstance(r, sp.ForecastAccuracy)
    (c,) = [x for x in r.comparisons if x.rep == "wang"]
    assert c.actual == cny("2000")
    assert c.error == sp.Figures(weighted=30_000.0, commit=0.0, best_case=100_000.0, p50=0.0)
    assert c.absolute_percentage_error is not None
    assert c.absolute_percentage_error.weighted == pytest.approx(0.15)
    acc = r.rep("wang", "CNY")
    assert acc is not None and acc.snapshots == 1 and acc.periods == ["2026-Q1"]
    assert acc.weighted.bias == pytest.approx(30_000.0)
    assert acc.weighted.mape == pytest.approx(0.15)
    # li owns nothing and won nothing: no ratio, not 0
    li = r.rep("li", "CNY")
    assert li is not None and li.weighted.mape is None and li.weighted.mape_snapshots == 0
    assert r.pushed == [sp.PushedDeal(opportunity="best", owner="wang", pushes=3, flagged=True)]
    assert r.flag_at == 3
    assert r.to_dict()["reps"][0]["rep"] == "li"


def test_bad_snapshots_are_refused_and_nothing_is_written() -> None:
    e, clock = engine()
    e.take_forecast_snapshot("li", "s1", "2026-Q1", "CNY")
    before = len(list(e.events()))
    with pytest.raises(sp.AlreadyExists):
        e.take_forecast_snapshot("li", "s1", "2026-Q2", "CNY")
    with pytest.raises(sp.PermissionDenied):
        e.take_forecast_snapshot("wang", "s2", "2026-Q1", "CNY")
    with pytest.raises(sp.ValidationError, match="currency"):
        e.take_forecast_snapshot("li", "s2", "2026-Q1")
    with pytest.raises(sp.ValidationError, match="period"):
        e.take_forecast_snapshot("li", "s2", "2026-Q5", "CNY")
    clock.set(at("2026-03-31T16:00:00"))  # 1 April in Shanghai: Q1 has ended
    with pytest.raises(sp.ValidationError, match="period"):
        e.take_forecast_snapshot("li", "s2", "2026-Q1", "CNY")
    with pytest.raises(sp.NotFound):
        e.forecast_snapshot("nope")
    assert len(list(e.events())) == before


def test_snapshot_and_accuracy_over_plain_records() -> None:
    users = [sp.User("wang", "Wang")]
    deals = [
        sp.DealRow("wang", cny("100"), sp.DealOutcome.WON, closed_at=at("2026-03-02T00:00:00")),
        sp.DealRow(
            "wang",
            cny("200"),
            sp.DealOutcome.OPEN,
            expected_close=dt.date(2026, 3, 20),
            probability=0.5,
        ),
    ]
    snap = sp.forecast_snapshot(
        "m", users, [], deals, "2026-03", as_of=at("2026-03-05T00:00:00"), currency="CNY"
    )
    wang = snap.rep("wang")
    assert wang is not None
    assert wang.figures().weighted == pytest.approx(20_000.0)
    assert (wang.p10, wang.p50, wang.p90) == (0, 0, 20_000)
    # figures of a row built in Python: computed by the core all the same
    row = sp.RepSnapshot(
        "qian", "钱伟", cny("100"), cny("50"), 1, 2_500.0, cny("20"), cny("30"), 0, 4_000,
        5_000, "exact",
    )
    assert row.figures() == sp.Figures(
        weighted=12_500.0, commit=12_000.0, best_case=15_000.0, p50=14_000.0
    )

    actuals = [sp.ActualRow("2026-03", "wang", cny("100"))]
    r = sp.forecast_accuracy(
        [snap], actuals, [sp.PushRow("o1", "wang", 2)], as_of=at("2026-04-01T00:00:00")
    )
    assert r.comparisons[0].error.weighted == pytest.approx(10_000.0)
    assert r.comparisons[0].error.p50 == pytest.approx(0.0)
    rep = r.rep("wang", "CNY")
    assert rep is not None and rep.weighted.mape == pytest.approx(1.0)
    assert r.pushed[0].flagged is False

    # not ended yet: pending, no actual needed
    early = sp.forecast_accuracy([snap], [], as_of=at("2026-03-31T23:59:59"))
    assert early.pending == ["m"]

    with pytest.raises(sp.ValidationError, match="actuals"):
        sp.forecast_accuracy([snap], [], as_of=at("2026-04-01T00:00:00"))
    with pytest.raises(sp.MoneyError):
        sp.forecast_accuracy(
            [snap],
            [sp.ActualRow("2026-03", "wang", sp.Money("1", "USD"))],
            as_of=at("2026-04-01T00:00:00"),
        )
    with pytest.raises(sp.ValidationError, match=r"actuals\[0\].won"):
        sp.forecast_accuracy(
            [snap], [sp.ActualRow("2026-03", "wang", cny("-1"))], as_of=at("2026-04-01T00:00:00")
        )
    with pytest.raises(sp.ValidationError, match=r"snapshots\[1\].id"):
        sp.forecast_accuracy([snap, snap], actuals, as_of=at("2026-04-01T00:00:00"))
