// The PostgreSQL store opened by URL: shared by engines, woken by LISTEN/NOTIFY, bad input refused.
// Needs a server in SALESPIPE_PG_URL: scripts/test-postgres starts one and runs this file (its
// name keeps it out of `node --test __test__/`). Without the variable it skips, except with
// SALESPIPE_PG_REQUIRED=1 (set by the script), where it fails.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock, StorageError, ValidationError } = require('../index.js')

const URL = process.env.SALESPIPE_PG_URL ?? ''
if (!URL && process.env.SALESPIPE_PG_REQUIRED === '1') {
  throw new Error('SALESPIPE_PG_URL is not set but SALESPIPE_PG_REQUIRED=1: these tests must run')
}
const skip = URL ? false : 'SALESPIPE_PG_URL is not set (scripts/test-postgres starts a server)'
const START = new Date('2026-03-02T01:00:00Z')

const at = (schema) => `${URL}${URL.includes('?') ? '&' : '?'}schema=${schema}`
const freshSchema = () => `js_${randomBytes(8).toString('hex')}`

function seed(engine) {
  engine.registerUser('admin', { id: 'admin', name: 'Admin', role: 'admin' })
  engine.registerUser('admin', { id: 'wang', name: '王芳', role: 'rep', manager: 'admin' })
  engine.definePipeline('admin', {
    id: 'sales',
    name: 'Sales',
    stages: [
      { id: 'qualify', name: 'Qualify', probability: 0.1 },
      { id: 'demo', name: 'Demo', probability: 0.3 },
    ],
  })
  engine.createCustomer('wang', { id: 'acme', name: 'Acme', owner: 'wang' })
  engine.createOpportunity('wang', {
    id: 'opp-1', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'ERP',
    amount: { minor: 1000n, currency: 'CNY' },
  })
}

test('engines share a database by URL, and a waiting one is woken', { skip }, async () => {
  const schema = freshSchema()
  const clock = new ManualClock(START)
  const a = await Engine.open({ store: at(schema), clock })
  seed(a)
  const b = new Engine({ store: at(schema), clock })
  assert.equal(b.opportunity('wang', 'opp-1').stage, 'qualify')
  assert.equal(await b.waitForEvents(100), 0)
  const started = Date.now()
  setTimeout(() => a.advance('wang', 'opp-1', 'demo'), 300)
  assert.equal(await b.waitForEvents(20_000), 1)
  assert.ok(Date.now() - started < 5000)
  assert.equal(b.opportunity('wang', 'opp-1').stage, 'demo')
})

test('bad schema names and unreachable servers are clear errors', { skip }, async () => {
  assert.throws(() => new Engine({ store: at('Not-A-Schema') }), ValidationError)
  await assert.rejects(
    Engine.open({ store: 'postgres://nobody@127.0.0.1:1/none?connect_timeout=2' }),
    (e) => e instanceof StorageError && e.code === 'storage',
  )
})
