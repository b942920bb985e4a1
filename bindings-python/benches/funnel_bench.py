"""salespipe.funnel from Python vs the same call in pure Rust vs the polars, DuckDB and pandas
peers: one run, each engine and each input in its own process.

usage: python bindings-python/benches/funnel_bench.py [N ...] [--inputs pyarrow,polars,pandas]
          [--encodings strings,categorical,integers] [--peers polars,duckdb,pandas]
          [--threads default,1] [--repeat 5]
  data: `python benches/peers/gen.py N` (Parquet with string opportunity ids, stage ids and
  owner names, as an export gives them; the raw integer columns beside them are the pure-Rust
  baseline's); the baseline binary: `cargo build --release -p salespipe-benches --bin
  funnel-peer`; the wheel: `SALESPIPE_PY_BUILD=release scripts/test-python` (or maturin
  build --release and pip install).

What is timed (loading the files is excluded everywhere):
- **Rust**: `salespipe::analytics::funnel` over the integer columns (one mode, grouped by
  owner) and `funnel_both` (both modes from one pass), single-threaded;
- **Python**: `sp.funnel(events, opportunities, pipeline, by="owner", ...)` on frames read
  from the Parquet files by pyarrow, polars or pandas, with the columns as read (strings) or
  with the stage and owner columns categorical (pyarrow dictionary, polars Categorical,
  pandas category), or ("integers") the pure-Rust baseline's own integer columns read from
  gen.py's raw files — conversion included: one mode (`sp.funnel`), and both modes
  (`sp.funnel_both`, the report the peers compute);
- **peers**: the whole report (both modes) by `benches/peers/` (see compare.py), with each
  engine's default threads and with one.

Memory: the frames' own size (pyarrow `nbytes`, polars `estimated_size`, pandas
`memory_usage(deep=True)`) and the call's peak: the process's peak RSS during the first call
(`VmHWM` after resetting it with /proc/self/clear_refs) minus its RSS before it.

Every Python report (both modes) is checked against the pure-Rust one, field by field (the
rule of compare.py); the peers are checked by compare.py the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "benches", "peers")
sys.path.insert(0, PEERS)
import compare  # type: ignore[import-not-found]  # noqa: E402
from common import load_meta  # type: ignore[import-not-found]  # noqa: E402

CHILD = r"""
import json, os, sys, time
from datetime import datetime, timedelta, timezone
import salespipe as sp

lib, enc, d, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
meta = json.load(open(os.path.join(d, "meta.json")))
ms = lambda t: datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=t)
pipeline = sp.Pipeline("bench", "Bench", [
    sp.Stage(s["id"], s["name"], s["probability"],
             rotting_after=None if s.get("rotting_after_ms") is None
             else timedelta(milliseconds=s["rotting_after_ms"]))
    for s in meta["stages"]])
ev_path, op_path = os.path.join(d, "events.parquet"), os.path.join(d, "opps.parquet")
if enc == "integers":
    # The pure-Rust baseline's own integer columns (u64 ids, i64 ms, u16 stage codes, u32
    # owner codes), read from gen.py's raw files into the library's frames.
    import numpy as np
    import pyarrow as pa
    raw = lambda name, dt: np.fromfile(os.path.join(d, name), dtype=dt)
    close = raw("opps_close.i64", "<i8")
    evt = pa.table({"opp": raw("events_opp.u64", "<u8"), "at": raw("events_at.i64", "<i8"),
                    "stage": raw("events_stage.u16", "<u2")})
    opt = pa.table({"opp": raw("opps_opp.u64", "<u8"), "amount": raw("opps_amount.i64", "<i8"),
                    "owner": raw("opps_owner.u32", "<u4"),
                    "created": raw("opps_created.i64", "<i8"),
                    "expected_close": pa.array(close, mask=close == np.iinfo(np.int64).min)})
    if lib == "polars":
        import polars as pl
        ev, op = pl.DataFrame(evt), pl.DataFrame(opt)
        nbytes = ev.estimated_size() + op.estimated_size()
    elif lib == "pyarrow":
        ev, op = evt, opt
        nbytes = ev.nbytes + op.nbytes
    else:
        import pandas as pd
        # nullable Int64, so that the dates missing in expected_close stay integers
        ev, op = evt.to_pandas(), opt.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        nbytes = int(ev.memory_usage(deep=True).sum() + op.memory_usage(deep=True).sum())
