// TypeScript: the typed reads and reports of the engine, and the funnel over Arrow columns
// exported from elsewhere, with the types of index.d.ts (compiled with tsc --strict and run by
// scripts/test-node, which links bindings-node as node_modules/salespipe here).
import { Engine, ManualClock, funnel, type DailyReport, type FunnelReportJson, type Opportunity, type Reminder } from 'salespipe'
import { Table, tableFromArrays, vectorFromArray, Dictionary, Utf8, Int32, TimestampMillisecond } from 'apache-arrow'

const clock = new ManualClock(new Date('2026-03-02T01:00:00Z'))
const engine = new Engine({ clock })
const pipeline = {
  id: 'sales',
  name: '销售流程',
  stages: [
    { id: 'qualify', name: '识别潜在客户', probability: 0.1 },
    { id: 'demo', name: '产品演示', probability: 0.25 },
    { id: 'quote', name: '报价', probability: 0.6 },
  ],
}
engine.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
engine.registerUser('admin', { id: 'li', name: '李强', role: 'manager', manager: 'admin', time_zone: 'Asia/Shanghai' })
engine.registerUser('admin', { id: 'wang', name: '王芳', role: 'rep', manager: 'li', time_zone: 'Asia/Shanghai' })
engine.definePipeline('admin', pipeline)
engine.createCustomer('wang', { id: 'acme', name: 'Acme 科技', owner: 'wang' })
for (const [id, amount] of [['opp-1', '120000.00 CNY'], ['opp-2', '45000.00 CNY']]) {
  engine.createOpportunity('wang', { id, pipeline: 'sales', customer: 'acme', owner: 'wang', name: `Acme ${id}`, amount })
}
clock.set(new Date('2026-03-02T06:00:00Z'))
engine.advance('wang', 'opp-1', 'demo')
engine.logActivity('wang', {
  id: 'a-1', kind: 'visit', customer: 'acme', opportunity: 'opp-1', at: clock.now(),
  next_follow_up: new Date('2026-03-05T02:00:00Z'), // a follow-up reminder then
})
engine.lose('wang', 'opp-2', 'budget cut', 'Globex')

// typed reads: the records and reports as the interfaces of index.d.ts
const opp: Opportunity = engine.opportunity('wang', 'opp-1')
console.log(`${opp.name}: ${opp.stage}, ${opp.status.state}, ${opp.amount.minor} ${opp.amount.currency} minor units`)
const lost: Opportunity = engine.opportunity(null, 'opp-2')
if (lost.status.state === 'lost') console.log(`opp-2 lost: ${lost.status.reason} (to ${lost.status.competitor ?? 'nobody'})`)
const daily: DailyReport = engine.dailyReport('li', 'wang', '2026-03-02', new Date('2026-03-03T00:00:00Z'))
console.log(`王芳 on ${daily.day}: ${daily.figures.new_opportunities} new deals, ${daily.figures.advances} advance, ${daily.figures.lost} lost, visits ${daily.figures.activities['visit'] ?? 0}`)
const team = await engine.dailyTeamReportAsync('li', 'li', '2026-03-02') // on libuv's thread pool
console.log(`李强's team: ${team.rows.length} reps, ${team.totals.lost} lost`)
const due: Reminder[] = engine.due(null, new Date('2026-04-01T00:00:00Z'))
console.log(`reminders due by April: ${due.map((r) => `${r.kind} → ${r.recipient}`).join(', ') || 'none'}`)

// the funnel over columns from another system (an Arrow table, e.g. read from a Parquet export)
const DAY = 86_400_000
const t0 = Date.UTC(2026, 0, 5)
const events = new Table({
  opp: vectorFromArray(['d1', 'd1', 'd1', 'd2', 'd2', 'd3'], new Utf8()),
  at: vectorFromArray([0, 2, 9, 1, 4, 3].map((d) => t0 + d * DAY), new TimestampMillisecond('UTC')),
  stage: vectorFromArray(['qualify', 'demo', 'won', 'qualify', 'lost', 'qualify'], new Dictionary(new Utf8(), new Int32())),
})
const opportunities = tableFromArrays({
  opp: ['d1', 'd2', 'd3'],
  amount: new BigInt64Array([8_000_000n, 3_000_000n, 5_000_000n]), // minor units, never floats
  created: [0, 1, 3].map((d) => new Date(t0 + d * DAY)),
  owner: ['wang', 'zhao', 'wang'],
})
const report = funnel(events, opportunities, pipeline, { asOf: new Date(t0 + 30 * DAY), by: 'owner', currency: 'CNY' })
const json: FunnelReportJson = report.toJSON()
console.log(String(report))
console.log(`win rate of closed deals: ${json.total.pipeline.win_rate_closed}; per-stage Arrow table: ${report.toArrow().numRows} rows`)
