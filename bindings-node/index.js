// salespipe for Node: loads the native addon (salespipe.node, built by `npm run build`) and
// wraps its calls:
// - arguments: nested Dates become RFC 3339 strings (an invalid Date is a ValidationError),
//   money's `minor` may be a bigint or an integer string, and a JS float is never money;
// - errors: every native error is rethrown as a SalespipeError subclass carrying the core's
//   stable `code` and `details` (the core's error JSON without `code`).
'use strict'

const native = require('./salespipe.node')

class SalespipeError extends Error {
  constructor(message, code, details) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.details = details || {}
  }
}

class GateNotMetError extends SalespipeError {
  /** What is met and what is missing, stage by stage. */
  get report() {
    return this.details.report
  }
}
class ApprovalPendingError extends SalespipeError {}
class InvalidTransitionError extends SalespipeError {}
class NotFoundError extends SalespipeError {}
class AlreadyExistsError extends SalespipeError {}
class ConflictError extends SalespipeError {}
class InvalidDefinitionError extends SalespipeError {}
class ValidationError extends SalespipeError {}
class MoneyError extends SalespipeError {}
class PermissionDeniedError extends SalespipeError {}
class UnsupportedVersionError extends SalespipeError {}
class StorageError extends SalespipeError {}
class InternalError extends SalespipeError {}

const CLASSES = {
  gate_not_met: GateNotMetError,
  approval_pending: ApprovalPendingError,
  invalid_transition: InvalidTransitionError,
  not_found: NotFoundError,
  already_exists: AlreadyExistsError,
  conflict: ConflictError,
  invalid_definition: InvalidDefinitionError,
  validation: ValidationError,
  money: MoneyError,
  permission_denied: PermissionDeniedError,
  unsupported_version: UnsupportedVersionError,
  storage: StorageError,
  internal: InternalError,
}

function salespipeError(code, message, details) {
  const Class = CLASSES[code] || SalespipeError
  return new Class(message, code, details)
}

function validation(field, message) {
  return salespipeError('validation', `${field}: ${message}`, { field, message })
}

// napi's own statuses for a JS value of the wrong type (a string where a Date is expected ...).
const NAPI_TYPE_ERRORS = /^(InvalidArg|ObjectExpected|StringExpected|NumberExpected|BooleanExpected|ArrayExpected|FunctionExpected|BigintExpected|DateExpected|ArrayBufferExpected|DetachableArraybufferExpected)$/

/** A native error as the SalespipeError it stands for. */
function fromNative(err) {
  if (!(err instanceof Error) || err instanceof SalespipeError) return err
  let decoded
  try {
    decoded = JSON.parse(err.message)
  } catch {
    decoded = undefined
  }
  if (decoded && typeof decoded === 'object' && typeof decoded.code === 'string') {
    return salespipeError(decoded.code, decoded.message, decoded.details)
  }
  if (typeof err.code === 'string' && NAPI_TYPE_ERRORS.test(err.code)) {
    return validation('argument', err.message)
  }
  return err
}

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function minorUnits(v, path, depth) {
  if (typeof v === 'bigint') return v
  if (typeof v === 'string') {
    if (!/^-?[0-9]+$/.test(v.trim())) throw validation(path, `${JSON.stringify(v)} is not a whole number of minor units`)
    return BigInt(v.trim())
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw validation(path, `${v} is not money: minor units are a bigint or an integer string, never a float`)
    }
    // as a bigint: napi hands a number beyond 32 bits to the core as a float, which is not
    // minor units (10^14, the largest amount, was refused so)
    return BigInt(v)
  }
  return wire(v, path, false, depth)
}

// The deepest nesting an argument may have (serde_json's own limit for JSON text): a deeper
// value is a ValidationError naming the path, not a stack overflow in the native conversion.
const MAX_DEPTH = 128

