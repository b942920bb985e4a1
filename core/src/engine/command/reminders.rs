//! The reminder commands: set the rules; acknowledge, snooze or dismiss a reminder.

use smallvec::smallvec;

use super::{misrouted, Command, Ctx, Events};
use crate::clock::Timestamp;
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::reminder::{ReminderId, ReminderRules};

/// Decides a reminder command.
#[inline(never)]
pub(super) fn decide(cx: &Ctx<'_>, cmd: Command) -> Result<Events> {
    match cmd {
        Command::SetReminderRules { rules } => set_rules(cx, rules),
        Command::AcknowledgeReminder { reminder } => {
            check_handle(cx, &reminder, None)?;
            Ok(smallvec![Event::ReminderAcknowledged { reminder }])
        }
        Command::SnoozeReminder { reminder, until } => {
            check_handle(cx, &reminder, Some(until))?;
            Ok(smallvec![Event::ReminderSnoozed { reminder, until }])
        }
        Command::DismissReminder { reminder } => {
            check_handle(cx, &reminder, None)?;
            Ok(smallvec![Event::ReminderDismissed { reminder }])
        }
        other => Err(misrouted(other, "a reminder")),
    }
}

fn set_rules(cx: &Ctx<'_>, rules: ReminderRules) -> Result<Events> {
    cx.allow(Action::Configure)?;
    let pipelines: Vec<_> = cx.state.pipelines().collect();
    rules.validate(&pipelines)?;
    Ok(smallvec![Event::ReminderRulesSet {
        rules: Box::new(rules),
    }])
}

/// Checks a mark on reminder `id` (a snooze `until` then) against the reminder index and the
/// clock: the reminder must exist now (so its id is not empty), the policy let the actor
/// handle a reminder of its recipient ([`Action::HandleReminder`]); a
/// snooze must end after now; a dismissed reminder takes no more marks.
fn check_handle(cx: &Ctx<'_>, id: &ReminderId, until: Option<Timestamp>) -> Result<()> {
    let (r, _) = cx
        .reminder_index()
        .get(cx.state, id)
        .ok_or_else(|| Error::not_found("reminder", id))?;
    cx.allow(Action::HandleReminder {
        recipient: &r.recipient,
    })?;
    if cx.state.reminders().mark(id).dismissed {
        return Err(Error::validation("reminder", format!("{id} is dismissed")));
    }
    if let Some(until) = until {
        until.check_input("until")?;
        if until <= cx.now {
            return Err(Error::validation(
                "until",
                format!(
                    "{until} is not after now ({}): a snooze must end in the future",
                    cx.now
                ),
            ));
        }
    }
    Ok(())
}
