//! The engine's reminder API and the validation of reminder commands.

mod compute;
mod index;

pub use compute::scan;
pub use index::ReminderIndex;

use crate::clock::Timestamp;
use crate::engine::{Action, Command, Directory, Engine, Policy};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::ActorId;
use crate::state::State;
use crate::user::Role;

use crate::reminder::ReminderId;

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

/// The reminder side of the command path.
impl Engine {
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
        let dir = Directory::new(&self.state);
        let admin = dir.get(actor).is_some_and(|u| u.role == Role::Admin);
        if !(admin || actor == &r.recipient || dir.manages(actor, &r.recipient)) {
            return Err(Error::denied(
                actor,
                format!("handle reminder {id} of {}", r.recipient),
            ));
        }
        let mark = self.state.reminders().mark(id);
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
