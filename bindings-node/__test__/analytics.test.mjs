// Funnel, forecast and calibration over columns: Apache Arrow JS tables and plain objects of
// typed arrays give the same report; bad columns are ValidationErrors naming the column; the
// Promise versions keep the event loop ticking through a 1M-event funnel.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const sp = require('../index.js')
const arrow = require('apache-arrow')
const { funnel, funnelAsync, forecast, forecastAsync, calibration, calibrationAsync, ValidationError, FunnelReport } = sp

const DAY = 86_400_000
const d = (days) => new Date(Date.UTC(2026, 2, 2) + days * DAY)
const AS_OF = d(10)

const PIPELINE = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'qualify', name: 'Qualify', probability: 0.2 },
    { id: 'demo', name: 'Demo', probability: 0.5 },
  ],
}

// a: qualify → demo → won (2 days); b: qualify, open; c: qualify → lost; d: qualify → demo, open
const EVENTS = {
  opp: ['a', 'a', 'a', 'b', 'c', 'c', 'd', 'd'],
  at: [d(0), d(1), d(2), d(0), d(1), d(3), d(2), d(4)],
  stage: ['qualify', 'demo', 'won', 'qualify', 'qualify', 'lost', 'qualify', 'demo'],
}
const OPPS = {
  opp: ['a', 'b', 'c', 'd'],
  amount: [10_000n, 25_000n, 5_000n, 40_000n],
  created: [d(0), d(0), d(1), d(2)],
  expected_close: [null, d(20), null, d(15)],
  owner: ['wang', 'li', 'wang', null],
}
const CODE = { qualify: 0, demo: 1, won: 65534, lost: 65535 }
const ID = { a: 1n, b: 2n, c: 3n, d: 4n }

/** The same tables as typed arrays only (ids u64, times i64 ms, stage codes u16). */
function typed() {
  return {
    events: {
      opp: BigUint64Array.from(EVENTS.opp, (o) => ID[o]),
      at: BigInt64Array.from(EVENTS.at, (t) => BigInt(t.getTime())),
      stage: Uint16Array.from(EVENTS.stage, (s) => CODE[s]),
    },
    opportunities: {
      opp: BigUint64Array.from(OPPS.opp, (o) => ID[o]),
      amount: BigInt64Array.from(OPPS.amount),
      created: BigInt64Array.from(OPPS.created, (t) => BigInt(t.getTime())),
      expected_close: OPPS.expected_close,
      owner: OPPS.owner,
    },
  }
}

