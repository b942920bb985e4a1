// No crash through the binding (issues 16, 18): deep nesting is a ValidationError naming the path,
// oversized forecasts are refused, seeded random commands, queries and column tables either
// succeed or throw a SalespipeError / TypeError, never anything else, and malformed chunks
// handed to the native analytics directly are errors, not crashes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const sp = require('../index.js')
const { Engine, ManualClock, SalespipeError, ValidationError } = sp

function engine() {
  const e = new Engine({ clock: new ManualClock(new Date('2026-03-02T01:00:00Z')) })
  e.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  e.registerUser('admin', { id: 'wang', name: '王芳', role: 'rep', manager: 'admin' })
  e.definePipeline('admin', {
    id: 'sales',
    name: 'Sales',
    stages: [
      { id: 'qualify', name: 'Qualify', probability: 0.1 },
      { id: 'demo', name: 'Demo', probability: 0.3 },
    ],
  })
  e.createCustomer('wang', { id: 'acme', name: 'Acme', owner: 'wang' })
  return e
}

function deepArray(n) {
  let v = []
  for (let i = 0; i < n; i++) v = [v]
  return v
}

function deepObject(n) {
  let v = {}
  for (let i = 0; i < n; i++) v = { k: v }
  return v
}

for (const [name, make] of [['array', deepArray], ['object', deepObject]]) {
  test(`a ${name} nested 20,000 deep is a ValidationError`, () => {
    const e = engine()
    const deep = make(20_000)
    assert.throws(() => e.execute('admin', { type: 'register_user', user: deep }), (err) => {
      assert.ok(err instanceof ValidationError, String(err))
      assert.match(err.message, /^command\.user.*nested deeper than 128/)
      return true
    })
    assert.throws(() => e.query('admin', { type: 'users', as_of: deep }), ValidationError)
  })
}

test('a huge forecast is refused; a huge events limit is fine', () => {
  const e = engine()
  for (const [method, field] of [
    [{ kind: 'monte_carlo', samples: 4294967295, seed: 1 }, 'method.samples'],
    [{ kind: 'auto', max_support: 4294967295, samples: 10, seed: 1 }, 'method.max_support'],
  ]) {
    assert.throws(() => e.query('admin', { type: 'forecast', pipeline: 'sales', method }), (err) => {
      assert.ok(err instanceof ValidationError, String(err))
      assert.ok(err.message.includes(field), err.message)
      return true
    })
  }
  assert.ok(e.query('admin', { type: 'events', limit: 4294967295 }).length > 1)
})

// mulberry32: a tiny seeded PRNG, the same cases on every run
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const COMMANDS = ['advance', 'force_advance', 'move_back', 'win', 'lose', 'reopen', 'tick', 'untick',
  'create_customer', 'update_customer', 'create_opportunity', 'update_opportunity', 'log_activity',
  'create_task', 'complete_task', 'reopen_task', 'register_user', 'define_pipeline', 'edit_pipeline',
  'define_process', 'add_contact', 'submit_approval', 'decide_approval', 'set_target', 'remove_target',
  'configure_expenses', 'submit_expense', 'decide_expense', 'configure_sources',
  'take_forecast_snapshot', 'set_reminder_rules', 'acknowledge_reminder', 'snooze_reminder']
const QUERIES = ['opportunity', 'opportunities', 'customer', 'customers', 'pipeline', 'pipelines',
  'user', 'users', 'timeline', 'activities', 'task', 'open_tasks', 'due', 'upcoming', 'next_due_after',
  'reminder', 'reminder_rules', 'daily_report', 'daily_range_report', 'daily_team_report', 'targets',
  'attainment', 'expense', 'expenses', 'expense_report', 'sources', 'source_report',
  'competitor_report', 'forecast_snapshots', 'forecast_accuracy', 'funnel', 'forecast',
  'calibration', 'events']
const KEYS = ['id', 'opportunity', 'stage', 'pipeline', 'user', 'owner', 'at', 'as_of', 'limit',
  'amount', 'currency', 'minor', 'method', 'samples', 'max_support', 'seed', 'kind', 'day', 'first',
  'last', 'rep', 'manager', 'period', 'window', 'from', 'to', 'customer', 'name', 'stages',
  'probability', 'products', 'recipient', 'until']
const WORDS = ['sales', 'qualify', 'demo', 'opp-1', 'acme', 'wang', 'admin', 'CNY', '1200.50 CNY', '12,00']

