"""Shared by the peers: the data's metadata, the thread setting, and assembling the report's
JSON shape (the same shape as salespipe's `FunnelReports`) from the small integer aggregates
each peer computes with its own engine. Rates and means are formed here exactly as in kpi.md;
nothing here touches a row of the input.

Stage codes inside the peers: the pipeline's open stages are 0..ns-1 in pipeline order,
won is ns, lost is ns + 1 (what a categorical / enum over `stage_names(meta)` gives).
Transition "from" codes are 0 for a creation and code + 1 otherwise."""
import json
import os

DAY_MS = 86_400_000


def load_meta(d):
    with open(os.path.join(d, "meta.json")) as f:
        return json.load(f)


def stage_names(meta):
    """The stage ids in code order: the pipeline's stages, then won, then lost."""
    return [s["id"] for s in meta["stages"]] + ["won", "lost"]


def threads():
    """PEERS_THREADS=1 runs a peer single-threaded; unset or 0: the engine's default pool."""
    n = int(os.environ.get("PEERS_THREADS", "0") or 0)
    return n if n > 0 else None


def ratio(a, b):
    return None if b == 0 else a / b


class Aggregates:
    """Integer aggregates of one peer, keyed by owner (None for the total).

    stage_counts[mode][(owner, stage)] = (entered, advanced, won, lost, lost_here, open_here)
    dwell[mode][(owner, stage)] = (count, sum_ms, median_ms, p90_ms)
    open_[(owner, stage)] = (count, age_sum_ms, stale, amount)
    pipeline[owner] = (opportunities, closed_won, closed_lost, won_amount, cycle_ms,
                       open_count, open_amount)
    transitions[(owner, from, to)] = n
    """

    def __init__(self):
        self.stage_counts = {"recorded": {}, "cumulative": {}}
        self.dwell = {"recorded": {}, "cumulative": {}}
        self.open_ = {}
        self.pipeline = {}
        self.transitions = {}


def assemble(agg, meta, owners):
    """owners: the group keys (owner names) in the report's order."""
    stages = meta["stages"]
    ns = len(stages)
    out = {}
    for mode in ("recorded", "cumulative"):
        groups = []
        for owner in [None] + list(owners):
            st = []
            weighted_pipeline = 0.0
            for s, info in enumerate(stages):
                e, a, w, l, lh, oh = agg.stage_counts[mode].get((owner, s), (0,) * 6)
                dc, dsum, dmed, dp90 = agg.dwell[mode].get((owner, s), (0, 0, None, None))
                oc, osum, stale, oamt = agg.open_.get((owner, s), (0, 0, 0, 0))
                p = info["probability"]
                wo = float(oamt) * p
                weighted_pipeline += wo
                st.append({
                    "entered": e, "advanced": a, "won": w, "lost": l, "lost_here": lh,
                    "open_here": oh,
                    "advance_rate": ratio(a, e), "win_rate": ratio(w, e),
                    "loss_rate": ratio(lh, e),
                    "dwell": {
                        "count": dc,
                        "mean_seconds": None if dc == 0 else dsum / dc / 1000.0,
                        "median_seconds": None if dmed is None else dmed / 1000.0,
                        "p90_seconds": None if dp90 is None else dp90 / 1000.0,
                    },
                    "open_age": {
                        "count": oc,
                        "mean_seconds": None if oc == 0 else osum / oc / 1000.0,
                        "stale": None if info.get("rotting_after_ms") is None else stale,
                    },
                    "open_amount": oamt,
                    "weighted_open": wo,
                })
            opps, cw, cl, wa, cyc, ocount, oamount = agg.pipeline.get(owner, (0,) * 7)
            wr = ratio(cw, cw + cl)
            avg_won = None if cw == 0 else wa / cw
            avg_cycle = None if cw == 0 else cyc / cw / DAY_MS
            vel = (ocount * wr * avg_won / avg_cycle
                   if wr is not None and avg_cycle is not None and avg_cycle > 0 else None)
            counts = [[agg.transitions.get((owner, i, j), 0) for j in range(ns + 2)]
                      for i in range(ns + 3)]
            groups.append({
                "key": owner,
                "opportunities": opps,
                "stages": st,
                "pipeline": {
                    "closed_won": cw, "closed_lost": cl, "win_rate_closed": wr,
                    "won_amount": wa, "avg_won_amount": avg_won, "avg_cycle_days": avg_cycle,
                    "open_count": ocount, "open_amount": oamount,
                    "weighted_pipeline": weighted_pipeline, "velocity_per_day": vel,
                },
                "transitions": counts,
            })
        out[mode] = {"total": groups[0], "groups": groups[1:]}
    return out


def fill(agg_dict, rows, nkey):
    """Puts rows (owner, key..., values...) into agg_dict keyed (owner, key...), and their
    sums into the total (owner None): the total of a count or a sum is the sum over the
    owners' rows, so no peer scans its data twice for it."""
    total = {}
    for r in rows:
        r = tuple(v if v is None or isinstance(v, (str, float)) else int(v) for v in r)
        key, vals = r[:nkey + 1], r[nkey + 1:]
        agg_dict[key if len(key) > 1 else key[0]] = vals if len(vals) > 1 else vals[0]
        tk = (None,) + key[1:]
        prev = total.get(tk)
        total[tk] = vals if prev is None else tuple(a + b for a, b in zip(prev, vals))
    for tk, vals in total.items():
        agg_dict[tk if len(tk) > 1 else tk[0]] = vals if len(vals) > 1 else vals[0]


def put(agg_dict, rows, nkey, total=False):
    """Puts rows (owner, key..., values...) into agg_dict as they are, or, with total=True,
    rows (key..., values...) of the total (for figures that do not add up, the quantiles)."""
    for r in rows:
        r = tuple(v if v is None or isinstance(v, (str, float)) else int(v) for v in r)
        key, vals = ((None,) + r[:nkey], r[nkey:]) if total else (r[:nkey + 1], r[nkey + 1:])
        agg_dict[key if len(key) > 1 else key[0]] = vals if len(vals) > 1 else vals[0]


class InvalidInput(ValueError):
    pass
