/* salespipe for Node: the generated declarations of the native addon follow this header.
 * The header declares what index.js adds in JavaScript (the error classes) and the JSON
 * shapes the native methods take and give (the core's serde JSON). */

/** Money: integer minor units and an ISO 4217 code, or a decimal string `"1200.50 CNY"`
 * (never a JS float). `minor` may be a `bigint`, an integer string or a safe integer. */
export type MoneyInput = { minor: bigint | string | number; currency: string } | string

/** Money as the engine returns it. */
export interface Money {
  minor: number | bigint
  currency: string
}

/** A command: the JSON form of `salespipe::Command`, `{type: "<snake_case>", ...fields}`.
 * Instants may be `Date`s (an invalid Date is a ValidationError). */
export interface Command {
  type: string
  [field: string]: unknown
}

/** A query: the JSON form of `salespipe::Query`, `{type: "<snake_case>", ...arguments}`. */
export interface Query {
  type: string
  as_of?: Date | string
  [argument: string]: unknown
}

/** One stored event. */
export interface RecordedEvent {
  position: number
  stream: string
  version: number
  /** RFC 3339 with milliseconds. */
  at: string
  actor: string
  schema: number
  event: { type: string; [field: string]: unknown }
}

/** What is met and what is missing to move an opportunity to `target`, stage by stage. */
export interface GateReport {
  opportunity: string
  from: string
  target: string
  items: Array<{ [field: string]: unknown }>
}

/** An approval decision. */
export type Decision = 'approve' | 'reject'

/** A new opportunity (`create_opportunity`). */
export interface NewOpportunity {
  id: string
  pipeline: string
  customer: string
  owner: string
  name: string
  amount: MoneyInput
  expected_close?: string
  source?: string
  stage?: string
  [field: string]: unknown
}

/** The stable error codes: the core's `ErrorCode`, and `internal` for a caught panic. */
export type ErrorCode =
  | 'gate_not_met'
  | 'approval_pending'
  | 'invalid_transition'
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'invalid_definition'
  | 'validation'
  | 'money'
  | 'permission_denied'
  | 'unsupported_version'
  | 'storage'
  | 'internal'

/** Every error salespipe throws: `code` is stable, `details` the core's error JSON without it. */
export declare class SalespipeError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown>
}
export declare class GateNotMetError extends SalespipeError {
  readonly code: 'gate_not_met'
  /** What is met and what is missing. */
  readonly report: GateReport
}
export declare class ApprovalPendingError extends SalespipeError {}
export declare class InvalidTransitionError extends SalespipeError {}
export declare class NotFoundError extends SalespipeError {}
export declare class AlreadyExistsError extends SalespipeError {}
export declare class ConflictError extends SalespipeError {}
export declare class InvalidDefinitionError extends SalespipeError {}
export declare class ValidationError extends SalespipeError {}
export declare class MoneyError extends SalespipeError {}
export declare class PermissionDeniedError extends SalespipeError {}
export declare class UnsupportedVersionError extends SalespipeError {}
export declare class StorageError extends SalespipeError {}
/** A panic inside the engine, caught at the boundary (a bug: please report it). */
export declare class InternalError extends SalespipeError {}

/** Test hooks, not part of the API (they may change without notice): a real Rust panic
 * inside the boundary's guard, to show it arrives as an `InternalError`. */
export declare const _testHooks: {
  panic(message: string): void
  panicAsync(message: string): Promise<void>
}

// ----- analytics over columns ------------------------------------------------------------

/** The part of an Apache Arrow JS `Table` salespipe reads (a `Table` of the `apache-arrow`
 * package fits; declared structurally so that these types need no apache-arrow install). */
export interface ArrowTable {
  readonly numRows: number
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> }
  getChild(name: string): unknown
}

/** A column of a plain table. Ids: `BigUint64Array` (read in place) or strings; times:
 * `Date`s, `BigInt64Array` UTC milliseconds (read in place) or `Float64Array` whole
 * milliseconds; stages: stage ids (strings, plus `won` / `lost`) or `Uint16Array` codes
 * (read in place); amounts: `BigInt64Array` minor units (read in place), bigints or safe
 * integers, never floats. Other integer typed arrays are widened once; `null` is a missing
 * value (allowed only in `expected_close` and the `by` column). */
