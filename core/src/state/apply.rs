//! The fold: [`State::apply`] keeps the position and the stream versions and hands each event
//! to the fold of its aggregate, one module each.

mod approval;
mod customer;
mod management;
mod opportunity;
mod pipeline;
mod user;

use crate::event::{Event, RecordedEvent, OPPORTUNITY_STREAM_PREFIX};
use crate::state::{RecordStream, State};

impl State {
    /// Folds one event in. Events were validated when they were decided, so this cannot fail;
    /// an event naming something unknown (possible only in a hand-edited store) is skipped.
    pub fn apply(&mut self, rec: &RecordedEvent) {
        self.position = self.position.max(rec.position);
        self.latest = self.latest.max(Some(rec.at));
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
        // Opportunity, customer, task and activity streams keep their version on the record
        // (one stream per record: millions of them, no map entry and no name kept for each);
        // every other stream's version lives in `versions`, and so does one whose record
        // does not exist (possible only in a hand-edited store).
        if !rec.stream.starts_with(OPPORTUNITY_STREAM_PREFIX) && !self.set_record_version(rec) {
            match self.versions.get_mut(&*rec.stream) {
                Some(v) => *v = rec.version,
                None => {
                    self.versions.insert(rec.stream.clone(), rec.version);
                }
            }
        }
    }

    /// Sets the version of a customer's, task's or activity's stream on its record; false
    /// when the stream is none of these or the record is unknown.
    fn set_record_version(&mut self, rec: &RecordedEvent) -> bool {
        match RecordStream::of(&rec.stream) {
            Some(RecordStream::Customer(id)) => self.customers.set_version(id, rec.version),
            Some(RecordStream::Task(id)) => self.tasks.set_version(id, rec.version),
            Some(RecordStream::Activity(id)) => self.activities.set_version(id, rec.version),
            None => false,
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
