"""Seeded generator of a stage-event table and an opportunity table for the funnel peers.

Five open stages (codes 0..4), won = 65534, lost = 65535; 200 owners; creation mostly into
the first stage (sometimes later: a skip at creation), forward moves of one stage, skips,
moves back, wins, losses, reopens, and equal timestamps. Rows come out sorted by (opp, at).

Writes, under OUT/<n>/:
  raw little-endian integer columns for salespipe's pure-Rust baseline (funnel-peer):
  events_opp.u64 events_at.i64 events_stage.u16
  opps_opp.u64 opps_amount.i64 opps_owner.u32 opps_created.i64 opps_close.i64
  (close = i64::MIN where none);
  the same rows as a real export brings them, events.parquet and opps.parquet, for the peers
  and the Python binding:
    events: opp string ("opp-0000042"), at timestamp[ms, UTC], stage string (a stage id of
            the pipeline, "won" or "lost")
    opps:   opp string, owner string ("rep-042"), amount int64 (minor units),
            created timestamp[ms, UTC], expected_close date32 (null where none)
  and meta.json: stages, as_of, window, and how the strings map to the integer codes
  (opp code k <-> "opp-%07d" % k, owner code k <-> "rep-%03d" % k, stage code i <-> the
  i-th stage id, 65534 <-> "won", 65535 <-> "lost"). Zero-padded, so the strings sort as
  their codes do.

usage: python gen.py N [OUT=benches/peers/data] [SEED=20261123]
"""
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

WON, LOST = 65534, 65535
DAY = 86_400_000
BASE = 1_704_067_200_000  # 2024-01-01T00:00:00Z
STAGES = [
    {"id": "qualify", "name": "Qualify", "probability": 0.1, "rotting_after_ms": 30 * DAY},
    {"id": "demo", "name": "Demo", "probability": 0.25, "rotting_after_ms": 30 * DAY},
    {"id": "resolve", "name": "Resolve", "probability": 0.4, "rotting_after_ms": None},
    {"id": "quote", "name": "Quote", "probability": 0.6, "rotting_after_ms": 45 * DAY},
    {"id": "contract", "name": "Contract", "probability": 0.85, "rotting_after_ms": 60 * DAY},
]
META = {
    "stages": STAGES,
    "as_of_ms": BASE + 400 * DAY,
    "window_from_ms": BASE + 30 * DAY,
    "window_to_ms": BASE + 330 * DAY,
    "owners": 200,
}
MAX_STEPS = 8
OPP_FMT, OWNER_FMT = "opp-%07d", "rep-%03d"
OWNER_NAMES = pa.array([OWNER_FMT % k for k in range(META["owners"])], pa.string())
# stage codes 0..4 are rows 0..4 of this array, won row 5, lost row 6
STAGE_NAMES = pa.array([s["id"] for s in STAGES] + ["won", "lost"], pa.string())
MS_UTC = pa.timestamp("ms", tz="UTC")


