"""Funnel, forecast and calibration over pandas, polars and pyarrow frames."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import salespipe as sp
from conftest import START

AS_OF = START + timedelta(days=60)


@pytest.fixture
def history(engine: sp.Engine, clock: sp.ManualClock) -> sp.Engine:
    """opp-1 won; opp-2 lost in demo; opp-3 open in demo (owned by qian, source web)."""
    for i, owner in ((2, "wang"), (3, "qian")):
        engine.create_opportunity(
            owner,
            sp.NewOpportunity(
                f"opp-{i}", "sales", "acme", owner, f"Deal {i}", sp.Money(f"{i}000", "CNY"),
                source="web" if i == 3 else None,
            ),
        )
    for i, owner in ((1, "wang"), (2, "wang"), (3, "qian")):
        clock.advance(timedelta(days=3))
        engine.tick(owner, f"opp-{i}", "budget")
        engine.advance(owner, f"opp-{i}", "demo")
    clock.advance(timedelta(days=5))
    engine.advance("wang", "opp-1", "quote")
    engine.win("wang", "opp-1")
    engine.lose("wang", "opp-2", "price")
    return engine


def frames(engine: sp.Engine) -> tuple[pa.Table, pa.Table]:
    """The engine's history as the two frames, with string ids and stage ids."""
    ev: Dict[str, List[Any]] = {"opp": [], "at": [], "stage": []}
    op: Dict[str, List[Any]] = {"opp": [], "amount": [], "created": [], "owner": []}
    for e in engine.events():
        body = e.event
        if body["type"] == "opportunity_created":
            o = body["opportunity"]
            op["opp"].append(o["id"])
            op["amount"].append(o["amount"]["minor"])
            op["created"].append(e.at)
            op["owner"].append(o["owner"])
            ev["opp"].append(o["id"])
            ev["at"].append(e.at)
            ev["stage"].append(o.get("stage") or "qualify")
        elif body["type"] == "moved":
            ev["opp"].append(body["opportunity"])
            ev["at"].append(e.at)
            ev["stage"].append(body["to"])
    ts = pa.timestamp("ms", tz="UTC")
    events = pa.table(
        {"opp": ev["opp"], "at": pa.array(ev["at"], ts), "stage": ev["stage"]}
    )
    opps = pa.table(
        {
            "opp": op["opp"],
            "amount": pa.array(op["amount"], pa.int64()),
            "created": pa.array(op["created"], ts),
            "owner": op["owner"],
        }
    )
    return events, opps


def test_same_report_from_pyarrow_polars_pandas_and_the_engine(history: sp.Engine) -> None:
    events, opps = frames(history)
    pipeline = history.pipeline("sales")
    expected = history.funnel("sales", as_of=AS_OF, by="owner")
    for ev, op in (
        (events, opps),
        (pl.from_arrow(events), pl.from_arrow(opps)),
        (events.to_pandas(), opps.to_pandas()),
    ):
        r = sp.funnel(ev, op, pipeline, as_of=AS_OF, by="owner", currency="CNY")
        assert r == expected, type(ev)
    total = expected.total
    assert [s["entered"] for s in total["stages"]] == [3, 3, 1]
    assert total["pipeline"]["closed_won"] == 1 and total["pipeline"]["closed_lost"] == 1
    assert [g["key"] for g in expected.groups] == ["qian", "wang"]  # sorted, as groupby sorts