export type ColumnValues =
  | BigUint64Array
  | BigInt64Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | ReadonlyArray<string | null>
  | ReadonlyArray<Date | null>
  | ReadonlyArray<bigint | number | null>
  | ReadonlyArray<boolean | null>

/** A table as an object of equal-length columns. */
export interface ColumnTable {
  [column: string]: ColumnValues
}

/** The stage changes: columns `opp`, `at`, `stage`. */
export type EventsTable = ArrowTable | ColumnTable
/** The opportunities: columns `opp`, `amount`, `created`, optional `expected_close` (or
 * `expectedClose`), and the `by` column when grouping. */
export type OpportunitiesTable = ArrowTable | ColumnTable

/** A time window, `from` inclusive, `to` exclusive; open where absent. */
export interface TimeWindow {
  from?: Date | null
  to?: Date | null
}

/** How deals are counted: `recorded` (the stages they entered) or `cumulative`
 * (every stage before one they entered, too). */
export type FunnelMode = 'recorded' | 'cumulative'

/** The options of `funnel`. */
export interface FunnelOptions {
  /** The instant the figures are as of. */
  asOf: Date
  /** The cohort window (by creation time). */
  window?: TimeWindow | null
  mode?: FunnelMode | null
  /** A column of the opportunities to group by (strings or integers). */
  by?: string | null
  /** The ISO 4217 code of the amounts (for the money in the text and JSON). */
  currency?: string | null
}

/** The options of `forecast`. */
export interface ForecastOptions {
  asOf: Date
  /** The period the deals are expected to close in. */
  period?: TimeWindow | null
  /** The core's JSON: `{kind: 'stage'}` (default) or `{kind: 'empirical', training, mode}`. */
  probabilities?: { kind: 'stage' } | { kind: 'empirical'; training: { from?: string | null; to?: string | null }; mode: FunnelMode } | null
  /** The core's JSON: `{kind: 'auto'}`, `{kind: 'exact'}` or `{kind: 'monte_carlo', samples, seed}`. */
  method?: { kind: string; [field: string]: unknown } | null
  currency?: string | null
}

/** The options of `calibration`. */
export interface CalibrationOptions {
  asOf: Date
  window?: TimeWindow | null
}

/** A cohort window as the reports give it back (RFC 3339 strings, `null`: open). */
export interface WindowJson {
  from: string | null
  to: string | null
}

/** The KPIs of one stage (`spec/kpi.md`). Amounts are minor units. */
export interface StageKpis {
  id: string
  name: string
  probability: number
  entered: number
  advanced: number
  won: number
  lost: number
  lost_here: number
  open_here: number
  advance_rate: number | null
  win_rate: number | null
  loss_rate: number | null
  dwell: { count: number; mean_seconds: number | null; median_seconds: number | null }
  open_age: { count: number; mean_seconds: number | null; stale: number | null }
  open_amount: number
  weighted_open: number
}

/** The KPIs of the whole pipeline. Amounts are minor units. */
export interface PipelineKpis {
  closed_won: number
  closed_lost: number
  win_rate_closed: number | null
  won_amount: number
  avg_won_amount: number | null
  avg_cycle_days: number | null
  open_count: number
  open_amount: number
  weighted_pipeline: number
  velocity_per_day: number | null
}

/** The figures of one group (or of all, `key` absent). */
export interface GroupReportJson {
  key?: string | null
  opportunities: number
  stages: StageKpis[]
  pipeline: PipelineKpis
  transitions: { from: string[]; to: string[]; counts: number[][] }
}

/** A funnel report's JSON (the core's shape; the engine's `funnel` query gives the same). */
export interface FunnelReportJson {
  mode: FunnelMode
  as_of: string
  window: WindowJson
  currency: string | null
  total: GroupReportJson
  groups: GroupReportJson[]
}

