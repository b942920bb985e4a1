// The typed read methods give what engine.query gives: every query of tests/scenarios that has
// a typed method is asked both ways, by the step's actor or the host (null), after the step.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock, SalespipeError, ValidationError, PermissionDeniedError, FunnelReport } = require('../index.js')

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'scenarios')
const date = (s) => (s === undefined || s === null ? undefined : new Date(s))

// query type → the typed call asking the same
const TYPED = {
  opportunity: (e, a, q) => e.opportunity(a, q.id, date(q.as_of)),
  opportunities: (e, a, q) => e.opportunities(a, date(q.as_of)),
  customer: (e, a, q) => e.customer(a, q.id, date(q.as_of)),
  customers: (e, a, q) => e.customers(a, date(q.as_of)),
  user: (e, a, q) => e.user(a, q.id),
  users: (e, a) => e.users(a),
  timeline: (e, a, q) => e.timeline(a, q.id, date(q.as_of)),
  gate: (e, a, q) => e.check(a, q.id, q.target),
  activity: (e, a, q) => e.activity(a, q.id),
  activities: (e, a, q) => e.activities(a, q.customer, q.opportunity),
  task: (e, a, q) => e.task(a, q.id),
  open_tasks: (e, a, q) => e.openTasks(a, q.owner),
  due: (e, a, q) => e.due(a, date(q.at), q.recipient, q.limit),
  next_due_after: (e, a, q) => {
    const next = e.nextDueAfter(a, date(q.at))
    return next === null ? null : next.toISOString()
  },
  daily_report: (e, a, q) => e.dailyReport(a, q.rep, q.day, date(q.as_of)),
  daily_range_report: (e, a, q) => e.dailyRangeReport(a, q.rep, q.first, q.last, date(q.as_of)),
  daily_team_report: (e, a, q) => e.dailyTeamReport(a, q.manager, q.day, date(q.as_of)),
  targets: (e, a) => e.targets(a),
  attainment: (e, a, q) => {
    const { type, ...query } = q
    return e.attainment(a, query)
  },
  expense_report: (e, a, q) => {
    const { type, ...query } = q
    return e.expenseReport(a, query)
  },
  source_report: (e, a, q) => e.sourceReport(a, q.pipeline, date(q.window_from), date(q.window_to), date(q.as_of)),
  competitor_report: (e, a, q) => e.competitorReport(a, date(q.closed_from), date(q.closed_to), date(q.as_of)),
  forecast_snapshots: (e, a) => e.forecastSnapshots(a),
  forecast_accuracy: (e, a, q) => e.forecastAccuracy(a, date(q.as_of)),
}

// query type → the Promise version of its typed read (libuv's thread pool)
const TYPED_ASYNC = {
  daily_range_report: (e, a, q) => e.dailyRangeReportAsync(a, q.rep, q.first, q.last, date(q.as_of)),
  daily_team_report: (e, a, q) => e.dailyTeamReportAsync(a, q.manager, q.day, date(q.as_of)),
  attainment: (e, a, q) => {
    const { type, ...query } = q
    return e.attainmentAsync(a, query)
  },
  expense_report: (e, a, q) => {
    const { type, ...query } = q
    return e.expenseReportAsync(a, query)
  },
  source_report: (e, a, q) => e.sourceReportAsync(a, q.pipeline, date(q.window_from), date(q.window_to), date(q.as_of)),
  competitor_report: (e, a, q) => e.competitorReportAsync(a, date(q.closed_from), date(q.closed_to), date(q.as_of)),
  forecast_accuracy: (e, a, q) => e.forecastAccuracyAsync(a, date(q.as_of)),
}

async function settled(promise) {
  try {
    return { ok: await promise }
  } catch (err) {
    if (err instanceof SalespipeError) return { error: err.code, message: err.message }
    throw err
  }
}

// the engine's funnel sections as the query's JSON: the report objects' toJSON()
const sectionsJson = (sections) =>
  sections.map((s) => ({ currency: s.currency, report: s.report.toJSON(), ...(s.left_out ? { left_out: s.left_out } : {}) }))
const pipelineCall = (method) => (e, a, q) => {
  const { type, pipeline, ...options } = q
  return e[method](a, pipeline, options)
}
TYPED.funnel = (e, a, q) => sectionsJson(pipelineCall('funnel')(e, a, q))
TYPED.forecast = pipelineCall('forecast')
TYPED.calibration = pipelineCall('calibration')
TYPED_ASYNC.funnel = async (e, a, q) => sectionsJson(await pipelineCall('funnelAsync')(e, a, q))
TYPED_ASYNC.forecast = pipelineCall('forecastAsync')
TYPED_ASYNC.calibration = pipelineCall('calibrationAsync')