function fuzzer(seed) {
  const r = prng(seed)
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const text = () => {
    const p = r()
    if (p < 0.4) return pick(WORDS)
    if (p < 0.5) return `2026-03-0${int(1, 9)}T00:00:00Z`
    if (p < 0.55) return '\ud800'
    const alphabet = 'abcXYZ019 .-_:/\\"\'{}[]é王\u0000😀'
    return Array.from({ length: int(0, 12) }, () => pick([...alphabet])).join('')
  }
  const leaves = [
    () => null,
    () => undefined,
    () => r() < 0.5,
    () => pick([0, 1, -1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5, NaN, Infinity, -0]),
    () => int(-1e6, 1e6),
    () => BigInt(int(-1e6, 1e6)) * 10n ** BigInt(int(0, 20)),
    text,
    () => new Date(Date.UTC(2026, 2, int(1, 28))),
    () => new Date(NaN),
    () => Symbol('s'),
    () => () => 1,
    () => new Map([[1, 2]]),
    () => new Uint8Array(3),
  ]
  const value = (depth) => {
    if (depth <= 0 || r() < 0.45) return pick(leaves)()
    if (r() < 0.5) return Array.from({ length: int(0, 4) }, () => value(depth - 1))
    const out = {}
    for (let i = int(0, 5); i > 0; i--) out[r() < 0.9 ? pick(KEYS) : text()] = value(depth - 1)
    return out
  }
  const request = (types) => {
    const out = {}
    if (r() < 0.95) out.type = r() < 0.9 ? pick(types) : value(1)
    for (let i = int(0, 6); i > 0; i--) out[pick(KEYS)] = value(int(0, 6))
    return r() < 0.03 ? pick(leaves)() : out
  }
  return { request, actor: () => pick(['admin', 'wang', '', 'nobody', 7]) }
}

const CASES = 2_000

for (const [entry, types, seed] of [['execute', COMMANDS, 16], ['query', QUERIES, 61]]) {
  test(`${CASES} random ${entry} calls succeed or throw a SalespipeError / TypeError`, () => {
    const e = engine()
    const f = fuzzer(seed)
    let refused = 0
    for (let i = 0; i < CASES; i++) {
      const req = f.request(types)
      try {
        e[entry](f.actor(), req)
      } catch (err) {
        if (err instanceof SalespipeError || err instanceof TypeError) {
          refused++
          continue
        }
        assert.fail(`case ${i}: ${String(err && err.stack)}`)
      }
    }
    assert.ok(refused > 0)
    assert.ok(e.query('admin', { type: 'users' }).length >= 2)
  })
}

test('a Rust panic reaches JavaScript as an InternalError, synchronously and from the thread pool', async () => {
  const { InternalError, _testHooks } = sp
  assert.throws(() => _testHooks.panic('boom at the boundary'), (err) => {
    assert.ok(err instanceof InternalError, String(err))
    assert.ok(err instanceof SalespipeError)
    assert.equal(err.code, 'internal')
    assert.equal(err.message, 'internal error: boom at the boundary')
    assert.equal(err.details.message, 'internal error: boom at the boundary')
    return true
  })
  await assert.rejects(_testHooks.panicAsync('boom on the pool'), (err) => {
    assert.ok(err instanceof InternalError, String(err))
    assert.equal(err.code, 'internal')
    assert.equal(err.message, 'internal error: boom on the pool')
    return true
  })
  // the process and an engine are fine afterwards
  assert.ok(engine().query('admin', { type: 'users' }).length >= 2)
})

// ----- analytics over columns: deep options, hostile native calls, random columns ---------

const PIPELINE = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'qualify', name: 'Qualify', probability: 0.1 },
    { id: 'demo', name: 'Demo', probability: 0.3 },
  ],
}
const D0 = Date.UTC(2026, 2, 2)
const TABLES = {
  events: { opp: ['a', 'a', 'b'], at: [new Date(D0), new Date(D0 + 1000), new Date(D0)], stage: ['qualify', 'demo', 'qualify'] },
  opportunities: { opp: ['a', 'b'], amount: [100n, 200n], created: [new Date(D0), new Date(D0)] },
}
const AS_OF = { asOf: new Date(D0 + 86_400_000) }

