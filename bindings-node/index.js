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
  opportunities: ['actor', 'asOf'],
  customer: ['actor', 'id', 'asOf'],
  customers: ['actor', 'asOf'],
  user: ['actor', 'id'],
  users: ['actor'],
  activity: ['actor', 'id'],
  activities: ['actor', 'customer', 'opportunity'],
  task: ['actor', 'id'],
  openTasks: ['actor', 'owner'],
  dailyReport: ['actor', 'rep', 'day', 'asOf'],
  dailyRangeReport: ['actor', 'rep', 'first', 'last', 'asOf'],
  dailyTeamReport: ['actor', 'manager', 'day', 'asOf'],
  targets: ['actor'],
  attainment: ['actor', 'query'],
  expenseReport: ['actor', 'query'],
  sourceReport: ['actor', 'pipeline', 'windowFrom', 'windowTo', 'asOf'],
  competitorReport: ['actor', 'closedFrom', 'closedTo', 'asOf'],
  forecastSnapshots: ['actor'],
  forecastAccuracy: ['actor', 'asOf'],
  funnel: ['actor', 'pipeline', 'options'],
  funnelAsync: ['actor', 'pipeline', 'options'],
  forecast: ['actor', 'pipeline', 'options'],
  forecastAsync: ['actor', 'pipeline', 'options'],
  calibration: ['actor', 'pipeline', 'options'],
  calibrationAsync: ['actor', 'pipeline', 'options'],
  dailyRangeReportAsync: ['actor', 'rep', 'first', 'last', 'asOf'],
  dailyTeamReportAsync: ['actor', 'manager', 'day', 'asOf'],
  attainmentAsync: ['actor', 'query'],
  expenseReportAsync: ['actor', 'query'],
  sourceReportAsync: ['actor', 'pipeline', 'windowFrom', 'windowTo', 'asOf'],
  competitorReportAsync: ['actor', 'closedFrom', 'closedTo', 'asOf'],
  forecastAccuracyAsync: ['actor', 'asOf'],
  waitForEvents: ['timeoutMs'],
  open: ['options'],
}
const CLOCK_ARGUMENTS = { set: ['at'], advance: ['ms'] }