def test_core_dtypes_are_read_as_they_are(history: sp.Engine) -> None:
    """u64 ids, i64 ms, u16 stage codes, u32 groups: the zero-copy path."""
    events, opps = frames(history)
    ids = {o: i for i, o in enumerate(opps["opp"].to_pylist())}
    codes = {"qualify": 0, "demo": 1, "quote": 2, "won": 65534, "lost": 65535}
    raw_events = pa.table(
        {
            "opp": pa.array([ids[str(o)] for o in events["opp"].to_pylist()], pa.uint64()),
            "at": events["at"].cast(pa.int64()).combine_chunks(),
            "stage": pa.array([codes[str(s)] for s in events["stage"].to_pylist()], pa.uint16()),
        }
    )
    owners = {"wang": 0, "qian": 1}
    raw_opps = pa.table(
        {
            "opp": pa.array(range(opps.num_rows), pa.uint64()),
            "amount": opps["amount"].combine_chunks(),
            "created": opps["created"].cast(pa.int64()).combine_chunks(),
            "owner": pa.array([owners[str(o)] for o in opps["owner"].to_pylist()], pa.uint32()),
        }
    )
    a = sp.funnel(raw_events, raw_opps, history.pipeline("sales"), as_of=AS_OF, by="owner")
    b = sp.funnel(events, opps, history.pipeline("sales"), as_of=AS_OF, by="owner")
    assert a.total == b.total
    assert [g["key"] for g in a.groups] == ["0", "1"]


def test_modes_and_windows(history: sp.Engine) -> None:
    events, opps = frames(history)
    p = history.pipeline("sales")
    rec = sp.funnel(events, opps, p, as_of=AS_OF)
    cum = sp.funnel(events, opps, p, as_of=AS_OF, mode=sp.FunnelMode.CUMULATIVE)
    assert rec.to_dict()["mode"] == "recorded" and cum.to_dict()["mode"] == "cumulative"
    empty = sp.funnel(events, opps, p, as_of=AS_OF, window=(AS_OF, None))
    assert empty.total["stages"][0]["entered"] == 0
    with pytest.raises(ValueError):
        sp.funnel(events, opps, p, as_of=AS_OF, mode="sideways")


def test_report_outputs(history: sp.Engine) -> None:
    r = history.funnel("sales", as_of=AS_OF)
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert df["stage"].tolist() == ["qualify", "demo", "quote"]
    assert df["entered"].tolist() == [3, 3, 1]
    pdf = r.to_polars(groups=True)
    assert isinstance(pdf, pl.DataFrame)
    assert pdf.height == 3 * 3
    assert r.to_arrow().num_rows == 3
    html = r._repr_html_()
    assert "<table>" in html and "<svg" in html and "识别潜在客户" in html
    assert "funnel as of" in str(r)
    assert r.to_svg().startswith("<svg")
    assert "FunnelReport(" in repr(r)


def test_wrong_dtypes_are_refused(history: sp.Engine) -> None:
    events, opps = frames(history)
    p = history.pipeline("sales")
    float_amount = opps.set_column(1, "amount", opps["amount"].cast(pa.float64()))
    with pytest.raises(TypeError, match="amount.*not money"):
        sp.funnel(events, float_amount, p, as_of=AS_OF)
    float_at = events.set_column(1, "at", pa.array([1.5] * events.num_rows))
    with pytest.raises(TypeError, match="events.at"):
        sp.funnel(float_at, opps, p, as_of=AS_OF)
    naive = events.set_column(1, "at", events["at"].cast(pa.timestamp("ms")))
    with pytest.raises(sp.ValidationError, match="naive timestamps"):
        sp.funnel(naive, opps, p, as_of=AS_OF)
    with pytest.raises(sp.ValidationError, match="missing column"):
        sp.funnel(events.drop_columns(["stage"]), opps, p, as_of=AS_OF)
    bad_stage = events.set_column(2, "stage", pa.array(["nowhere"] * events.num_rows))
    with pytest.raises(sp.ValidationError, match="not a stage"):
        sp.funnel(bad_stage, opps, p, as_of=AS_OF)
    with pytest.raises(TypeError, match="pandas, polars or pyarrow"):
        sp.funnel([1, 2], opps, p, as_of=AS_OF)
    with pytest.raises(sp.ValidationError, match="naive datetime"):
        sp.funnel(events, opps, p, as_of=datetime(2026, 5, 1))


