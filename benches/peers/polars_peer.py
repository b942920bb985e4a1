"""The funnel report of spec/kpi.md in polars (lazy, vectorised): validation, both modes,
grouped by owner and in total."""
import polars as pl

from common import LOST, WON, Aggregates, assemble, fill


class InvalidInput(ValueError):
    pass


def _first_bad(df, cond, what):
    bad = df.filter(cond).select(pl.col("row").min()).item()
    if bad is not None:
        raise InvalidInput(f"{what.format(row=bad)}")


def report(ev: pl.DataFrame, op: pl.DataFrame, meta: dict) -> dict:
    ns = len(meta["stages"])
    as_of, wf, wt = meta["as_of_ms"], meta["window_from_ms"], meta["window_to_ms"]
    prob = [s["probability"] for s in meta["stages"]]
    rot = [s.get("rotting_after_ms") for s in meta["stages"]]

    # ---- validation (opportunity table, then events) ----
    opw = op.with_row_index("row")
    _first_bad(opw, pl.col("amount") < 0, "opportunities[{row}].amount")
    _first_bad(opw, pl.col("opp").is_duplicated(), "opportunities[{row}].opp duplicated")
    e = ev.with_row_index("row")
    _first_bad(e, (pl.col("stage") >= ns) & ~pl.col("stage").is_in([WON, LOST]),
               "events[{row}].stage unknown")
    e = (e.join(op.select("opp", "owner", "created", "amount"), on="opp", how="left")
          .sort(["opp", "at", "row"]))
    _first_bad(e, pl.col("created").is_null(), "events[{row}].opp not in the opportunity table")
    _first_bad(e, pl.col("at") < pl.col("created"), "events[{row}].at before creation")
    first = pl.col("opp") != pl.col("opp").shift(1, fill_value=-1)
    closed = pl.col("stage") >= WON
    e = e.with_columns(first=first, closed=closed)
    _first_bad(e, pl.col("closed") & (pl.col("first") | pl.col("closed").shift(1)),
               "events[{row}].stage closes a closed (or new) opportunity")

    # ---- the history up to as_of, with the per-row features (data sorted by opp, at) ----
    f = (
        e.lazy()
        .filter(pl.col("at") <= as_of)
        .with_columns(
            first=pl.col("opp") != pl.col("opp").shift(1, fill_value=-1),
            last=pl.col("opp") != pl.col("opp").shift(-1, fill_value=-1),
            is_open=pl.col("stage") < ns,
            in_w=(pl.col("at") >= wf) & (pl.col("at") < wt),
            # dense opportunity rank, for per-opportunity scans without group-by
            rank=(pl.col("opp") != pl.col("opp").shift(1, fill_value=-1)).cum_sum(),
        )
        .with_columns(
            # last open stage so far; every history starts open, so a global forward fill
            # never crosses opportunities
            open_ff=pl.when(pl.col("is_open")).then(pl.col("stage").cast(pl.Int32))
            .forward_fill(),
            # forward code: open stage index, won above every stage, lost below
            fwd=pl.when(pl.col("is_open")).then(pl.col("stage").cast(pl.Int64))
            .when(pl.col("stage") == WON).then(ns).otherwise(-1),
            code=pl.when(pl.col("stage") < ns).then(pl.col("stage").cast(pl.Int32) + 1)
            .when(pl.col("stage") == WON).then(ns + 1).otherwise(ns + 2),
        )
        .with_columns(
            prev_open=pl.when(pl.col("first")).then(-1)
            .otherwise(pl.col("open_ff").shift(1)),
            prev_code=pl.when(pl.col("first")).then(0).otherwise(pl.col("code").shift(1)),
            next_at=pl.when(pl.col("last")).then(None).otherwise(pl.col("at").shift(-1)),
            # max forward code strictly after this row, within the opportunity: a reverse
            # running max over (fwd - 8 * rank), so later opportunities never dominate
            later=pl.when(pl.col("last")).then(-1).otherwise(
                (pl.col("fwd") - 8 * pl.col("rank")).cum_max(reverse=True).shift(-1)
                + 8 * pl.col("rank")),
        )
    ).collect()

    # ---- final state of each opportunity at as_of ----
    fin = f.filter(pl.col("last")).select(
        "opp", "owner", "amount", "created",
        state=pl.col("stage"), last_open=pl.col("open_ff"), t_last=pl.col("at"),
    ).with_columns(
        close_in_w=(pl.col("t_last") >= wf) & (pl.col("t_last") < wt),
    )

    # ---- cohorts: recorded entries and cumulative (skipped stages, zero dwell) ----
    real = f.filter(pl.col("is_open") & pl.col("in_w")).select(
        "opp", "owner", stage=pl.col("stage").cast(pl.Int32),
        adv=pl.col("later") > pl.col("stage").cast(pl.Int64))
    virt = (
        f.filter(pl.col("in_w") & (pl.col("is_open") | (pl.col("stage") == WON)))
        .select("opp", "owner",
                lo=pl.col("prev_open") + 1,
                hi=pl.when(pl.col("is_open")).then(pl.col("stage").cast(pl.Int32)).otherwise(ns))
        .filter(pl.col("hi") > pl.col("lo"))
        .select("opp", "owner", stage=pl.int_ranges("lo", "hi", dtype=pl.Int32))
        .explode("stage")
        .with_columns(adv=pl.lit(True))
    )
    agg = Aggregates()
    fin_state = fin.select("opp", "state", "last_open")
    for mode, entries in (("recorded", real), ("cumulative", pl.concat([real, virt]))):
        members = (
            entries.group_by("opp", "owner", "stage").agg(adv=pl.col("adv").any())
            .join(fin_state, on="opp")
            .with_columns(
                won=pl.col("state") == WON,
                lost=pl.col("state") == LOST,
                lost_here=(pl.col("state") == LOST) & (pl.col("last_open") == pl.col("stage")),
                open_here=pl.col("state").cast(pl.Int32) == pl.col("stage"),
            )
        )
        sums = [pl.len().alias("entered"), pl.col("adv").sum(), pl.col("won").sum(),
                pl.col("lost").sum(), pl.col("lost_here").sum(), pl.col("open_here").sum()]
        fill(agg.stage_counts[mode], members.group_by("owner", "stage").agg(sums).rows(), 1, True)
        fill(agg.stage_counts[mode], members.group_by("stage").agg(sums).rows(), 1, False)

    # ---- dwell: completed stays that began in the window (+ zeros in cumulative) ----
    stays = f.filter(pl.col("is_open") & pl.col("in_w") & pl.col("next_at").is_not_null()).select(
        "owner", stage=pl.col("stage").cast(pl.Int32), d=pl.col("next_at") - pl.col("at"))
    zeros = virt.select("owner", "stage", d=pl.lit(0, dtype=pl.Int64))
    dstats = [
        pl.len(), pl.col("d").sum(),
        pl.col("d").sort().get((pl.len() + 1) // 2 - 1).alias("med"),
        pl.col("d").sort().get((pl.len() * 9 + 9) // 10 - 1).alias("p90"),
    ]
    for mode, d in (("recorded", stays), ("cumulative", pl.concat([stays, zeros]))):
        fill(agg.dwell[mode], d.group_by("owner", "stage").agg(dstats).rows(), 1, True)
        fill(agg.dwell[mode], d.group_by("stage").agg(dstats).rows(), 1, False)

    # ---- open at as_of: age, stale, amounts ----
    rot_map = {i: (r if r is not None else 2**62) for i, r in enumerate(rot)}
    op_open = fin.filter(pl.col("state") < ns).select(
        "owner", stage=pl.col("state").cast(pl.Int32), amount=pl.col("amount"),
        age=as_of - pl.col("t_last"),
    ).with_columns(rot=pl.col("stage").replace_strict(rot_map, return_dtype=pl.Int64))
    ostats = [pl.len(), pl.col("age").sum(), (pl.col("age") > pl.col("rot")).sum().alias("stale"),
              pl.col("amount").sum()]
    fill(agg.open_, op_open.group_by("owner", "stage").agg(ostats).rows(), 1, True)
    fill(agg.open_, op_open.group_by("stage").agg(ostats).rows(), 1, False)

    # ---- whole pipeline ----
    won_w = (pl.col("state") == WON) & pl.col("close_in_w")
    lost_w = (pl.col("state") == LOST) & pl.col("close_in_w")
    is_open = pl.col("state") < ns
    pstats = [
        pl.len(), won_w.sum().alias("cw"), lost_w.sum().alias("cl"),
        pl.when(won_w).then(pl.col("amount")).otherwise(0).sum().alias("wa"),
        pl.when(won_w).then(pl.col("t_last") - pl.col("created")).otherwise(0).sum().alias("cyc"),
        is_open.sum().alias("oc"), pl.when(is_open).then(pl.col("amount")).otherwise(0).sum().alias("oa"),
    ]
    fill(agg.pipeline, fin.group_by("owner").agg(pstats).rows(), 0, True)
    fill(agg.pipeline, fin.select(pstats).rows(), 0, False)

    # ---- transitions in the window ----
    tr = f.filter(pl.col("in_w")).select(
        "owner", fr=pl.col("prev_code"),
        to=pl.when(pl.col("is_open")).then(pl.col("stage").cast(pl.Int32))
        .when(pl.col("stage") == WON).then(ns).otherwise(ns + 1))
    fill(agg.transitions, tr.group_by("owner", "fr", "to").len().rows(), 2, True)
    fill(agg.transitions, tr.group_by("fr", "to").len().rows(), 2, False)
    return assemble(agg, meta, meta["owners"])


def load(d):
    return pl.read_parquet(f"{d}/events.parquet"), pl.read_parquet(f"{d}/opps.parquet")
