#!/usr/bin/env bash
# The mobile benchmarks: Kotlin (JVM + JNA, the generated bindings) against Rust, each
# measurement a JSON line on stdout. Release builds; run it on a quiet machine.
#   1. 100k gate-checked advances (25,000 opportunities × 4 stages, the engine of
#      benches/benches/engine.rs gate_checked_advances), from Rust (the core directly) and from
#      Kotlin (Engine.advance per call, three Strings) and from Kotlin through the hot path
#      (Engine.advanceRef per call, three id objects made once; a JVM of its own); also from
#      Rust through this crate's exported Engine, both verbs (the binding's own work, no
#      FFI), and the FFI's own per-call cost from Kotlin: the
#      no-op exports of the cargo feature bench-probes (src/probes.rs, bench/Probes.kt),
#      which this script's release build enables.
#   2. Opening a 1M-event SQLite file, each side in a fresh process: Rust builds the core
#      engine on SqliteStore::open, Kotlin calls Engine.open(path). The file is written once
#      through the engine by the Rust side and kept in bindings-mobile/build/bench.
# Usage: bindings-mobile/bench/run.sh [advances|open|all]   (default all)
#   SALESPIPE_BENCH_OPPORTUNITIES=25000  opportunities advanced (× 4 advances)
#   SALESPIPE_BENCH_EVENTS=1000000       events in the SQLite file
#   SALESPIPE_BENCH_RUNS=3               repetitions of each measurement
#   SALESPIPE_BENCH_PROBE_CALLS=100000   calls of each FFI probe (as many as the advances)
#   SALESPIPE_BENCH_DB=path              the SQLite file (written when missing)
#   KOTLINC, JNA_JAR                     as for scripts/test-mobile (run it once first: it
#                                        installs kotlin-compiler into bindings-mobile/.kotlin)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
MOBILE=$ROOT/bindings-mobile
OUT=$MOBILE/build/bench
WHAT=${1:-all}
OPPS=${SALESPIPE_BENCH_OPPORTUNITIES:-25000}
EVENTS=${SALESPIPE_BENCH_EVENTS:-1000000}
RUNS=${SALESPIPE_BENCH_RUNS:-3}
PROBE_CALLS=${SALESPIPE_BENCH_PROBE_CALLS:-100000}
DB=${SALESPIPE_BENCH_DB:-$OUT/events-$EVENTS.sqlite}
case "$WHAT" in advances|open|all) ;; *) echo "usage: $0 [advances|open|all]" >&2; exit 2 ;; esac
export CARGO_TERM_COLOR=never

echo "== bench: cargo build --release -p salespipe-mobile --features bench-probes" >&2
cargo build --release -p salespipe-mobile --features bench-probes >&2
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case "$(uname -s)" in
  Darwin) LIB=$TARGET_DIR/release/libsalespipe_mobile.dylib ;;
  *) LIB=$TARGET_DIR/release/libsalespipe_mobile.so ;;
esac
RUST=$TARGET_DIR/release/salespipe-mobile-bench
mkdir -p "$OUT"

echo "== bench: Kotlin bindings, Bench.kt and Probes.kt" >&2
rm -rf "$OUT/kotlin"
"$TARGET_DIR/release/uniffi-bindgen" generate --no-format --library "$LIB" --language kotlin --out-dir "$OUT/kotlin" >&2
KOTLINC=${KOTLINC:-$MOBILE/.kotlin/node_modules/kotlin-compiler/bin/kotlinc}
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
[ -x "$KOTLINC" ] || { echo "no kotlinc at $KOTLINC: run scripts/test-mobile once, or set KOTLINC" >&2; exit 1; }
[ -f "$JNA_JAR" ] || { echo "no JNA at $JNA_JAR: run scripts/test-mobile once, or set JNA_JAR" >&2; exit 1; }
STDLIB=$(cd "$(dirname "$KOTLINC")/.." && pwd)/lib/kotlin-stdlib.jar
# Probes.kt needs the probes of this build: scripts/test-mobile compiles Bench.kt only.
SOURCES=("$OUT"/kotlin/dev/salespipe/*.kt "$MOBILE/bench/Bench.kt" "$MOBILE/bench/Probes.kt")
JAR=$OUT/bench.jar
sum=$( (cat "${SOURCES[@]}"; echo "$KOTLINC") | sha256sum | cut -d' ' -f1)
if [ ! -f "$JAR" ] || [ "$(cat "$OUT/bench.sha256" 2>/dev/null)" != "$sum" ]; then
  rm -f "$JAR"
  "$KOTLINC" -nowarn -cp "$JNA_JAR" -d "$JAR" "${SOURCES[@]}" >&2
  echo "$sum" > "$OUT/bench.sha256"
fi
kotlin_main() {
  local main=$1
  shift
  java -Djna.library.path="$(dirname "$LIB")" -Djna.nosys=true -cp "$JAR:$JNA_JAR:$STDLIB" "$main" "$@"
}
kotlin_side() { kotlin_main dev.salespipe.bench.BenchKt "$@"; }

if [ "$WHAT" != open ]; then
  "$RUST" pipeline-json > "$OUT/pipeline.json"
  for _ in $(seq "$RUNS"); do
    "$RUST" advances "$OPPS"
    kotlin_side advances "$OPPS" "$OUT/pipeline.json"
    kotlin_side advances-ref "$OPPS" "$OUT/pipeline.json"
    "$RUST" advances-binding "$OPPS"
    "$RUST" advances-binding-ref "$OPPS"
    kotlin_main dev.salespipe.bench.probes.ProbesKt "$PROBE_CALLS"
  done
fi

if [ "$WHAT" != advances ]; then
  if [ ! -f "$DB" ]; then
    echo "== bench: writing $DB ($EVENTS events, once)" >&2
    rm -f "$DB.tmp" "$DB.tmp-wal" "$DB.tmp-shm"
    "$RUST" write "$DB.tmp" "$EVENTS"
    mv "$DB.tmp" "$DB"
  fi
  for _ in $(seq "$RUNS"); do
    "$RUST" open "$DB"
    kotlin_side open "$DB"
  done
fi