elif lib == "polars":
    import polars as pl
    # One chunk per column, as polars exports it anyway (a multi-chunk frame is copied into
    # one chunk by its __arrow_c_stream__ on every call: rechunk once after reading).
    ev, op = pl.read_parquet(ev_path).rechunk(), pl.read_parquet(op_path).rechunk()
    if enc == "categorical":
        ev = ev.with_columns(pl.col("stage").cast(pl.Categorical))
        op = op.with_columns(pl.col("owner").cast(pl.Categorical))
    nbytes = ev.estimated_size() + op.estimated_size()
elif lib == "pyarrow":
    import pyarrow.parquet as pq
    ev, op = pq.read_table(ev_path), pq.read_table(op_path)
    if enc == "categorical":
        ev = ev.set_column(ev.schema.get_field_index("stage"), "stage",
                           ev["stage"].dictionary_encode())
        op = op.set_column(op.schema.get_field_index("owner"), "owner",
                           op["owner"].dictionary_encode())
    nbytes = ev.nbytes + op.nbytes
else:
    import pandas as pd
    ev, op = pd.read_parquet(ev_path), pd.read_parquet(op_path)
    if enc == "categorical":
        ev["stage"] = ev["stage"].astype("category")
        op["owner"] = op["owner"].astype("category")
    nbytes = int(ev.memory_usage(deep=True).sum() + op.memory_usage(deep=True).sum())

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
    return 0

kw = dict(as_of=ms(meta["as_of_ms"]),
          window=(ms(meta["window_from_ms"]), ms(meta["window_to_ms"])), by="owner")
# The call's memory: the first call, from the RSS with the frames loaded to the peak during
# it (later calls reuse memory the allocator kept, so they would hide it). It is also the
# warm-up of the timed calls.
rss_before = status("VmRSS:")
try:
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
sp.funnel(ev, op, pipeline, mode="recorded", **kw)
peak = status("VmHWM:")
one, both, reports = [], [], {}
for _ in range(repeat):
    t0 = time.perf_counter()
    sp.funnel(ev, op, pipeline, mode="recorded", **kw)
    one.append((time.perf_counter() - t0) * 1000)
for _ in range(repeat):
    t0 = time.perf_counter()
    rec, cum = sp.funnel_both(ev, op, pipeline, **kw)
    both.append((time.perf_counter() - t0) * 1000)
r = {"recorded": rec, "cumulative": cum}
reports = {m: x.to_dict() for m, x in r.items()}
print("@@RESULT@@" + json.dumps({"one": one, "both": both, "nbytes": nbytes,
      "rss_before_kib": rss_before, "peak_kib": peak, "report": reports}))