function outcome(fn) {
  try {
    return { ok: fn() }
  } catch (err) {
    if (err instanceof SalespipeError) return { error: err.code, message: err.message }
    throw err
  }
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()

test('every typed read (and its Promise version) answers as engine.query does, over every scenario', async () => {
  const asked = new Set()
  const askedAsync = new Set()
  for (const file of files) {
    const scenario = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    const clock = new ManualClock(new Date(scenario.start))
    const engine = new Engine({ clock })
    const compare = async (actor, query, where) => {
      const typed = TYPED[query.type]
      if (!typed) return
      asked.add(query.type)
      const want = outcome(() => engine.query(actor, query))
      const got = outcome(() => typed(engine, actor, query))
      assert.deepEqual(got, want, `${where}: ${JSON.stringify(query)}`)
      const typedAsync = TYPED_ASYNC[query.type]
      if (typedAsync) {
        askedAsync.add(query.type)
        assert.deepEqual(await settled(typedAsync(engine, actor, query)), want, `${where} (async): ${JSON.stringify(query)}`)
      }
    }
    for (const [i, step] of scenario.steps.entries()) {
      if (step.at) clock.set(new Date(step.at))
      if (step.command) {
        try {
          engine.execute(step.actor, step.command)
        } catch (err) {
          if (!(err instanceof SalespipeError)) throw err
        }
      }
      if (step.query) await compare(step.actor ?? null, step.query, `${file} steps[${i}]`)
      if (step.query && step.query.type === 'daily_report') {
        const { rep, day, as_of } = step.query
        await compare(step.actor ?? null, { type: 'daily_range_report', rep, first: day, last: day, as_of }, `${file} steps[${i}] (range)`)
      }
    }
    // the listings and one of each record, as the host, at the end
    for (const type of ['users', 'customers', 'opportunities', 'open_tasks', 'targets', 'forecast_snapshots']) {
      await compare(null, { type }, `${file} (end)`)
    }
    for (const u of engine.users(null).slice(0, 2)) await compare(null, { type: 'user', id: u.id }, `${file} (end)`)
    for (const c of engine.customers(null)) {
      await compare(null, { type: 'activities', customer: c.id }, `${file} (end)`)
      for (const a of engine.activities(null, c.id).slice(0, 1)) await compare(null, { type: 'activity', id: a.id }, `${file} (end)`)
    }
    for (const t of engine.openTasks(null).slice(0, 1)) await compare(null, { type: 'task', id: t.id }, `${file} (end)`)
  }
  assert.deepEqual([...asked].sort(), Object.keys(TYPED).sort(), 'a typed read the scenarios never asked')
  assert.deepEqual([...askedAsync].sort(), Object.keys(TYPED_ASYNC).sort(), 'a Promise read the scenarios never asked')
})

test("a typed read's actor is a user or null, never left out", () => {
  const engine = new Engine({ clock: new ManualClock(new Date('2026-03-02T01:00:00Z')) })
  engine.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  engine.registerUser('admin', { id: 'wang', name: '王芳', role: 'rep', manager: 'admin' })
  assert.throws(() => engine.users(), (err) => {
    assert.ok(err instanceof ValidationError)
    assert.match(err.message, /^actor: missing/)
    return true
  })
  assert.equal(engine.users(null).length, 2)
  assert.throws(() => engine.attainment('wang', { period: '2026-Q1', currency: 'CNY' }), PermissionDeniedError)
  assert.equal(engine.attainment('admin', { period: '2026-Q1', currency: 'CNY' }).period, '2026-Q1')
  assert.throws(() => engine.dailyReport('admin', 'wang', '2026-13-01'), ValidationError)
  assert.throws(() => engine.sourceReport(null, 'sales', new Date(NaN)), ValidationError)
  assert.throws(() => engine.expenseReport(null, 42), (err) => err instanceof ValidationError && /^query: expected an object/.test(err.message))
})

test("the engine's funnel gives report objects; a `type` among the options changes nothing", async () => {
  const scenario = JSON.parse(readFileSync(join(dir, 'engine_funnel_currencies.json'), 'utf8'))
  const clock = new ManualClock(new Date(scenario.start))
  const engine = new Engine({ clock })
  for (const step of scenario.steps) {
    if (step.at) clock.set(new Date(step.at))
    if (step.command) engine.execute(step.actor, step.command)
  }
  const sections = engine.funnel(null, 'sales', { by: 'owner', type: 'events' })
  assert.deepEqual(sections.map((s) => s.currency), ['CNY', 'USD'])
  for (const s of sections) {
    assert.ok(s.report instanceof FunnelReport)
    assert.equal(s.left_out, 0)
    assert.equal(s.report.toArrow().numRows, s.report.toJSON().total.stages.length)
  }
  const later = await engine.funnelAsync(null, 'sales', { window: { from: new Date(scenario.start) } })
  assert.deepEqual(later.map((s) => s.currency), ['CNY', 'USD'])
  assert.throws(() => engine.funnel(null, 'sales', 'owner'), ValidationError)
  await assert.rejects(engine.forecastAsync(null, 'sales', { as_of: new Date(NaN) }), ValidationError)
  const empty = new Engine()
  empty.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  empty.definePipeline('admin', { id: 'p', name: 'P', stages: [{ id: 's', name: 'S', probability: 0.5 }] })
  const none = empty.funnel('admin', 'p')
  assert.ok(none.length <= 1)
  for (const s of none) assert.equal(s.currency, null)
})

test('the Promise reads reject (never throw) on bad arguments', async () => {
  const engine = new Engine({ clock: new ManualClock(new Date('2026-03-02T01:00:00Z')) })
  engine.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  const refusals = [
    () => engine.sourceReportAsync(null, 'sales', new Date(NaN)),
    () => engine.attainmentAsync(null, 'Q1'),
    () => engine.expenseReportAsync(undefined),
    () => engine.dailyTeamReportAsync(null, 'admin', '2026-02-30'),
    () => engine.forecastAccuracyAsync(null, 'yesterday'),
  ]
  for (const call of refusals) {
    let promise
    assert.doesNotThrow(() => {
      promise = call()
    })
    await assert.rejects(promise, ValidationError)
  }
  const accuracy = await engine.forecastAccuracyAsync(null)
  assert.deepEqual(accuracy.comparisons, [])
})