/** The same tables as Arrow: dictionary stages, timestamps, nullable dates and keys. */
function arrowTables() {
  const events = new arrow.Table({
    opp: arrow.vectorFromArray(EVENTS.opp, new arrow.Utf8()),
    at: arrow.vectorFromArray(EVENTS.at.map((t) => t.getTime()), new arrow.TimestampMillisecond('UTC')),
    stage: arrow.vectorFromArray(EVENTS.stage, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
  })
  const opportunities = new arrow.Table({
    opp: arrow.vectorFromArray(OPPS.opp, new arrow.Utf8()),
    amount: arrow.vectorFromArray(OPPS.amount, new arrow.Int64()),
    created: arrow.vectorFromArray(OPPS.created, new arrow.DateMillisecond()),
    expected_close: arrow.vectorFromArray(OPPS.expected_close, new arrow.DateDay()),
    owner: arrow.vectorFromArray(OPPS.owner, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
  })
  return { events, opportunities }
}

/** Arrow tables of two record batches each, times in seconds. */
function chunkedArrow(opp = EVENTS.opp, stage = EVENTS.stage) {
  const batch = (lo, hi) =>
    new arrow.Table({
      opp: arrow.vectorFromArray(opp.slice(lo, hi), new arrow.Utf8()),
      // apache-arrow's builder takes milliseconds and stores seconds
      at: arrow.vectorFromArray(EVENTS.at.slice(lo, hi).map((t) => t.getTime()), new arrow.TimestampSecond()),
      stage: arrow.vectorFromArray(stage.slice(lo, hi), new arrow.Utf8()),
    })
  const events = batch(0, 3).concat(batch(3, 8))
  assert.equal(events.getChild('opp').data.length, 2)
  return events
}

const OPTIONS = { asOf: AS_OF, by: 'owner', currency: 'CNY' }

test('the funnel over plain columns has the figures of the spec', () => {
  const r = funnel(EVENTS, OPPS, PIPELINE, OPTIONS)
  assert.ok(r instanceof FunnelReport)
  const j = r.toJSON()
  const [qualify, demo] = j.total.stages
  assert.equal(qualify.entered, 4)
  assert.equal(qualify.advanced, 2)
  assert.equal(qualify.lost_here, 1)
  assert.equal(qualify.open_here, 1)
  assert.equal(qualify.advance_rate, 0.5)
  assert.equal(demo.entered, 2)
  assert.equal(demo.won, 1)
  assert.equal(j.total.pipeline.closed_won, 1)
  assert.equal(j.total.pipeline.closed_lost, 1)
  assert.equal(j.total.pipeline.won_amount, 10_000)
  assert.equal(j.total.pipeline.avg_cycle_days, 2)
  assert.equal(j.total.pipeline.open_amount, 65_000)
  assert.equal(j.currency, 'CNY')
  assert.equal(j.as_of, AS_OF.toISOString())
  // groups sorted by key, the keyless group last
  assert.deepEqual(j.groups.map((g) => g.key ?? null), ['li', 'wang', null])
  assert.deepEqual(j.groups.map((g) => g.opportunities), [1, 2, 1])
  assert.match(r.toString(), /Qualify/)
  assert.match(r.toSvg(), /^<svg/)
  assert.deepEqual(JSON.parse(JSON.stringify(r)), j)
})

test('typed arrays, Arrow tables (dictionary, timestamps, dates, two batches) and the Promise give one report', async () => {
  const want = funnel(EVENTS, OPPS, PIPELINE, OPTIONS).toJSON()
  const t = typed()
  assert.deepEqual(funnel(t.events, t.opportunities, PIPELINE, OPTIONS).toJSON(), want)
  const a = arrowTables()
  assert.deepEqual(funnel(a.events, a.opportunities, PIPELINE, OPTIONS).toJSON(), want)
  assert.deepEqual(funnel(chunkedArrow(), a.opportunities, PIPELINE, OPTIONS).toJSON(), want)
  assert.deepEqual((await funnelAsync(a.events, a.opportunities, PIPELINE, OPTIONS)).toJSON(), want)
  assert.deepEqual((await funnelAsync(t.events, t.opportunities, PIPELINE, OPTIONS)).toJSON(), want)
  // a sliced Arrow table (offsets into shared buffers) reads its own rows
  const sliced = a.opportunities.slice(1)
  const plainSliced = Object.fromEntries(Object.entries(OPPS).map(([k, v]) => [k, v.slice(1)]))
  const evB = { opp: ['b', 'c', 'c', 'd', 'd'], at: EVENTS.at.slice(3), stage: EVENTS.stage.slice(3) }
  assert.deepEqual(funnel(evB, sliced, PIPELINE, OPTIONS).toJSON(), funnel(evB, plainSliced, PIPELINE, OPTIONS).toJSON())
})

test('cumulative mode and a window change the report; integer group keys sort by value', () => {
  const recorded = funnel(EVENTS, OPPS, PIPELINE, { asOf: AS_OF }).toJSON()
  const cumulative = funnel(EVENTS, OPPS, PIPELINE, { asOf: AS_OF, mode: 'cumulative' }).toJSON()
  assert.equal(recorded.mode, 'recorded')
  assert.equal(cumulative.mode, 'cumulative')
  const windowed = funnel(EVENTS, OPPS, PIPELINE, { asOf: AS_OF, window: { from: d(1) } }).toJSON()
  assert.equal(windowed.window.from, d(1).toISOString())
  assert.equal(windowed.total.stages[0].entered, 2)
  const byRegion = funnel(EVENTS, { ...OPPS, region: new Int32Array([10, 2, 10, 2]) }, PIPELINE, { asOf: AS_OF, by: 'region' }).toJSON()
  assert.deepEqual(byRegion.groups.map((g) => g.key), ['2', '10'])
})

test('toArrow gives the per-stage figures as an Arrow table', () => {
  const r = funnel(EVENTS, OPPS, PIPELINE, OPTIONS)
  const j = r.toJSON()
  const t = r.toArrow()
  assert.equal(t.numRows, 2)
  assert.deepEqual(t.getChild('stage').toArray(), ['qualify', 'demo'])
  assert.deepEqual([...t.getChild('entered').toArray()], [4n, 2n])
  assert.deepEqual([...t.getChild('open_amount').toArray()], [25_000n, 40_000n])
  assert.equal(t.getChild('advance_rate').get(0), j.total.stages[0].advance_rate)
  assert.equal(t.getChild('dwell_mean_seconds').get(1), j.total.stages[1].dwell.mean_seconds)
  assert.equal(String(t.getChild('entered').type), 'Uint64')
  const g = r.toArrow({ groups: true })
  assert.equal(g.numRows, 3 * 2)
  assert.deepEqual(g.getChild('group').toArray(), ['li', 'li', 'wang', 'wang', null, null])
  assert.deepEqual([...g.getChild('entered').toArray()], j.groups.flatMap((x) => x.stages.map((s) => BigInt(s.entered))))
})

test('forecast and calibration over columns, sync and Promise', async () => {
  const f = forecast(EVENTS, OPPS, PIPELINE, { asOf: AS_OF, period: { from: d(10), to: d(30) }, method: { kind: 'exact' } })
  // b (qualify, 0.2 × 25,000) and d (demo, 0.5 × 40,000) close in the period
  assert.equal(f.opportunities, 2)
  assert.equal(f.amount, 65_000)
  assert.equal(f.expected, 0.2 * 25_000 + 0.5 * 40_000)
  assert.equal(f.method, 'exact')
  assert.deepEqual(f.stage_probabilities, [0.2, 0.5])
  assert.deepEqual(await forecastAsync(EVENTS, OPPS, PIPELINE, { asOf: AS_OF, period: { from: d(10), to: d(30) }, method: { kind: 'exact' } }), f)
  const c = calibration(EVENTS, OPPS, PIPELINE, { asOf: AS_OF })
  assert.equal(c.predictions, c.stages.reduce((n, s) => n + s.closed, 0))
  assert.deepEqual(c.stages.map((s) => s.stage), ['qualify', 'demo'])
  assert.deepEqual(await calibrationAsync(EVENTS, OPPS, PIPELINE, { asOf: AS_OF }), c)
})

function refused(fn, field) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof ValidationError, String(err && err.stack))
    assert.equal(err.code, 'validation')
    assert.ok(err.message.startsWith(field), `${err.message} should name ${field}`)
    return true
  })
}