def test_forecast_and_calibration(history: sp.Engine) -> None:
    events, opps = frames(history)
    # a date: the core refuses an expected close at another time than UTC midnight
    close = pa.array([(START + timedelta(days=90)).date()] * opps.num_rows, pa.date32())
    opps = opps.append_column("expected_close", close)
    p = history.pipeline("sales")
    f = sp.forecast(
        events, opps, p, as_of=AS_OF, period=(AS_OF, AS_OF + timedelta(days=60))
    )
    assert f["opportunities"] == 1 and f["amount"] == 300000
    assert f["p10"] <= f["p50"] <= f["p90"]
    c = sp.calibration(pl.from_arrow(events), pl.from_arrow(opps), p, as_of=AS_OF)
    assert {"brier", "stages", "predictions"} <= set(c)
    assert c["predictions"] >= 2
    with pytest.raises(sp.ValidationError):
        sp.forecast(events, opps, p, as_of=AS_OF, method={"kind": "guess"})


def _grouped(by: Any, history: sp.Engine) -> List[Any]:
    """The group keys of a funnel of three deals grouped by the column ``by``."""
    ts = pa.timestamp("ms", tz="UTC")
    t0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    events = pa.table(
        {"opp": ["a", "b", "c"], "at": pa.array([t0, t0, t0], ts), "stage": ["qualify"] * 3}
    )
    opps = pa.table(
        {
            "opp": ["a", "b", "c"],
            "amount": pa.array([100, 200, 300], pa.int64()),
            "created": pa.array([t0, t0, t0], ts),
            "key": by,
        }
    )
    r = sp.funnel(events, opps, history.pipeline("sales"), as_of=AS_OF, by="key")
    return [(g["key"], g["opportunities"]) for g in r.groups]


def test_groups_are_the_values_of_the_by_column_sorted_as_groupby_does(history: sp.Engine) -> None:
    # integers group by value, not as dense codes: no phantom group "0", no error for 10/20
    assert _grouped(pa.array([2, 1, 2], pa.int64()), history) == [("1", 1), ("2", 2)]
    assert _grouped(pa.array([10, 20, 20], pa.uint32()), history) == [("10", 1), ("20", 2)]
    # nulls form their own group, last, with no key: a real "(none)" stays apart
    keys = _grouped(pa.array(["b", None, "(none)"]), history)
    assert keys == [("(none)", 1), ("b", 1), (None, 1)]
    assert _grouped(pa.array([3, None, 3], pa.int64()), history) == [("3", 2), (None, 1)]
    # categoricals (pyarrow dictionary, pandas category, polars Categorical) as their values
    cat = pa.array(["y", "x", "y"]).dictionary_encode()
    assert _grouped(cat, history) == [("x", 1), ("y", 2)]
    assert _grouped(pa.array(pd.Categorical(["y", None, "y"])), history) == [("y", 2), (None, 1)]
    assert _grouped(pl.Series(["y", "x", "y"], dtype=pl.Categorical).to_arrow(), history) == [
        ("x", 1),
        ("y", 2),
    ]
    with pytest.raises(TypeError, match="opportunities.key: dtype Float64"):
        _grouped(pa.array([1.5, 2.5, 1.5]), history)


