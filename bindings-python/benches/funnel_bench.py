"""salespipe.funnel called from Python on polars DataFrames vs the peers of benches/peers.

usage: python bindings-python/benches/funnel_bench.py [N] [--repeat R] [--peers polars,duckdb,pandas]
  (data from benches/peers/gen.py under benches/peers/data/N; needs the salespipe wheel)

Times the same report the peers compute (both modes, grouped by owner, window and as-of of
the data's meta.json), including the conversion from the polars frames (Arrow PyCapsule,
zero-copy for these dtypes); loading the parquet files is excluded for every tool. Checks
that the Python reports agree with each peer (compare.py's rule) and prints a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import polars as pl

import salespipe as sp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "benches", "peers")
sys.path.insert(0, PEERS)
import compare  # type: ignore[import-not-found]  # noqa: E402
from common import load_meta  # type: ignore[import-not-found]  # noqa: E402


def ms(t: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", default="1000000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--peers", default="polars")
    args = ap.parse_args()
    d = os.path.join(PEERS, "data", args.n)
    meta = load_meta(d)
    pipeline = sp.Pipeline(
        "bench",
        "Bench",
        [
            sp.Stage(
                s["id"],
                s["name"],
                s["probability"],
                rotting_after=None
                if s.get("rotting_after_ms") is None
                else timedelta(milliseconds=s["rotting_after_ms"]),
            )
            for s in meta["stages"]
        ],
    )
    ev = pl.read_parquet(os.path.join(d, "events.parquet"))
    op = pl.read_parquet(os.path.join(d, "opps.parquet"))
    as_of = ms(meta["as_of_ms"])
    window = (ms(meta["window_from_ms"]), ms(meta["window_to_ms"]))
    times: List[float] = []
    reports: Dict[str, Any] = {}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for mode in ("recorded", "cumulative"):
            r = sp.funnel(ev, op, pipeline, as_of=as_of, window=window, mode=mode, by="owner")
            reports[mode] = r.to_dict()
        times.append((time.perf_counter() - t0) * 1000)
    ours = compare.normalise_rust(reports)
    best = min(times)
    rows = [("salespipe (Python, polars frames)", best, sorted(times)[len(times) // 2], True)]
    for name in [p for p in args.peers.split(",") if p]:
        r = compare.run_peer(name, d, meta, max(1, min(args.repeat, 3)))
        problems = compare.diff(ours, r["report"], name)
        if problems:
            print("\n".join(problems[:20]), file=sys.stderr)
        rows.append((name, min(r["times"]), sorted(r["times"])[len(r["times"]) // 2], not problems))
    fastest = min(b for name, b, _, _ in rows[1:]) if len(rows) > 1 else None
    print(f"{args.n} opportunities, {meta['events']} events")
    print("| tool | best ms | median ms | agrees | speed-up vs fastest peer |")
    print("|---|---:|---:|---|---:|")
    for name, b, med, agree in rows:
        speed = f"{fastest / b:.1f}x" if fastest and name.startswith("salespipe") else ""
        print(f"| {name} | {b:.0f} | {med:.0f} | {'yes' if agree else 'NO'} | {speed} |")


if __name__ == "__main__":
    main()
