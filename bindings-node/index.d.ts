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

/** The kinds of `salespipe::Command` (`__test__/engine.test.mjs` checks them against the core). */
export type CommandType =
  | 'define_pipeline'
  | 'edit_pipeline'
  | 'define_process'
  | 'register_user'
  | 'create_customer'
  | 'update_customer'
  | 'add_contact'
  | 'create_opportunity'
  | 'update_opportunity'
  | 'tick'
  | 'untick'
  | 'advance'
  | 'force_advance'
  | 'move_back'
  | 'win'
  | 'lose'
  | 'reopen'
  | 'submit_approval'
  | 'decide_approval'
  | 'withdraw_approval'
  | 'resubmit_approval'
  | 'log_activity'
  | 'create_task'
  | 'complete_task'
  | 'reopen_task'
  | 'set_reminder_rules'
  | 'acknowledge_reminder'
  | 'snooze_reminder'
  | 'dismiss_reminder'
  | 'set_target'
  | 'remove_target'
  | 'configure_expenses'
  | 'submit_expense'
  | 'decide_expense'
  | 'withdraw_expense'
  | 'resubmit_expense'
  | 'configure_sources'
  | 'take_forecast_snapshot'

/** A command: the JSON form of `salespipe::Command`, `{type: "<snake_case>", ...fields}`.
 * Instants may be `Date`s (an invalid Date is a ValidationError). */
export interface Command {
  type: CommandType
  [field: string]: unknown
}

/** The kinds of `salespipe::Query` (checked against the core like `CommandType`). */
export type QueryType =
  | 'pipeline'
  | 'pipelines'
  | 'process'
  | 'processes'
  | 'user'
  | 'users'
  | 'customer'
  | 'customers'
  | 'opportunity'
  | 'opportunities'
  | 'gate'
  | 'timeline'
  | 'stage_name'
  | 'activity'
  | 'activities'
  | 'task'
  | 'open_tasks'
  | 'due'
  | 'upcoming'
  | 'next_due_after'
  | 'reminder'
  | 'reminder_rules'
  | 'daily_report'
  | 'daily_range_report'
  | 'daily_team_report'
  | 'targets'
  | 'attainment'
  | 'expense'
  | 'expenses'
  | 'expense_settings'
  | 'expense_report'
  | 'sources'
  | 'source_report'
  | 'competitor_report'
  | 'forecast_snapshot'
  | 'forecast_snapshots'
  | 'forecast_accuracy'
  | 'funnel'
  | 'forecast'
  | 'calibration'
  | 'events'

