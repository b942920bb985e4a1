"""The funnel report of spec/kpi.md in polars, as a polars user would write it for speed:
validation, both modes, grouped by owner and in total, on the string-typed Parquet export.

- stage ids through an `Enum` over the pipeline's ids (+ won, lost): its physical codes are
  the stage indices; an id outside it is null, which is the "unknown stage" check;
- owners as `Categorical`, so every group-by hashes a u32, not a string;
- one join (events -> opportunities, for the owner, creation time and amount), then ONE
  global stable sort by (opportunity, at); every per-opportunity quantity after that is a
  shift, a forward/backward fill or a running max over the sorted rows (no `over`, no second
  join for an opportunity's final state: it is back-filled from its last row);
- dwell quantiles by nearest rank: one sort of the stays by one int64 key (group,
  duration), group boundaries by a scan, each group's k-th value read at its offset; the zero-length stays of cumulative mode only counted
  (`quantile(p, "equiprobable")` per group gives the same numbers, but ran 4x slower on one
  thread, over the stays concatenated with the zeros); totals of counts and sums are added
  up from the per-owner rows (common.fill);
- the independent aggregations run in one `collect_all` so polars schedules them together.

PEERS_THREADS=1 sets POLARS_MAX_THREADS=1; it must be set before polars is imported."""
import os

from common import InvalidInput, Aggregates, assemble, fill, put, stage_names, threads

if threads():
    os.environ["POLARS_MAX_THREADS"] = str(threads())
import polars as pl  # noqa: E402


def load(d):
    return pl.read_parquet(f"{d}/events.parquet"), pl.read_parquet(f"{d}/opps.parquet")


def _raise_first(row, checks):
    for (what, bad) in checks:
        if row[what] is not None:
            raise InvalidInput(bad.format(row=row[what]))