function wrap(fn, names = [], promise = false) {
  return function (...args) {
    let result
    try {
      // a read's actor is a user id or null (the host): never left out by accident
      if (names[0] === 'actor' && args[0] === undefined) {
        throw validation('actor', 'missing: pass the reading user id, or null to read as the host')
      }
      const wired = args.map((a, i) => wire(a, names[i] || `arguments[${i}]`, true))
      result = fn.apply(this, wired)
    } catch (err) {
      // a Promise-returning call rejects (never throws) on bad arguments
      if (promise) return Promise.reject(fromNative(err))
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

// The typed commands whose arguments are all strings (ids, items, reasons, a decision):
// napi checks each argument's type itself (a non-string is a ValidationError, as through
// `wrap`), and there is no Date, money or nesting for `wire` to look at. These are the hot
// path (a gate-checked advance costs about a microsecond in the core), so their wrapper only
// catches: no rest-argument array, no `wire` pass, nothing allocated per call.
// (The hottest of them, `advance`, `tick`, ..., go further: HOT_COMMANDS below.)
const STRING_COMMANDS = new Set([
  'reopen', 'submitApproval', 'decideApproval', 'withdrawApproval', 'resubmitApproval',
  'reopenTask', 'acknowledgeReminder', 'dismissReminder', 'removeTarget', 'decideExpense',
  'withdrawExpense', 'takeForecastSnapshot',
])

/** A native call of string arguments (at most five) whose errors become SalespipeErrors. */
function wrapStrings(fn) {
  return function (a, b, c, d, e) {
    try {
      return fn.call(this, a, b, c, d, e)
    } catch (err) {
      throw fromNative(err)
    }
  }
}

/** Wraps every method of a native class's prototype (in place). */
function wrapMethods(Class, argumentNames, strings = new Set()) {
  const proto = Class.prototype
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor') continue
    const desc = Object.getOwnPropertyDescriptor(proto, name)
    if (!desc || typeof desc.value !== 'function') continue
    const promise = name.endsWith('Async') || name === 'waitForEvents'
    const value = strings.has(name) ? wrapStrings(desc.value) : wrap(desc.value, argumentNames[name], promise)
    Object.defineProperty(proto, name, { ...desc, value })
  }
}

const engineHandle = native.Engine.prototype._handle
wrapMethods(native.ManualClock, CLOCK_ARGUMENTS)
wrapMethods(native.Engine, ARGUMENTS, STRING_COMMANDS)

// The hottest typed commands skip napi-rs's per-call class machinery (unwrapping `this` and
// a borrow scope for it: measured about as costly as a gate-checked advance itself): each
// engine hands out an External of itself once (`_handle`), kept under a symbol, and these
// call module functions with it. Same code and errors as the class methods (see
// bindings-node/src/engine.rs `Handle`); only the way in differs.
const HANDLE = Symbol('salespipe.engine')
function handleOf(engine) {
  return engine[HANDLE] || (engine[HANDLE] = engineHandle.call(engine))
}
const HOT_COMMANDS = {
  tick: native._tick,
  untick: native._untick,
  advance: native._advance,
  forceAdvance: native._forceAdvance,
  moveBack: native._moveBack,
  win: native._win,
  lose: native._lose,
  completeTask: native._completeTask,
}
for (const [name, fn] of Object.entries(HOT_COMMANDS)) {
  const desc = Object.getOwnPropertyDescriptor(native.Engine.prototype, name)
  const value = {
    [name](a, b, c, d) {
      try {
        return fn(handleOf(this), a, b, c, d)
      } catch (err) {
        throw fromNative(err)
      }
    },
  }[name]
  Object.defineProperty(native.Engine.prototype, name, { ...desc, value })
}

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

// ----- analytics over columns: funnel, forecast, calibration --------------------------------
//
// A table is an Apache Arrow JS Table (anything with `schema.fields` and `getChild(name)`) or a
// plain object of columns. Each column crosses as typed arrays the native side reads in place
// (see bindings-node/src/analytics.rs): Arrow's own buffers, or the typed arrays of a plain
// object; plain JS arrays (strings, Dates, bigints, safe integers) are packed here once.

const TYPE = { Dictionary: -1, Int: 2, Float: 3, Utf8: 5, Bool: 6, Date: 8, Timestamp: 10, LargeUtf8: 20 }
const TIME_UNITS = ['s', 'ms', 'us', 'ns']

function isArrowTable(t) {
  return t !== null && typeof t === 'object' && typeof t.getChild === 'function' && t.schema && Array.isArray(t.schema.fields)
}

/** The chunk of a typed array (`length` rows); other widths are widened here. */
function typedChunk(a, path) {
  const length = a.length
  if (a instanceof BigUint64Array) return { length, u64: a }
  if (a instanceof BigInt64Array) return { length, i64: a }
  if (a instanceof Int32Array) return { length, i32: a }
  if (a instanceof Uint32Array) return { length, u32: a }
  if (a instanceof Uint16Array) return { length, u16: a }
  if (a instanceof Float64Array) return { length, f64: a }
  if (a instanceof Int8Array || a instanceof Int16Array) return { length, i32: Int32Array.from(a) }
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return { length, u16: Uint16Array.from(a) }
  if (a instanceof Float32Array) return { length, f64: Float64Array.from(a) }
  throw validation(path, `${a.constructor.name} is not a supported column`)
}

/** A validity bitmap for `present` (null when every row is present). */
function bitmap(present, n) {
  let all = true
  for (let i = 0; i < n && all; i++) all = present(i)
  if (all) return null
  const bits = new Uint8Array((n + 7) >> 3)
  for (let i = 0; i < n; i++) if (present(i)) bits[i >> 3] |= 1 << (i & 7)
  return bits
}

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

/** A plain JS array as one chunk: strings, Dates, bigints or safe integers (null: missing). */
function arrayChunk(a, path) {
  const n = a.length
  const first = a.find((v) => v !== null && v !== undefined)
  const validity = bitmap((i) => a[i] !== null && a[i] !== undefined, n)
  const withValidity = (chunk) => (validity ? { ...chunk, validity, validityOffset: 0 } : chunk)
  if (first === undefined || typeof first === 'string') {
    for (let i = 0; i < n; i++) {
      const v = a[i]
      if (v !== null && v !== undefined && typeof v !== 'string') throw validation(`${path}[${i}]`, `${typeof v} in a column of strings`)
    }
    return { length: n, strings: Array.from(a, (v) => (typeof v === 'string' ? v : null)) }
  }
  if (first instanceof Date) {
    const ms = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const v = a[i]
      if (v === null || v === undefined) continue
      if (!(v instanceof Date)) throw validation(`${path}[${i}]`, `${typeof v} in a column of Dates`)
      const t = v.getTime()
      if (Number.isNaN(t)) throw validation(`${path}[${i}]`, 'invalid Date')
      ms[i] = t
    }
    return withValidity({ length: n, f64: ms })
  }
  if (typeof first === 'bigint' || typeof first === 'number') {
    const out = new BigInt64Array(n)
    for (let i = 0; i < n; i++) {
      const v = a[i]
      if (v === null || v === undefined) continue
      if (typeof v === 'bigint') {
        if (v < I64_MIN || v > I64_MAX) throw validation(`${path}[${i}]`, `${v} is out of range for a 64-bit integer`)
        out[i] = v
      } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
        out[i] = BigInt(v)
      } else if (typeof v === 'number') {
        throw validation(`${path}[${i}]`, `${v} is not a whole number (money is whole minor units, never a float)`)
      } else {
        throw validation(`${path}[${i}]`, `${typeof v} in a column of numbers`)
      }
    }
    return withValidity({ length: n, i64: out })
  }
  if (typeof first === 'boolean') {
    return { length: n, strings: Array.from(a, (v) => (typeof v === 'boolean' ? String(v) : null)) }
  }
  throw validation(path, `${typeof first} values are not a supported column (strings, Dates, bigints, integers or a typed array)`)
}

