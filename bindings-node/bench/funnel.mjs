// Times the funnel over columns from Node: the conversion at the boundary included.
//
//   node bench/funnel.mjs [--opps N] [--repeat N]       (defaults: 1,000,000 opportunities, 5 runs)
//   node bench/funnel.mjs --data ../benches/peers/data/1000000 [--repeat N]
//
// With --data, the rows are those of `python benches/peers/gen.py N` (its raw integer
// columns, the ones the pure-Rust `funnel-peer` binary reads), and the script also runs
// `target/release/funnel-peer DIR --mode recorded` (cargo build --release -p salespipe-benches
// --bin funnel-peer) in the same run, printing the Rust median and each variant's ratio to it.
//
// Run it on an idle machine against a release build (SALESPIPE_NODE_BUILD=release
// scripts/test-node, or `npm run build`). The history is the one of
// benches/benches/funnel.rs (`history`: the same xorshift, five stages, skips, moves back,
// wins, losses, reopens, 200 groups), so the Rust figure to compare with is the core's
// `funnel` (one mode) over `history(N)`. Prints one JSON line per variant:
// - typed:          BigUint64Array ids, BigInt64Array ms, Uint16Array codes (read in place)
// - arrow-numeric:  the same columns as an Arrow table (read in place)
// - arrow-strings:  Arrow Utf8 ids ("opp-0000123", as gen.py) and Dictionary<Utf8> stage ids (converted once)
// - typed-async:    funnelAsync over the typed columns (copied once, then the thread pool)
import { createRequire } from 'node:module'
import { readFileSync, existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { funnel, funnelAsync } = require('../index.js')
const arrow = require('apache-arrow')

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const DATA = (() => {
  const i = process.argv.indexOf('--data')
  return i >= 0 ? process.argv[i + 1] : null
})()
const OPPS = arg('--opps', 1_000_000)
const REPEAT = arg('--repeat', 5)
const DAY = 86_400_000n
const WON = 65534
const LOST = 65535

function history(opps) {
  let x = 0x9e3779b97f4a7c15n
  const M = (1n << 64n) - 1n
  const next = () => {
    x ^= (x << 13n) & M
    x ^= x >> 7n
    x ^= (x << 17n) & M
    return x
  }
  const ev = { opp: [], at: [], stage: [] }
  const op = { opp: new BigUint64Array(opps), amount: new BigInt64Array(opps), group: new Uint32Array(opps), created: new BigInt64Array(opps) }
  for (let o = 0; o < opps; o++) {
    const created = next() % (365n * DAY)
    op.opp[o] = BigInt(o)
    op.amount[o] = next() % 1_000_000n
    op.group[o] = Number(next() % 200n)
    op.created[o] = created
    let at = created
    let cur = 0
    ev.opp.push(o); ev.at.push(at); ev.stage.push(cur)
    for (let k = next() % 6n; k > 0n; k--) {
      at += next() % (20n * DAY)
      if (cur >= 5) cur = Number(next() % 5n)
      else {
        const r = Number(next() % 10n)
        cur = r <= 4 ? cur + 1 : r === 5 ? cur + 2 : r === 6 ? Math.max(cur - 1, 0) : r <= 8 ? WON : LOST
      }
      if (cur >= 5 && cur < WON) cur = WON
      ev.opp.push(o); ev.at.push(at); ev.stage.push(cur)
      if (cur >= WON) cur = 5
    }
  }
  return {
    events: {
      opp: BigUint64Array.from(ev.opp, BigInt),
      at: BigInt64Array.from(ev.at),
      stage: Uint16Array.from(ev.stage),
    },
    opportunities: { opp: op.opp, amount: op.amount, created: op.created, group: op.group },
  }
}

/** The raw little-endian columns of benches/peers/gen.py and its meta.json. */
function peerData(dir) {
  const col = (name, T) => {
    const b = readFileSync(join(dir, name))
    return new T(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
  }
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))
  const close = col('opps_close.i64', BigInt64Array)
  return {
    meta,
    events: {
      opp: col('events_opp.u64', BigUint64Array),
      at: col('events_at.i64', BigInt64Array),
      stage: col('events_stage.u16', Uint16Array),
    },
    opportunities: {
      opp: col('opps_opp.u64', BigUint64Array),
      amount: col('opps_amount.i64', BigInt64Array),
      created: col('opps_created.i64', BigInt64Array),
      group: col('opps_owner.u32', Uint32Array),
      // gen.py writes i64::MIN for "no expected close"
      expected_close: close,
    },
  }
}

