// The advance loop of bench/advances.mjs, once, for `valgrind --tool=callgrind`: instruction
// counts are stable under machine load where wall-clock time is not (the Node side of
// benches/src/bin/engine_probe.rs, whose engine and loop it repeats: 20,000 opportunities,
// 80,000 gate-checked advances).
//
//   node bench/advance-probe.mjs setup|advance
//
// Per advance, only the native call (the addon's callback of `advance`, everything under it):
//
//   valgrind --tool=callgrind --smc-check=all-non-file --collect-atstart=no \
//     --toggle-collect='*handle_advance_c_callback*' --callgrind-out-file=/tmp/cg.node \
//     node bench/advance-probe.mjs advance
//   callgrind_annotate --inclusive=yes /tmp/cg.node | grep -E 'salespipe|napi' | head -30
//
// and divide the collected total by 80,000; compare with engine-probe's `measured_advances`
// (its comment has the command). `setup` stops before the loop.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock } = require('../index.js')

const mode = process.argv[2]
const N = 20_000
const STAGES = ['qualify', 'demo', 'resolve', 'quote', 'contract']
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
for (let i = 0; i < N; i++) {
  e.createOpportunity('rep', { id: `o${i}`, pipeline: 'sales', customer: 'c', owner: 'rep', name: 'deal', amount: { minor: 1000n, currency: 'CNY' } })
  e.tick('rep', `o${i}`, 'ok')
}
const ids = Array.from({ length: N }, (_, i) => `o${i}`)
if (mode === 'advance') {
  for (const to of STAGES.slice(1)) for (const id of ids) e.advance('rep', id, to)
} else if (mode !== 'setup') {
  console.error('usage: node bench/advance-probe.mjs setup|advance')
  process.exit(2)
}
