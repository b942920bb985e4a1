//! The engine's reminder API and the validation of reminder commands.

mod compute;
mod index;

pub use compute::scan;
pub use index::ReminderIndex;

use std::time::Duration;

use crate::clock::Timestamp;
use crate::engine::{Action, Command, Directory, Engine, Policy};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::ActorId;
use crate::state::State;
use crate::user::Role;

use crate::reminder::{Reminder, ReminderId, ReminderRules};

/// Decides a reminder command against the state (the engine checked the index before, see
/// [`Engine::check_reminder_command`]).
pub(crate) fn decide(
    state: &State,
    policy: &dyn Policy,
    actor: &ActorId,
    cmd: Command,
) -> Result<Vec<Event>> {
    let allow = |action: Action<'_>| {
        if policy.allows(Directory::new(state), actor, action) {
            Ok(())
        } else {
            Err(Error::denied(actor, action.describe()))
        }
    };
    let id_ok = |id: &ReminderId| {
        if id.as_str().trim().is_empty() {
            Err(Error::validation("reminder", "must not be empty"))
        } else {
            Ok(())
        }
    };
    match cmd {
        Command::SetReminderRules { rules } => {
            allow(Action::Configure)?;
            let pipelines: Vec<_> = state.pipelines().collect();
            rules.validate(&pipelines)?;
            Ok(vec![Event::ReminderRulesSet {
                rules: Box::new(rules),
            }])
        }
        Command::AcknowledgeReminder { reminder } => {
            allow(Action::RecordWork)?;
            id_ok(&reminder)?;
            Ok(vec![Event::ReminderAcknowledged { reminder }])
        }
        Command::SnoozeReminder { reminder, until } => {
            allow(Action::RecordWork)?;
            id_ok(&reminder)?;
            Ok(vec![Event::ReminderSnoozed { reminder, until }])
        }
        Command::DismissReminder { reminder } => {
            allow(Action::RecordWork)?;
            id_ok(&reminder)?;
            Ok(vec![Event::ReminderDismissed { reminder }])
        }
        other => Err(Error::validation(
            "command",
            format!("{other:?} is not a reminder command"),
        )),
    }
}

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

    /// Checks a reminder command against the index and the clock before it is decided: the
    /// reminder must exist now, the actor be its recipient, above them in the reporting line,
    /// or an admin; a snooze must end after `now`; a dismissed reminder takes no more marks.
    pub(crate) fn check_reminder_command(
        &self,
        actor: &ActorId,
        command: &Command,
        now: Timestamp,
    ) -> Result<()> {
        let (id, until) = match command {
            Command::AcknowledgeReminder { reminder } | Command::DismissReminder { reminder } => {
                (reminder, None)
            }
            Command::SnoozeReminder { reminder, until } => (reminder, Some(*until)),
            _ => return Ok(()),
        };
        let (r, _) = self
            .reminders()
            .get(id)
            .ok_or_else(|| Error::not_found("reminder", id))?;
        let dir = self.directory();
        let admin = dir.get(actor).is_some_and(|u| u.role == Role::Admin);
        if !(admin || actor == &r.recipient || dir.manages(actor, &r.recipient)) {
            return Err(Error::denied(
                actor,
                format!("handle reminder {id} of {}", r.recipient),
            ));
        }
        let mark = self.state().reminders().mark(id);
        if mark.dismissed {
            return Err(Error::validation("reminder", format!("{id} is dismissed")));
        }
        if let Some(until) = until {
            until.check("until")?;
            if until <= now {
                return Err(Error::validation(
                    "until",
                    format!("{until} is not after now ({now}): a snooze must end in the future"),
                ));
            }
        }
        Ok(())
    }
}