/** `FunnelReport.toArrow()`: added by index.js (needs the `apache-arrow` package). */
export interface FunnelReport {
  /** The per-stage figures as an Arrow Table: a row per stage (of every group, with a
   * leading `group` column, when `groups` is true). Counts are Uint64, `open_amount` Int64
   * minor units, rates and durations nullable Float64. */
  toArrow(options?: { groups?: boolean }): ArrowTable
}

/** The forecast of the won amount for a period (minor units). */
export interface ForecastJson {
  opportunities: number
  amount: number
  expected: number
  p10: number
  p50: number
  p90: number
  method: string
  samples: number | null
  seed: number | null
  stage_probabilities: number[]
}

/** How well the stage probabilities predicted the outcomes. */
export interface CalibrationJson {
  as_of: string
  window: WindowJson
  predictions: number
  brier: number | null
  stages: Array<{
    stage: string
    predicted: number
    closed: number
    won: number
    observed: number | null
    gap: number | null
    brier: number | null
  }>
}

/** The funnel of `pipeline` (a pipeline definition, as `definePipeline` takes it) over an
 * events table and an opportunities table. Synchronous: the columns are read in place. */
export declare function funnel(events: EventsTable, opportunities: OpportunitiesTable, pipeline: object, options: FunnelOptions): FunnelReport
/** `funnel` on libuv's thread pool (the columns are copied once on the calling thread). */
export declare function funnelAsync(events: EventsTable, opportunities: OpportunitiesTable, pipeline: object, options: FunnelOptions): Promise<FunnelReport>
/** The forecast over the same tables. */
export declare function forecast(events: EventsTable, opportunities: OpportunitiesTable, pipeline: object, options: ForecastOptions): ForecastJson
/** `forecast` on libuv's thread pool. */
export declare function forecastAsync(events: EventsTable, opportunities: OpportunitiesTable, pipeline: object, options: ForecastOptions): Promise<ForecastJson>
/** The calibration of the stage probabilities over the same tables. */
export declare function calibration(events: EventsTable, opportunities: OpportunitiesTable, pipeline: object, options: CalibrationOptions): CalibrationJson
/** `calibration` on libuv's thread pool. */
export declare function calibrationAsync(events: EventsTable, opportunities: OpportunitiesTable, pipeline: object, options: CalibrationOptions): Promise<CalibrationJson>