/** The text of an Arrow Utf8 `Data` (or a whole string vector) as chunk fields. */
function arrowText(d, path) {
  if (d.type.typeId === TYPE.Utf8) {
    return { utf8: d.values, offsets: d.valueOffsets.subarray(0, d.length + 1) }
  }
  if (d.type.typeId === TYPE.LargeUtf8) {
    const big = d.valueOffsets
    const offsets = new Int32Array(d.length + 1)
    for (let i = 0; i <= d.length; i++) {
      if (big[i] > 2147483647n) throw validation(path, 'strings beyond 2 GiB in one chunk')
      offsets[i] = Number(big[i])
    }
    return { utf8: d.values, offsets }
  }
  throw validation(path, `Arrow type ${d.type} is not strings`)
}

/** One Arrow `Data` chunk as the native chunk. */
function arrowChunk(d, path) {
  const length = d.length
  const chunk = { length }
  if (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0) {
    chunk.validity = d.nullBitmap
    chunk.validityOffset = d.offset
  }
  switch (d.type.typeId) {
    case TYPE.Int:
    case TYPE.Float:
    case TYPE.Date:
    case TYPE.Timestamp:
      if (d.type.typeId === TYPE.Float && d.type.precision === 0) throw validation(path, 'Float16 is not a supported column')
      // apache-arrow before 15 kept 64-bit values as pairs in an Int32Array
      if ((d.type.bitWidth === 64 || d.type.typeId === TYPE.Timestamp || (d.type.typeId === TYPE.Date && d.type.unit === 1)) &&
        !(d.values instanceof BigInt64Array || d.values instanceof BigUint64Array)) {
        throw validation(path, `64-bit ${d.type} values as ${d.values.constructor.name}: apache-arrow >= 15 is needed`)
      }
      return { ...typedChunk(d.values.subarray(0, length), path), ...chunk }
    case TYPE.Utf8:
    case TYPE.LargeUtf8:
      return { ...chunk, ...arrowText(d, path) }
    case TYPE.Dictionary: {
      const dict = d.dictionary
      const text = dict.data.length === 1 && dict.nullCount === 0
        ? arrowText(dict.data[0], path)
        : { strings: Array.from(dict.toArray(), (v) => (typeof v === 'string' ? v : null)) }
      let keys = d.values.subarray(0, length)
      if (!(keys instanceof Int32Array)) keys = Int32Array.from(keys, (k) => Number(k))
      return { ...chunk, keys, ...text }
    }
    case TYPE.Bool: {
      const strings = new Array(length)
      for (let i = 0; i < length; i++) {
        const bit = d.offset + i
        strings[i] = (d.values[bit >> 3] >> (bit & 7)) & 1 ? 'true' : 'false'
      }
      return { ...chunk, strings }
    }
    default:
      throw validation(path, `Arrow type ${d.type} is not supported (integers, strings, dictionaries, dates, timestamps)`)
  }
}

