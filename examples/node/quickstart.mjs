// The five-stage story from JavaScript: 识别潜在客户 → 产品演示 → 客户释疑 → 报价 → 合同, won.
// Run after `npm run build` in bindings-node: node examples/node/quickstart.mjs
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock, GateNotMetError } = require('../../bindings-node/index.js')

const clock = new ManualClock(new Date('2026-03-02T01:00:00Z'))
const engine = new Engine({ clock }) // in memory; { store: 'pipeline.sqlite' } keeps it

engine.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
engine.registerUser('admin', { id: 'wang', name: '王芳', role: 'rep', manager: 'admin' })
engine.definePipeline('admin', {
  id: 'sales',
  name: '销售流程',
  stages: [
    { id: 'qualify', name: '识别潜在客户', probability: 0.1, exit: [{ type: 'checklist', item: 'budget confirmed' }] },
    { id: 'demo', name: '产品演示', probability: 0.25 },
    { id: 'resolve', name: '客户释疑', probability: 0.4 },
    { id: 'quote', name: '报价', probability: 0.6 },
    { id: 'contract', name: '合同', probability: 0.85 },
  ],
})
engine.createCustomer('wang', { id: 'acme', name: 'Acme 科技', owner: 'wang' })
engine.createOpportunity('wang', {
  id: 'opp-1', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'Acme ERP',
  amount: '120000.00 CNY', // or { minor: 12000000n, currency: 'CNY' }; never a float
})

try {
  engine.advance('wang', 'opp-1', 'demo')
} catch (err) {
  if (!(err instanceof GateNotMetError)) throw err
  console.log(`gate: ${err.message}`)
}
engine.tick('wang', 'opp-1', 'budget confirmed')
for (const [day, stage] of [['03', 'demo'], ['05', 'resolve'], ['09', 'quote'], ['12', 'contract']]) {
  clock.set(new Date(`2026-03-${day}T02:00:00Z`))
  engine.advance('wang', 'opp-1', stage)
}
clock.set(new Date('2026-03-16T02:00:00Z'))
engine.win('wang', 'opp-1')

const opp = engine.opportunity('wang', 'opp-1')
console.log(`${opp.name}: ${opp.stage}, ${JSON.stringify(opp.status)}`)
for (const entry of engine.timeline('wang', 'opp-1')) console.log(`  ${entry.at} ${entry.how ?? ''} ${entry.to ?? ''}`)