test('bad columns and options are ValidationErrors naming the column', async () => {
  const t = typed()
  refused(() => funnel({ opp: EVENTS.opp, at: EVENTS.at }, OPPS, PIPELINE, OPTIONS), 'events.stage: missing column (columns: opp, at)')
  refused(() => funnel({ ...EVENTS, stage: ['qualify', 'nope', ...EVENTS.stage.slice(2)] }, OPPS, PIPELINE, OPTIONS), 'events.stage: row 1: "nope"')
  refused(() => funnel(EVENTS, { ...OPPS, amount: new Float64Array([1, 2, 3, 4]) }, PIPELINE, OPTIONS), 'opportunities.amount')
  refused(() => funnel(EVENTS, { ...OPPS, amount: [1, 2.5, 3, 4] }, PIPELINE, OPTIONS), 'opportunities.amount[1]')
  const floatAmount = new arrow.Table({ ...Object.fromEntries(arrowTables().opportunities.schema.fields.map((f) => [f.name, arrowTables().opportunities.getChild(f.name)])), amount: arrow.vectorFromArray([1.5, 2, 3, 4], new arrow.Float64()) })
  refused(() => funnel(EVENTS, floatAmount, PIPELINE, OPTIONS), 'opportunities.amount')
  refused(() => funnel({ ...EVENTS, at: [d(0), null, ...EVENTS.at.slice(2)] }, OPPS, PIPELINE, OPTIONS), 'events.at: row 1: missing time')
  refused(() => funnel({ ...EVENTS, at: [new Date(NaN), ...EVENTS.at.slice(1)] }, OPPS, PIPELINE, OPTIONS), 'events.at[0]: invalid Date')
  refused(() => funnel({ ...EVENTS, opp: ['zz', ...EVENTS.opp.slice(1)] }, OPPS, PIPELINE, OPTIONS), 'events.opp: row 0: opportunity "zz"')
  refused(() => funnel(EVENTS, { ...OPPS, opp: ['a', 'a', 'c', 'd'] }, PIPELINE, OPTIONS), 'opportunities.opp: duplicate opportunity "a"')
  // Arrow UTF-8 chunks are coded a chunk at a time: a bad row is named all the same, in the
  // first batch or the second (rows 0-2, 3-7)
  const arrowOpps = arrowTables().opportunities
  const stages = (row, s) => EVENTS.stage.map((x, i) => (i === row ? s : x))
  const opps = (row, s) => EVENTS.opp.map((x, i) => (i === row ? s : x))
  refused(() => funnel(chunkedArrow(EVENTS.opp, stages(1, 'nope')), arrowOpps, PIPELINE, OPTIONS), 'events.stage: row 1: "nope" is not a stage')
  refused(() => funnel(chunkedArrow(EVENTS.opp, stages(6, 'nope')), arrowOpps, PIPELINE, OPTIONS), 'events.stage: row 6: "nope" is not a stage')
  refused(() => funnel(chunkedArrow(opps(4, 'zz'), EVENTS.stage), arrowOpps, PIPELINE, OPTIONS), 'events.opp: row 4: opportunity "zz"')
  refused(() => funnel(chunkedArrow(EVENTS.opp, stages(5, null)), arrowOpps, PIPELINE, OPTIONS), 'events.stage: row 5: missing stage')
  refused(() => funnel(t.events, OPPS, PIPELINE, OPTIONS), 'events.opp: integer ids, but the opportunities table has string ids')
  refused(() => funnel(EVENTS, OPPS, PIPELINE, { ...OPTIONS, asOf: new Date(NaN) }), 'options.asOf: invalid Date')
  refused(() => funnel(EVENTS, OPPS, PIPELINE, { ...OPTIONS, asOf: '2026-03-02' }), 'options.asOf')
  refused(() => funnel(EVENTS, OPPS, PIPELINE, { ...OPTIONS, mode: 'sideways' }), 'options.mode')
  refused(() => funnel(EVENTS, OPPS, PIPELINE, { ...OPTIONS, by: 'region' }), 'opportunities.region: missing column')
  refused(() => funnel(EVENTS, { ...OPPS, owner: new Float64Array(4) }, PIPELINE, OPTIONS), 'opportunities.owner')
  refused(() => funnel('events', OPPS, PIPELINE, OPTIONS), 'events: expected an Apache Arrow Table')
  refused(() => funnel(EVENTS, OPPS, { id: 'x' }, OPTIONS), 'pipeline')
  refused(() => funnel(EVENTS, OPPS, PIPELINE, undefined), 'options')
  // the core's own checks name the tables' columns, not the core's (`at`, not `at_ms`)
  refused(() => funnel({ ...EVENTS, at: [d(-1), ...EVENTS.at.slice(1)] }, OPPS, PIPELINE, OPTIONS), 'events[0].at: event at')
  refused(() => funnel(EVENTS, { ...OPPS, expected_close: [null, new Date(d(20).getTime() + 1), null, null] }, PIPELINE, OPTIONS), 'opportunities[1].expected_close:')
  // a stage code the pipeline lacks is caught by the core's validation, which names the row
  refused(() => funnel({ ...EVENTS, stage: new Uint16Array([0, 1, 7, 0, 0, 65535, 0, 1]) }, OPPS, PIPELINE, OPTIONS), 'events[2].stage')
  refused(() => forecast(EVENTS, OPPS, PIPELINE, { asOf: AS_OF, method: { kind: 'monte_carlo', samples: 4294967295, seed: 1 } }), 'method.samples')
  // the Promise versions reject (never throw) with the same errors
  await assert.rejects(funnelAsync(EVENTS, { ...OPPS, amount: new Float64Array(4) }, PIPELINE, OPTIONS), ValidationError)
  await assert.rejects(funnelAsync({ ...EVENTS, stage: ['nope', ...EVENTS.stage.slice(1)] }, OPPS, PIPELINE, OPTIONS), (err) => {
    assert.ok(err instanceof ValidationError)
    assert.match(err.message, /^events\.stage: row 0/)
    return true
  })
})