def _dwell(st: pl.DataFrame, z: pl.DataFrame, by_owner: bool, m: int) -> dict:
    """count, sum, median and p90 (nearest rank) of the stays per group, for both modes:
    ONE sort of the stays by one int64 key (group, duration), group boundaries by a scan,
    each group's k-th value read at its offset; in cumulative mode a group's zero-length
    stays (z of them) come before its first value."""
    keys = ["owner", "stage"] if by_owner else ["stage"]
    grp = ((pl.col("owner").to_physical().cast(pl.Int64) * m if by_owner else 0)
           + pl.col("stage").cast(pl.Int64))
    span = (st.get_column("d").max() or 0) + 1
    v = st.select(grp * span + pl.col("d")).to_series().sort()  # fits: groups x span << 2^63
    gk, d = v // span, v % span
    starts = (gk != gk.shift(1)).fill_null(True).arg_true()
    bounds = pl.concat([starts, pl.Series([len(v)], dtype=starts.dtype)])
    csum = pl.concat([pl.Series([0], dtype=pl.Int64), d.cum_sum()])
    g = pl.DataFrame({
        "g": gk.gather(starts), "start": starts.cast(pl.Int64),
        "n": bounds.diff().drop_nulls().cast(pl.Int64),
        "s": csum.gather(bounds.slice(1)) - csum.gather(starts)})
    zg = z.select(g=grp, z=pl.col("z").cast(pl.Int64)).group_by("g").agg(pl.col("z").sum())
    g = g.join(zg, on="g", how="full", coalesce=True).with_columns(
        pl.col("n", "s", "z").fill_null(0))
    out = {}
    for mode in ("recorded", "cumulative"):
        zz = pl.col("z") if mode == "cumulative" else pl.lit(0, pl.Int64)
        n = pl.col("n") + zz
        t = g.filter(n > 0).select("g", "start", n=n, s="s", zero=zz,
                                   r0=(n + 1) // 2, r1=(9 * n + 9) // 10)  # nearest ranks
        picked = {}
        for name, rk in (("med", "r0"), ("p90", "r1")):
            # the rk-th value counting the group's zeros first: 0, or a stay at its offset
            idx = t.select((pl.col("start") + pl.col(rk) - pl.col("zero") - 1)
                           .fill_null(0).clip(0, max(len(d) - 1, 0))).to_series()
            at = d.gather(idx) if len(d) else pl.Series([0] * len(idx), dtype=pl.Int64)
            picked[name] = pl.when(pl.col(rk) <= pl.col("zero")).then(0).otherwise(pl.lit(at))
        t = t.with_columns(**picked)
        key = ([(pl.col("g") // m).alias("o"), (pl.col("g") % m).alias("s")] if by_owner
               else [pl.col("g")])
        out[mode] = [(*k, *rest) for k, rest in zip(
            t.select(key).rows(), t.select("n", "s", "med", "p90").rows())]
    return out


def report(ev: pl.DataFrame, op: pl.DataFrame, meta: dict) -> dict:
    ns = len(meta["stages"])
    won, lost = ns, ns + 1
    m = ns + 2  # > the span of the forward codes (-1..ns), for the running-max trick
    as_of, wf, wt = meta["as_of_ms"], meta["window_from_ms"], meta["window_to_ms"]
    rot = {i: (s.get("rotting_after_ms") if s.get("rotting_after_ms") is not None else 2**62)
           for i, s in enumerate(meta["stages"])}
    stage_t = pl.Enum(stage_names(meta))

    # ---- opportunities: validation, then the columns the events need ----
    ops = op.lazy().with_row_index("oi").select(
        "oi", "opp", "amount", owner=pl.col("owner").cast(pl.Categorical),
        created=pl.col("created").dt.epoch("ms"))
    _raise_first(op.select(
        amount=(pl.col("amount").is_null() | (pl.col("amount") < 0)).arg_true().first(),
    ).row(0, named=True), [("amount", "opportunities[{row}].amount")])
    if op.select(pl.col("opp").n_unique()).item() != op.height:  # the row only when needed
        _raise_first(op.select(dup=pl.col("opp").is_duplicated().arg_true().first())
                     .row(0, named=True), [("dup", "opportunities[{row}].opp duplicated")])

    # ---- events: stage codes, the opportunity's columns, one stable sort ----
    s = (
        ev.lazy().with_row_index("row")
        .with_columns(code=pl.col("stage").cast(stage_t, strict=False).to_physical()
                      .cast(pl.Int32), at=pl.col("at").dt.epoch("ms"))
        .join(ops, on="opp", how="left")
        .select("row", "oi", "at", "code", "owner", "created", "amount")  # no strings to move
        .sort("oi", "at", "row", nulls_last=True)  # stable: the row number breaks ties
        .with_columns(first=pl.col("oi").ne_missing(pl.col("oi").shift(1)))
        .collect()
    )
    closed = pl.col("code") >= won
    _raise_first(s.select(
        stage=pl.col("row").filter(pl.col("code").is_null()).min(),
        opp=pl.col("row").filter(pl.col("oi").is_null()).min(),
        before=pl.col("row").filter(pl.col("at") < pl.col("created")).min(),
        reclose=pl.col("row").filter(closed & (pl.col("first") | closed.shift(1))).min(),
    ).row(0, named=True), [("stage", "events[{row}].stage unknown"),
                           ("opp", "events[{row}].opp not in the opportunity table"),
                           ("before", "events[{row}].at before creation"),
                           ("reclose", "events[{row}].stage closes a closed (or new) opportunity")])

    # ---- the history up to as_of, per-row features from the sorted order ----
    oi = pl.col("oi")
    code = pl.col("code")
    is_open = code < ns
    last = oi.ne_missing(oi.shift(-1))
    f = (
        s.lazy().filter(pl.col("at") <= as_of)
        .select(
            "owner", "amount", "created", "at", "code",
            first=oi.ne_missing(oi.shift(1)), last=last,
            is_open=is_open,
            in_w=(pl.col("at") >= wf) & (pl.col("at") < wt),
            # last open stage so far; every history starts open, so a global forward fill
            # never crosses opportunities
            open_ff=pl.when(is_open).then(code).forward_fill(),
            fwd=pl.when(is_open).then(code).when(code == won).then(ns).otherwise(-1),
            rank=oi.ne_missing(oi.shift(1)).cum_sum(),
            next_at=pl.when(last).then(None).otherwise(pl.col("at").shift(-1)),
        )
        .with_columns(
            prev_open=pl.when("first").then(-1).otherwise(pl.col("open_ff").shift(1)),
            frm=pl.when("first").then(0).otherwise(code.shift(1) + 1),
            # max forward code strictly after this row within its opportunity: a reverse
            # running max over fwd - m * rank, so later opportunities never dominate
            later=pl.when("last").then(-1).otherwise(
                (pl.col("fwd") - m * pl.col("rank")).cum_max(reverse=True).shift(-1)
                + m * pl.col("rank")),
            # the opportunity's state at as_of and its last open stage, back-filled from
            # its last row (the next non-null below any row is its own opportunity's last)
            state=pl.when("last").then(code).backward_fill(),
            last_open=pl.when("last").then(pl.col("open_ff")).backward_fill(),
        )
        .collect()
    ).lazy()

    flags = dict(
        won=(pl.col("state") == won).sum(), lost=(pl.col("state") == lost).sum(),
        lost_here=((pl.col("state") == lost) & (pl.col("last_open") == pl.col("stage"))).sum(),
        open_here=(pl.col("state") == pl.col("stage")).sum(),
    )
    key = pl.col("rank") * m + pl.col("stage")
    entries = f.filter("is_open", "in_w").select(
        "owner", "rank", "state", "last_open", stage=code, adv=pl.col("later") > code)
    # cumulative: an entry into j (or won) also enters the skipped open stages before it
    virt = (
        f.filter("in_w", pl.col("is_open") | (code == won))
        .select("owner", "rank", "state", "last_open",
                stage=pl.int_ranges(pl.col("prev_open") + 1,
                                    pl.when("is_open").then(code).otherwise(ns),
                                    dtype=pl.Int32))
        .explode("stage")
        .drop_nulls("stage")
        .with_columns(adv=pl.lit(True))
    )
    recorded = entries.filter(key.is_first_distinct())  # first entry = the cohort member
    # a member advanced if any of its entries did (a skipped stage always did): sorted by
    # (member, adv descending), the first row of each member carries the answer
    cumulative = (pl.concat([entries, virt])
                  .sort(key * 2 + (~pl.col("adv")).cast(pl.Int64))
                  .filter(key.ne_missing(key.shift(1))))
    counts = [pl.len(), pl.col("adv").sum()] + [v.alias(k) for k, v in flags.items()]

    # completed stays that began in the window; cumulative mode adds a zero-length stay per
    # skipped stage, which only needs counting (zeros sort first)
    stays = f.filter("is_open", "in_w", ~pl.col("last")).select(
        "owner", stage=code, d=pl.col("next_at") - pl.col("at"))
    zeros = virt.group_by("owner", "stage").agg(z=pl.len())

    fin = f.filter("last")
    age = as_of - pl.col("at")
    open_q = fin.filter(pl.col("code") < ns).group_by("owner", pl.col("code").alias("stage")).agg(
        pl.len(), age.sum().alias("age"),
        (age > code.replace_strict(rot, return_dtype=pl.Int64)).sum().alias("stale"),
        pl.col("amount").sum())
    won_w = (code == won) & (pl.col("at") >= wf) & (pl.col("at") < wt)
    lost_w = (code == lost) & (pl.col("at") >= wf) & (pl.col("at") < wt)
    pipe_q = fin.group_by("owner").agg(
        pl.len(), won_w.sum().alias("cw"), lost_w.sum().alias("cl"),
        pl.col("amount").filter(won_w).sum().alias("wa"),
        (pl.col("at") - pl.col("created")).filter(won_w).sum().alias("cyc"),
        is_open.sum().alias("oc"), pl.col("amount").filter(is_open).sum().alias("oa"))
    trans_q = f.filter("in_w").group_by("owner", "frm", code.alias("to")).len()

    queries = {
        ("counts", "recorded"): recorded.group_by("owner", "stage").agg(counts),
        ("counts", "cumulative"): cumulative.group_by("owner", "stage").agg(counts),
        ("stays", None): stays, ("zeros", None): zeros,
        ("open", None): open_q, ("pipeline", None): pipe_q, ("transitions", None): trans_q,
    }
    res = dict(zip(queries, pl.collect_all(list(queries.values()))))

    agg = Aggregates()
    for mode in ("recorded", "cumulative"):
        fill(agg.stage_counts[mode], res[("counts", mode)].rows(), 1)
    st, z = res[("stays", None)], res[("zeros", None)]
    cats = dict(st.lazy().select(pl.col("owner").to_physical().alias("code"),
                                 pl.col("owner").cast(pl.String))
                .unique().collect().rows())  # physical code -> owner name
    for by_owner in (True, False):
        for mode, rows in _dwell(st, z, by_owner, m).items():
            if by_owner:
                rows = [(cats[o], *rest) for o, *rest in rows]
            put(agg.dwell[mode], rows, 1, total=not by_owner)
    fill(agg.open_, res[("open", None)].rows(), 1)
    fill(agg.pipeline, res[("pipeline", None)].rows(), 0)
    fill(agg.transitions, res[("transitions", None)].rows(), 2)
    owners = op.get_column("owner").unique().sort().to_list()
    return assemble(agg, meta, owners)