"""


def run_python(lib: str, enc: str, d: str, repeat: int) -> Dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, lib, enc, d, str(repeat)], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"python {lib}/{enc} failed:\n{out.stderr[-3000:]}")
    line = [x for x in out.stdout.splitlines() if x.startswith("@@RESULT@@")][-1]
    result: Dict[str, Any] = json.loads(line[len("@@RESULT@@"):])
    return result


def run_rust(d: str, repeat: int, mode: Optional[str]) -> Dict[str, Any]:
    cmd = [compare.BIN, d, "--repeat", str(repeat), "--report"]
    if mode:
        cmd += ["--mode", mode]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"funnel-peer failed:\n{out.stderr[-3000:]}")
    result: Dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", default=["1000000"])
    ap.add_argument("--inputs", default="pyarrow,polars,pandas")
    ap.add_argument("--encodings", default="strings,categorical")
    ap.add_argument("--peers", default="polars,duckdb,pandas")
    ap.add_argument("--threads", default="default,1")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"load average (1/5/15 min) before: {compare.loadavg()}, {os.cpu_count()} CPUs",
          flush=True)
    failed = False
    tables: List[str] = []
    for n in args.sizes:
        d = os.path.join(PEERS, "data", n)
        meta = load_meta(d)
        rust_one = run_rust(d, args.repeat, "recorded")
        rust_both = run_rust(d, args.repeat, None)
        truth = compare.normalise_rust(rust_both["report"], meta)
        base_one = rust_one["median_ms"]
        rows: List[Any] = [
            ("salespipe, pure Rust (1 thread)", "integer columns", rust_one["median_ms"],
             rust_both["median_ms"], None, None, "—")
        ]
        for lib in [x for x in args.inputs.split(",") if x]:
            for enc in [x for x in args.encodings.split(",") if x]:
                r = run_python(lib, enc, d, args.repeat)
                # integer owner codes come back as keys "42": named as the baseline's are
                ours = compare.normalise_rust(r["report"], meta if enc == "integers" else None)
                problems = compare.diff(truth, ours, lib)
                if problems:
                    failed = True
                    print("\n".join(problems[:20]), file=sys.stderr)
                call = (r["peak_kib"] - r["rss_before_kib"]) * 1024
                rows.append((f"salespipe from Python ({lib})", enc,
                             statistics.median(r["one"]), statistics.median(r["both"]),
                             r["nbytes"], max(call, 0), "no" if problems else "yes"))
                print(f"  {n} python {lib}/{enc}: {statistics.median(r['one']):.1f} ms",
                      file=sys.stderr, flush=True)
        peer_rows = []
        for name in [x for x in args.peers.split(",") if x]:
            for th in [None if t == "default" else int(t) for t in args.threads.split(",")]:
                if name == "pandas" and th is None and "1" in args.threads.split(","):
                    continue  # pandas is single-threaded: one row
                r = compare.run_peer(name, d, meta, args.repeat, th)
                problems = compare.diff(truth, r["report"], name)
                if problems:
                    failed = True
                    print("\n".join(problems[:20]), file=sys.stderr)
                label = f"{name} ({'1 thread' if th == 1 or name == 'pandas' else 'default threads'})"
                peer_rows.append((label, statistics.median(r["times"]), not problems))
                print(f"  {n} {label}: {statistics.median(r['times']):.1f} ms", file=sys.stderr,
                      flush=True)
        fastest = min((m for _, m, _ in peer_rows), default=None)
        lines = [
            f"\n{int(n):,} opportunities, {meta['events']:,} events; medians of {args.repeat}\n",
            "| tool | input | one mode ms | × pure Rust | both modes ms | fastest peer ÷ this "
            "| frames MiB | call's peak MiB | peak ÷ frames | agrees |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for tool, inp, one, both, nbytes, call, agree in rows:
            mem = (
                [f"{nbytes / 2**20:.0f}", f"{call / 2**20:.0f}", f"{call / nbytes:.2f}"]
                if nbytes
                else ["", "", ""]
            )
            cells = [tool, inp, f"{one:.0f}", f"{one / base_one:.2f}", f"{both:.0f}",
                     f"{fastest / both:.1f}x" if fastest else ""] + mem + [agree]
            lines.append("| " + " | ".join(cells) + " |")
        for label, med, ok in peer_rows:
            cells = [label, "Parquet strings", "", "", f"{med:.0f}",
                     f"{fastest / med:.1f}x" if fastest else "", "", "", "",
                     "yes" if ok else "NO"]
            lines.append("| " + " | ".join(cells) + " |")
        tables.append("\n".join(lines))
    print(f"load average (1/5/15 min) after: {compare.loadavg()}")
    print("\n".join(tables))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
