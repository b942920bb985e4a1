"""Runs salespipe and the peers on the same generated data, checks that all agree
(integers exact, floats to 1e-9 relative) and prints one timing table.

usage: python compare.py [N ...] [--peers polars,duckdb,pandas] [--repeat R]
       (data from gen.py under benches/peers/data/N; the salespipe binary from
        cargo build --release -p salespipe-benches --bin funnel-peer)
"""
import argparse
import gc
import json
import math
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import load_meta  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "target", "release", "funnel-peer")


def flatten(x, prefix=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, x


def normalise_rust(rep):
    """salespipe's FunnelReports JSON → the peers' shape (transitions as bare counts)."""
    out = {}
    for mode in ("recorded", "cumulative"):
        r = rep[mode]
        groups = []
        for g in [r["total"]] + r["groups"]:
            st = []
            for s in g["stages"]:
                s = {k: v for k, v in s.items() if k not in ("id", "name", "probability")}
                st.append(s)
            groups.append({"key": g["key"], "opportunities": g["opportunities"], "stages": st,
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


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_peer(name, d, meta, repeat):
    """Runs one peer in a fresh process (so peak memory is its own); returns (times, report)."""
    code = f"""
import json, sys, time, resource
sys.path.insert(0, {HERE!r})
import {name}_peer as p
from common import load_meta
meta = load_meta({d!r})
ev, op = p.load({d!r})
times = []
for _ in range({repeat}):
    t0 = time.perf_counter()
    rep = p.report(ev, op, meta)
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({{"times": times, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "report": rep}}))
"""
    env = dict(os.environ, POLARS_MAX_THREADS="1", OMP_NUM_THREADS="1")
    if name == "polars" and os.environ.get("PEERS_THREADS"):
        env.pop("POLARS_MAX_THREADS")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", default=["100000", "1000000"])
    ap.add_argument("--peers", default="polars,duckdb,pandas")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    args = ap.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    rows = []
    failed = False
    for n in args.sizes:
        d = os.path.join(args.data, n)
        meta = load_meta(d)
        res = {}
        for unsorted in (False, True):
            cmd = [BIN, d, "--repeat", str(max(args.repeat, 5))] + (["--unsorted"] if unsorted else []) + ([] if unsorted else ["--report"])
            out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
            res["salespipe (unsorted input)" if unsorted else "salespipe"] = out
        sp = normalise_rust(res["salespipe"]["report"])
        for name in peers:
            r = run_peer(name, d, meta, args.repeat)
            problems = diff(sp, r["report"], name)
            if problems:
                failed = True
                print(f"{name} @ {n}: {len(problems)} differences", file=sys.stderr)
                print("\n".join(problems[:30]), file=sys.stderr)
            res[name] = {"best_ms": min(r["times"]), "median_ms": sorted(r["times"])[len(r["times"]) // 2],
                         "peak_rss_kib": r["peak_kib"], "agree": not problems}
        for tool, r in res.items():
            rows.append((n, meta["events"], tool, r["best_ms"], r["median_ms"], r.get("peak_rss_kib"),
                         r.get("agree", True), r.get("input_bytes")))
    fastest = {}
    for n, _, tool, best, *_ in rows:
        if not tool.startswith("salespipe"):
            fastest[n] = min(fastest.get(n, float("inf")), best)
    print(f"| opportunities | events | tool | best ms | median ms | peak RSS MiB | agrees | vs fastest peer |")
    print("|---:|---:|---|---:|---:|---:|---|---:|")
    for n, evs, tool, best, med, peak, agree, inb in rows:
        speed = f"{fastest[n] / best:.1f}x" if n in fastest else ""
        mem = f"{peak / 1024:.0f}" if peak else ""
        if inb:
            mem += f" (input {inb / 2**20:.0f})"
        print(f"| {int(n):,} | {evs:,} | {tool} | {best:.1f} | {med:.1f} | {mem} | {'yes' if agree else 'NO'} | {speed} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
