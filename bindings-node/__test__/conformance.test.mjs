// Replays every tests/scenarios/*.json through engine.execute / engine.query with the Rust
// runner's rules (tests/src/lib.rs): subset match, a refused command writes nothing, queries
// asked by the step's actor or else the host (null), a failed query is {error: code}.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, ManualClock, SalespipeError } = require('../index.js')

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'scenarios')

function subsetMatch(expected, actual, path) {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
    }
    for (const [k, ev] of Object.entries(expected)) {
      subsetMatch(ev, actual[k] === undefined ? null : actual[k], `${path}.${k}`)
    }
    return
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      throw new Error(`${path}: expected ${expected.length} items, got ${JSON.stringify(actual)}`)
    }
    expected.forEach((ev, i) => subsetMatch(ev, actual[i], `${path}[${i}]`))
    return
  }
  if (typeof expected === 'number' && (typeof actual === 'number' || typeof actual === 'bigint')) {
    if (Number(actual) === expected) return
  }
  if (expected === actual) return
  throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
}

function head(engine) {
  return engine.query(null, { type: 'events', after: 0, limit: 1000000 }).length
}

function ask(engine, actor, query) {
  try {
    return engine.query(actor, query)
  } catch (err) {
    if (err instanceof SalespipeError) return { error: err.code }
    throw err
  }
}

function run(scenario) {
  const clock = new ManualClock(new Date(scenario.start))
  const engine = new Engine({ clock })
  scenario.steps.forEach((step, i) => {
    const where = `${scenario.name}: steps[${i}]`
    if (step.at) clock.set(new Date(step.at))
    if (step.command) {
      assert.ok(step.actor, `${where}: a command needs an actor`)
      const before = head(engine)
      let error
      try {
        engine.execute(step.actor, step.command)
      } catch (err) {
        if (!(err instanceof SalespipeError)) throw err
        error = err
      }
      if (error) {
        assert.equal(head(engine), before, `${where}: a refused command wrote to the store`)
        assert.ok(step.expect_error, `${where}: unexpected error ${error.code}: ${error.message}`)
        assert.equal(error.code, step.expect_error, `${where}: ${error.message}`)
      } else {
        assert.ok(!step.expect_error, `${where}: expected error ${step.expect_error}, the command succeeded`)
      }
    }
    if (step.query) {
      assert.ok('expect' in step, `${where}: a query needs "expect"`)
      const actual = ask(engine, step.actor ?? null, step.query)
      try {
        subsetMatch(step.expect, actual, '$')
      } catch (err) {
        throw new Error(`${where}: ${err.message}`)
      }
    }
  })
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()

test('there are scenarios', () => {
  assert.ok(files.length >= 10, `found ${files.length} in ${dir}`)
})

for (const file of files) {
  test(`scenario ${file}`, () => {
    run(JSON.parse(readFileSync(join(dir, file), 'utf8')))
  })
}