/** A query: the JSON form of `salespipe::Query`, `{type: "<snake_case>", ...arguments}`. */
export interface Query {
  type: QueryType
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

// ----- records: the core's JSON (snake_case, instants as RFC 3339 strings) -----------------
// Optional fields (`?`) are left out of the JSON when empty; `| null` ones are always there.
// `scripts/test-node` type-checks every query answer of tests/scenarios against these
// interfaces (__test__/shapes.mjs), so a field the core adds or renames fails the build.

/** An RFC 3339 instant with milliseconds, UTC (`2026-03-02T01:00:00.000Z`). */
export type Instant = string
/** A calendar date, `YYYY-MM-DD`. */
export type DateString = string
/** Amounts by ISO 4217 currency code, in minor units. */
export type AmountsByCurrency = { [currency: string]: number }

/** A custom field's value: one key, the kind. */
export type FieldValue = { text: string } | { number: number } | { bool: boolean } | { date: DateString } | { money: Money }

/** One gate requirement. */
export type Requirement =
  | { type: 'checklist'; item: string }
  | { type: 'field'; field: string; op: 'present' | 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; value?: FieldValue }
  | { type: 'min_products'; count: number }
  | { type: 'min_contacts'; count: number }
  | { type: 'activity'; kind: string; count: number }
  | { type: 'approval'; process: string }

/** One requirement of a stage on the way, met or not, with why. */
export interface GateItem {
  stage: string
  stage_name: string
  requirement: Requirement
  met: boolean
  reason: string
}

/** What is met and what is missing to move an opportunity to `target`, stage by stage. */
export interface GateReport {
  opportunity: string
  from: string
  target: string
  items: GateItem[]
}

/** A product line of an opportunity. */
export interface ProductLine {
  product: string
  quantity: number
  unit_price: Money
  discount_bp: number
}

/** A competitor on a deal. */
export interface CompetitorEntry {
  name: string
  strengths?: string
  weaknesses?: string
  status: 'active' | 'eliminated' | 'won'
}

/** An approval decision on a step. */
export interface ApprovalDecision {
  round: number
  step: number
  approver: string
  decision: Decision
  comment: string
  at: Instant
}

/** An approval request of a deal (or an expense). */
export interface ApprovalRequest {
  id: string
  process: string
  submitted_by: string
  submitted_at: Instant
  round: number
  step: number
  step_since: Instant
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'invalidated'
  decisions: ApprovalDecision[]
}

/** Where a deal stands. */
export type OpportunityStatus = { state: 'open' } | { state: 'won' } | { state: 'lost'; reason: string; competitor?: string }

/** The forecast category a rep gives a deal. */
export type ForecastCategory = 'pipeline' | 'best_case' | 'commit' | 'omitted'

/** An opportunity (deal). */
export interface Opportunity {
  id: string
  pipeline: string
  customer: string
  owner: string
  name: string
  amount: Money
  amount_from_products: boolean
  expected_close: DateString | null
  close_date_pushes: number
  source: string | null
  products: ProductLine[]
  competitors: CompetitorEntry[]
  contacts: string[]
  fields: { [field: string]: FieldValue }
  checklist: string[]
  stage: string
  stage_entered_at: Instant
  status: OpportunityStatus
  closed_at: Instant | null
  created_at: Instant
  approvals: ApprovalRequest[]
  version: number
  forecast_category?: ForecastCategory
}

/** A contact person of a customer. */
export interface Contact {
  id: string
  name: string
  title?: string
  email?: string
  phone?: string
}

/** A customer (account). */
export interface Customer {
  id: string
  name: string
  kind: 'b2b' | 'b2c'
  owner?: string
  key: boolean
  /** The key-customer cadence, humantime (`14days`). */
  cadence?: string
  contacts?: Contact[]
}

/** A user of the engine. */
export interface User {
  id: string
  name: string
  role: 'rep' | 'manager' | 'admin'
  manager?: string
  time_zone?: string
}

/** An activity: a call, a visit, a meeting ... (`kind` is free text). */
export interface Activity {
  id: string
  kind: string
  customer: string
  at: Instant
  actor?: string
  contact?: string
  opportunity?: string
  notes?: string
  next_follow_up?: Instant
}

/** A task. */
export interface Task {
  id: string
  title: string
  owner: string
  due: Instant
  customer?: string
  opportunity?: string
  done: boolean
  done_at?: Instant
}

/** One move of an opportunity's timeline. */
export interface TimelineEntry {
  at: Instant
  actor: string
  from: string | null
  to: string
  how: 'created' | 'simple' | 'sub_goal' | 'approved' | 'forced' | 'back' | 'lost' | 'reopened' | 'remapped'
  reason?: string
  competitor?: string
  pipeline_version: number
}

/** What a reminder is about. */
export type ReminderKind =
  | 'follow_up'
  | 'task_due_soon'
  | 'task_overdue'
  | 'stale'
  | 'close_date_passed'
  | 'key_customer_cadence'
  | 'approval_waiting'

/** A reminder due (derived from the state; `due` is when). */
export interface Reminder {
  id: string
  kind: ReminderKind
  recipient: string
  escalated_from?: string
  due: Instant
  until?: Instant
  opportunity?: string
  customer?: string
  task?: string
  activity?: string
  request?: string
}

/** A target's or a row's scope: `company`, `team:<manager>` or `rep:<user>`. */
export type Scope = string
/** A period: `2026`, `2026-Q1`, `2026-03` or `2026-03-02..2026-04-01` style, as the core writes it. */
export type Period = string

/** The figures of a daily report (amounts by currency, minor units). */
export interface DailyFigures {
  new_customers: number
  new_contacts: number
  new_opportunities: number
  new_opportunity_amount: AmountsByCurrency
  advances: number
  moves_back: number
  weighted_before: AmountsByCurrency
  weighted_after: AmountsByCurrency
  weighted_change: AmountsByCurrency
  won: number
  won_amount: AmountsByCurrency
  lost: number
  lost_amount: AmountsByCurrency
  activities: { [kind: string]: number }
  tasks_completed: number
  tasks_overdue: number
  follow_ups_next_day: number
}

/** A rep's daily report (销售日报) for a local day. */
export interface DailyReport {
  rep: string
  day: DateString
  time_zone: string
  from: Instant
  to: Instant
  as_of: Instant
  figures: DailyFigures
}

/** A rep's daily reports for a range of days, and their total. */
export interface RangeReport {
  rep: string
  first: DateString
  last: DateString
  time_zone: string
  from: Instant
  to: Instant
  as_of: Instant
  days: DailyReport[]
  total: DailyFigures
}

/** The daily report of a manager's team. */
export interface TeamDailyReport {
  team: string | null
  day: DateString
  as_of: Instant
  rows: DailyReport[]
  totals: DailyFigures
  left_out?: Array<{ rep: string; reason: string }>
}

/** A revenue target. */
export interface Target {
  id: string
  scope: Scope
  period: Period
  revenue: Money
  deals?: number
}

/** Amounts in a currency other than the report's. */
export interface OtherCurrency {
  closed_won: number
  open_pipeline: number
}

/** Attainment of one rep, team or the company. */
export interface AttainmentRow {
  scope: Scope
  name: string
  parent: Scope | null
  target_id: string | null
  target: Money | null
  target_deals: number | null
  closed_won: Money
  deals_won: number
  attainment: number | null
  deal_attainment: number | null
  open_pipeline: Money
  open_deals: number
  weighted_pipeline: number
  commit: Money
  best_case: Money
  omitted: Money
  commit_attainment: number | null
  gap: Money | null
  coverage: number | null
  open_without_close_date: number
  other_currencies: { [currency: string]: OtherCurrency }
}

/** Attainment of every rep, team and the company for a period. */
export interface AttainmentReport {
  period: Period
  as_of: Instant | null
  time_zone: string
  currency: string
  rows: AttainmentRow[]
  decomposition: Array<{ target: string; scope: Scope; whole: Money; parts: Money; missing: Scope[]; message: string }>
  left_out?: number
}

/** What `attainment` asks. */
export interface AttainmentQuery {
  period: Period
  as_of?: Date | Instant | null
  currency?: string | null
  time_zone?: string | null
}

/** Expense totals by status (by currency, minor units). */
export interface ExpenseTotals {
  approved: AmountsByCurrency
  pending: AmountsByCurrency
  rejected: AmountsByCurrency
  withdrawn: AmountsByCurrency
  count: number
}

/** Expenses by customer, category and rep. */
export interface ExpenseReport {
  from: DateString | null
  to: DateString | null
  as_of: Instant | null
  total: ExpenseTotals
  customers: Array<ExpenseTotals & { customer: string; won: AmountsByCurrency; expense_to_won: AmountsByCurrency }>
  categories: Array<ExpenseTotals & { category: string; share: AmountsByCurrency }>
  reps: Array<ExpenseTotals & { rep: string }>
}

/** What `expenseReport` asks (dates inclusive). */
export interface ExpenseQuery {
  from?: DateString | null
  to?: DateString | null
  as_of?: Date | Instant | null
}

/** One source's figures (来源统计). */
export interface SourceRow {
  source: string
  name: string
  configured: boolean
  created: number
  won: number
  lost: number
  win_rate: number | null
  revenue: number
  avg_cycle_days: number | null
  open: number
  cost: AmountsByCurrency
  cost_per_won: AmountsByCurrency
}

/** The source report of a pipeline. */
export interface SourceReport {
  as_of: Instant
  window: WindowJson
  currency: string | null
  sources: SourceRow[]
  left_out?: number
}

/** One competitor's figures. */
export interface CompetitorFigures {
  competitor: string
  met: number
  open: number
  won: number
  lost_to: number
  lost_other: number
  win_rate: number | null
  head_to_head_win_rate: number | null
  open_amount: AmountsByCurrency
  won_amount: AmountsByCurrency
  lost_to_amount: AmountsByCurrency
  lost_other_amount: AmountsByCurrency
  lost_at_stage: { [stage: string]: { lost: number; amount: AmountsByCurrency } }
}

/** The competitor report. */
export interface CompetitorReport {
  as_of: Instant | null
  closed: WindowJson
  deals: number
  competitors: CompetitorFigures[]
}

/** Forecast figures of a rep (minor units). */
export interface ForecastFigures {
  weighted: number
  commit: number
  best_case: number
  p50: number
}

/** How accurate a rep's forecasts were. */
export interface FigureAccuracy {
  bias: number | null
  mean_absolute_error: number | null
  mape: number | null
  mape_snapshots: number
}

/** Forecast accuracy: snapshots against what was won. */
export interface ForecastAccuracy {
  as_of: Instant
  comparisons: Array<{
    snapshot: string
    period: Period
    taken_at: Instant
    rep: string
    currency: string
    actual: Money
    forecast: ForecastFigures
    error: ForecastFigures
    absolute_percentage_error: ForecastFigures | null
  }>
  reps: Array<{
    rep: string
    currency: string
    snapshots: number
    periods: Period[]
    weighted: FigureAccuracy
    commit: FigureAccuracy
    best_case: FigureAccuracy
    p50: FigureAccuracy
  }>
  pending: string[]
  pushed: Array<{ opportunity: string; owner: string; pushes: number; flagged: boolean }>
  flag_at: number
}

/** A forecast snapshot of every rep for a period. */
export interface ForecastSnapshot {
  id: string
  period: Period
  taken_at: Instant
  time_zone: string
  currency: string
  reps: Array<{
    rep: string
    name: string
    closed_won: Money
    open_pipeline: Money
    open_deals: number
    weighted_pipeline: number
    commit: Money
    best_case: Money
    p10: number
    p50: number
    p90: number
    method: string
    other_currencies: { [currency: string]: OtherCurrency }
  }>
}

/** The options of `engine.funnel` (the core's JSON; instants may be `Date`s). */
export interface EngineFunnelOptions {
  window?: { from?: Date | Instant | null; to?: Date | Instant | null } | null
  mode?: FunnelMode | null
  by?: 'owner' | 'source' | null
  as_of?: Date | Instant | null
}

/** The options of `engine.forecast` (the core's JSON). */
export interface EngineForecastOptions {
  period?: { from?: Date | Instant | null; to?: Date | Instant | null } | null
  probabilities?: ForecastOptions['probabilities']
  method?: ForecastOptions['method']
  as_of?: Date | Instant | null
}

/** The options of `engine.calibration` (the core's JSON). */
export interface EngineCalibrationOptions {
  window?: { from?: Date | Instant | null; to?: Date | Instant | null } | null
  as_of?: Date | Instant | null
}

/** One currency's section of the engine's funnel, forecast or calibration. */
export interface CurrencySection<T> {
  currency: string | null
  report: T
  left_out?: number
}

/** An approval decision. */
export type Decision = 'approve' | 'reject'

/** An instant as input: a `Date` (an invalid one is a ValidationError) or an RFC 3339 string. */
export type InstantInput = Date | string

/** A product line as input. */
export interface ProductLineInput {
  product: string
  quantity: number
  unit_price: MoneyInput
  discount_bp?: number
}

/** A competitor on a deal, as input. */
export interface CompetitorInput {
  name: string
  strengths?: string
  weaknesses?: string
  status?: 'active' | 'eliminated' | 'won'
}

/** A new opportunity (`create_opportunity`). */
export interface NewOpportunity {
  id: string
  pipeline: string
  customer: string
  owner: string
  name: string
  amount: MoneyInput
  amount_from_products?: boolean
  expected_close?: string | null
  source?: string | null
  /** The stage it starts in (default: the first). */
  stage?: string | null
  products?: ProductLineInput[]
  competitors?: CompetitorInput[]
  contacts?: string[]
  fields?: { [field: string]: FieldValueInput }
  forecast_category?: 'pipeline' | 'best_case' | 'commit' | 'omitted'
}

/** A change of an opportunity's fields (`update_opportunity`): absent = unchanged, `null`
 * clears `expected_close`, `source`, `forecast_category` and a custom field. */
export interface OpportunityPatch {
  name?: string
  owner?: string
  amount?: MoneyInput
  amount_from_products?: boolean
  expected_close?: string | null
  source?: string | null
  products?: ProductLineInput[]
  competitors?: CompetitorInput[]
  contacts?: string[]
  fields?: { [field: string]: FieldValueInput | null }
  forecast_category?: 'pipeline' | 'best_case' | 'commit' | 'omitted' | null
}

/** A custom field's value as input (money may be a decimal string or bigint minor units). */
export type FieldValueInput = { text: string } | { number: number } | { bool: boolean } | { date: string } | { money: MoneyInput }

/** A gate requirement as input (an activity's `count` defaults to 1). */
export type RequirementInput =
  | { type: 'checklist'; item: string }
  | { type: 'field'; field: string; op: 'present' | 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; value?: FieldValueInput }
  | { type: 'min_products'; count: number }
  | { type: 'min_contacts'; count: number }
  | { type: 'activity'; kind: string; count?: number }
  | { type: 'approval'; process: string }

/** A stage of a pipeline definition. Durations are humantime strings (`10d`, `14days`). */
export interface StageDefinition {
  id: string
  name: string
  probability: number
  rotting_after?: string
  guidance?: Array<{ title: string; url?: string; text?: string }>
  /** What must hold to leave the stage. */
  exit?: RequirementInput[]
  forecast_category?: 'pipeline' | 'best_case' | 'commit' | 'omitted'
}

/** A pipeline definition (`define_pipeline`). */
export interface PipelineDefinition {
  id: string
  name: string
  version?: number
  stages: StageDefinition[]
  lost_reasons?: string[]
  allow_skip?: boolean
}

/** An approval process definition (`define_process`). */
export interface ApprovalProcessDefinition {
  id: string
  name: string
  steps: Array<{ name: string; approvers: string[]; policy?: 'any' | 'all' }>
  invalidate_on_change?: boolean
  /** How long a step may wait before its approvers are reminded (humantime, `2d`). */
  sla?: string
}

/** A user as input (`register_user`). */
export interface UserInput {
  id: string
  name: string
  role?: 'rep' | 'manager' | 'admin'
  manager?: string
  /** An IANA time zone (`Asia/Shanghai`): the rep's days in the daily reports. */
  time_zone?: string
}

/** A customer as input (`create_customer`, `update_customer`). */
export interface CustomerInput {
  id: string
  name: string
  kind?: 'b2b' | 'b2c'
  owner?: string
  key?: boolean
  /** The key-customer cadence (humantime, `14days`). */
  cadence?: string
  contacts?: Array<{ id: string; name: string; title?: string; email?: string; phone?: string }>
}

/** An activity as input (`log_activity`). */
export interface ActivityInput {
  id: string
  kind: string
  customer: string
  at: InstantInput
  actor?: string
  contact?: string
  opportunity?: string
  notes?: string
  next_follow_up?: InstantInput
}

/** A revenue target as input (`set_target`): scope `company`, `team:<manager>` or
 * `rep:<user>`; period `2026`, `2026-Q1`, `2026-03` ... */
export interface TargetInput {
  id: string
  scope: string
  period: string
  revenue: MoneyInput
  deals?: number
}

/** A task as input (`create_task`). */
export interface TaskInput {
  id: string
  title: string
  owner: string
  due: InstantInput
  customer?: string
  opportunity?: string
  done?: boolean
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

/** Test hooks, not part of the API (they may change without notice): a sample core error of
 * each code, and a real Rust panic inside the boundary's guard, to show each arrives as its
 * `SalespipeError` subclass. */
export declare const _testHooks: {
  sampleError(code: ErrorCode): void
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
  dwell: { count: number; mean_seconds: number | null; median_seconds: number | null; p90_seconds: number | null }
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
export declare function funnel(events: EventsTable, opportunities: OpportunitiesTable, pipeline: PipelineDefinition, options: FunnelOptions): FunnelReport
/** `funnel` on libuv's thread pool (the columns are copied once on the calling thread). */
export declare function funnelAsync(events: EventsTable, opportunities: OpportunitiesTable, pipeline: PipelineDefinition, options: FunnelOptions): Promise<FunnelReport>
/** The forecast over the same tables. */
export declare function forecast(events: EventsTable, opportunities: OpportunitiesTable, pipeline: PipelineDefinition, options: ForecastOptions): ForecastJson
/** `forecast` on libuv's thread pool. */
export declare function forecastAsync(events: EventsTable, opportunities: OpportunitiesTable, pipeline: PipelineDefinition, options: ForecastOptions): Promise<ForecastJson>
/** The calibration of the stage probabilities over the same tables. */
export declare function calibration(events: EventsTable, opportunities: OpportunitiesTable, pipeline: PipelineDefinition, options: CalibrationOptions): CalibrationJson
/** `calibration` on libuv's thread pool. */
export declare function calibrationAsync(events: EventsTable, opportunities: OpportunitiesTable, pipeline: PipelineDefinition, options: CalibrationOptions): Promise<CalibrationJson>

/** The sales-pipeline engine: in memory unless `store` names a SQLite file. */
export declare class Engine {
  /** Builds an engine (synchronously replaying `store` if it exists; see `Engine.open`). */
  constructor(options?: EngineOptions | undefined | null)
  /** Builds an engine off the event loop (replaying a SQLite store on libuv's thread pool). */
  static open(options?: EngineOptions | undefined | null): Promise<Engine>
  /**
   * Closes the engine now: its store (a SQLite file, a PostgreSQL connection) and its
   * memory are released without waiting for the garbage collector. Every later call is
   * a `ValidationError` on `engine` ("the engine is closed"); closing again does nothing.
   * Work already running (a Promise report) finishes first.
   */
  close(): void
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
  definePipeline(actor: string, pipeline: PipelineDefinition): void
  /** Defines an approval process (`define_process`). */
  defineProcess(actor: string, process: ApprovalProcessDefinition): void
  /** Registers a user (`register_user`). */
  registerUser(actor: string, user: UserInput): void
  /** Creates a customer (`create_customer`). */
  createCustomer(actor: string, customer: CustomerInput): void
  /** Creates an opportunity (`create_opportunity`); `amount` is money. */
  createOpportunity(actor: string, opportunity: NewOpportunity): void
  /** Changes an opportunity's fields (`update_opportunity`). */
  updateOpportunity(actor: string, opportunity: string, patch: OpportunityPatch): void
  /** Ticks a checklist item. */
  tick(actor: string, opportunity: string, item: string): void
  /** Unticks a checklist item. */
  untick(actor: string, opportunity: string, item: string): void
  /** Advances through the gates to a later stage or `won`. */
  advance(actor: string, opportunity: string, to: string): void
  /** Forces a move past unmet gates (a manager above the owner, with a reason). */
  forceAdvance(actor: string, opportunity: string, to: string, reason: string): void
  /** Moves back to an earlier stage. */
  moveBack(actor: string, opportunity: string, to: string, reason?: string | undefined | null): void
  /** Wins: an advance to `won` through every remaining gate. */
  win(actor: string, opportunity: string): void
  /** Loses, for a reason, maybe to a competitor. */
  lose(actor: string, opportunity: string, reason: string, competitor?: string | undefined | null): void
  /** Reopens a won or lost opportunity (into `stage`, default its last stage). */
  reopen(actor: string, opportunity: string, reason: string, stage?: string | undefined | null): void
  /** Submits an approval request of `process`. */
  submitApproval(actor: string, opportunity: string, process: string, request: string): void
  /** Decides the current step of an approval request. */
  decideApproval(actor: string, opportunity: string, request: string, decision: Decision, comment?: string): void
  /** Logs an activity (a call, a visit, a meeting, ...). */
  logActivity(actor: string, activity: ActivityInput): void
  /** Creates a task. */
  createTask(actor: string, task: TaskInput): void
  /** Completes a task. */
  completeTask(actor: string, task: string): void
  /** Reopens a completed task. */
  reopenTask(actor: string, task: string): void
  /** Edits a pipeline (a new version); `mapping` moves the deals of a removed stage. */
  editPipeline(actor: string, pipeline: PipelineDefinition, mapping?: { [removedStage: string]: string } | undefined | null): void
  /** Replaces a customer's fields (`update_customer`). */
  updateCustomer(actor: string, customer: CustomerInput): void
  /** Adds a contact to a customer. */
  addContact(actor: string, customer: string, contact: Contact): void
  /** Withdraws an approval request. */
  withdrawApproval(actor: string, opportunity: string, request: string): void
  /** Resubmits a rejected, withdrawn or lapsed approval request (a new round). */
  resubmitApproval(actor: string, opportunity: string, request: string): void
  /** Sets the reminder rules (the core's `ReminderRules` JSON). */
  setReminderRules(actor: string, rules: object): void
  /** Acknowledges a reminder (it does not come back for the same cause). */
  acknowledgeReminder(actor: string, reminder: string): void
  /** Snoozes a reminder until an instant. */
  snoozeReminder(actor: string, reminder: string, until: Date): void
  /** Dismisses a reminder. */
  dismissReminder(actor: string, reminder: string): void
  /** Sets a revenue target (`{id, scope, period, revenue, deals?}`). */
  setTarget(actor: string, target: TargetInput): void
  /** Removes a revenue target. */
  removeTarget(actor: string, target: string): void
  /** Configures the expenses (the core's `ExpenseSettings` JSON). */
  configureExpenses(actor: string, settings: object): void
  /** Submits an expense for approval (the core's `Expense` JSON). */
  submitExpense(actor: string, expense: object): void
  /** Decides the current step of an expense's approval. */
  decideExpense(actor: string, expense: string, decision: Decision, comment?: string): void
  /** Withdraws an expense. */
  withdrawExpense(actor: string, expense: string): void
  /** Resubmits an expense, maybe with a new amount and a note. */
  resubmitExpense(actor: string, expense: string, amount?: MoneyInput | undefined | null, note?: string | undefined | null): void
  /** Configures the lead sources (the core's `Source` JSON, a list). */
  configureSources(actor: string, sources: object[]): void
  /** Takes a forecast snapshot of every rep for a period (in one currency, when given). */
  takeForecastSnapshot(actor: string, id: string, period: string, currency?: string | undefined | null): void
  /** An opportunity (as of `asOf` when given). */
  opportunity(actor: string | undefined | null, id: string, asOf?: Date | undefined | null): Opportunity
  /** An opportunity's timeline, oldest first. */
  timeline(actor: string | undefined | null, id: string, asOf?: Date | undefined | null): TimelineEntry[]
  /** The gate report: what is met and missing to move `id` to `target`. */
  check(actor: string | undefined | null, id: string, target: string): GateReport
  /** The reminders due at `at` (of one recipient, at most `limit`, when given). */
  due(actor: string | undefined | null, at: Date, recipient?: string | undefined | null, limit?: number | undefined | null): Reminder[]
  /** The next instant after `at` at which a reminder comes due, or null. */
  nextDueAfter(actor: string | undefined | null, at: Date): Date | null
  /** Every opportunity the actor sees (as of `asOf` when given). */
  opportunities(actor: string | null, asOf?: Date | undefined | null): Opportunity[]
  /** A customer (as of `asOf` when given). */
  customer(actor: string | undefined | null, id: string, asOf?: Date | undefined | null): Customer
  /** Every customer the actor sees. */
  customers(actor: string | null, asOf?: Date | undefined | null): Customer[]
  /** A user. */
  user(actor: string | undefined | null, id: string): User
  /** Every user. */
  users(actor: string | null): User[]
  /** An activity. */
  activity(actor: string | undefined | null, id: string): Activity
  /** The activities of a customer or of an opportunity, oldest first. */
  activities(actor: string | null, customer?: string | undefined | null, opportunity?: string | undefined | null): Activity[]
  /** A task. */
  task(actor: string | undefined | null, id: string): Task
  /** The open tasks (of `owner` when given). */
  openTasks(actor: string | null, owner?: string | undefined | null): Task[]
  /**
   * A rep's daily report (销售日报) for the local day `day` (`YYYY-MM-DD`, in the rep's
   * time zone), as of `asOf` (default now).
   */
  dailyReport(actor: string | null, rep: string, day: DateString, asOf?: Date | undefined | null): DailyReport
  /** A rep's daily reports for the local days `first..=last`, and their total. */
  dailyRangeReport(actor: string | null, rep: string, first: DateString, last: DateString, asOf?: Date | undefined | null): RangeReport
  /** `dailyRangeReport` on libuv's thread pool. */
  dailyRangeReportAsync(actor: string | null, rep: string, first: DateString, last: DateString, asOf?: Date | undefined | null): Promise<RangeReport>
  /** The daily report of `manager`'s team for the local day `day`. */
  dailyTeamReport(actor: string | null, manager: string, day: DateString, asOf?: Date | undefined | null): TeamDailyReport
  /** `dailyTeamReport` on libuv's thread pool. */
  dailyTeamReportAsync(actor: string | null, manager: string, day: DateString, asOf?: Date | undefined | null): Promise<TeamDailyReport>
  /** Every revenue target. */
  targets(actor: string | null): Target[]
  /** Attainment of every rep, team and the company for a period (an admin's report). */
  attainment(actor: string | null, query: AttainmentQuery): AttainmentReport
  /** `attainment` on libuv's thread pool. */
  attainmentAsync(actor: string | null, query: AttainmentQuery): Promise<AttainmentReport>
  /** Expenses by customer, category and rep (an admin's report). */
  expenseReport(actor: string | null, query?: ExpenseQuery | undefined | null): ExpenseReport
  /** `expenseReport` on libuv's thread pool. */
  expenseReportAsync(actor: string | null, query?: ExpenseQuery | undefined | null): Promise<ExpenseReport>
  /**
   * The source report (来源统计) of a pipeline, over the cohort window
   * `[windowFrom, windowTo)` (an admin's report).
   */
  sourceReport(actor: string | null, pipeline: string, windowFrom?: Date | undefined | null, windowTo?: Date | undefined | null, asOf?: Date | undefined | null): SourceReport
  /** `sourceReport` on libuv's thread pool. */
  sourceReportAsync(actor: string | null, pipeline: string, windowFrom?: Date | undefined | null, windowTo?: Date | undefined | null, asOf?: Date | undefined | null): Promise<SourceReport>
  /**
   * The competitor report over the deals closed in `[closedFrom, closedTo)` and the
   * open ones (an admin's report).
   */
  competitorReport(actor: string | null, closedFrom?: Date | undefined | null, closedTo?: Date | undefined | null, asOf?: Date | undefined | null): CompetitorReport
  /** `competitorReport` on libuv's thread pool. */
  competitorReportAsync(actor: string | null, closedFrom?: Date | undefined | null, closedTo?: Date | undefined | null, asOf?: Date | undefined | null): Promise<CompetitorReport>
  /** Every forecast snapshot. */
  forecastSnapshots(actor: string | null): ForecastSnapshot[]
  /** Forecast accuracy: the snapshots against what was won (an admin's report). */
  forecastAccuracy(actor: string | null, asOf?: Date | undefined | null): ForecastAccuracy
  /** `forecastAccuracy` on libuv's thread pool. */
  forecastAccuracyAsync(actor: string | null, asOf?: Date | undefined | null): Promise<ForecastAccuracy>
  /**
   * The funnel of `pipeline` over the engine's history, one section per currency, each
   * with a `FunnelReport` (`toJSON()`, `toArrow()`, text, SVG). `options`: `window`
   * (`{from, to}`), `mode`, `by` (`owner` or `source`), `as_of`. A user gets the deals in
   * sight; `null` reads as the host.
   */
  funnel(actor: string | null, pipeline: string, options?: EngineFunnelOptions | undefined | null): FunnelSection[]
  /** `funnel` on libuv's thread pool. */
  funnelAsync(actor: string | null, pipeline: string, options?: EngineFunnelOptions | undefined | null): Promise<FunnelSection[]>
  /**
   * The forecast of `pipeline`'s open deals, one section per currency. `options`:
   * `period` (`{from, to}`), `probabilities`, `method`, `as_of` (the core's JSON).
   */
  forecast(actor: string | null, pipeline: string, options?: EngineForecastOptions | undefined | null): CurrencySection<ForecastJson>[]
  /** `forecast` on libuv's thread pool. */
  forecastAsync(actor: string | null, pipeline: string, options?: EngineForecastOptions | undefined | null): Promise<CurrencySection<ForecastJson>[]>
  /**
   * The calibration of `pipeline`'s stage probabilities, one section per currency.
   * `options`: `window` (`{from, to}`), `as_of`.
   */
  calibration(actor: string | null, pipeline: string, options?: EngineCalibrationOptions | undefined | null): CurrencySection<CalibrationJson>[]
  /** `calibration` on libuv's thread pool. */
  calibrationAsync(actor: string | null, pipeline: string, options?: EngineCalibrationOptions | undefined | null): Promise<CurrencySection<CalibrationJson>[]>
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
  /**
   * Build the reminder and daily-report indexes while opening (one pass over the store)
   * instead of on their first query; default `false`. For a server that answers
   * reminders and daily reports: its first answers come without a wait.
   */
  indexesOnOpen?: boolean
}

/**
 * One currency's funnel of the engine's history (`Engine.funnel`): the currency (`null`
 * for an engine without deals), the report, and how many stored rows were left out as bad.
 */
export interface FunnelSection {
  /** The ISO 4217 code of the section's deals (`null`: an engine without deals). */
  currency: string | null
  /** The section's report. */
  report: FunnelReport
  /** Stored rows left out because they could not be read (0 normally). */
  left_out: number
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