const THREE_STAGES = {
  ...PIPELINE,
  stages: [...PIPELINE.stages, { id: 'proposal', name: 'Proposal', probability: 0.7 }],
}

test('funnelAsync keeps the event loop ticking through a 1M-event funnel', async (t) => {
  const opps = 250_000
  const n = opps * 4
  const ev = { opp: new BigUint64Array(n), at: new BigInt64Array(n), stage: new Uint16Array(n) }
  const op = {
    opp: new BigUint64Array(opps),
    amount: new BigInt64Array(opps),
    created: new BigInt64Array(opps),
    owner: new Uint32Array(opps),
  }
  const t0 = BigInt(d(0).getTime())
  for (let i = 0; i < opps; i++) {
    const id = BigInt(i + 1)
    const at = t0 + BigInt(i % 1000) * 60_000n
    op.opp[i] = id
    op.amount[i] = BigInt(1000 + (i % 97) * 100)
    op.created[i] = at
    op.owner[i] = i % 16
    const row = i * 4
    // qualify → demo → proposal → won or lost
    const stages = [0, 1, 2, i % 3 === 0 ? 65535 : 65534]
    for (let k = 0; k < 4; k++) {
      ev.opp[row + k] = id
      ev.at[row + k] = at + BigInt(k) * BigInt(DAY)
      ev.stage[row + k] = stages[k]
    }
  }
  let ticks = 0
  let ticksWhenDone = -1
  const timer = setInterval(() => ticks++, 1)
  try {
    const pending = funnelAsync(ev, op, THREE_STAGES, { asOf: new Date(Number(t0) + 30 * DAY), by: 'owner' })
    const report = await pending
    ticksWhenDone = ticks
    const j = report.toJSON()
    assert.equal(j.total.opportunities, opps)
    assert.equal(j.total.stages[0].entered, opps)
    assert.equal(j.groups.length, 16)
    assert.equal(j.total.pipeline.closed_won + j.total.pipeline.closed_lost, opps)
  } finally {
    clearInterval(timer)
  }
  t.diagnostic(`${ticksWhenDone} ticks of a 1 ms interval while the 1M-event funnelAsync ran`)
  assert.ok(ticksWhenDone >= 2, `the event loop ticked ${ticksWhenDone} times while the funnel ran`)
})
