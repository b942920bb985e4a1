"""Every report as a DataFrame: the frames equal the dict reports, in every library, with
one unit convention (money in minor units beside a currency, durations as durations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Dict, List

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import salespipe as sp
from helpers import at, cny
from test_daily import engine as daily_engine
from test_funnel import AS_OF, frames, history  # noqa: F401  (the fixture)



def rows(table: Any) -> List[Dict[str, Any]]:
    """The rows of a frame of any library, as Python values."""
    return pa.table(table).to_pylist() if not isinstance(table, pd.DataFrame) else [
        {str(k): (None if v is pd.NA or v is pd.NaT else v) for k, v in r.items()}
        for r in table.to_dict("records")
    ]


def secs(s: Any) -> Any:
    return None if s is None else dt.timedelta(milliseconds=round(s * 1000))


def test_the_funnel_tables_equal_the_report(history: sp.Engine) -> None:  # noqa: F811
    events, opps = frames(history)
    p = history.pipeline("sales")
    for ev, op, lib in (
        (events, opps, pa.Table),
        (pl.from_arrow(events), pl.from_arrow(opps), pl.DataFrame),
        (events.to_pandas(), opps.to_pandas(), pd.DataFrame),
    ):
        r = sp.funnel(ev, op, p, as_of=AS_OF, by="owner", currency="CNY")
        assert isinstance(r.to_frame(), lib)  # the library the frames came in
    r = sp.funnel(events, opps, p, as_of=AS_OF, by="owner", currency="CNY")
    d = r.to_dict()
    scopes = [(True, d["total"])] + [(False, g) for g in d["groups"]]

    got = rows(r.to_frame("stages", groups=True))
    want = [
        {
            "total": total,
            "group": g.get("key"),
            "stage": s["id"],
            "entered": s["entered"],
            "win_rate": s["win_rate"],
            "dwell_median": secs(s["dwell"]["median_seconds"]),
            "open_mean_age": secs(s["open_age"]["mean_seconds"]),
            "open_amount": s["open_amount"],
            "currency": "CNY",
        }
        for total, g in scopes
        for s in g["stages"]
    ]
    assert [{k: row[k] for k in want[0]} for row in got] == want
    assert len(rows(r.to_frame("stages"))) == len(d["total"]["stages"])  # total only

    pipe = rows(r.to_frame("pipeline", groups=True))
    assert [(x["group"], x["closed_won"], x["won_amount"], x["open_count"]) for x in pipe] == [
        (g.get("key"), g["pipeline"]["closed_won"], g["pipeline"]["won_amount"],
         g["pipeline"]["open_count"])
        for _, g in scopes
    ]
    cycle = d["total"]["pipeline"]["avg_cycle_days"]
    assert pipe[0]["avg_cycle"] == (None if cycle is None else secs(cycle * 86_400))

    matrix = r.to_frame("transitions", library="pandas")
    t = d["total"]["transitions"]
    pivot = matrix.pivot(index="from", columns="to", values="count")
    for i, f in enumerate(t["from"]):
        for j, to in enumerate(t["to"]):
            assert pivot.loc[f, to] == t["counts"][i][j]

    with pytest.raises(sp.ValidationError, match="not a table of the funnel report"):
        r.to_frame("nope")
    with pytest.raises(ValueError, match="library must be one of"):
        r.to_frame(library="excel")  # type: ignore[arg-type]


def test_pandas_frames_keep_integers_and_durations() -> None:
    events = pa.table(
        {"opp": ["a", "a", "b"], "at": pa.array([0, 86_400_000, 0], pa.int64()),
         "stage": ["q", "won", "q"]}
    )
    opps = pa.table(
        {"opp": ["a", "b"], "amount": pa.array([1000, 250], pa.int64()),
         "created": pa.array([0, 0], pa.int64())}
    )
    p = sp.Pipeline("s", "S", [sp.Stage("q", "Q", 0.5), sp.Stage("r", "R", 0.7)])
    r = sp.funnel(events, opps, p, as_of=dt.datetime(1970, 1, 3, tzinfo=dt.timezone.utc))
    df = r.to_pandas()
    assert str(df["entered"].dtype) == "Int64"  # nullable integers, never floats
    assert str(df["stale"].dtype) == "Int64" and df["stale"].isna().all()
    assert str(df["dwell_median"].dtype).startswith("timedelta64")
    assert df["dwell_median"].iloc[0] == pd.Timedelta(days=1)
    pipe = r.to_polars("pipeline")
    assert pipe["avg_cycle"].dtype == pl.Duration("ms")
    assert pipe["won_amount"].to_list() == [1000]
    assert sp.major_units(pipe["won_amount"][0], "JPY") == Decimal("1000")
    assert sp.major_units(123450, "CNY") == Decimal("1234.50")
    with pytest.raises(TypeError):
        sp.major_units(1.5, "CNY")  # type: ignore[arg-type]


def test_forecast_and_calibration_frames(history: sp.Engine) -> None:  # noqa: F811
    events, opps = frames(history)
    p = history.pipeline("sales")
    f = sp.forecast(events, opps, p, as_of=AS_OF)
    assert isinstance(f, dict)
    [row] = rows(f.to_frame())
    assert {k: row[k] for k in ("expected", "p10", "p50", "p90", "method")} == {
        k: f[k] for k in ("expected", "p10", "p50", "p90", "method")
    }
    assert isinstance(f.to_frame(), pa.Table)
    c = sp.calibration(events, opps, p, as_of=AS_OF)
    assert [(x["stage"], x["closed"], x["observed"]) for x in rows(c.to_frame())] == [
        (s["stage"], s["closed"], s["observed"]) for s in c["stages"]
    ]
    e = history.forecast("sales", as_of=AS_OF)
    assert isinstance(e.to_frame(), pd.DataFrame)
    assert isinstance(history.calibration("sales", as_of=AS_OF).to_frame(library="polars"),
                      pl.DataFrame)


def test_daily_frames_equal_the_records() -> None:
    e, clock = daily_engine()
    clock.set(at("2026-03-01T16:00:00"))
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    e.create_opportunity(
        "wang", sp.NewOpportunity("o1", "s", "acme", "wang", "ERP", sp.Money("1000.00", "CNY"))
    )
    e.create_opportunity(
        "wang", sp.NewOpportunity("o2", "s", "acme", "wang", "CRM", sp.Money("5.00", "USD"))
    )
    e.advance("wang", "o1", "b")
    e.log_activity("wang", sp.Activity("a1", "call", "acme", clock.now()))
    as_of = at("2026-03-05T00:00:00")
    team = e.daily_team_report("li", dt.date(2026, 3, 2), as_of)
    [rep] = rows(team.to_frame())
    f = team.rows[0].figures
    assert (rep["rep"], rep["day"], rep["new_opportunities"], rep["advances"], rep["activities"]) == (
        "wang", dt.date(2026, 3, 2), f.new_opportunities, f.advances, 1
    )
    amounts = rows(team.to_frame("amounts"))
    assert [(a["currency"], a["new_opportunity_amount"]) for a in amounts] == sorted(
        f.new_opportunity_amount.items()
    )
    assert amounts[0]["weighted_change"] == pytest.approx(f.weighted_change["CNY"])
    assert rows(team.to_frame("activities", library="polars")) == [
        {"rep": "wang", "day": dt.date(2026, 3, 2), "kind": "call", "count": 1}
    ]
    rng = e.daily_range_report("wang", dt.date(2026, 3, 1), dt.date(2026, 3, 2), as_of)
    assert [x["day"] for x in rows(rng.to_frame())] == [d.day for d in rng.days]
    with pytest.raises(sp.ValidationError, match="tables: reps, amounts, activities"):
        team.to_frame("days")


def test_management_frames_equal_the_records() -> None:
    users = [sp.User("li", "Li", role=sp.Role.MANAGER), sp.User("wang", "Wang", manager="li")]
    targets = [sp.Target("w", "rep:wang", "2026-03", cny("100"))]
    deals = [
        sp.DealRow("wang", cny("30"), sp.DealOutcome.WON, closed_at=at("2026-03-10T00:00:00")),
        sp.DealRow("wang", sp.Money("9", "USD"), sp.DealOutcome.WON,
                   closed_at=at("2026-03-11T00:00:00")),
    ]
    att = sp.attainment(users, targets, deals, "2026-03")
    scopes = rows(att.to_frame())
    assert [(s["scope"], s["closed_won"], s["currency"]) for s in scopes] == [
        (str(r.scope), r.closed_won.minor, "CNY") for r in att.rows
    ]
    other = rows(att.to_frame("other_currencies"))
    assert [(x["scope"], x["currency"], x["closed_won"]) for x in other] == [
        (str(r.scope), c, o.closed_won) for r in att.rows for c, o in r.other_currencies.items()
    ]
    assert ("rep:wang", "USD", 900) in [(x["scope"], x["currency"], x["closed_won"]) for x in other]

    comp = sp.competitor_report([
        sp.CompetitorRow("o1", "Globex", sp.Money("10", "EUR"), sp.CompetitorOutcome.OPEN),
        sp.CompetitorRow("o2", "Globex", sp.Money("5", "EUR"), sp.CompetitorOutcome.LOST_TO,
                         lost_from="demo", closed_at=at("2026-03-02T01:00:00")),
    ])
    [g] = rows(comp.to_frame())
    assert (g["competitor"], g["met"], g["lost_to"]) == ("Globex", 2, 1)
    assert rows(comp.to_frame("amounts")) == [
        {"competitor": "Globex", "currency": "EUR", "open_amount": 1000, "won_amount": 0,
         "lost_to_amount": 500, "lost_other_amount": 0}
    ]
    assert rows(comp.to_frame("stages")) == [{"competitor": "Globex", "stage": "demo", "lost": 1}]

    exp = sp.expense_report(
        [sp.ExpenseRow("a", "acme", "wang", "travel", cny("10"), sp.ExpenseStatus.APPROVED),
         sp.ExpenseRow("b", "acme", "wang", "gifts", sp.Money("3", "USD"),
                       sp.ExpenseStatus.APPROVED)],
        [sp.WonRow("acme", cny("100"), at("2026-03-02T00:00:00"))],
    )
    cust = rows(exp.to_frame())
    assert [(c["customer"], c["currency"], c["approved"], c["won"]) for c in cust] == [
        ("acme", "CNY", 1000, 10000), ("acme", "USD", 300, 0)
    ]
    assert cust[0]["expense_to_won"] == pytest.approx(0.1)
    assert {c["category"] for c in rows(exp.to_frame("categories"))} == {"travel", "gifts"}
    assert {(r["rep"], r["currency"]) for r in rows(exp.to_frame("reps"))} == {
        ("wang", "CNY"), ("wang", "USD")
    }


def test_the_source_frames() -> None:
    ts = pa.timestamp("ms", tz="UTC")
    d0, d2 = at("2026-03-01T00:00:00"), at("2026-03-03T00:00:00")
    events = pa.table({"opp": ["a", "a", "b"], "at": pa.array([d0, d2, d0], ts),
                       "stage": ["qualify", "won", "qualify"]})
    opps = pa.table({"opp": ["a", "b"], "amount": pa.array([100_00, 50_00], pa.int64()),
                     "created": pa.array([d0, d0], ts), "source": ["fair", "web"]})
    pipeline = sp.Pipeline("s", "S", [sp.Stage("qualify", "Q", 0.2)])
    f = sp.funnel(events, opps, pipeline, as_of=d2, by="source", currency="CNY")
    r = sp.source_report(f, costs={"fair": {"CNY": 30_00}})
    src = rows(r.to_frame(library="polars"))
    fair = next(s for s in src if s["source"] == "fair")
    assert (fair["won"], fair["revenue"], fair["avg_cycle"], fair["currency"]) == (
        1, 100_00, dt.timedelta(days=2), "CNY"
    )
    assert rows(r.to_frame("costs")) == [
        {"source": "fair", "currency": "CNY", "cost": 30_00, "cost_per_won": 3000.0}
    ]
