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
