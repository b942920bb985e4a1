// Times the funnel over columns from Node: the conversion at the boundary included.
//
//   node bench/funnel.mjs [--opps N] [--repeat N]       (defaults: 1,000,000 opportunities, 5 runs)
//
// Run it on an idle machine against a release build (SALESPIPE_NODE_BUILD=release
// scripts/test-node, or `npm run build`). The history is the one of
// benches/benches/funnel.rs (`history`: the same xorshift, five stages, skips, moves back,
// wins, losses, reopens, 200 groups), so the Rust figure to compare with is the core's
// `funnel` (one mode) over `history(N)`. Prints one JSON line per variant:
// - typed:          BigUint64Array ids, BigInt64Array ms, Uint16Array codes (read in place)
// - arrow-numeric:  the same columns as an Arrow table (read in place)
// - arrow-strings:  Arrow Utf8 ids ("o123") and Dictionary<Utf8> stage ids (converted once)
// - typed-async:    funnelAsync over the typed columns (copied once, then the thread pool)
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { funnel, funnelAsync } = require('../index.js')
const arrow = require('apache-arrow')

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
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

const STAGES = ['s0', 's1', 's2', 's3', 's4']
const PIPELINE = { id: 'bench', name: 'Bench', stages: STAGES.map((id, i) => ({ id, name: id.toUpperCase(), probability: (i + 1) / 6 })) }
const OPTIONS = { asOf: new Date(Number(400n * DAY)), by: 'group' }

const h = history(OPPS)
const rows = h.events.opp.length
const stageText = Array.from(h.events.stage, (c) => (c === WON ? 'won' : c === LOST ? 'lost' : STAGES[c]))
const variants = {
  typed: () => [h.events, h.opportunities],
  'arrow-numeric': () => [arrow.tableFromArrays(h.events), arrow.tableFromArrays(h.opportunities)],
  'arrow-strings': () => [
    new arrow.Table({
      opp: arrow.vectorFromArray(Array.from(h.events.opp, (o) => `o${o}`), new arrow.Utf8()),
      at: arrow.vectorFromArray(h.events.at, new arrow.Int64()),
      stage: arrow.vectorFromArray(stageText, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    }),
    new arrow.Table({
      opp: arrow.vectorFromArray(Array.from(h.opportunities.opp, (o) => `o${o}`), new arrow.Utf8()),
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

for (const [name, make] of Object.entries(variants)) {
  const [events, opportunities] = make()
  await time(name, () => funnel(events, opportunities, PIPELINE, OPTIONS))
}
await time('typed-async', () => funnelAsync(h.events, h.opportunities, PIPELINE, OPTIONS))
