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
} from '../index.js'

async function main(): Promise<void> {
  const clock = new ManualClock(new Date('2026-03-02T01:00:00Z'))
  const engine: Engine = new Engine({ clock })
  const opened: Engine = await Engine.open({ store: 'pipeline.sqlite', clock })
  const amount: MoneyInput = { minor: 12000000n, currency: 'CNY' }
  const events: RecordedEvent[] = engine.createOpportunity('wang', {
    id: 'opp-1', pipeline: 'sales', customer: 'acme', owner: 'wang', name: 'ERP', amount,
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
  void [at, report, next, answer, hook]
}

void main
