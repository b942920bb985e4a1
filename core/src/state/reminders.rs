//! The part of the engine's state that reminders need beyond the domain data: the rules, what
//! users did with reminders, and since when each key customer is key.

use std::collections::HashMap;

use crate::clock::Timestamp;
use crate::customer::Customer;
use crate::event::{Event, RecordedEvent};
use crate::id::CustomerId;

use crate::reminder::{ReminderId, ReminderRules};

/// What users did with one reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub acknowledged: bool,
    pub snoozed_until: Option<Timestamp>,
    pub dismissed: bool,
}

/// Reminder rules and marks, folded from events as part of [`crate::State`].
///
/// ```
/// let engine = salespipe::Engine::new();
/// assert_eq!(engine.view().state().reminders().rules().time_zone, "UTC");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReminderState {
    pub(crate) rules: ReminderRules,
    pub(crate) marks: HashMap<ReminderId, Mark>,
    pub(crate) key_since: HashMap<CustomerId, Timestamp>,
    /// The records (deal, task, activity or customer ids, by [`ReminderId::record`]) that some
    /// mark's reminder names: a reminder of any other record has no mark, so its id need not
    /// be written out to look for one.
    marked: std::collections::HashSet<Box<str>>,
}

impl ReminderState {
    /// The rules in force.
    pub fn rules(&self) -> &ReminderRules {
        &self.rules
    }

    pub(crate) fn mark(&self, id: &ReminderId) -> Mark {
        self.marks.get(id).copied().unwrap_or_default()
    }

    /// False when no reminder of the record `record` (as [`ReminderId::record`] reads it out
    /// of an id) has a mark; true when one may.
    pub(crate) fn may_be_marked(&self, record: &str) -> bool {
        !self.marked.is_empty() && self.marked.contains(record)
    }

    /// What users did with `reminder`, to change.
    fn mark_mut(&mut self, reminder: &ReminderId) -> &mut Mark {
        if let Some(record) = reminder.record() {
            if !self.marked.contains(record) {
                self.marked.insert(record.into());
            }
        }
        self.marks.entry(reminder.clone()).or_default()
    }

    /// Sees every event before the state folds it in (to learn when a customer became key).
    pub(crate) fn observe(
        &mut self,
        customers: &crate::state::Table<CustomerId, Customer>,
        rec: &RecordedEvent,
    ) {
        match &rec.event {
            Event::CustomerCreated { customer } if customer.key => {
                self.key_since.insert(customer.id.clone(), rec.at);
            }
            Event::CustomerUpdated { customer } => {
                let known = customers.contains_key(&customer.id);
                let was_key = customers.get(&customer.id).is_some_and(|c| c.key);
                if !customer.key {
                    self.key_since.remove(&customer.id);
                } else if known && !was_key {
                    self.key_since.insert(customer.id.clone(), rec.at);
                }
            }
            _ => {}
        }
    }

    /// Folds in a reminder event.
    pub(crate) fn apply(&mut self, event: &Event) {
        match event {
            Event::ReminderRulesSet { rules } => {
                self.rules = (**rules).clone();
                self.rules.cap_durations();
            }
            Event::ReminderAcknowledged { reminder } => {
                self.mark_mut(reminder).acknowledged = true;
            }
            Event::ReminderSnoozed { reminder, until } => {
                let m = self.mark_mut(reminder);
                m.snoozed_until = Some(*until);
                m.acknowledged = false;
            }
            Event::ReminderDismissed { reminder } => {
                self.mark_mut(reminder).dismissed = true;
            }
            _ => {}
        }
    }
}