/** The sales-pipeline engine: in memory unless `store` names a SQLite file. */
export declare class Engine {
  /** Builds an engine (synchronously replaying `store` if it exists; see `Engine.open`). */
  constructor(options?: EngineOptions | undefined | null)
  /** Builds an engine off the event loop (replaying a SQLite store on libuv's thread pool). */
  static open(options?: EngineOptions | undefined | null): Promise<Engine>
  /**
   * Runs a command (the JSON form of `salespipe::Command`) as `actor`; returns the
   * recorded events. A refused command writes nothing.
   */
  execute(actor: string, command: Command): RecordedEvent[]
  /**
   * Answers a query (the JSON form of `salespipe::Query`) as `actor`: the plain JSON.
   * A user sees what the policy lets them see (a record out of sight is
   * `PermissionDeniedError`, a list leaves it out, company-wide reports need an admin);
   * `null` is the host, who reads everything.
   */
  query(actor: string | null, query: Query): any
  /**
   * `query` on libuv's thread pool: for the heavy reports (funnel, attainment, the daily
   * team report), off the event loop.
   */
  queryAsync(actor: string | null, query: Query): Promise<any>
  /** The engine clock's time. */
  now(): Date
  /** Folds in what other engines appended to a shared store. */
  catchUp(): void
  /**
   * `Engine::wait_for_events` off the event loop: waits up to `timeoutMs` for events other
   * engines append to the shared store, folds them in and resolves to how many (0 when the
   * time ran out). A PostgreSQL store is woken by `LISTEN`/`NOTIFY`; others are polled.
   */
  waitForEvents(timeoutMs: number): Promise<number>
  /** Defines a pipeline (`define_pipeline`). */
  definePipeline(actor: string, pipeline: object): RecordedEvent[]
  /** Defines an approval process (`define_process`). */
  defineProcess(actor: string, process: object): RecordedEvent[]
  /** Registers a user (`register_user`). */
  registerUser(actor: string, user: object): RecordedEvent[]
  /** Creates a customer (`create_customer`). */
  createCustomer(actor: string, customer: object): RecordedEvent[]
  /** Creates an opportunity (`create_opportunity`); `amount` is money. */
  createOpportunity(actor: string, opportunity: NewOpportunity): RecordedEvent[]
  /** Changes an opportunity's fields (`update_opportunity`). */
  updateOpportunity(actor: string, opportunity: string, patch: object): RecordedEvent[]
  /** Ticks a checklist item. */
  tick(actor: string, opportunity: string, item: string): RecordedEvent[]
  /** Unticks a checklist item. */
  untick(actor: string, opportunity: string, item: string): RecordedEvent[]
  /** Advances through the gates to a later stage or `won`. */
  advance(actor: string, opportunity: string, to: string): RecordedEvent[]
  /** Forces a move past unmet gates (a manager above the owner, with a reason). */
  forceAdvance(actor: string, opportunity: string, to: string, reason: string): RecordedEvent[]
  /** Moves back to an earlier stage. */
  moveBack(actor: string, opportunity: string, to: string, reason?: string | undefined | null): RecordedEvent[]
  /** Wins: an advance to `won` through every remaining gate. */
  win(actor: string, opportunity: string): RecordedEvent[]
  /** Loses, for a reason, maybe to a competitor. */
  lose(actor: string, opportunity: string, reason: string, competitor?: string | undefined | null): RecordedEvent[]
  /** Reopens a won or lost opportunity (into `stage`, default its last stage). */
  reopen(actor: string, opportunity: string, reason: string, stage?: string | undefined | null): RecordedEvent[]
  /** Submits an approval request of `process`. */
  submitApproval(actor: string, opportunity: string, process: string, request: string): RecordedEvent[]
  /** Decides the current step of an approval request. */
  decideApproval(actor: string, opportunity: string, request: string, decision: Decision, comment?: string): RecordedEvent[]
  /** Logs an activity (a call, a visit, a meeting, ...). */
  logActivity(actor: string, activity: object): RecordedEvent[]
  /** Creates a task. */
  createTask(actor: string, task: object): RecordedEvent[]
  /** Completes a task. */
  completeTask(actor: string, task: string): RecordedEvent[]
  /** An opportunity (as of `asOf` when given). */
  opportunity(actor: string, id: string, asOf?: Date | undefined | null): any
  /** An opportunity's timeline, oldest first. */
  timeline(actor: string, id: string, asOf?: Date | undefined | null): any[]
  /** The gate report: what is met and missing to move `id` to `target`. */
  check(actor: string, id: string, target: string): GateReport
  /** The reminders due at `at` (of one recipient, at most `limit`, when given). */
  due(actor: string, at: Date, recipient?: string | undefined | null, limit?: number | undefined | null): any[]
  /** The next instant after `at` at which a reminder comes due, or null. */
  nextDueAfter(actor: string, at: Date): Date | null
}

/**
 * A funnel report: the core's `FunnelReport` (`toJSON()`, `toString()`, `toSvg()`; `index.js`
 * adds `toArrow()`).
 */
export declare class FunnelReport {
  /** The report's JSON (the core's shape, as the engine's `funnel` query gives it). */
  toJSON(): FunnelReportJson
  /** The text table. */
  toString(): string
  /** The SVG funnel chart. */
  toSvg(): string
}

/** A clock that moves only when told to; give it to an `Engine` to control time. */
export declare class ManualClock {
  /** A clock at `at` (default: the system time now). */
  constructor(at?: Date | undefined | null)
  /** The clock's time. */
  now(): Date
  /** Sets the time. */
  set(at: Date): void
  /** Moves the time forward by `ms` milliseconds (a whole, non-negative number). */
  advance(ms: number): void
}