/** The time unit of an Arrow type (undefined for a non-time one). */
function arrowUnit(type) {
  if (type.typeId === TYPE.Timestamp) return TIME_UNITS[type.unit]
  if (type.typeId === TYPE.Date) return type.unit === 0 ? 'day' : 'ms'
  return undefined
}

/** A table's column `name` (or the first of `names` it has) as the native column. */
function column(table, tableName, names, required = true) {
  const name = names.find((n) => (isArrowTable(table) ? table.getChild(n) !== null : table[n] !== undefined))
  const path = `${tableName}.${names[0]}`
  if (name === undefined) {
    if (!required) return undefined
    const have = isArrowTable(table) ? table.schema.fields.map((f) => f.name) : Object.keys(table)
    throw validation(path, `missing column (columns: ${have.join(', ')})`)
  }
  if (isArrowTable(table)) {
    const vector = table.getChild(name)
    return { path, unit: arrowUnit(vector.type), chunks: vector.data.map((d) => arrowChunk(d, path)) }
  }
  const v = table[name]
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return { path, chunks: [typedChunk(v, path)] }
  if (Array.isArray(v)) return { path, chunks: [arrayChunk(v, path)] }
  throw validation(path, `${v === null ? 'null' : typeof v} is not a column (a typed array or an array)`)
}

function table(t, name) {
  if (isArrowTable(t) || isPlainObject(t)) return t
  throw validation(name, 'expected an Apache Arrow Table or an object of columns (typed arrays or arrays)')
}

/** Both tables as the native columns (the names as in the Python binding). */
function funnelColumns(events, opportunities, by) {
  const ev = table(events, 'events')
  const op = table(opportunities, 'opportunities')
  return {
    eventOpp: column(ev, 'events', ['opp']),
    eventAt: column(ev, 'events', ['at']),
    eventStage: column(ev, 'events', ['stage']),
    opp: column(op, 'opportunities', ['opp']),
    amount: column(op, 'opportunities', ['amount']),
    created: column(op, 'opportunities', ['created']),
    expectedClose: column(op, 'opportunities', ['expected_close', 'expectedClose'], false),
    group: by === undefined || by === null ? undefined : column(op, 'opportunities', [by]),
  }
}

function instant(v, path, required) {
  if (v === undefined || v === null) {
    if (required) throw validation(path, 'missing: pass a Date')
    return undefined
  }
  if (!(v instanceof Date)) throw validation(path, `${typeof v} is not a Date`)
  if (Number.isNaN(v.getTime())) throw validation(path, 'invalid Date')
  return v
}

/** The native options: `asOf`, the window (or period) as `from`/`to`, and the rest. */
function analyticsOptions(options, span) {
  if (!isPlainObject(options)) throw validation('options', 'expected an object with at least asOf (a Date)')
  const w = options[span]
  if (w !== undefined && w !== null && !isPlainObject(w)) throw validation(`options.${span}`, 'expected {from?: Date, to?: Date}')
  const out = { asOf: instant(options.asOf, 'options.asOf', true) }
  if (w) {
    out.from = instant(w.from, `options.${span}.from`, false)
    out.to = instant(w.to, `options.${span}.to`, false)
  }
  for (const key of ['mode', 'currency']) {
    const v = options[key]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string') throw validation(`options.${key}`, `${typeof v} is not a string`)
    out[key] = v
  }
  if (options.by !== undefined && options.by !== null && typeof options.by !== 'string') {
    throw validation('options.by', `${typeof options.by} is not a column name`)
  }
  for (const key of ['probabilities', 'method']) {
    if (options[key] !== undefined && options[key] !== null) out[key] = wire(options[key], `options.${key}`, false)
  }
  return out
}

function analytics(nativeFn, span, isAsync = false) {
  return function (events, opportunities, pipeline, options) {
    try {
      const opts = analyticsOptions(options, span)
      const cols = funnelColumns(events, opportunities, span === 'window' ? options.by : undefined)
      const result = nativeFn(cols, wire(pipeline, 'pipeline', false), opts)
      if (result instanceof Promise) return result.catch((err) => { throw fromNative(err) })
      return result
    } catch (err) {
      const e = fromNative(err)
      if (isAsync) return Promise.reject(e)
      throw e
    }
  }
}

