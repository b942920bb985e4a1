// The typed command methods do what engine.execute does: every scenario is replayed twice in
// lockstep, once through execute and once through the typed method of each command, and the
// events each call wrote (read back from the engine's log) or the error codes must be the
// same. execute returns exactly what it wrote; a typed command returns nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock, SalespipeError } = require('../index.js')

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'scenarios')
const date = (s) => (typeof s === 'string' ? new Date(s) : s)

// command type → the typed call doing the same
const TYPED = {
  define_pipeline: (e, a, c) => e.definePipeline(a, c.pipeline),
  edit_pipeline: (e, a, c) => e.editPipeline(a, c.pipeline, c.mapping),
  define_process: (e, a, c) => e.defineProcess(a, c.process),
  register_user: (e, a, c) => e.registerUser(a, c.user),
  create_customer: (e, a, c) => e.createCustomer(a, c.customer),
  update_customer: (e, a, c) => e.updateCustomer(a, c.customer),
  add_contact: (e, a, c) => e.addContact(a, c.customer, c.contact),
  create_opportunity: (e, a, c) => e.createOpportunity(a, c.opportunity),
  update_opportunity: (e, a, c) => e.updateOpportunity(a, c.opportunity, c.patch),
  tick: (e, a, c) => e.tick(a, c.opportunity, c.item),
  untick: (e, a, c) => e.untick(a, c.opportunity, c.item),
  advance: (e, a, c) => e.advance(a, c.opportunity, c.to),
  force_advance: (e, a, c) => e.forceAdvance(a, c.opportunity, c.to, c.reason),
  move_back: (e, a, c) => e.moveBack(a, c.opportunity, c.to, c.reason),
  win: (e, a, c) => e.win(a, c.opportunity),
  lose: (e, a, c) => e.lose(a, c.opportunity, c.reason, c.competitor),
  reopen: (e, a, c) => e.reopen(a, c.opportunity, c.reason, c.stage),
  submit_approval: (e, a, c) => e.submitApproval(a, c.opportunity, c.process, c.request),
  decide_approval: (e, a, c) => e.decideApproval(a, c.opportunity, c.request, c.decision, c.comment),
  withdraw_approval: (e, a, c) => e.withdrawApproval(a, c.opportunity, c.request),
  resubmit_approval: (e, a, c) => e.resubmitApproval(a, c.opportunity, c.request),
  log_activity: (e, a, c) => e.logActivity(a, c.activity),
  create_task: (e, a, c) => e.createTask(a, c.task),
  complete_task: (e, a, c) => e.completeTask(a, c.task),
  reopen_task: (e, a, c) => e.reopenTask(a, c.task),
  set_reminder_rules: (e, a, c) => e.setReminderRules(a, c.rules),
  acknowledge_reminder: (e, a, c) => e.acknowledgeReminder(a, c.reminder),
  snooze_reminder: (e, a, c) => e.snoozeReminder(a, c.reminder, date(c.until)),
  dismiss_reminder: (e, a, c) => e.dismissReminder(a, c.reminder),
  set_target: (e, a, c) => e.setTarget(a, c.target),
  remove_target: (e, a, c) => e.removeTarget(a, c.target),
  configure_expenses: (e, a, c) => e.configureExpenses(a, c.settings),
  submit_expense: (e, a, c) => e.submitExpense(a, c.expense),
  decide_expense: (e, a, c) => e.decideExpense(a, c.expense, c.decision, c.comment),
  withdraw_expense: (e, a, c) => e.withdrawExpense(a, c.expense),
  resubmit_expense: (e, a, c) => e.resubmitExpense(a, c.expense, c.amount, c.note),
  configure_sources: (e, a, c) => e.configureSources(a, c.sources),
  take_forecast_snapshot: (e, a, c) => e.takeForecastSnapshot(a, c.id, c.period, c.currency),
}

// the position of the last event each engine's log held when last read
const heads = new WeakMap()

/** What `fn` did to `engine`: the events it wrote (from the log) and what it returned, or its error code. */
function outcome(engine, fn) {
  const after = heads.get(engine) ?? 0
  let returned
  try {
    returned = fn()
  } catch (err) {
    if (err instanceof SalespipeError) return { error: err.code }
    throw err
  }
  const events = engine.query(null, { type: 'events', after, limit: 1_000_000 })
  if (events.length > 0) heads.set(engine, events[events.length - 1].position)
  return { events, returned }
}

