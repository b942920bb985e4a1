"""Shared by the peers: loading the generated data and assembling the report's JSON shape
(the same shape as salespipe's `FunnelReports`) from the integer aggregates each peer
computes with its own engine. Rates and means are formed here exactly as in kpi.md."""
import json
import os

WON, LOST = 65534, 65535
DAY_MS = 86_400_000


def load_meta(d):
    with open(os.path.join(d, "meta.json")) as f:
        return json.load(f)


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
    stages = meta["stages"]
    ns = len(stages)
    out = {}
    for mode in ("recorded", "cumulative"):
        groups = []
        for owner in [None] + list(range(owners)):
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
                "key": None if owner is None else str(owner),
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


def fill(agg_dict, rows, nkey, with_owner):
    """Puts rows (tuples: [owner,] key..., values...) into agg_dict."""
    for r in rows:
        r = tuple(int(v) if v is not None and not isinstance(v, float) else v for v in r)
        if with_owner:
            key = r[:nkey + 1]
            vals = r[nkey + 1:]
        else:
            key = (None,) + r[:nkey]
            vals = r[nkey:]
        agg_dict[key if len(key) > 1 else key[0]] = vals if len(vals) > 1 else vals[0]
