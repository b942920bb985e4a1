"""The funnel report of spec/kpi.md in pandas, as a pandas user would write it for speed
(pandas for the lookups and group-bys, its NumPy arrays for the per-row scan): validation,
both modes, grouped by owner and in total, on the string-typed Parquet export.

- `pd.factorize` (Arrow-backed strings: hashed in C++) for every string column: stage ids
  (each distinct id mapped once to its stage index, -1 outside the pipeline: the "unknown
  stage" check), owners (sorted), and the opportunity ids of both tables at once, the
  table's first, so that an event's code is its opportunity's row in the table (no merge;
  `Index.get_indexer` and `Categorical` convert the strings to Python objects first, 3-4x
  slower); the owner, creation time and amount are then taken by that row index;
- ONE global stable sort of the events by (opportunity, at) (an argsort of one int64 key,
  `np.lexsort` if the key would overflow); every
  per-opportunity quantity after that is a shift, a forward fill (running max of row
  indices) or a running max over the sorted rows; an opportunity's final state is
  scattered into an array indexed by the opportunity, so cohort entries take it by index;
- group-bys on one int64 key (owner and stage codes combined), not on several columns;
- dwell quantiles: one global sort of the stays by (owner, stage, duration) (one int64 key
  when it fits), then the nearest-rank element picked at each group's offset (no sort per
  group);
- totals of counts and sums are added up from the per-owner rows (common.fill).

pandas computes on one thread; PEERS_THREADS changes nothing here."""
import numpy as np
import pandas as pd

from common import InvalidInput, Aggregates, assemble, fill, put, stage_names


def load(d):
    return pd.read_parquet(f"{d}/events.parquet"), pd.read_parquet(f"{d}/opps.parquet")


def _first(mask, rows, what):
    if mask.any():
        raise InvalidInput(what.format(row=int(rows[mask].min())))


def _ms(s):
    """A tz-aware timestamp column as int64 ms since the epoch (no copy for ms data)."""
    return s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ms]").view(np.int64)


