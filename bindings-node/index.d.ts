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
