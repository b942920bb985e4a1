// Writes __test__/shapes.generated.ts: the query answers of every tests/scenarios/*.json
// replay (and of a few listing queries after each) as object literals typed with the record
// interfaces of index.d.ts, and the inputs of the commands the engine accepted typed with the
// input interfaces (UserInput, PipelineDefinition, NewOpportunity ...). `npm run typecheck` runs it, then `tsc --strict` checks the file:
// an answer with a field the interfaces lack (excess property check), or without one they
// require, or of another type, fails. So the hand-written interfaces follow the core's JSON.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const { Engine, ManualClock, SalespipeError } = require('../index.js')

// query type → the TypeScript type of its answer
const TYPES = {
  opportunity: 'Opportunity',
  opportunities: 'Opportunity[]',
  customer: 'Customer',
  customers: 'Customer[]',
  user: 'User',
  users: 'User[]',
  timeline: 'TimelineEntry[]',
  gate: 'GateReport',
  activity: 'Activity',
  activities: 'Activity[]',
  task: 'Task',
  open_tasks: 'Task[]',
  due: 'Reminder[]',
  upcoming: 'Reminder[]',
  reminder: 'Reminder',
  next_due_after: 'Instant | null',
  daily_report: 'DailyReport',
  daily_range_report: 'RangeReport',
  daily_team_report: 'TeamDailyReport',
  targets: 'Target[]',
  attainment: 'AttainmentReport',
  expense_report: 'ExpenseReport',
  source_report: 'SourceReport',
  competitor_report: 'CompetitorReport',
  forecast_accuracy: 'ForecastAccuracy',
  forecast_snapshot: 'ForecastSnapshot',
  forecast_snapshots: 'ForecastSnapshot[]',
  funnel: 'CurrencySection<FunnelReportJson>[]',
  forecast: 'CurrencySection<ForecastJson>[]',
  calibration: 'CurrencySection<CalibrationJson>[]',
  events: 'RecordedEvent[]',
}
// command type → [the field holding the input, its TypeScript input type]
const INPUTS = {
  register_user: ['user', 'UserInput'],
  define_pipeline: ['pipeline', 'PipelineDefinition'],
  define_process: ['process', 'ApprovalProcessDefinition'],
  create_customer: ['customer', 'CustomerInput'],
  update_customer: ['customer', 'CustomerInput'],
  create_opportunity: ['opportunity', 'NewOpportunity'],
  update_opportunity: ['patch', 'OpportunityPatch'],
  log_activity: ['activity', 'ActivityInput'],
  create_task: ['task', 'TaskInput'],
}
const inputs = Object.fromEntries(Object.keys(INPUTS).map((t) => [t, []]))
const LISTINGS = ['users', 'customers', 'opportunities', 'open_tasks', 'targets', 'forecast_snapshots']
const PER_TYPE = 4

const dir = join(here, '..', '..', 'tests', 'scenarios')
const samples = Object.fromEntries(Object.keys(TYPES).map((t) => [t, []]))
const keep = (type, answer) => {
  if (samples[type] && samples[type].length < PER_TYPE) samples[type].push(answer)
}
const ask = (engine, actor, query) => {
  try {
    keep(query.type, engine.query(actor, query))
  } catch (err) {
    if (!(err instanceof SalespipeError)) throw err
  }
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const scenario = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  const clock = new ManualClock(new Date(scenario.start))
  const engine = new Engine({ clock })
  for (const step of scenario.steps) {
    if (step.at) clock.set(new Date(step.at))
    if (step.command) {
      try {
        engine.execute(step.actor, step.command)
        // an input the engine took must fit its input type
        const input = INPUTS[step.command.type]
        if (input && inputs[step.command.type].length < 25) inputs[step.command.type].push(step.command[input[0]])
      } catch (err) {
        if (!(err instanceof SalespipeError)) throw err
      }
    }
    if (step.query) ask(engine, step.actor ?? null, step.query)
    if (step.query && step.query.type === 'daily_report') {
      const { rep, day, as_of } = step.query
      ask(engine, null, { type: 'daily_range_report', rep, first: day, last: day, as_of })
    }
  }
  for (const type of LISTINGS) ask(engine, null, { type })
  const first = (type) => {
    try {
      return engine.query(null, { type })[0]
    } catch (err) {
      if (!(err instanceof SalespipeError)) throw err
      return undefined
    }
  }
  const user = first('users')
  if (user) ask(engine, null, { type: 'user', id: user.id })
  for (const customer of engine.query(null, { type: 'customers' })) {
    const activities = engine.query(null, { type: 'activities', customer: customer.id })
    keep('activities', activities)
    if (activities.length > 0) ask(engine, null, { type: 'activity', id: activities[0].id })
  }
  ask(engine, null, { type: 'events', after: 0, limit: 40 })
}

const missing = Object.entries(samples).filter(([, v]) => v.length === 0).map(([k]) => k)
const names = [...new Set([...Object.values(TYPES), ...Object.values(INPUTS).map(([, t]) => t)].flatMap((t) => t.match(/[A-Z][A-Za-z]+/g) ?? []))].sort()
const lines = [
  '// Generated by __test__/shapes.mjs (not committed): scenario answers typed with index.d.ts.',
  `// Query types without an answer in the scenarios: ${missing.join(', ') || 'none'}.`,
  `import type { ${names.join(', ')} } from '../index.js'`,
  '',
]
let n = 0
for (const [type, answers] of Object.entries(samples)) {
  for (const answer of answers) lines.push(`export const ${type}_${n++}: ${TYPES[type]} = ${JSON.stringify(answer)}`)
}
let m = 0
for (const [type, values] of Object.entries(inputs)) {
  for (const value of values) lines.push(`export const ${type}_input_${m++}: ${INPUTS[type][1]} = ${JSON.stringify(value)}`)
}
writeFileSync(join(here, 'shapes.generated.ts'), lines.join('\n') + '\n')
console.log(`shapes.generated.ts: ${m} accepted command inputs, ${n} answers of ${Object.keys(TYPES).length - missing.length} query types (none of: ${missing.join(', ') || '-'})`)
