// Times gate-checked advances from Node: the FFI per call included.
//
//   node bench/advances.mjs [--opps N] [--repeat N] [--warmup N]
//        (defaults: 20,000 opportunities, 5 runs, after 1 warm-up run per variant not counted)
//
// Run it on an idle machine against a release build (SALESPIPE_NODE_BUILD=release
// scripts/test-node, or `npm run build`). The engine is the one of benches/src/engine.rs
// (`engine_with`: five stages, each gated by a checklist item and a field comparison, N
// opportunities ticked in the first stage), and the loop the one of benches/benches/engine.rs
// (`gate_checked_advances`: every opportunity through stages 2..5, N × 4 advances), so the
// rate compares with that bench's (issue 18: at least 50 % of the Rust rate). Prints one JSON
// line per variant: the typed `advance` method (returns nothing; it goes through the module
// function `_advance`, see src/engine.rs `Handle`) and `execute` with the command's JSON
// (returns the recorded events). On a loaded machine, `bench/advance-probe.mjs` under
// callgrind counts instructions per call instead.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock } = require('../index.js')

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const N = arg('--opps', 20_000)
const REPEAT = arg('--repeat', 5)
// Criterion warms up for 3 s before it measures; the first run of a process also pays for
// JIT tiering and for fresh pages (an earlier engine's memory is reused only once V8 has
// collected it), so it is run and not counted.
const WARMUP = arg('--warmup', 1)
const STAGES = ['qualify', 'demo', 'resolve', 'quote', 'contract']

function engineWith(n) {
  const e = new Engine({ clock: new ManualClock(new Date(1_750_000_000_000)) })
  e.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  e.registerUser('admin', { id: 'rep', name: 'Rep', role: 'rep', manager: 'admin' })
  e.definePipeline('admin', {
    id: 'sales',
    name: 'Sales',
    stages: STAGES.map((id, i) => ({
      id,
      name: id,
      probability: 0.1 + 0.15 * i,
      exit: [
        { type: 'checklist', item: 'ok' },
        { type: 'field', field: 'amount', op: 'gt', value: { number: 0 } },
      ],
    })),
  })
  e.createCustomer('rep', { id: 'c', name: 'Customer' })
  for (let i = 0; i < n; i++) {
    e.createOpportunity('rep', { id: `o${i}`, pipeline: 'sales', customer: 'c', owner: 'rep', name: 'deal', amount: { minor: 1000n, currency: 'CNY' } })
    e.tick('rep', `o${i}`, 'ok')
  }
  return e
}

const ids = Array.from({ length: N }, (_, i) => `o${i}`)
const variants = {
  advance: (e, id, to) => e.advance('rep', id, to),
  execute: (e, id, to) => e.execute('rep', { type: 'advance', opportunity: id, to }),
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

for (const [name, call] of Object.entries(variants)) {
  const rates = []
  for (let r = -WARMUP; r < REPEAT; r++) {
    const e = engineWith(N)
    const t0 = process.hrtime.bigint()
    for (const to of STAGES.slice(1)) for (const id of ids) call(e, id, to)
    const s = Number(process.hrtime.bigint() - t0) / 1e9
    if (r >= 0) rates.push((N * 4) / s)
    e.close() // released now, as criterion drops its engine, not when V8 collects it
  }
  console.log(JSON.stringify({ variant: name, opportunities: N, advances: N * 4, median_per_s: Math.round(median(rates)), warmup_runs: WARMUP, runs_per_s: rates.map(Math.round) }))
}
