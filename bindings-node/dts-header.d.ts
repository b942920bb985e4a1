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