/** Runs `step` through execute and through its typed method: they must write the same. */
function lockstep(viaExecute, viaTyped, actor, command, what) {
  const want = outcome(viaExecute, () => viaExecute.execute(actor, command))
  const got = outcome(viaTyped, () => TYPED[command.type](viaTyped, actor, command))
  if (!want.error) assert.deepEqual(want.returned, want.events, `${what}: execute returns what it wrote`)
  if (!got.error) assert.equal(got.returned, undefined, `${what}: a typed command returns nothing`)
  assert.deepEqual({ events: got.events, error: got.error }, { events: want.events, error: want.error }, what)
  return want
}

test('every typed command records what execute records, over every scenario', () => {
  const used = new Set()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const scenario = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    const clocks = [new ManualClock(new Date(scenario.start)), new ManualClock(new Date(scenario.start))]
    const [viaExecute, viaTyped] = clocks.map((clock) => new Engine({ clock }))
    scenario.steps.forEach((step, i) => {
      if (step.at) for (const c of clocks) c.set(new Date(step.at))
      if (!step.command) return
      assert.ok(TYPED[step.command.type], `${file} steps[${i}]: no typed method for ${step.command.type}`)
      used.add(step.command.type)
      lockstep(viaExecute, viaTyped, step.actor, step.command, `${file} steps[${i}]: ${JSON.stringify(step.command)}`)
    })
  }
  // every command kind has a typed method; the two no scenario uses are checked below
  const unused = Object.keys(TYPED).filter((t) => !used.has(t)).sort()
  assert.deepEqual(unused, ['reopen_task', 'untick'])
  const kinds = (() => {
    try {
      new Engine().execute('x', { type: 'zzz' })
    } catch (err) {
      return [...err.message.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((k) => k !== 'zzz')
    }
    return []
  })()
  assert.deepEqual(Object.keys(TYPED).sort(), kinds.sort())
})

test('untick and reopenTask record what execute records', () => {
  const steps = [
    ['admin', { type: 'register_user', user: { id: 'admin', name: 'Admin', role: 'admin' } }],
    ['admin', { type: 'register_user', user: { id: 'wang', name: '王芳', role: 'rep', manager: 'admin' } }],
    ['admin', { type: 'define_pipeline', pipeline: { id: 'sales', name: 'Sales', stages: [
      { id: 'qualify', name: 'Qualify', probability: 0.1, exit: [{ type: 'checklist', item: 'budget' }] },
      { id: 'demo', name: 'Demo', probability: 0.3 },
    ] } }],
    ['wang', { type: 'create_customer', customer: { id: 'acme', name: 'Acme', owner: 'wang' } }],
    ['wang', { type: 'create_opportunity', opportunity: { id: 'opp-1', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'ERP', amount: { minor: 100, currency: 'CNY' } } }],
    ['wang', { type: 'tick', opportunity: 'opp-1', item: 'budget' }],
    ['wang', { type: 'untick', opportunity: 'opp-1', item: 'budget' }],
    ['wang', { type: 'untick', opportunity: 'opp-1', item: 'budget' }],
    ['wang', { type: 'advance', opportunity: 'opp-1', to: 'demo' }],
    ['wang', { type: 'create_task', task: { id: 't-1', title: 'call', owner: 'wang', due: '2026-03-03T00:00:00Z' } }],
    ['wang', { type: 'complete_task', task: 't-1' }],
    ['wang', { type: 'reopen_task', task: 't-1' }],
    ['wang', { type: 'reopen_task', task: 't-1' }],
    ['wang', { type: 'reopen_task', task: 'nope' }],
  ]
  const start = new Date('2026-03-02T01:00:00Z')
  const [viaExecute, viaTyped] = [0, 1].map(() => new Engine({ clock: new ManualClock(start) }))
  const codes = []
  for (const [actor, command] of steps) {
    const want = lockstep(viaExecute, viaTyped, actor, command, JSON.stringify(command))
    codes.push(want.error ?? 'ok')
  }
  // the second untick and reopen are refused or no-ops alike; advance is held by the untick
  assert.equal(codes[8], 'gate_not_met')
  assert.equal(codes[13], 'not_found')
})