def opp_ids(codes):
    """"opp-%07d" of each code, vectorised in Arrow (no Python string per row)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(codes), pa.string()), width=7, padding="0")
    return pc.binary_join_element_wise("opp-", digits, "")


def string_tables(ev, op):
    """The export-shaped Arrow tables of one chunk (see the module's docstring)."""
    ev_opp, ev_at, ev_stage = ev
    ids, amount, owner, created, close = op
    srow = np.where(ev_stage == WON, 5, np.where(ev_stage == LOST, 6, ev_stage)).astype(np.int32)
    et = pa.table({
        "opp": opp_ids(ev_opp),
        "at": pa.array(ev_at, MS_UTC),
        "stage": STAGE_NAMES.take(pa.array(srow)),
    })
    none = close == np.iinfo(np.int64).min
    ot = pa.table({
        "opp": opp_ids(ids),
        "owner": OWNER_NAMES.take(pa.array(owner)),
        "amount": pa.array(amount, pa.int64()),
        "created": pa.array(created, MS_UTC),
        "expected_close": pa.array((close // DAY).astype(np.int32), pa.date32(), mask=none),
    })
    return et, ot


def chunk(rng, first_id, n):
    ids = np.arange(first_id, first_id + n, dtype=np.uint64)
    owner = rng.integers(0, 200, n, dtype=np.uint32)
    amount = rng.integers(0, 5_000_000, n, dtype=np.int64) * 100
    created = BASE + rng.integers(0, 420 * DAY, n, dtype=np.int64)
    close = np.where(rng.random(n) < 0.8,
                     (created // DAY + rng.integers(10, 200, n)) * DAY,
                     np.iinfo(np.int64).min).astype(np.int64)
    stage = np.zeros((n, MAX_STEPS), dtype=np.int32)
    at = np.zeros((n, MAX_STEPS), dtype=np.int64)
    alive = np.zeros((n, MAX_STEPS), dtype=bool)
    # creation: mostly qualify, sometimes straight into demo or resolve
    u = rng.random(n)
    cur = np.where(u < 0.85, 0, np.where(u < 0.95, 1, 2)).astype(np.int32)
    t = created + np.where(rng.random(n) < 0.5, 0, rng.integers(0, DAY, n))
    stage[:, 0], at[:, 0], alive[:, 0] = cur, t, True
    live = np.ones(n, dtype=bool)
    for k in range(1, MAX_STEPS):
        u = rng.random(n)
        closed = cur >= 5
        # a closed opportunity stops (85%) or is reopened; an open one stops (12%) or moves
        live &= np.where(closed, u < 0.15, u < 0.88)
        v = rng.random(n)
        nxt = np.where(v < 0.55, cur + 1,            # one stage forward
              np.where(v < 0.65, cur + 2,            # skip one
              np.where(v < 0.73, cur - 1,            # back one
              np.where(v < 0.85, 5, 6))))            # won, lost
        nxt = np.where((nxt > 4) & (nxt < 5), 5, nxt)  # past the last stage: won
        nxt = np.where(nxt == 5 + 0, 5, nxt)
        nxt = np.where((cur <= 4) & (nxt >= 5) & (v < 0.73), 5, nxt)
        nxt = np.clip(nxt, 0, 6)
        reopen = rng.integers(0, 5, n)
        nxt = np.where(closed, reopen, nxt)
        dt = np.where(rng.random(n) < 0.03, 0, rng.exponential(12 * DAY, n).astype(np.int64))
        t = t + dt
        cur = np.where(live, nxt, cur)
        stage[:, k], at[:, k], alive[:, k] = cur, t, live
    keep = alive.ravel()
    ev_opp = np.repeat(ids, MAX_STEPS)[keep]
    ev_at = at.ravel()[keep]
    st = stage.ravel()[keep]
    ev_stage = np.where(st == 5, WON, np.where(st == 6, LOST, st)).astype(np.uint16)
    return (ev_opp, ev_at, ev_stage), (ids, amount, owner, created, close)


def main():
    n = int(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "data")
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261123
    d = os.path.join(out, str(n))
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(seed)
    names_ev = ["events_opp.u64", "events_at.i64", "events_stage.u16"]
    names_op = ["opps_opp.u64", "opps_amount.i64", "opps_owner.u32", "opps_created.i64",
                "opps_close.i64"]
    files = [open(os.path.join(d, f), "wb") for f in names_ev + names_op]
    ev_writer = op_writer = None
    step = 500_000
    total_events = 0
    for first in range(0, n, step):
        ev, op = chunk(rng, first, min(step, n - first))
        for f, col in zip(files, ev + op):
            f.write(col.astype(col.dtype.newbyteorder("<")).tobytes())
        total_events += len(ev[0])
        et, ot = string_tables(ev, op)
        if ev_writer is None:
            ev_writer = pq.ParquetWriter(os.path.join(d, "events.parquet"), et.schema)
            op_writer = pq.ParquetWriter(os.path.join(d, "opps.parquet"), ot.schema)
        ev_writer.write_table(et)
        op_writer.write_table(ot)
    for f in files:
        f.close()
    ev_writer.close()
    op_writer.close()
    meta = dict(META, opportunities=n, events=total_events, seed=seed, codes={
        "opp": OPP_FMT, "owner": OWNER_FMT,
        "stage": {**{s["id"]: i for i, s in enumerate(STAGES)}, "won": WON, "lost": LOST},
    })
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{d}: {n} opportunities, {total_events} events")


if __name__ == "__main__":
    main()
