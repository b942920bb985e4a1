"""The funnel report of spec/kpi.md in pandas (vectorised NumPy-backed columns, no Python
loops over rows): validation, both modes, grouped by owner and in total."""
import numpy as np
import pandas as pd

from common import LOST, WON, Aggregates, assemble, fill


class InvalidInput(ValueError):
    pass


def _first_bad(rows, mask, what):
    if mask.any():
        raise InvalidInput(what.format(row=int(rows[mask].min())))


def _rows(df):
    return df.itertuples(index=False, name=None)


def _both(df, keys, fn):
    """fn(df, keys) for (owner, *keys) and for keys alone."""
    return fn(df, ["owner"] + keys), fn(df, keys)


def report(ev: pd.DataFrame, op: pd.DataFrame, meta: dict) -> dict:
    ns = len(meta["stages"])
    as_of, wf, wt = meta["as_of_ms"], meta["window_from_ms"], meta["window_to_ms"]
    rot = np.array([s.get("rotting_after_ms") or 2**62 for s in meta["stages"]], dtype=np.int64)

    # ---- validation ----
    _first_bad(np.arange(len(op)), (op["amount"] < 0).to_numpy(), "opportunities[{row}].amount")
    _first_bad(np.arange(len(op)), op["opp"].duplicated(keep=False).to_numpy(),
               "opportunities[{row}].opp duplicated")
    e = ev.assign(row=np.arange(len(ev)), stage=ev["stage"].astype(np.int32))
    _first_bad(e["row"], (e["stage"] >= ns) & ~e["stage"].isin([WON, LOST]),
               "events[{row}].stage unknown")
    e = e.merge(op[["opp", "owner", "created", "amount"]], on="opp", how="left")
    _first_bad(e["row"], e["created"].isna(), "events[{row}].opp not in the opportunity table")
    e = e.sort_values(["opp", "at", "row"], kind="stable", ignore_index=True)
    _first_bad(e["row"], e["at"] < e["created"], "events[{row}].at before creation")
    first = e["opp"].ne(e["opp"].shift())
    closed = e["stage"] >= WON
    _first_bad(e["row"], closed & (first | closed.shift(fill_value=False)),
               "events[{row}].stage closes a closed (or new) opportunity")

    # ---- history up to as_of, per-row features ----
    f = e[e["at"] <= as_of].reset_index(drop=True)
    f["owner"] = f["owner"].astype(np.int64)
    opp = f["opp"]
    first = opp.ne(opp.shift())
    last = opp.ne(opp.shift(-1))
    stage = f["stage"]
    is_open = stage < ns
    in_w = (f["at"] >= wf) & (f["at"] < wt)
    # every history starts open, so a global forward fill never crosses opportunities
    open_ff = stage.where(is_open).ffill().astype(np.int64)
    prev_open = open_ff.shift(fill_value=-1).where(~first, -1)
    code = np.where(is_open, stage + 1, np.where(stage == WON, ns + 1, ns + 2))
    prev_code = pd.Series(code).shift(fill_value=0).where(~first, 0)
    next_at = f["at"].shift(-1).where(~last)
    fwd = np.where(is_open, stage, np.where(stage == WON, ns, -1)).astype(np.int64)
    rank = first.cumsum().to_numpy()
    # max forward code strictly after each row within its opportunity (reverse running max
    # over fwd - 8 * rank, so that later opportunities never dominate)
    rmax = np.maximum.accumulate((fwd - 8 * rank)[::-1])[::-1]
    later = np.where(last, -1, np.roll(rmax, -1) + 8 * rank)
    f = f.assign(is_open=is_open, in_w=in_w, open_ff=open_ff, prev_open=prev_open,
                 prev_code=prev_code, next_at=next_at, later=later, last=last)

    fin = f.loc[f["last"], ["opp", "owner", "amount", "created", "stage", "open_ff", "at"]]
    fin.columns = ["opp", "owner", "amount", "created", "state", "last_open", "t_last"]
    fin = fin.assign(close_in_w=(fin["t_last"] >= wf) & (fin["t_last"] < wt))

    # ---- cohorts ----
    rl = f.loc[f["is_open"] & f["in_w"], ["opp", "owner", "stage"]].assign(
        adv=f["later"] > f["stage"])
    src = f.loc[f["in_w"] & (f["is_open"] | (f["stage"] == WON))]
    hi = np.where(src["is_open"], src["stage"], ns)
    lo = src["prev_open"].to_numpy() + 1
    k = np.maximum(hi - lo, 0)
    rep_idx = np.repeat(np.arange(len(src)), k)
    # stage of each skipped entry: lo + position within its run
    starts = np.repeat(np.cumsum(k) - k, k)
    vt = pd.DataFrame({
        "opp": src["opp"].to_numpy()[rep_idx],
        "owner": src["owner"].to_numpy()[rep_idx],
        "stage": lo[rep_idx] + (np.arange(len(rep_idx)) - starts),
        "adv": True,
    })
    agg = Aggregates()
    fin_state = fin[["opp", "state", "last_open"]]

    def counts(m, keys):
        return m.groupby(keys, sort=False).agg(
            entered=("adv", "size"), adv=("adv", "sum"), won=("won", "sum"),
            lost=("lost", "sum"), lost_here=("lost_here", "sum"),
            open_here=("open_here", "sum")).reset_index()

    for mode, entries in (("recorded", rl), ("cumulative", pd.concat([rl, vt], ignore_index=True))):
        m = entries.groupby(["opp", "owner", "stage"], sort=False)["adv"].any().reset_index()
        m = m.merge(fin_state, on="opp")
        m["won"] = m["state"] == WON
        m["lost"] = m["state"] == LOST
        m["lost_here"] = m["lost"] & (m["last_open"] == m["stage"])
        m["open_here"] = m["state"] == m["stage"]
        by_owner, total = _both(m, ["stage"], counts)
        fill(agg.stage_counts[mode], _rows(by_owner), 1, True)
        fill(agg.stage_counts[mode], _rows(total), 1, False)

    # ---- dwell ----
    done = f["is_open"] & f["in_w"] & f["next_at"].notna()
    st = f.loc[done, ["owner", "stage"]].assign(
        d=(f.loc[done, "next_at"] - f.loc[done, "at"]).astype(np.int64))
    zeros = vt[["owner", "stage"]].assign(d=np.int64(0))

    def dwell(d, keys):
        d = d.sort_values(keys + ["d"], kind="stable", ignore_index=True)
        g = d.groupby(keys, sort=False)["d"]
        n = g.transform("size")
        kth = g.cumcount() + 1
        med = d.loc[kth == (n + 1) // 2].set_index(keys)["d"].rename("med")
        p90 = d.loc[kth == (9 * n + 9) // 10].set_index(keys)["d"].rename("p90")
        return pd.concat([g.size().rename("n"), g.sum().rename("s"), med, p90],
                         axis=1).reset_index()

    for mode, d in (("recorded", st), ("cumulative", pd.concat([st, zeros], ignore_index=True))):
        by_owner, total = _both(d, ["stage"], dwell)
        fill(agg.dwell[mode], _rows(by_owner), 1, True)
        fill(agg.dwell[mode], _rows(total), 1, False)

    # ---- open at as_of ----
    o = fin[fin["state"] < ns]
    o = o.assign(stage=o["state"], age=as_of - o["t_last"])
    o = o.assign(stale=o["age"] > rot[o["stage"].to_numpy()])

    def open_stats(o, keys):
        return o.groupby(keys, sort=False).agg(
            n=("age", "size"), age=("age", "sum"), stale=("stale", "sum"),
            amount=("amount", "sum")).reset_index()

    by_owner, total = _both(o, ["stage"], open_stats)
    fill(agg.open_, _rows(by_owner), 1, True)
    fill(agg.open_, _rows(total), 1, False)

    # ---- whole pipeline ----
    won_w = (fin["state"] == WON) & fin["close_in_w"]
    p = fin.assign(
        cw=won_w, cl=(fin["state"] == LOST) & fin["close_in_w"],
        wa=fin["amount"].where(won_w, 0), cyc=(fin["t_last"] - fin["created"]).where(won_w, 0),
        oc=fin["state"] < ns, oa=fin["amount"].where(fin["state"] < ns, 0))
    cols = ["cw", "cl", "wa", "cyc", "oc", "oa"]
    by_owner = p.groupby("owner", sort=False)[cols].sum()
    by_owner.insert(0, "n", p.groupby("owner", sort=False).size())
    fill(agg.pipeline, _rows(by_owner.reset_index()), 0, True)
    fill(agg.pipeline, [(len(p), *p[cols].sum().tolist())], 0, False)

    # ---- transitions ----
    t = f.loc[f["in_w"], ["owner", "prev_code"]].assign(
        dest=np.where(f["is_open"], f["stage"], np.where(f["stage"] == WON, ns, ns + 1))[f["in_w"]])
    by_owner, total = _both(t, ["prev_code", "dest"],
                            lambda d, keys: d.groupby(keys, sort=False).size().reset_index())
    fill(agg.transitions, _rows(by_owner), 2, True)
    fill(agg.transitions, _rows(total), 2, False)
    return assemble(agg, meta, meta["owners"])


def load(d):
    return pd.read_parquet(f"{d}/events.parquet"), pd.read_parquet(f"{d}/opps.parquet")