def test_string_and_dictionary_ids_and_stages_give_the_same_report(history: sp.Engine) -> None:
    events, opps = frames(history)
    p = history.pipeline("sales")
    plain = sp.funnel(events, opps, p, as_of=AS_OF, by="owner")
    ev_opp, ev_at, ev_stage = (events[c].combine_chunks() for c in ("opp", "at", "stage"))
    dict_events = pa.table(
        {"opp": ev_opp.dictionary_encode(), "at": ev_at, "stage": ev_stage.dictionary_encode()}
    )
    dict_opps = opps.set_column(
        0, "opp", opps["opp"].combine_chunks().dictionary_encode()
    ).set_column(3, "owner", opps["owner"].combine_chunks().dictionary_encode())
    assert sp.funnel(dict_events, dict_opps, p, as_of=AS_OF, by="owner") == plain
    large = pa.table(
        {
            "opp": ev_opp.cast(pa.large_string()),
            "at": ev_at,
            "stage": ev_stage.cast(pa.large_string()),
        }
    )
    assert sp.funnel(large, opps, p, as_of=AS_OF, by="owner") == plain
    missing = pa.array(["qualify"] + [None] * (events.num_rows - 1)).dictionary_encode()
    bad = pa.table({"opp": ev_opp, "at": ev_at, "stage": missing})
    with pytest.raises(sp.ValidationError, match=r"events\.stage \(row 1\): missing stage"):
        sp.funnel(bad, opps, p, as_of=AS_OF)
    # plain text columns, read whole chunks at a time: the row and the text are still named
    stages = ev_stage.to_pylist()
    for kind in (pa.string(), pa.large_string()):
        gap = pa.array(stages[:2] + [None] + stages[3:], kind)
        with pytest.raises(sp.ValidationError, match=r"events\.stage \(row 2\): missing stage"):
            sp.funnel(pa.table({"opp": ev_opp, "at": ev_at, "stage": gap}), opps, p, as_of=AS_OF)
        odd = pa.array(stages[:3] + ["nowhere"] + stages[4:], kind)
        with pytest.raises(sp.ValidationError, match=r"events\.stage \(row 3\): \"nowhere\" is not a stage"):
            sp.funnel(pa.table({"opp": ev_opp, "at": ev_at, "stage": odd}), opps, p, as_of=AS_OF)
        ids = ev_opp.to_pylist()
        stray = pa.array(ids[:1] + ["no-such-deal"] + ids[2:], kind)
        with pytest.raises(sp.ValidationError, match=r"events\.opp \(row 1\): opportunity \"no-such-deal\" is not in"):
            sp.funnel(pa.table({"opp": stray, "at": ev_at, "stage": ev_stage}), opps, p, as_of=AS_OF)
        hole = pa.array(ids[:4] + [None] + ids[5:], kind)
        with pytest.raises(sp.ValidationError, match=r"events\.opp \(row 4\): missing id"):
            sp.funnel(pa.table({"opp": hole, "at": ev_at, "stage": ev_stage}), opps, p, as_of=AS_OF)


def test_ids_of_every_length_find_their_own_opportunity() -> None:
    """Ids that differ in one byte, 1 to 40 bytes long, in every layout (utf8, utf8_view,
    dictionary), sorted and shuffled: each event lands on its own opportunity (the fast
    comparisons of short ids and the views of polars strings never confuse two ids)."""
    import random

    ids = [""] + [
        "a" * n if pos < 0 else "a" * pos + "b" + "a" * (n - pos - 1)
        for n in range(1, 41)
        for pos in range(-1, n)
    ]
    rng = random.Random(7)
    t0 = START
    for order in ("sorted", "shuffled"):
        opp_ids = sorted(ids) if order == "sorted" else rng.sample(ids, len(ids))
        ev_ids = [i for i in opp_ids for _ in range(2)]
        if order == "shuffled":
            rng.shuffle(ev_ids)
        amounts = {i: 100 + k for k, i in enumerate(ids)}
        opps = pa.table(
            {
                "opp": opp_ids,
                "amount": pa.array([amounts[i] for i in opp_ids], pa.int64()),
                "created": pa.array([t0] * len(opp_ids), pa.timestamp("ms", tz="UTC")),
                "key": opp_ids,
            }
        )
        events = pa.table(
            {
                "opp": ev_ids,
                "at": pa.array([t0] * len(ev_ids), pa.timestamp("ms", tz="UTC")),
                "stage": ["qualify"] * len(ev_ids),
            }
        )
        p = sp.Pipeline("p", "P", [sp.Stage("qualify", "Q", 0.5)])
        pl_events = pl.DataFrame(events)
        for ev, op in (
            (events, opps),
            (pl_events, pl.DataFrame(opps)),
            (events.to_pandas(), opps.to_pandas()),
            (pl_events.with_columns(pl.col("opp").cast(pl.Categorical)), opps),
        ):
            r = sp.funnel(ev, op, p, as_of=t0 + timedelta(days=1), by="key")
            got = {g["key"]: g["stages"][0]["open_amount"] for g in r.groups}
            assert got == amounts, order