/** How to build an `Engine`. */
export interface EngineOptions {
  /**
   * A `postgres://` (or `postgresql://`) URL of a PostgreSQL database (`?schema=` picks
   * the schema), or a SQLite file (created if missing, replayed if it exists); in memory
   * when absent.
   */
  store?: string
  /** A manual clock; the system clock when absent. */
  clock?: ManualClock
}

/**
 * Internal (what `index.js` hands the addon; call `funnel` & co.): one chunk of a column,
 * as `index.js` extracts it: exactly one of the value fields (or
 * `keys` with `utf8`/`offsets` or `strings` as the dictionary), maybe a validity bitmap.
 */
export interface NativeChunk {
  /** Rows in the chunk. */
  length: number
  /** Unsigned 64-bit integers (ids). */
  u64?: BigUint64Array
  /** Signed 64-bit integers (minor units, times in `NativeColumn.unit`, ids, group keys). */
  i64?: BigInt64Array
  /** Signed 32-bit integers. */
  i32?: Int32Array
  /** Unsigned 32-bit integers. */
  u32?: Uint32Array
  /** Unsigned 16-bit integers (stage codes). */
  u16?: Uint16Array
  /** Doubles: whole milliseconds in a time column; refused elsewhere. */
  f64?: Float64Array
  /** UTF-8 bytes of the strings (Arrow's `Utf8` layout, with `offsets`). */
  utf8?: Uint8Array
  /** `length + 1` offsets into `utf8` (of the dictionary when `keys` is set). */
  offsets?: Int32Array
  /** JavaScript strings (`null`: missing). */
  strings?: Array<string | undefined | null>
  /** Dictionary keys: indexes into the strings of `utf8`/`offsets` or `strings`. */
  keys?: Int32Array
  /** Arrow's validity bitmap: bit `validityOffset + i` set = row `i` present. */
  validity?: Uint8Array
  /** The bit of row 0 in `validity`. */
  validityOffset?: number
}

/**
 * Internal (`index.js` → addon): one input column: its path for error messages (`events.opp`), the unit of its integers
 * when it holds times (`ms`, the default, `s`, `us`, `ns` or `day`), and its chunks.
 */
export interface NativeColumn {
  /** Where the column is, for error messages (`opportunities.amount`). */
  path: string
  /** The unit of a time column's integers. */
  unit?: string
  /** The chunks, in row order. */
  chunks: Array<NativeChunk>
}

/** Internal (`index.js` → addon): the columns of the two tables (see `index.js` for how they are found by name). */
export interface NativeColumns {
  /** `events.opp`: the opportunity of each stage change. */
  eventOpp: NativeColumn
  /** `events.at`: when the stage was entered. */
  eventAt: NativeColumn
  /** `events.stage`: the stage entered (stage id, `won`, `lost`, or its code). */
  eventStage: NativeColumn
  /** `opportunities.opp`: the opportunity id (unique). */
  opp: NativeColumn
  /** `opportunities.amount`: whole minor units. */
  amount: NativeColumn
  /** `opportunities.created`: when it was created. */
  created: NativeColumn
  /** `opportunities.expected_close`: UTC midnight of the expected close date, or missing. */
  expectedClose?: NativeColumn
  /** The `by` column of the opportunities: the group of each. */
  group?: NativeColumn
}

/**
 * Internal (`index.js` → addon): the parameters of the three computations (each reads its
 * own).
 */
export interface NativeOptions {
  /** The instant the figures are as of. */
  asOf: Date
  /** Start of the cohort window (funnel, calibration) or forecast period, inclusive. */
  from?: Date
  /** End of the window or period, exclusive. */
  to?: Date
  /** `recorded` (default) or `cumulative` (funnel). */
  mode?: string
  /** The currency the amounts are in (funnel, forecast). */
  currency?: string
  /** The stage probabilities to use (forecast; the core's JSON). */
  probabilities?: any
  /** The forecast method (the core's JSON). */
  method?: any
}
