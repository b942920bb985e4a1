// No crash through the binding (issue 16): deep nesting is a ValidationError naming the path,
// oversized forecasts are refused, and seeded random commands and queries either succeed or
// throw a SalespipeError / TypeError, never anything else.
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
