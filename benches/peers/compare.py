"""Runs salespipe's pure-Rust funnel report and the polars, DuckDB and pandas peers on the
same generated data, checks that every peer agrees with salespipe (integers exact, floats to
1e-9 relative, absent values absent on both sides) and prints one markdown table.

Every engine runs in its own process, once per thread setting, so its peak RSS is its own
(`ru_maxrss` of the child, read after loading and again after the timed runs). Loading the
Parquet files (the raw columns for salespipe) is not timed for any tool. Each timed run is
the whole report (validation, both modes, grouped by owner and in total); the table gives
the median and the minimum of --repeat runs (default 5). The load average is printed before
and after, because figures from a busy machine are not figures.

usage: python compare.py [N ...] [--engines salespipe,polars,duckdb,pandas]
                         [--threads default,1] [--repeat 5] [--data DIR] [--unsorted]
  data from `python gen.py N` under benches/peers/data/N; the salespipe binary from
  `cargo build --release -p salespipe-benches --bin funnel-peer` (single-threaded).
  --threads: "default" runs each peer with its engine's default thread pool, "1" with one
  thread (PEERS_THREADS=1: POLARS_MAX_THREADS=1 before polars is imported, DuckDB
  `SET threads = 1`; pandas is single-threaded either way, so it runs once).
  --unsorted also times salespipe on rows of different opportunities interleaved.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import load_meta  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "target", "release", "funnel-peer")
PEERS = ("polars", "duckdb", "pandas")


def flatten(x, prefix=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, x


def normalise_rust(rep, meta=None):
    """salespipe's FunnelReports JSON → the peers' shape (transitions as bare counts; with
    meta, the group keys, owner codes in the raw columns, as the owner names of the Parquet
    data, `meta["codes"]["owner"] % code`)."""
    fmt = (meta or {}).get("codes", {}).get("owner")
    out = {}
    for mode in ("recorded", "cumulative"):
        r = rep[mode]
        groups = []
        for g in [r["total"]] + r["groups"]:
            st = []
            for s in g["stages"]:
                s = {k: v for k, v in s.items() if k not in ("id", "name", "probability")}
                st.append(s)
            key = g["key"]
            if fmt and key is not None:
                key = fmt % int(key)
            groups.append({"key": key, "opportunities": g["opportunities"], "stages": st,
                           "pipeline": g["pipeline"],
                           "transitions": g["transitions"]["counts"]})
        out[mode] = {"total": groups[0], "groups": groups[1:]}
    return out


def diff(a, b, name):
    fa, fb = dict(flatten(a)), dict(flatten(b))
    problems = []
    for k in sorted(set(fa) | set(fb)):
        x, y = fa.get(k, "<missing>"), fb.get(k, "<missing>")
        if isinstance(x, float) or isinstance(y, float):
            if x is None or y is None or isinstance(x, str) or isinstance(y, str):
                ok = x == y
            else:
                ok = math.isclose(x, y, rel_tol=1e-9, abs_tol=0.0) or x == y
        else:
            ok = x == y
        if not ok:
            problems.append(f"  {name}: {k}: salespipe {x!r} != {y!r}")
    return problems


CHILD = """
import json, sys, time, resource
sys.path.insert(0, {here!r})
import {name}_peer as p
from common import load_meta
meta = load_meta({d!r})
ev, op = p.load({d!r})
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
for _ in range({repeat}):
    t0 = time.perf_counter()
    rep = p.report(ev, op, meta)
    times.append((time.perf_counter() - t0) * 1000)
print("@@RESULT@@" + json.dumps({{"times": times, "rss_loaded_kib": rss_loaded,
      "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "report": rep}}))
"""


def run_peer(name, d, meta, repeat, threads=None):
    """Runs one peer in a fresh process (so peak memory is its own); threads=1 runs it with
    one thread, None with its default. Returns {times, rss_loaded_kib, peak_kib, report}."""
    env = dict(os.environ)
    env.pop("PEERS_THREADS", None)
    if threads:
        env["PEERS_THREADS"] = str(threads)
    code = CHILD.format(here=HERE, name=name, d=d, repeat=repeat)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-3000:]}")
    line = [l for l in out.stdout.splitlines() if l.startswith("@@RESULT@@")][-1]
    return json.loads(line[len("@@RESULT@@"):])


def run_salespipe(d, repeat, unsorted=False):
    cmd = [BIN, d, "--repeat", str(repeat)] + (["--unsorted"] if unsorted else ["--report"])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"funnel-peer failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def loadavg():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", default=["100000", "1000000"])
    ap.add_argument("--engines", "--peers", dest="engines",
                    default="salespipe,polars,duckdb,pandas")
    ap.add_argument("--threads", default="default,1",
                    help="comma list of 'default' and/or '1' (for the peers)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--unsorted", action="store_true")
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    settings = [None if t == "default" else int(t) for t in args.threads.split(",") if t]
    print(f"load average (1/5/15 min) before: {loadavg()}, {os.cpu_count()} CPUs", flush=True)
    rows = []
    failed = False
    for n in args.sizes:
        d = os.path.join(args.data, n)
        meta = load_meta(d)
        sp = None
        if "salespipe" in engines or any(e in PEERS for e in engines):
            r = run_salespipe(d, args.repeat)
            sp = normalise_rust(r["report"], meta)
            if "salespipe" in engines:
                rows.append((n, meta["events"], "salespipe (Rust, 1 thread)", r["median_ms"],
                             r["best_ms"], r["rss_after_load_kib"], r["peak_rss_kib"], "—"))
            if args.unsorted:
                r = run_salespipe(d, args.repeat, unsorted=True)
                rows.append((n, meta["events"], "salespipe (Rust, 1 thread, unsorted rows)",
                             r["median_ms"], r["best_ms"], r["rss_after_load_kib"],
                             r["peak_rss_kib"], "—"))
        for name in (e for e in engines if e in PEERS):
            for th in settings if name != "pandas" else [None]:
                r = run_peer(name, d, meta, args.repeat, th)
                problems = diff(sp, r["report"], name)
                if problems:
                    failed = True
                    print(f"{name} @ {n}: {len(problems)} differences", file=sys.stderr)
                    print("\n".join(problems[:30]), file=sys.stderr)
                label = name + (" (1 thread)" if th == 1 or name == "pandas"
                                else " (default threads)")
                ts = r["times"]
                rows.append((n, meta["events"], label, statistics.median(ts), min(ts),
                             r["rss_loaded_kib"], r["peak_kib"], "no" if problems else "yes"))
                print(f"  {n} {label}: median {statistics.median(ts):.1f} ms, "
                      f"agrees: {'no' if problems else 'yes'}", file=sys.stderr, flush=True)
    print(f"load average (1/5/15 min) after: {loadavg()}")
    base = {n: med for n, _, tool, med, *_ in rows if tool == "salespipe (Rust, 1 thread)"}
    print(f"\n{args.repeat} runs each; loading excluded; RSS of the engine's own process.\n")
    print("| opportunities | events | tool | median ms | min ms | RSS after load MiB "
          "| peak RSS MiB | agrees | median / salespipe |")
    print("|---:|---:|---|---:|---:|---:|---:|---|---:|")
    for n, evs, tool, med, best, loaded, peak, agree in rows:
        ratio = f"{med / base[n]:.1f}x" if n in base else ""
        print(f"| {int(n):,} | {evs:,} | {tool} | {med:.1f} | {best:.1f} | "
              f"{loaded / 1024:.0f} | {peak / 1024:.0f} | {agree} | {ratio} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