def test_errors_point_at_the_cell_by_column_position_and_index_label() -> None:
    t0 = pd.Timestamp("2026-01-05", tz="UTC")
    p = sp.Pipeline("p", "P", [sp.Stage("qualify", "Q", 0.5)])
    as_of = datetime(2026, 2, 1, tzinfo=timezone.utc)
    opps = pd.DataFrame(
        {"opp": ["a", "b"], "amount": [100, -5], "created": [t0, t0], "rep": ["x", "y"]},
        index=pd.Index(["deal-a", "deal-b"], name="deal"),
    )
    events = pd.DataFrame(
        {"opp": ["a", "b", "b"], "at": [t0, t0, None], "stage": ["qualify"] * 3},
        index=[10, 20, 30],
    )
    events["at"] = pd.to_datetime(events["at"], utc=True)
    # a null, found by the binding: the frame's column, the position and the index label
    with pytest.raises(sp.ValidationError) as e:
        sp.funnel(events, opps, p, as_of=as_of)
    assert str(e.value) == "events.at (row 2, index label 30): missing value"
    assert (e.value.field, e.value.details["row"], e.value.details["index"]) == (
        "events[2].at", 2, 30,
    )
    # a value the core refuses: its column is the frame's `amount`, not `amount_minor`
    events = events.iloc[:2]
    with pytest.raises(sp.ValidationError, match=r"^opportunities\.amount \(row 1, index label "
                       r"'deal-b'\): "):
        sp.funnel(events, opps, p, as_of=as_of, by="rep")
    # polars and pyarrow frames have no index: the position alone
    with pytest.raises(sp.ValidationError, match=r"^opportunities\.amount \(row 1\): "):
        sp.funnel(pl.from_pandas(events), pl.from_pandas(opps), p, as_of=as_of)
    # a column pyarrow cannot convert names the column and why
    bad = events.assign(stage=["qualify", 3])
    with pytest.raises(TypeError, match="events: the DataFrame could not be read as Arrow.*stage"):
        sp.funnel(bad, opps, p, as_of=as_of)


def test_nested_type_errors_name_the_field_path() -> None:
    events = pa.table({"opp": ["a"], "at": pa.array([0], pa.int64()), "stage": ["q"]})
    opps = pa.table({"opp": ["a"], "amount": pa.array([1], pa.int64()),
                     "created": pa.array([0], pa.int64())})
    pipeline = {"id": "p", "name": "P", "stages": [{"id": "q", "name": "Q", "probability": 0.5},
                                                   {"id": "r", "name": 7, "probability": 0.5}]}
    with pytest.raises(sp.ValidationError) as e:
        sp.funnel(events, opps, pipeline, as_of=datetime(1970, 1, 2, tzinfo=timezone.utc))
    assert e.value.field == "pipeline.stages[1].name"


def test_funnel_both_equals_the_two_modes_apart(history: sp.Engine) -> None:
    events, opps = frames(history)
    p = history.pipeline("sales")
    rec, cum = sp.funnel_both(pl.DataFrame(events), opps, p, as_of=AS_OF, by="owner")
    assert rec == sp.funnel(events, opps, p, as_of=AS_OF, by="owner")
    assert cum == sp.funnel(events, opps, p, as_of=AS_OF, by="owner", mode="cumulative")
    assert isinstance(rec.to_frame(), pl.DataFrame)
    bad = events.set_column(2, "stage", pa.array(["nope"] * events.num_rows))
    with pytest.raises(sp.ValidationError, match=r"^events\.stage \(row 0\): "):
        sp.funnel_both(bad, opps, p, as_of=AS_OF)
