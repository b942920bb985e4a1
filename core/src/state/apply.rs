//! The fold: [`State::apply`] keeps the position and the stream versions and hands each event
//! to the fold of its aggregate, one module each.

mod approval;
mod customer;
mod management;
mod opportunity;
mod pipeline;
mod user;

use crate::event::{Event, RecordedEvent, OPPORTUNITY_STREAM_PREFIX};
use crate::state::State;

impl State {
    /// Folds one event in. Events were validated when they were decided, so this cannot fail;
    /// an event naming something unknown (possible only in a hand-edited store) is skipped.
    pub fn apply(&mut self, rec: &RecordedEvent) {
        self.position = self.position.max(rec.position);
        self.latest = self.latest.max(Some(rec.at));
        // Opportunity streams keep their version on the opportunity itself (one lookup less
        // on the hottest path); every other stream's version lives in `versions`.
        if !rec.stream.starts_with(OPPORTUNITY_STREAM_PREFIX) {
            match self.versions.get_mut(&*rec.stream) {
                Some(v) => *v = rec.version,
                None => {
                    self.versions.insert(rec.stream.clone(), rec.version);
                }
            }
        }
        match &rec.event {
            Event::PipelineDefined { .. }
            | Event::PipelineEdited { .. }
            | Event::ProcessDefined { .. } => self.apply_pipeline(rec),
            Event::UserRegistered { .. } => self.apply_user(rec),
            Event::CustomerCreated { .. }
            | Event::CustomerUpdated { .. }
            | Event::ContactAdded { .. }
            | Event::ActivityLogged { .. }
            | Event::TaskCreated { .. }
            | Event::TaskDone { .. } => self.apply_customer(rec),
            Event::OpportunityCreated { .. }
            | Event::OpportunityUpdated { .. }
            | Event::ChecklistChanged { .. }
            | Event::Moved { .. } => self.apply_opportunity(rec),
            Event::ApprovalSubmitted { .. }
            | Event::ApprovalDecided { .. }
            | Event::ApprovalWithdrawn { .. }
            | Event::ApprovalInvalidated { .. } => self.apply_approval(rec),
            Event::ReminderRulesSet { .. }
            | Event::ReminderAcknowledged { .. }
            | Event::ReminderSnoozed { .. }
            | Event::ReminderDismissed { .. } => self.reminders.apply(&rec.event),
            Event::TargetSet { .. }
            | Event::TargetRemoved { .. }
            | Event::ExpensesConfigured { .. }
            | Event::ExpenseSubmitted { .. }
            | Event::ExpenseResubmitted { .. }
            | Event::ExpenseDecided { .. }
            | Event::SourcesConfigured { .. }
            | Event::ExpenseWithdrawn { .. }
            | Event::ForecastSnapshotTaken { .. } => self.apply_management(rec),
        }
    }

    /// The version of the opportunity an event names: the event's own (its stream's).
    fn set_opportunity_version(&mut self, rec: &RecordedEvent) {
        if let Some(o) = rec
            .event
            .opportunity()
            .and_then(|id| self.opportunities.get_mut(id))
        {
            o.version = rec.version;
        }
    }
}