test('deep pipelines, options and report queries are ValidationErrors', () => {
  const { funnel, forecast } = sp
  for (const deep of [deepArray(20_000), deepObject(20_000)]) {
    assert.throws(() => funnel(TABLES.events, TABLES.opportunities, { ...PIPELINE, stages: deep }, AS_OF), (err) => {
      assert.ok(err instanceof ValidationError, String(err))
      assert.match(err.message, /^pipeline\.stages.*nested deeper than 128/)
      return true
    })
    assert.throws(() => forecast(TABLES.events, TABLES.opportunities, PIPELINE, { ...AS_OF, method: deep }), (err) => {
      assert.ok(err instanceof ValidationError, String(err))
      assert.match(err.message, /^options\.method.*nested deeper than 128/)
      return true
    })
    assert.throws(() => engine().attainment(null, { period: deep }), ValidationError)
  }
  assert.ok(funnel(TABLES.events, TABLES.opportunities, PIPELINE, AS_OF).toJSON().total.stages.length === 2)
})

test('the native analytics refuse malformed chunks (bounds, keys, bitmaps, types) without crashing', async () => {
  const native = require('../salespipe.node')
  const ms = (n) => BigInt64Array.from({ length: n }, (_, i) => BigInt(D0 + i))
  const good = () => ({
    eventOpp: { path: 'events.opp', chunks: [{ length: 3, u64: new BigUint64Array([1n, 1n, 2n]) }] },
    eventAt: { path: 'events.at', chunks: [{ length: 3, i64: ms(3) }] },
    eventStage: { path: 'events.stage', chunks: [{ length: 3, u16: new Uint16Array([0, 1, 0]) }] },
    opp: { path: 'opportunities.opp', chunks: [{ length: 2, u64: new BigUint64Array([1n, 2n]) }] },
    amount: { path: 'opportunities.amount', chunks: [{ length: 2, i64: new BigInt64Array([100n, 200n]) }] },
    created: { path: 'opportunities.created', chunks: [{ length: 2, i64: ms(2) }] },
  })
  const options = { asOf: new Date(D0 + 86_400_000) }
  assert.equal(native.funnelColumns(good(), PIPELINE, options).toJSON().total.opportunities, 2)
  const text = (strings, extra = {}) => {
    const bytes = new TextEncoder().encode(strings.join(''))
    const offsets = new Int32Array(strings.length + 1)
    strings.forEach((s, i) => { offsets[i + 1] = offsets[i] + new TextEncoder().encode(s).length })
    return { utf8: bytes, offsets, ...extra }
  }
  const cases = {
    'more rows than values': (c) => { c.eventAt.chunks[0].length = 4 },
    'offsets past the bytes': (c) => { c.eventStage.chunks = [{ length: 3, utf8: new Uint8Array(2), offsets: new Int32Array([0, 1, 9, 2]) }] },
    'offsets going backwards': (c) => { c.eventStage.chunks = [{ length: 1, utf8: new Uint8Array(4), offsets: new Int32Array([3, 1]) }] },
    'too few offsets': (c) => { c.eventStage.chunks = [{ length: 3, ...text(['qualify']) }] },
    'a dictionary key out of range': (c) => { c.eventStage.chunks = [{ length: 3, keys: new Int32Array([0, 5, 0]), ...text(['qualify', 'demo']) }] },
    'a negative dictionary key': (c) => { c.eventStage.chunks = [{ length: 3, keys: new Int32Array([0, -1, 0]), ...text(['qualify', 'demo']) }] },
    'a validity bitmap too short': (c) => { c.eventAt.chunks[0].validity = new Uint8Array(0) },
    'a validity offset past the bitmap': (c) => { Object.assign(c.eventAt.chunks[0], { validity: new Uint8Array(1), validityOffset: 4_000_000_000 }) },
    'a chunk without values': (c) => { c.amount.chunks = [{ length: 2 }] },
    'an unknown time unit': (c) => { c.created.unit = 'fortnights' },
    'not UTF-8': (c) => { c.eventStage.chunks = [{ length: 3, utf8: new Uint8Array([0xff, 0xfe, 0xfd]), offsets: new Int32Array([0, 1, 2, 3]) }] },
    'a typed array of another type': (c) => { c.opp.chunks[0].u64 = new Int8Array(2) },
    'columns of different lengths': (c) => { c.amount.chunks[0] = { length: 1, i64: new BigInt64Array([1n]) } },
    'a stage code past the pipeline': (c) => { c.eventStage.chunks[0].u16 = new Uint16Array([0, 9, 0]) },
  }
  for (const [name, spoil] of Object.entries(cases)) {
    const cols = good()
    spoil(cols)
    assert.throws(() => native.funnelColumns(cols, PIPELINE, options), (err) => {
      assert.ok(err instanceof Error && !(err instanceof RangeError), `${name}: ${err}`)
      return true
    }, name)
    const copy = good()
    spoil(copy)
    let pending
    try {
      pending = native.funnelColumnsAsync(copy, PIPELINE, options)
    } catch (err) {
      continue // a typed-array type napi refuses before the task exists
    }
    await assert.rejects(pending, Error, name)
  }
})

