// Type-checked with `tsc --strict --noEmit` (scripts/test-node); not run.
import {
  Engine,
  ManualClock,
  SalespipeError,
  GateNotMetError,
  type GateReport,
  type RecordedEvent,
  type MoneyInput,
  _testHooks,
  FunnelReport,
  funnel,
  funnelAsync,
  forecast,
  forecastAsync,
  calibration,
  calibrationAsync,
  type ArrowTable,
  type ColumnTable,
  type FunnelReportJson,
  type ForecastJson,
  type CalibrationJson,
  type StageKpis,
  type Opportunity,
  type Customer,
  type User,
  type Activity,
  type Task,
  type TimelineEntry,
  type Reminder,
  type DailyReport,
  type RangeReport,
  type TeamDailyReport,
  type Target,
  type AttainmentReport,
  type ExpenseReport,
  type SourceReport,
  type CompetitorReport,
  type ForecastSnapshot,
  type ForecastAccuracy,
  type OpportunityStatus,
  type FunnelSection,
  type CurrencySection,
} from '../index.js'
import { tableFromArrays } from 'apache-arrow'

async function main(): Promise<void> {
  const clock = new ManualClock(new Date('2026-03-02T01:00:00Z'))
  const engine: Engine = new Engine({ clock })
  const opened: Engine = await Engine.open({ store: 'pipeline.sqlite', clock, indexesOnOpen: true })
  const amount: MoneyInput = { minor: 12000000n, currency: 'CNY' }
  // a typed command returns nothing; execute returns the recorded events
  const created: void = engine.createOpportunity('wang', {
    id: 'opp-1', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'ERP', amount,
  })
  void created
  const events: RecordedEvent[] = engine.execute('wang', {
    type: 'create_opportunity',
    opportunity: { id: 'opp-2', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'ERP', amount },
  })
  const at: string = events[0].at
  const report: GateReport = engine.check('wang', 'opp-1', 'demo')
  const next: Date | null = engine.nextDueAfter('wang', clock.now())
  engine.execute('wang', { type: 'advance', opportunity: 'opp-1', to: 'demo' })
  const answer: unknown = await opened.queryAsync('wang', { type: 'funnel', pipeline: 'sales' })
  engine.decideApproval('li', 'opp-1', 'q-1', 'approve')
  clock.advance(1000)
  try {
    engine.win('wang', 'opp-1')
  } catch (err) {
    if (err instanceof GateNotMetError) {
      const missing: GateReport = err.report
      void missing
    } else if (err instanceof SalespipeError && err.code === 'not_found') {
      const details: Record<string, unknown> = err.details
      void details
    }
  }
  const hook: Promise<void> = _testHooks.panicAsync('test hook')

  const pipeline = { id: 'sales', name: 'Sales', stages: [{ id: 'qualify', name: 'Qualify', probability: 0.2 }] }
  const columns: ColumnTable = {
    opp: new BigUint64Array([1n]),
    at: [new Date('2026-03-02T00:00:00Z')],
    stage: ['qualify'],
  }
  const opps: ColumnTable = { opp: new BigUint64Array([1n]), amount: new BigInt64Array([100n]), created: new BigInt64Array([0n]) }
  const funnelReport: FunnelReport = funnel(columns, opps, pipeline, { asOf: new Date(), window: { from: null }, mode: 'cumulative' })
  const json: FunnelReportJson = funnelReport.toJSON()
  const first: StageKpis = json.total.stages[0]
  const rate: number | null = first.advance_rate
  const table: ArrowTable = funnelReport.toArrow({ groups: true })
  const rows: number = table.numRows
  const text: string = funnelReport.toString() + funnelReport.toSvg()
  const later: FunnelReport = await funnelAsync(columns, opps, pipeline, { asOf: new Date(), by: 'owner', currency: 'CNY' })
  const f: ForecastJson = forecast(columns, opps, pipeline, { asOf: new Date(), period: { to: new Date() }, method: { kind: 'exact' } })
  const f2: ForecastJson = await forecastAsync(columns, opps, pipeline, { asOf: new Date(), probabilities: { kind: 'stage' } })
  const c: CalibrationJson = calibration(columns, opps, pipeline, { asOf: new Date() })
  const c2: CalibrationJson = await calibrationAsync(columns, opps, pipeline, { asOf: new Date(), window: { to: new Date() } })
  const arrowEvents = tableFromArrays({ opp: ['a'], at: [new Date()], stage: ['qualify'] })
  const arrowOpps = tableFromArrays({ opp: ['a'], amount: new BigInt64Array([100n]), created: [new Date()] })
  const fromArrow: FunnelReport = funnel(arrowEvents, arrowOpps, pipeline, { asOf: new Date() })
  const written: void[] = [
    engine.tick('wang', 'opp-1', 'budget'),
    engine.untick('wang', 'opp-1', 'budget'),
    engine.advance('wang', 'opp-1', 'demo'),
    engine.forceAdvance('admin', 'opp-1', 'demo', 'signed'),
    engine.moveBack('wang', 'opp-1', 'qualify'),
    engine.win('wang', 'opp-1'),
    engine.lose('wang', 'opp-1', 'price', 'rival'),
    engine.reopen('wang', 'opp-1', 'back', 'demo'),
    engine.submitApproval('wang', 'opp-1', 'quote', 'q-2'),
    engine.decideApproval('li', 'opp-1', 'q-2', 'approve', 'ok'),
    engine.completeTask('wang', 't-1'),
    engine.editPipeline('admin', { id: 'sales', name: 'Sales', stages: [{ id: 'demo', name: 'Demo', probability: 0.3 }] }, { qualify: 'demo' }),
    engine.updateCustomer('wang', { id: 'acme', name: 'Acme', kind: 'b2b', key: true, cadence: '14days' }),
    engine.addContact('wang', 'acme', { id: 'c-1', name: '张伟', title: 'CTO' }),
    engine.withdrawApproval('wang', 'opp-1', 'q-1'),
    engine.resubmitApproval('wang', 'opp-1', 'q-1'),
    engine.reopenTask('wang', 't-1'),
    engine.setReminderRules('admin', {}),
    engine.acknowledgeReminder('wang', 'r-1'),
    engine.snoozeReminder('wang', 'r-1', new Date()),
    engine.dismissReminder('wang', 'r-1'),
    engine.setTarget('admin', { id: 't', scope: 'rep:wang', period: '2026-Q1', revenue: '100000.00 CNY' }),
    engine.removeTarget('admin', 't'),
    engine.configureExpenses('admin', {}),
    engine.submitExpense('wang', {}),
    engine.decideExpense('li', 'e-1', 'reject', 'too much'),
    engine.withdrawExpense('wang', 'e-1'),
    engine.resubmitExpense('wang', 'e-1', { minor: 100n, currency: 'CNY' }, 'less'),
    engine.configureSources('admin', [{}]),
    engine.takeForecastSnapshot('admin', 's-1', '2026-Q1', 'CNY'),
    engine.logActivity('wang', { id: 'a-2', kind: 'call', customer: 'acme', at: new Date(), next_follow_up: '2026-03-09T00:00:00Z' }),
    engine.createTask('wang', { id: 't-2', title: 'send quote', owner: 'wang', due: new Date() }),
    engine.updateOpportunity('wang', 'opp-1', { expected_close: null, amount: '1.00 CNY', fields: { region: { text: 'east' }, old: null } }),
  ]
  void written
  const opp: Opportunity = engine.opportunity('wang', 'opp-1')
  const status: OpportunityStatus = opp.status
  const lostReason: string | undefined = status.state === 'lost' ? status.reason : undefined
  const allOpps: Opportunity[] = engine.opportunities(null)
  const customer: Customer = engine.customer('wang', 'acme', new Date())
  const customers: Customer[] = engine.customers('wang')
  const user: User = engine.user(null, 'wang')
  const users: User[] = engine.users(null)
  const activity: Activity = engine.activity('wang', 'a-1')
  const activities: Activity[] = engine.activities('wang', 'acme', null)
  const task: Task = engine.task('wang', 't-1')
  const tasks: Task[] = engine.openTasks(null, 'wang')
  const timeline: TimelineEntry[] = engine.timeline('wang', 'opp-1')
  const reminders: Reminder[] = engine.due('wang', clock.now())
  const daily: DailyReport = engine.dailyReport('li', 'wang', '2026-03-02')
  const range: RangeReport = engine.dailyRangeReport('li', 'wang', '2026-03-02', '2026-03-06', new Date())
  const team: TeamDailyReport = engine.dailyTeamReport('li', 'li', '2026-03-02')
  const targets: Target[] = engine.targets(null)
  const attainment: AttainmentReport = engine.attainment(null, { period: '2026-Q1', currency: 'CNY' })
  const expenses: ExpenseReport = engine.expenseReport(null, { from: '2026-03-01' })
  const sources: SourceReport = engine.sourceReport(null, 'sales', new Date(), null)
  const competitors: CompetitorReport = engine.competitorReport(null)
  const snapshots: ForecastSnapshot[] = engine.forecastSnapshots(null)
  const accuracy: ForecastAccuracy = engine.forecastAccuracy(null, new Date())
  const later2: [RangeReport, TeamDailyReport, AttainmentReport, ExpenseReport, SourceReport, CompetitorReport, ForecastAccuracy] =
    await Promise.all([
      engine.dailyRangeReportAsync('li', 'wang', '2026-03-02', '2026-03-06'),
      engine.dailyTeamReportAsync(null, 'li', '2026-03-02', new Date()),
      engine.attainmentAsync(null, { period: '2026-Q1', time_zone: 'Asia/Shanghai' }),
      engine.expenseReportAsync(null),
      engine.sourceReportAsync(null, 'sales'),
      engine.competitorReportAsync(null, new Date()),
      engine.forecastAccuracyAsync(null),
    ])
  void later2
  const sections: FunnelSection[] = engine.funnel(null, 'sales', { window: { from: new Date() }, mode: 'cumulative', by: 'source' })
  const sectionJson: FunnelReportJson = sections[0].report.toJSON()
  const sectionCurrency: string | null = sections[0].currency
  const asyncSections: FunnelSection[] = await engine.funnelAsync('admin', 'sales')
  const engineForecast: CurrencySection<ForecastJson>[] = engine.forecast(null, 'sales', { period: { to: new Date() }, method: { kind: 'exact' } })
  const engineCalibration: CurrencySection<CalibrationJson>[] = await engine.calibrationAsync(null, 'sales', { window: {} })
  const forecastLater: CurrencySection<ForecastJson>[] = await engine.forecastAsync(null, 'sales')
  const calibrationNow: CurrencySection<CalibrationJson>[] = engine.calibration(null, 'sales')
  void [sectionJson, sectionCurrency, asyncSections, engineForecast, engineCalibration, forecastLater, calibrationNow]
  try {
    _testHooks.sampleError('conflict')
  } catch (err) {
    void err
  }
  void [lostReason, allOpps, customer, customers, user, users, activity, activities, task, tasks, timeline, reminders,
    daily.figures.won, range.total, team.rows, targets, attainment.rows[0].attainment, expenses.total.count,
    sources.sources, competitors.deals, snapshots, accuracy.flag_at]
  void [rate, rows, text, later, fromArrow, f.p50, f2.p90, c.brier, c2.stages]
  void [at, report, next, answer, hook]
  const closed: void = opened.close()
  void closed
}

void main
