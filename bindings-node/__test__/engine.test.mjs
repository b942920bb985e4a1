// The JavaScript surface: error classes, Dates, money, SQLite reopened, async open and queries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const sp = require('../index.js')
const { Engine, ManualClock, SalespipeError } = sp

const START = new Date('2026-03-02T01:00:00Z')

function seed(engine) {
  engine.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  engine.registerUser('admin', { id: 'wang', name: '王芳', role: 'rep', manager: 'admin' })
  engine.definePipeline('admin', {
    id: 'sales',
    name: 'Sales',
    stages: [
      { id: 'qualify', name: 'Qualify', probability: 0.1, exit: [{ type: 'checklist', item: 'budget' }] },
      { id: 'demo', name: 'Demo', probability: 0.3 },
    ],
  })
  engine.createCustomer('wang', { id: 'acme', name: 'Acme', owner: 'wang' })
}

function opportunity(amount) {
  return { id: 'opp-1', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'ERP', amount }
}

function fresh() {
  const clock = new ManualClock(START)
  const engine = new Engine({ clock })
  seed(engine)
  return { clock, engine }
}

const events = (engine) => engine.query(null, { type: 'events', after: 0, limit: 1000000 }).length

test('typed commands and reads over execute and query', () => {
  const { engine, clock } = fresh()
  const before = events(engine)
  // a typed command returns nothing; what it wrote is in the log (execute returns it)
  assert.equal(engine.createOpportunity('wang', opportunity({ minor: 12000000n, currency: 'CNY' })), undefined)
  const recorded = engine.query(null, { type: 'events', after: before })
  assert.equal(recorded.length, 1)
  assert.equal(recorded[0].event.type, 'opportunity_created')
  assert.equal(engine.check('wang', 'opp-1', 'demo').target, 'demo')
  engine.tick('wang', 'opp-1', 'budget')
  clock.advance(60_000)
  engine.advance('wang', 'opp-1', 'demo')
  const opp = engine.opportunity('wang', 'opp-1')
  assert.equal(opp.stage, 'demo')
  assert.deepEqual(opp.amount, { minor: 12000000, currency: 'CNY' })
  assert.equal(engine.timeline('wang', 'opp-1').length, 2)
  assert.equal(engine.opportunity('wang', 'opp-1', START).stage, 'qualify')
  assert.deepEqual(engine.now(), new Date('2026-03-02T01:01:00Z'))
  assert.ok(Array.isArray(engine.due('wang', engine.now())))
  const next = engine.nextDueAfter('wang', engine.now())
  assert.ok(next === null || next instanceof Date)
})

test('typed commands read string arguments whole: any length, any script; a non-string is a ValidationError', () => {
  // the string-only verbs read short strings through a 64-byte buffer and longer ones
  // another way: ids around that boundary, with multi-byte characters across it, must
  // arrive whole (the error names the id exactly)
  const { engine } = fresh()
  for (const n of [0, 1, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 200]) {
    for (const tail of ['', '芳', '😀', 'é芳😀']) {
      const id = 'x'.repeat(n) + tail
      if (id === '') continue
      assert.throws(
        () => engine.advance('wang', id, 'demo'),
        (err) => err instanceof sp.NotFoundError && err.details.id === id,
        `advance of ${JSON.stringify(id)}`,
      )
    }
  }
  // a long, multi-byte id through every string-only verb that reaches the core
  const id = 'opp-' + '销售'.repeat(20)
  engine.createOpportunity('wang', { ...opportunity({ minor: 100n, currency: 'CNY' }), id })
  const item = 'budget'
  // more distinct actors and stages than the binding keeps shared (8 of each): each is still
  // its own id, refused as such, and the real ones keep working after
  for (let i = 0; i < 20; i++) {
    assert.throws(() => engine.advance(`ghost-${i}`, id, 'demo'), (err) => err instanceof SalespipeError)
    assert.throws(() => engine.advance('wang', id, `nowhere-${i}`), (err) => err instanceof SalespipeError)
  }
  assert.equal(engine.tick('wang', id, item), undefined)
  assert.equal(engine.advance('wang', id, 'demo'), undefined)
  assert.equal(engine.opportunity('wang', id).stage, 'demo')
  assert.equal(engine.moveBack('wang', id, 'qualify', 'again'), undefined)
  assert.equal(engine.opportunity('wang', id).stage, 'qualify')
  assert.equal(engine.untick('wang', id, item), undefined)
  assert.throws(() => engine.advance('wang', id, 'demo'), sp.GateNotMetError)
  // what napi refuses is a ValidationError, as before
  const before = events(engine)
  for (const call of [
    () => engine.advance('wang', 42, 'demo'),
    () => engine.advance('wang', id),
    () => engine.tick(undefined, id, item),
    () => engine.win('wang', { id }),
    () => engine.completeTask('wang', null),
  ]) {
    assert.throws(call, (err) => err instanceof sp.ValidationError && err.code === 'validation')
  }
  assert.equal(events(engine), before)
})