def report(ev: pd.DataFrame, op: pd.DataFrame, meta: dict) -> dict:
    ns = len(meta["stages"])
    won, lost, m = ns, ns + 1, ns + 2
    as_of, wf, wt = meta["as_of_ms"], meta["window_from_ms"], meta["window_to_ms"]
    rot = np.array([s.get("rotting_after_ms") if s.get("rotting_after_ms") is not None
                    else 2**62 for s in meta["stages"]], dtype=np.int64)

    # ---- opportunities ----
    amount = op["amount"]
    _first((amount.isna() | (amount < 0)).to_numpy(), np.arange(len(op)),
           "opportunities[{row}].amount")
    # one factorize of all opportunity ids (Arrow-backed strings: hashed in C++): the
    # opportunity table's ids come first, so, when they are unique, their codes are their
    # row numbers and an event's code is its opportunity's row (>= len(op): not in the table)
    n_op = len(op)
    ids, _ = pd.factorize(pd.concat([op["opp"], ev["opp"]], ignore_index=True))
    if (ids[:n_op] != np.arange(n_op)).any():
        _first(op["opp"].duplicated(keep=False).to_numpy(), np.arange(n_op),
               "opportunities[{row}].opp duplicated")
    op_owner, owners = pd.factorize(op["owner"], sort=True)
    owners = list(owners)
    op_amount = amount.to_numpy(np.int64)
    op_created = _ms(op["created"])

    # ---- events: codes, the opportunity's row, validation, one stable sort ----
    rows = np.arange(len(ev))
    st, uniq = pd.factorize(ev["stage"])  # a handful of distinct ids, mapped once each
    names = stage_names(meta)
    code = np.array([names.index(u) if u in names else -1 for u in uniq] + [-1],
                    dtype=np.int64)[st]  # st == -1 (a null stage) takes the last: -1
    _first(code < 0, rows, "events[{row}].stage unknown")
    oi = ids[n_op:].astype(np.int64)
    _first(oi >= n_op, rows, "events[{row}].opp not in the opportunity table")
    at = _ms(ev["at"])
    _first(at < op_created[oi], rows, "events[{row}].at before creation")
    # one stable sort by (opportunity, at): a single int64 key when it fits, else lexsort
    t0, span = int(at.min(initial=0)), int(at.max(initial=0)) - int(at.min(initial=0)) + 1
    if n_op * span < 2**62:
        order = np.argsort(oi * span + (at - t0), kind="stable")
    else:
        order = np.lexsort((at, oi))
    oi, at, code, row = oi[order], at[order], code[order], rows[order]
    new = np.empty(len(oi), dtype=bool)
    new[:1] = True
    np.not_equal(oi[1:], oi[:-1], out=new[1:])
    closed = code >= won
    prev_closed = np.concatenate(([False], closed[:-1]))
    _first(closed & (new | prev_closed), row,
           "events[{row}].stage closes a closed (or new) opportunity")

    # ---- the history up to as_of: per-row features from the sorted order ----
    keep = at <= as_of
    oi, at, code = oi[keep], at[keep], code[keep]
    n = len(oi)
    idx = np.arange(n)
    first = np.ones(n, dtype=bool)
    np.not_equal(oi[1:], oi[:-1], out=first[1:])
    last = np.ones(n, dtype=bool)
    last[:-1] = first[1:]
    is_open = code < ns
    in_w = (at >= wf) & (at < wt)
    owner = op_owner[oi]
    # last open stage so far: forward fill (every history starts open, so the fill never
    # crosses opportunities)
    open_ff = code[np.maximum.accumulate(np.where(is_open, idx, 0))]
    prev_open = np.where(first, -1, np.roll(open_ff, 1))
    frm = np.where(first, 0, np.roll(code, 1) + 1)
    next_at = np.roll(at, -1)  # valid where not last
    fwd = np.where(is_open, code, np.where(code == won, ns, -1))
    # max forward code strictly after each row within its opportunity: a reverse running max
    # over fwd - m * oi (sorted by oi, so later opportunities never dominate)
    rmax = np.maximum.accumulate((fwd - m * oi)[::-1])[::-1]
    later = np.where(last, -1, np.roll(rmax, -1) + m * oi)
    # final state and last open stage of each opportunity, by opportunity index
    state_of = np.full(len(op), -1, dtype=np.int64)
    last_open_of = np.full(len(op), -1, dtype=np.int64)
    state_of[oi[last]] = code[last]
    last_open_of[oi[last]] = open_ff[last]

    # ---- cohorts: (opportunity, stage) members; flags taken by opportunity index ----
    ent = is_open & in_w
    e_key = oi[ent] * m + code[ent]
    e_adv = later[ent] > code[ent]
    src = in_w & (is_open | (code == won))
    lo = prev_open[src] + 1
    k = np.maximum(np.where(is_open[src], code[src], ns) - lo, 0)
    rep = np.repeat(np.flatnonzero(src), k)
    v_stage = np.repeat(lo, k) + (np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k))
    v_key = oi[rep] * m + v_stage

    def counts(key, adv):
        o, s = key // m, key % m
        st = state_of[o]
        df = pd.DataFrame({
            "n": 1, "adv": adv, "won": st == won,
            "lost": st == lost, "lost_here": (st == lost) & (last_open_of[o] == s),
            "open_here": st == s})
        g = df.groupby(op_owner[o] * m + s, sort=False).sum()  # one int64 group key
        return [(owners[gk // m], gk % m, *v) for gk, v in
                zip(g.index.tolist(), g.to_numpy().tolist())]

    agg = Aggregates()
    firsts = ~pd.Series(e_key).duplicated().to_numpy()  # the first entry is the member
    fill(agg.stage_counts["recorded"], counts(e_key[firsts], e_adv[firsts]), 1)
    cum = pd.Series(np.concatenate([e_adv, np.ones(len(v_key), dtype=bool)])).groupby(
        np.concatenate([e_key, v_key]), sort=False).any()
    fill(agg.stage_counts["cumulative"], counts(cum.index.to_numpy(), cum.to_numpy()), 1)

    # ---- dwell: one sort by (group, duration), nearest rank at each group's offset ----
    done = is_open & in_w & ~last
    d_owner, d_stage, d = owner[done], code[done], (next_at - at)[done]

    def quantiles(key, d, nkeys):
        # one sort of (group, duration) as a single int64 when it fits
        span = int(d.max(initial=0)) + 1
        if (int(key.max(initial=0)) + 1) * span < 2**62:
            v = np.sort(key * span + d)
            key, d = v // span, v % span
        else:
            o = np.lexsort((d, key))
            key, d = key[o], d[o]
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        cnt = np.diff(np.append(starts, len(key)))
        sums = np.add.reduceat(d, starts) if len(d) else np.zeros(0, np.int64)
        med = d[starts + (cnt + 1) // 2 - 1]
        p90 = d[starts + (9 * cnt + 9) // 10 - 1]
        return key[starts], cnt, sums, med, p90

    for mode in ("recorded", "cumulative"):
        if mode == "cumulative":
            d_owner = np.concatenate([d_owner, owner[rep]])
            d_stage = np.concatenate([d_stage, v_stage])
            d = np.concatenate([d, np.zeros(len(rep), dtype=np.int64)])
        key, cnt, sums, med, p90 = quantiles(d_owner * m + d_stage, d, 2)
        put(agg.dwell[mode], [(owners[kk // m], kk % m, *v) for kk, *v in
                              zip(key.tolist(), cnt.tolist(), sums.tolist(), med.tolist(),
                                  p90.tolist())], 1)
        key, cnt, sums, med, p90 = quantiles(d_stage, d, 1)
        put(agg.dwell[mode], zip(key.tolist(), cnt.tolist(), sums.tolist(), med.tolist(),
                                 p90.tolist()), 1, total=True)

    # ---- open at as_of, whole pipeline: one row per opportunity ----
    f_oi, f_state, f_at = oi[last], code[last], at[last]
    f_owner, f_amount = op_owner[f_oi], op_amount[f_oi]
    o = f_state < ns
    age = as_of - f_at[o]
    g = pd.DataFrame({"n": 1, "age": age, "stale": age > rot[f_state[o]],
                      "amount": f_amount[o]}).groupby(f_owner[o] * m + f_state[o], sort=False).sum()
    fill(agg.open_, [(owners[gk // m], gk % m, *v) for gk, v in
                     zip(g.index.tolist(), g.to_numpy().tolist())], 1)
    cw = (f_state == won) & (f_at >= wf) & (f_at < wt)
    cl = (f_state == lost) & (f_at >= wf) & (f_at < wt)
    g = pd.DataFrame({"owner": f_owner, "n": 1, "cw": cw, "cl": cl,
                      "wa": np.where(cw, f_amount, 0),
                      "cyc": np.where(cw, f_at - op_created[f_oi], 0),
                      "oc": f_state < ns, "oa": np.where(f_state < ns, f_amount, 0)}
                     ).groupby("owner", sort=False).sum()
    fill(agg.pipeline, [(owners[a], *v) for a, v in zip(g.index, g.to_numpy().tolist())], 0)

    # ---- transitions in the window ----
    t = m + 1  # from codes 0..ns+2, to codes 0..ns+1
    g = pd.Series(1, index=np.arange(in_w.sum())).groupby(
        (owner[in_w] * t + frm[in_w]) * t + code[in_w], sort=False).size()
    fill(agg.transitions, [(owners[gk // (t * t)], gk // t % t, gk % t, v) for gk, v in
                           zip(g.index.tolist(), g.to_numpy().tolist())], 2)
    return assemble(agg, meta, owners)
