//! The engine's reminder API (its commands are decided in `engine::command::reminders`).

mod compute;
mod index;

pub use compute::scan;
pub use index::ReminderIndex;

use std::time::Duration;

use crate::clock::Timestamp;
use crate::engine::{Command, Engine};
use crate::error::{Error, Result};
use crate::id::ActorId;

use crate::reminder::{Reminder, ReminderId, ReminderRules};

/// Reminders: what needs attention, by whom, and when to ask again. See [`crate::reminder`].
impl Engine {
    /// The reminder index (for statistics and advanced queries).
    pub fn reminder_index(&self) -> &ReminderIndex {
        self.reminders()
    }

    /// Every reminder due at `now`, sorted by due time, then id. Asking again returns the same
    /// reminders until an event or the passage of time changes them.
    pub fn due(&self, now: Timestamp) -> Vec<Reminder> {
        self.reminders().due(now)
    }

    /// Up to `limit` reminders due at `now` for one recipient, sorted by due time, then id.
    pub fn due_for(&self, recipient: &ActorId, now: Timestamp, limit: usize) -> Vec<Reminder> {
        self.reminders().due_for(recipient, now, limit)
    }

    /// The reminders coming due after `now` and up to `now + horizon`.
    pub fn upcoming(&self, now: Timestamp, horizon: Duration) -> Vec<Reminder> {
        self.reminders().upcoming(now, horizon)
    }

    /// The earliest instant after `now` at which a reminder comes due: when the host should
    /// ask again, unless an event happens first.
    pub fn next_due_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.reminders().next_due_after(now)
    }

    /// A reminder by id, hidden ones included; [`Error::NotFound`] once its cause is resolved.
    pub fn reminder(&self, id: &ReminderId) -> Result<&Reminder> {
        self.reminders()
            .reminder(id)
            .ok_or_else(|| Error::not_found("reminder", id))
    }

    /// The reminder rules in force.
    pub fn reminder_rules(&self) -> &ReminderRules {
        self.state().reminders().rules()
    }

    /// Replaces the reminder rules (admins; validated: IANA time zones, positive durations,
    /// known pipelines and stages).
    pub fn set_reminder_rules(
        &mut self,
        actor: impl Into<ActorId>,
        rules: ReminderRules,
    ) -> Result<()> {
        self.command(actor, Command::SetReminderRules { rules })
    }

    /// Acknowledges a reminder: its recipient has seen it (its escalation stays).
    pub fn acknowledge(
        &mut self,
        actor: impl Into<ActorId>,
        reminder: impl Into<ReminderId>,
    ) -> Result<()> {
        let reminder = reminder.into();
        self.command(actor, Command::AcknowledgeReminder { reminder })
    }

    /// Snoozes a reminder until a later instant, when it comes back.
    pub fn snooze(
        &mut self,
        actor: impl Into<ActorId>,
        reminder: impl Into<ReminderId>,
        until: Timestamp,
    ) -> Result<()> {
        let reminder = reminder.into();
        self.command(actor, Command::SnoozeReminder { reminder, until })
    }

    /// Dismisses a reminder and its escalation for good.
    pub fn dismiss(
        &mut self,
        actor: impl Into<ActorId>,
        reminder: impl Into<ReminderId>,
    ) -> Result<()> {
        let reminder = reminder.into();
        self.command(actor, Command::DismissReminder { reminder })
    }
}
