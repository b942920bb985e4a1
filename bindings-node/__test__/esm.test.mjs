// ESM users write `import { funnel } from 'salespipe'`: Node finds the named exports of the
// CommonJS index.js with cjs-module-lexer, which reads only plain forms of module.exports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as esm from '../index.js'

const require = createRequire(import.meta.url)

test('every export of index.js is a named ESM export too', () => {
  const cjs = require('../index.js')
  const named = Object.keys(esm).filter((k) => k !== 'default').sort()
  assert.deepEqual(named, Object.keys(cjs).sort())
  for (const k of named) assert.equal(esm[k], cjs[k], k)
})