test('money as bigint, integer string or decimal string; never a float', () => {
  for (const amount of [{ minor: 5n, currency: 'CNY' }, { minor: '5', currency: 'CNY' }, '0.05 CNY']) {
    const { engine } = fresh()
    engine.createOpportunity('wang', opportunity(amount))
    assert.equal(engine.opportunity('wang', 'opp-1').amount.minor, 5)
  }
  const { engine } = fresh()
  const before = events(engine)
  for (const [amount, field] of [
    [{ minor: 1.5, currency: 'CNY' }, 'opportunity.amount.minor'],
    [1200.5, 'opportunity.amount'],
  ]) {
    assert.throws(
      () => engine.createOpportunity('wang', opportunity(amount)),
      (err) => err instanceof sp.ValidationError && err.code === 'validation' && err.details.field === field,
    )
    assert.throws(
      () => engine.execute('wang', { type: 'create_opportunity', opportunity: opportunity(amount) }),
      (err) => err instanceof sp.ValidationError && err.details.field === `command.${field}`,
    )
  }
  assert.throws(() => engine.createOpportunity('wang', opportunity('12,00 CNY')), sp.ValidationError)
  assert.equal(events(engine), before)
})

test('Dates in and out; an invalid Date is a validation error', () => {
  const { engine, clock } = fresh()
  assert.deepEqual(clock.now(), START)
  clock.set(new Date('2026-03-03T00:00:00Z'))
  assert.deepEqual(engine.now(), new Date('2026-03-03T00:00:00Z'))
  const bad = new Date('not a date')
  assert.throws(() => clock.set(bad), (err) => err instanceof sp.ValidationError && err.details.field === 'at')
  assert.throws(() => new ManualClock(bad), sp.ValidationError)
  assert.throws(() => engine.due('wang', bad), sp.ValidationError)
  assert.throws(() => engine.query('wang', { type: 'opportunities', as_of: bad }), sp.ValidationError)
  assert.throws(() => clock.advance(-1), sp.ValidationError)
  // A nested Date crosses as an instant.
  engine.createOpportunity('wang', opportunity('1 CNY'))
  assert.throws(
    () => engine.query('wang', { type: 'opportunity', id: 'opp-1', as_of: new Date('2026-03-02T00:00:00Z') }),
    sp.NotFoundError,
  )
  const q = engine.query('wang', { type: 'opportunity', id: 'opp-1', as_of: new Date('2026-03-03T00:00:00Z') })
  assert.equal(q.id, 'opp-1')
})

test('errors: one class per code, code and details from the core', () => {
  const { engine } = fresh()
  engine.createOpportunity('wang', opportunity('10 CNY'))
  const before = events(engine)
  assert.throws(
    () => engine.advance('wang', 'opp-1', 'demo'),
    (err) =>
      err instanceof sp.GateNotMetError &&
      err instanceof SalespipeError &&
      err instanceof Error &&
      err.code === 'gate_not_met' &&
      err.report.target === 'demo' &&
      Array.isArray(err.report.items) &&
      err.details.report === err.report,
  )
  assert.equal(events(engine), before)
  assert.throws(
    () => engine.win('wang', 'nope'),
    (err) => err instanceof sp.NotFoundError && err.details.kind === 'opportunity' && err.details.id === 'nope',
  )
  assert.throws(() => engine.createCustomer('wang', { id: 'acme', name: 'again', owner: 'wang' }), sp.AlreadyExistsError)
  assert.throws(() => engine.definePipeline('wang', { id: 'p2', name: 'x', stages: [{ id: 'a', name: 'A', probability: 0.1 }] }), sp.PermissionDeniedError)
  assert.throws(() => engine.definePipeline('admin', { id: 'p3', name: 'x', stages: [] }), sp.InvalidDefinitionError)
  assert.throws(() => engine.execute('wang', { type: 'no_such_command' }), sp.ValidationError)
  assert.throws(() => engine.execute('', { type: 'win', opportunity: 'opp-1' }), sp.ValidationError)
  assert.throws(() => engine.tick('wang', 'opp-1', 42), sp.ValidationError)
  assert.throws(() => new Engine({ store: join(tmpdir(), 'no', 'such', 'dir', 'x.sqlite') }), sp.StorageError)
  assert.equal(events(engine), before)
})