let STAGES = ['s0', 's1', 's2', 's3', 's4']
let PIPELINE = { id: 'bench', name: 'Bench', stages: STAGES.map((id, i) => ({ id, name: id.toUpperCase(), probability: (i + 1) / 6 })) }
let OPTIONS = { asOf: new Date(Number(400n * DAY)), by: 'group' }
let h
if (DATA) {
  const d = peerData(DATA)
  h = d
  STAGES = d.meta.stages.map((s) => s.id)
  PIPELINE = { id: 'bench', name: 'Bench', stages: d.meta.stages.map((s) => ({ id: s.id, name: s.name, probability: s.probability, ...(s.rotting_after_ms == null ? {} : { rotting_after: `${s.rotting_after_ms / 86_400_000}days` }) })) }
  OPTIONS = { asOf: new Date(d.meta.as_of_ms), window: { from: new Date(d.meta.window_from_ms), to: new Date(d.meta.window_to_ms) }, by: 'group' }
} else {
  h = history(OPPS)
}
const rows = h.events.opp.length
const stageText = Array.from(h.events.stage, (c) => (c === WON ? 'won' : c === LOST ? 'lost' : STAGES[c]))
// The ids of benches/peers/gen.py ("opp-%07d"), as the Parquet files and the Python bench have them.
const oppId = (o) => `opp-${String(o).padStart(7, '0')}`
const variants = {
  typed: () => [h.events, h.opportunities],
  'arrow-numeric': () => [arrow.tableFromArrays(h.events), arrow.tableFromArrays(h.opportunities)],
  'arrow-strings': () => [
    new arrow.Table({
      opp: arrow.vectorFromArray(Array.from(h.events.opp, oppId), new arrow.Utf8()),
      at: arrow.vectorFromArray(h.events.at, new arrow.Int64()),
      stage: arrow.vectorFromArray(stageText, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    }),
    new arrow.Table({
      opp: arrow.vectorFromArray(Array.from(h.opportunities.opp, oppId), new arrow.Utf8()),
      amount: arrow.vectorFromArray(h.opportunities.amount, new arrow.Int64()),
      created: arrow.vectorFromArray(h.opportunities.created, new arrow.Int64()),
      group: arrow.vectorFromArray(h.opportunities.group, new arrow.Uint32()),
    }),
  ],
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function time(name, run) {
  const ms = []
  for (let i = 0; i < REPEAT; i++) {
    const t0 = process.hrtime.bigint()
    await run()
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  const m = median(ms)
  console.log(JSON.stringify({ variant: name, opportunities: OPPS, events: rows, median_ms: +m.toFixed(2), runs_ms: ms.map((x) => +x.toFixed(2)), m_events_per_s: +(rows / m / 1000).toFixed(2) }))
}

let rust = null
if (DATA) {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'target', 'release', 'funnel-peer')
  if (existsSync(bin)) {
    const out = JSON.parse(execFileSync(bin, [DATA, '--repeat', String(REPEAT), '--mode', 'recorded'], { encoding: 'utf8' }))
    rust = out.median_ms
    console.log(JSON.stringify({ variant: 'rust (funnel-peer --mode recorded)', median_ms: +rust.toFixed(2) }))
  } else {
    console.log(JSON.stringify({ note: `no ${bin}: build it to compare with Rust in the same run` }))
  }
}

async function timeVs(name, run) {
  const ms = []
  for (let i = 0; i < REPEAT; i++) {
    const t0 = process.hrtime.bigint()
    await run()
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  const m = median(ms)
  console.log(JSON.stringify({ variant: name, opportunities: h.opportunities.opp.length, events: rows, median_ms: +m.toFixed(2), runs_ms: ms.map((x) => +x.toFixed(2)), vs_rust: rust ? +(m / rust).toFixed(2) : undefined }))
}

for (const [name, make] of Object.entries(variants)) {
  const [events, opportunities] = make()
  await timeVs(name, () => funnel(events, opportunities, PIPELINE, OPTIONS))
}
await timeVs('typed-async', () => funnelAsync(h.events, h.opportunities, PIPELINE, OPTIONS))
