//! The fold of the sales-management events: targets, expenses, sources, forecast snapshots.

use crate::approval::{ApprovalRequest, ApprovalStatus};
use crate::event::{Event, RecordedEvent};
use crate::management::expense::ExpenseRecord;
use crate::state::State;

impl State {
    pub(super) fn apply_management(&mut self, rec: &RecordedEvent) {
        let at = rec.at;
        match &rec.event {
            Event::TargetSet { target } => {
                self.targets.insert(target.id.clone(), target.clone());
            }
            Event::TargetRemoved { target } => {
                self.targets.remove(target);
            }
            Event::ExpensesConfigured { settings } => {
                self.expense_settings = Some(settings.clone());
            }
            Event::ExpenseSubmitted { expense, process } => {
                self.expenses.insert(
                    expense.id.clone(),
                    ExpenseRecord {
                        expense: (**expense).clone(),
                        request: ApprovalRequest::new(
                            crate::RequestId::new(expense.id.as_str()),
                            process.clone(),
                            rec.actor.clone(),
                            at,
                        ),
                    },
                );
            }
            Event::ExpenseResubmitted { expense, process } => {
                if let Some(x) = self.expenses.get_mut(&expense.id) {
                    x.expense = (**expense).clone();
                    x.request.process = process.clone();
                    x.request.resubmit(rec.actor.clone(), at);
                }
            }
            Event::ExpenseDecided {
                expense,
                decision,
                comment,
            } => {
                if let Some(x) = self.expenses.get_mut(expense) {
                    if let Some(p) = self.processes.get(&x.request.process) {
                        x.request.apply_decision(
                            p,
                            rec.actor.clone(),
                            *decision,
                            comment.clone(),
                            at,
                        );
                    }
                }
            }
            Event::SourcesConfigured { sources } => {
                self.sources = Some(sources.clone());
            }
            Event::ExpenseWithdrawn { expense } => {
                if let Some(x) = self.expenses.get_mut(expense) {
                    x.request.status = ApprovalStatus::Withdrawn;
                }
            }
            Event::ForecastSnapshotTaken { snapshot } => {
                self.forecast_snapshots
                    .insert(snapshot.id.clone(), snapshot.clone());
            }
            _ => {} // folded by another aggregate
        }
    }
}