const ROW_FIELDS = [
  ['probability', 'f64', (s) => s.probability],
  ['entered', 'u64', (s) => s.entered],
  ['advanced', 'u64', (s) => s.advanced],
  ['won', 'u64', (s) => s.won],
  ['lost', 'u64', (s) => s.lost],
  ['lost_here', 'u64', (s) => s.lost_here],
  ['open_here', 'u64', (s) => s.open_here],
  ['advance_rate', 'f64', (s) => s.advance_rate],
  ['win_rate', 'f64', (s) => s.win_rate],
  ['loss_rate', 'f64', (s) => s.loss_rate],
  ['dwell_count', 'u64', (s) => s.dwell.count],
  ['dwell_mean_seconds', 'f64', (s) => s.dwell.mean_seconds],
  ['dwell_median_seconds', 'f64', (s) => s.dwell.median_seconds],
  ['dwell_p90_seconds', 'f64', (s) => s.dwell.p90_seconds],
  ['open_age_count', 'u64', (s) => s.open_age.count],
  ['open_age_mean_seconds', 'f64', (s) => s.open_age.mean_seconds],
  ['stale', 'u64', (s) => s.open_age.stale],
  ['open_amount', 'i64', (s) => s.open_amount],
  ['weighted_open', 'f64', (s) => s.weighted_open],
]

/**
 * The per-stage figures as an Apache Arrow Table (`apache-arrow` must be installed): one row
 * per stage of the whole report, or with `{groups: true}` one row per group and stage with a
 * leading `group` column (null: the keyless group). Counts are Uint64, amounts Int64 minor
 * units, rates and durations nullable Float64.
 */
function toArrow({ groups = false } = {}) {
  let arrow
  try {
    arrow = require('apache-arrow')
  } catch (err) {
    throw new Error(`FunnelReport.toArrow needs the apache-arrow package (npm install apache-arrow): ${err.message}`)
  }
  const report = this.toJSON()
  const rows = []
  for (const g of groups ? report.groups : [report.total]) for (const s of g.stages) rows.push([g.key === undefined ? null : g.key, s])
  const types = { f64: () => new arrow.Float64(), u64: () => new arrow.Uint64(), i64: () => new arrow.Int64() }
  const big = (v) => (v === null || v === undefined ? null : BigInt(v))
  const vectors = {}
  if (groups) vectors.group = arrow.vectorFromArray(rows.map(([k]) => k), new arrow.Utf8())
  vectors.stage = arrow.vectorFromArray(rows.map(([, s]) => s.id), new arrow.Utf8())
  vectors.name = arrow.vectorFromArray(rows.map(([, s]) => s.name), new arrow.Utf8())
  for (const [name, type, get] of ROW_FIELDS) {
    const values = rows.map(([, s]) => {
      const v = get(s)
      return type === 'f64' ? (v === undefined ? null : v) : big(v)
    })
    vectors[name] = arrow.vectorFromArray(values, types[type]())
  }
  return new arrow.Table(vectors)
}
/** A funnel report (the native class, with `toArrow` added here). */
const FunnelReport = native.FunnelReport
FunnelReport.prototype.toArrow = toArrow

const funnel = analytics(native.funnelColumns, 'window')
const funnelAsync = analytics(native.funnelColumnsAsync, 'window', true)
const forecast = analytics(native.forecastColumns, 'period')
const forecastAsync = analytics(native.forecastColumnsAsync, 'period', true)
const calibration = analytics(native.calibrationColumns, 'window')
const calibrationAsync = analytics(native.calibrationColumnsAsync, 'window', true)

/**
 * Test hooks, not part of the API: a sample core error of each code (`sampleError`), and a
 * real Rust panic inside the boundary's guard (`panic`) and inside an AsyncTask
 * (`panicAsync`), to show each arrives as its SalespipeError subclass.
 */
const _testHooks = {
  sampleError: wrap(native._sampleError, ['code']),
  panic: wrap(native._testPanic, ['message']),
  panicAsync: wrap(native._testPanicAsync, ['message']),
}

// Shorthand properties only: Node's ESM loader (cjs-module-lexer) finds the named exports of
// `import { funnel } from 'salespipe'` in this literal, and stops at the first other form.
module.exports = {
  Engine,
  ManualClock,
  FunnelReport,
  funnel,
  funnelAsync,
  forecast,
  forecastAsync,
  calibration,
  calibrationAsync,
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