const RANDOM_COLUMNS = 400

test(`${RANDOM_COLUMNS} random column tables give a report or a SalespipeError / TypeError`, async () => {
  const { funnel, funnelAsync, forecast, calibration } = sp
  const r = prng(18)
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const IDS = ['a', 'b', 'c', 'd', 'e', 'f']
  const column = (n, kind, unique = false) => {
    const len = r() < 0.1 ? int(0, n + 2) : n
    const p = r()
    if (p < 0.08) return pick([null, 42, 'text', {}, [[]], new Map()])
    switch (r() < 0.85 ? kind : pick(['id', 'time', 'stage', 'amount'])) {
      case 'id':
        // the opportunities' ids are mostly distinct (row i is the i-th id), the events' drawn from them
        if (r() < 0.5) return Array.from({ length: len }, (_, i) => (r() < 0.9 ? IDS[unique ? i : int(0, n - 1)] : pick([null, '', 'zz'])))
        return BigUint64Array.from({ length: len }, (_, i) => BigInt(r() < 0.9 ? (unique ? i : int(0, n - 1)) : 99))
      case 'time':
        return pick([
          () => Array.from({ length: len }, () => (r() < 0.05 ? null : new Date(D0 + int(-5, 40) * 86_400_000))),
          () => BigInt64Array.from({ length: len }, () => BigInt(D0) + BigInt(int(-5, 40)) * 86_400_000n),
          () => Float64Array.from({ length: len }, () => pick([D0, D0 + 0.5, NaN, Infinity, -1e300, D0 + 86_400_000])),
          () => BigInt64Array.from({ length: len }, () => pick([0n, -(2n ** 63n), 2n ** 63n - 1n, BigInt(D0)])),
        ])()
      case 'stage':
        return r() < 0.5
          ? Array.from({ length: len }, () => pick(['qualify', 'demo', 'won', 'lost', 'nope', null]))
          : Uint16Array.from({ length: len }, () => pick([0, 1, 2, 65534, 65535, 777]))
      default:
        return pick([
          () => Array.from({ length: len }, () => pick([0n, 100n, -5n, 10n ** 15n, 2n ** 63n - 1n, 1.5, null])),
          () => BigInt64Array.from({ length: len }, () => BigInt(int(-10, 1_000_000))),
          () => new Float64Array(len),
        ])()
    }
  }
  let reports = 0
  let refused = 0
  for (let i = 0; i < RANDOM_COLUMNS; i++) {
    const ne = int(0, 12)
    const no = int(0, 5)
    const opportunities = { opp: column(no, 'id', true), amount: column(no, 'amount'), created: column(no, 'time') }
    const eventIds = column(ne, 'id')
    // events of the opportunities: ids of the same kind, mostly
    const events = {
      opp: Array.isArray(opportunities.opp) && Array.isArray(eventIds) ? eventIds.map((id, i) => (r() < 0.9 ? opportunities.opp[i % Math.max(no, 1)] ?? id : id)) : eventIds,
      at: column(ne, 'time'),
      stage: column(ne, 'stage'),
    }
    if (r() < 0.3) opportunities.expected_close = column(no, 'time')
    if (r() < 0.3) opportunities.owner = column(no, 'id')
    if (r() < 0.05) delete events[pick(['opp', 'at', 'stage'])]
    const options = { asOf: new Date(D0 + int(-2, 60) * 86_400_000), by: opportunities.owner && r() < 0.8 ? 'owner' : undefined }
    const calls = [
      () => funnel(events, opportunities, PIPELINE, options),
      () => forecast(events, opportunities, PIPELINE, { asOf: options.asOf, method: { kind: 'exact' } }),
      () => calibration(events, opportunities, PIPELINE, { asOf: options.asOf }),
      () => funnelAsync(events, opportunities, PIPELINE, options),
    ]
    try {
      await pick(calls)()
      reports++
    } catch (err) {
      if (err instanceof SalespipeError || err instanceof TypeError) {
        refused++
        continue
      }
      assert.fail(`case ${i}: ${String(err && err.stack)}`)
    }
  }
  assert.ok(reports > 0 && refused > 0, `${reports} reports, ${refused} refusals`)
})