/** An argument as the native side takes it; `top` keeps a top-level Date a Date. */
function wire(value, path, top, depth = 0) {
  if (depth > MAX_DEPTH) throw validation(path, `nested deeper than ${MAX_DEPTH} levels (a salespipe value never is)`)
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw validation(path, 'invalid Date')
    return top ? value : value.toISOString()
  }
  if (Array.isArray(value)) return value.map((v, i) => wire(v, `${path}[${i}]`, false, depth + 1))
  if (isPlainObject(value)) {
    const out = {}
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue
      const here = path ? `${path}.${k}` : k
      if (k === 'minor') out[k] = minorUnits(v, here, depth + 1)
      else if (k === 'amount' && typeof v === 'number') {
        throw validation(here, `${v} is not money: pass {minor: bigint | string, currency} or a decimal string like "1200.50 CNY"`)
      } else out[k] = wire(v, here, false, depth + 1)
    }
    return out
  }
  return value
}

// The names of the arguments, for the paths in validation errors.
const ARGUMENTS = {
  execute: ['actor', 'command'],
  query: ['actor', 'query'],
  queryAsync: ['actor', 'query'],
  definePipeline: ['actor', 'pipeline'],
  defineProcess: ['actor', 'process'],
  registerUser: ['actor', 'user'],
  createCustomer: ['actor', 'customer'],
  createOpportunity: ['actor', 'opportunity'],
  updateOpportunity: ['actor', 'opportunity', 'patch'],
  logActivity: ['actor', 'activity'],
  createTask: ['actor', 'task'],
  opportunity: ['actor', 'id', 'asOf'],
  timeline: ['actor', 'id', 'asOf'],
  due: ['actor', 'at'],
  nextDueAfter: ['actor', 'at'],
  waitForEvents: ['timeoutMs'],
  open: ['options'],
}
const CLOCK_ARGUMENTS = { set: ['at'], advance: ['ms'] }

function wrap(fn, names = []) {
  return function (...args) {
    let result
    try {
      const wired = args.map((a, i) => wire(a, names[i] || `arguments[${i}]`, true))
      result = fn.apply(this, wired)
    } catch (err) {
      throw fromNative(err)
    }
    if (result instanceof Promise) {
      return result.catch((err) => {
        throw fromNative(err)
      })
    }
    return result
  }
}

/** Wraps every method of a native class's prototype (in place). */
function wrapMethods(Class, argumentNames) {
  const proto = Class.prototype
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor') continue
    const desc = Object.getOwnPropertyDescriptor(proto, name)
    if (!desc || typeof desc.value !== 'function') continue
    Object.defineProperty(proto, name, { ...desc, value: wrap(desc.value, argumentNames[name]) })
  }
}

wrapMethods(native.ManualClock, CLOCK_ARGUMENTS)
wrapMethods(native.Engine, ARGUMENTS)

/** A clock that moves only when told to: `now()`, `set(Date)`, `advance(ms)`. */
class ManualClock extends native.ManualClock {
  constructor(at) {
    try {
      super(wire(at, 'at', true))
    } catch (err) {
      throw fromNative(err)
    }
  }
}

const openNative = wrap(native.Engine.open, ['options'])

/** The sales-pipeline engine (in memory unless `store` names a SQLite file). */
class Engine extends native.Engine {
  constructor(options) {
    try {
      super(wire(options, 'options', true))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Opens an engine off the event loop (a SQLite store replays on libuv's thread pool). */
  static open(options) {
    return openNative.call(native.Engine, options).then((engine) => Object.setPrototypeOf(engine, Engine.prototype))
  }
}

/**
 * Test hooks, not part of the API: a real Rust panic inside the boundary's guard (`panic`)
 * and inside an AsyncTask (`panicAsync`), to show it arrives as an InternalError.
 */
const _testHooks = {
  panic: wrap(native._testPanic, ['message']),
  panicAsync: wrap(native._testPanicAsync, ['message']),
}

module.exports = {
  Engine,
  ManualClock,
  _testHooks,
  SalespipeError,
  GateNotMetError,
  ApprovalPendingError,
  InvalidTransitionError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  InvalidDefinitionError,
  ValidationError,
  MoneyError,
  PermissionDeniedError,
  UnsupportedVersionError,
  StorageError,
  InternalError,
}