/**
 * Calls `body` with a SQLite file in a fresh temporary directory, seeded (`seed`) with opp-1
 * of `amount` through a first engine on a manual clock; the directory is removed afterwards.
 */
async function withSeededFile(amount, body) {
  const dir = mkdtempSync(join(tmpdir(), 'salespipe-node-'))
  try {
    const store = join(dir, 'pipeline.sqlite')
    const clock = new ManualClock(START)
    const first = new Engine({ store, clock })
    seed(first)
    first.createOpportunity('wang', opportunity(amount))
    return await body({ dir, store, clock, first })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('a SQLite file reopened by a second engine', async () => {
  await withSeededFile('99.99 CNY', async ({ store, clock, first }) => {
    const second = new Engine({ store, clock })
    assert.equal(second.opportunity('wang', 'opp-1').amount.minor, 9999)
    first.tick('wang', 'opp-1', 'budget')
    second.catchUp()
    assert.equal(events(second), events(first))
  })
})

test('close() releases the engine now; every later call is a ValidationError, nothing written', async () => {
  await withSeededFile('99.99 CNY', async ({ store, clock, first }) => {
    const before = events(first)
    first.close()
    first.close() // closing again does nothing
    const closed = (fn) =>
      assert.throws(fn, (err) => {
        assert.ok(err instanceof sp.ValidationError, String(err))
        assert.equal(err.message, 'engine: the engine is closed')
        return true
      })
    closed(() => first.tick('wang', 'opp-1', 'budget')) // a hot verb, through its handle
    closed(() => first.advance('wang', 'opp-1', 'demo'))
    closed(() => first.execute('wang', { type: 'tick', opportunity: 'opp-1', item: 'budget' }))
    closed(() => first.opportunity('wang', 'opp-1'))
    await assert.rejects(first.queryAsync(null, { type: 'events', after: 0, limit: 10 }), sp.ValidationError)
    // the file holds what was written before, and nothing since
    const second = new Engine({ store, clock })
    assert.equal(events(second), before)
    second.close()
  })
})

test('indexesOnOpen: the indexes built while opening answer as the lazily built ones', async () => {
  await withSeededFile('100 CNY', async ({ store, clock, first }) => {
    first.createTask('wang', { id: 't-1', title: 'call back', owner: 'wang', due: new Date('2026-03-03T09:00:00Z') })
    first.logActivity('wang', { id: 'a-1', kind: 'call', customer: 'acme', at: START })
    const eager = await Engine.open({ store, clock, indexesOnOpen: true })
    const lazy = new Engine({ store, clock, indexesOnOpen: false })
    const later = new Date('2026-03-04T00:00:00Z')
    const due = eager.due(null, later)
    assert.ok(due.some((r) => r.id === 'task_overdue/t-1'))
    assert.deepEqual(due, lazy.due(null, later))
    assert.deepEqual(
      eager.dailyTeamReport(null, 'admin', '2026-03-02'),
      lazy.dailyTeamReport(null, 'admin', '2026-03-02'),
    )
    assert.equal(eager.dailyTeamReport(null, 'admin', '2026-03-02').totals.activities.call, 1)
  })
})

test('async: Engine.open replays a store off the event loop, queryAsync answers reports', async () => {
  await withSeededFile('100 CNY', async ({ dir, store, clock, first }) => {
    const opened = await Engine.open({ store, clock })
    assert.ok(opened instanceof Engine)
    assert.equal(opened.opportunity('wang', 'opp-1').name, 'ERP')
    const funnel = await opened.queryAsync('wang', { type: 'funnel', pipeline: 'sales' })
    assert.deepEqual(funnel, opened.query('wang', { type: 'funnel', pipeline: 'sales' }))
    await assert.rejects(opened.queryAsync('wang', { type: 'opportunity', id: 'nope' }), sp.NotFoundError)
    await assert.rejects(Engine.open({ store: join(dir, 'no', 'x.sqlite') }), sp.StorageError)
    const memory = await Engine.open()
    assert.deepEqual(memory.query(null, { type: 'users' }), [])
  })
})

test('reads: a user sees what the policy lets them see, null reads as the host', () => {
  const engine = new Engine({ clock: new ManualClock(START) })
  seed(engine)
  engine.registerUser('admin', { id: 'qian', name: '钱伟', role: 'rep', manager: 'admin' })
  engine.createOpportunity('wang', opportunity('100 CNY'))
  assert.throws(() => engine.query('qian', { type: 'opportunity', id: 'opp-1' }), sp.PermissionDeniedError)
  assert.deepEqual(engine.query('qian', { type: 'opportunities' }), [])
  assert.equal(engine.query('wang', { type: 'opportunities' }).length, 1)
  assert.equal(engine.query(null, { type: 'opportunities' }).length, 1)
  assert.throws(() => engine.query('mallory', { type: 'users' }), sp.PermissionDeniedError)
  assert.throws(() => engine.query('wang', { type: 'events', after: 0 }), sp.PermissionDeniedError)
})

// The details of each sample error: the core's JSON of the error without its code.
const SAMPLE_DETAILS = {
  gate_not_met: ['GateNotMetError', ['report']],
  approval_pending: ['ApprovalPendingError', ['message', 'request']],
  invalid_transition: ['InvalidTransitionError', ['message']],
  not_found: ['NotFoundError', ['field', 'id', 'kind']],
  already_exists: ['AlreadyExistsError', ['id', 'kind']],
  conflict: ['ConflictError', ['actual', 'expected', 'stream']],
  invalid_definition: ['InvalidDefinitionError', ['problems']],
  validation: ['ValidationError', ['field', 'message']],
  money: ['MoneyError', ['message']],
  permission_denied: ['PermissionDeniedError', ['action', 'actor']],
  unsupported_version: ['UnsupportedVersionError', ['found', 'supported', 'what']],
  storage: ['StorageError', ['message']],
}

test('errors: every core code crosses as its class with the core fields (sample errors)', () => {
  for (const [code, [name, keys]] of Object.entries(SAMPLE_DETAILS)) {
    assert.throws(() => sp._testHooks.sampleError(code), (err) => {
      assert.equal(err.constructor, sp[name], `${code}: ${err}`)
      assert.equal(err.name, name)
      assert.ok(err instanceof SalespipeError && err instanceof Error)
      assert.equal(err.code, code)
      assert.ok(err.message.length > 0)
      assert.deepEqual(Object.keys(err.details).sort(), keys, code)
      return true
    })
  }
  assert.throws(() => sp._testHooks.sampleError('gate_not_met'), (err) => err.report.target === 'demo')
  assert.throws(() => sp._testHooks.sampleError('no_such_code'), sp.ValidationError)
})

test('index.d.ts lists every command and query kind of the core, and no other', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const union = (name) => {
    const m = dts.match(new RegExp(`export type ${name} =([^;]*?)\\n\\n`, 's'))
    assert.ok(m, `${name} in index.d.ts`)
    return [...m[1].matchAll(/'([a-z_]+)'/g)].map((x) => x[1])
  }
  // the core's own list: serde's error for an unknown variant names every variant
  const variants = (call) => {
    try {
      call()
    } catch (err) {
      return [...err.message.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]).filter((v) => v !== 'zzz')
    }
    assert.fail('an unknown variant was accepted')
  }
  const { engine } = fresh()
  assert.deepEqual(union('CommandType'), variants(() => engine.execute('admin', { type: 'zzz' })))
  assert.deepEqual(union('QueryType'), variants(() => engine.query(null, { type: 'zzz' })))
})
