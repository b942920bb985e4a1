//! Reminders: what needs attention, by whom, and from when — derived from the events, never
//! stored as truth.
//!
//! The engine runs no timers. The host asks [`crate::View::due`] (or
//! [`crate::View::due_for`] per recipient) at any instant, and [`crate::View::next_due_after`]
//! tells it when to wake next. Acknowledging, snoozing and dismissing a reminder are events on
//! the timeline, so a replay restores them.
//!
//! # Kinds, and when each is due and resolved
//!
//! | kind | id | due | recipient | resolved by |
//! |---|---|---|---|---|
//! | [`FollowUp`](ReminderKind::FollowUp) | `follow_up/<activity>` | the activity's `next_follow_up` | opportunity owner (linked activity), else customer owner, else the activity's actor | a *later* activity (greater `(at, id)`) on the same opportunity (linked activity) or with the same customer (unlinked activity); the deal closing |
//! | [`TaskDueSoon`](ReminderKind::TaskDueSoon) | `task_due_soon/<task>` | the rules' lead before the task's due time | task owner | the task done; gives way to the overdue reminder at the due time |
//! | [`TaskOverdue`](ReminderKind::TaskOverdue) | `task_overdue/<task>` | the task's due time | task owner | the task done |
//! | [`Stale`](ReminderKind::Stale) | `stale/<opp>@<due>` | see [`StaleRule`] | opportunity owner | an activity, a stage change, the deal closing |
//! | [`CloseDatePassed`](ReminderKind::CloseDatePassed) | `close_date_passed/<opp>@<date>` | 00:00 local time of the day after the expected close date | opportunity owner | a new close date, the deal closing |
//! | [`KeyCustomerCadence`](ReminderKind::KeyCustomerCadence) | `cadence/<customer>@<due>` | the last activity with the customer (or the time it became key, if later) plus its cadence | customer owner, else the last activity's actor | an activity with the customer |
//! | [`ApprovalWaiting`](ReminderKind::ApprovalWaiting) | `approval/<opp>/<request>/<approver>@<due>` | the current step's start plus the process SLA | each approver the step still waits on | the approver deciding, the step or request ending, the deal closing |
//!
//! Every kind but "task due soon" escalates: when the rules set `escalate_after`, a second
//! reminder `escalated/<id>` goes to the recipient's manager that long after the rule's due
//! time (snoozing the base reminder does not delay it; acknowledging it neither; dismissing it
//! does cancel the escalation).
//!
//! Ids carry their cause: a deal that rots again after an activity gets a new `stale/…@…` id,
//! so acknowledging one occurrence never hides the next.
//!
//! # Acknowledge, snooze, dismiss
//!
//! - *acknowledge*: the recipient has seen it; it leaves `due` (its escalation does not);
//! - *snooze until t*: it leaves `due` and comes back at `t` (its due time becomes
//!   `max(due, t)`); snoozing an acknowledged reminder brings it back at `t`;
//! - *dismiss*: it is not relevant; it and its escalation leave `due` for good.
//!
//! # Index
//!
//! [`crate::ReminderIndex`] is maintained on every event the engine folds in: an event names the
//! subjects it touches (an opportunity, a task, a customer) and only their reminders are
//! recomputed, each update costing O(log n). The index keeps where each reminder falls due,
//! not the reminder: a query computes the reminders it returns from the state again, with
//! the same function, so the index costs about 100 bytes per reminder. Reminders that
//! become due by the mere passage of time (a deal rotting, a cadence lapsing) are indexed at
//! the instant they become due. Rule
//! changes, pipeline edits, process redefinitions and a user's new manager recompute what they
//! affect by a scan (O(n)); they are rare configuration events. [`crate::scan`] is the reference
//! implementation the index is tested against.

pub(crate) mod rules;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Timestamp;
use crate::id::{ActivityId, ActorId, CustomerId, OpportunityId, RequestId, TaskId};

pub use rules::{PipelineRules, QuietHours, ReminderRules, StaleRule, TaskLead};

/// The stable id of a reminder: kind, subject and cause (`follow_up/act-7`,
/// `stale/opp-1@2026-03-20T00:00:00.000Z`, `escalated/task_overdue/task-3`).
///
/// ```
/// let id = salespipe::ReminderId::new("follow_up/act-7");
/// assert_eq!(id.as_str(), "follow_up/act-7");
/// assert_eq!(serde_json::to_string(&id).unwrap(), "\"follow_up/act-7\"");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReminderId(Arc<str>);

impl ReminderId {
    /// An id from its text.
    pub fn new(id: impl AsRef<str>) -> Self {
        ReminderId(Arc::from(id.as_ref()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the record a reminder's id names, read out of the id: the activity of a
    /// follow-up, the task of a task reminder, the deal of a stale or close-date reminder,
    /// the customer of a cadence (an escalation names its reminder's record). `None` for an
    /// approval (its deal and request ids may hold `/`) and for text that is no reminder id.
    pub(crate) fn record(&self) -> Option<&str> {
        let text = self.as_str();
        let base = text.strip_prefix("escalated/").unwrap_or(text);
        let (kind, rest) = base.split_once('/')?;
        match kind {
            "follow_up" | "task_due_soon" | "task_overdue" => Some(rest),
            "stale" | "close_date_passed" | "cadence" => {
                Some(rest.rsplit_once('@').map_or(rest, |(record, _)| record))
            }
            _ => None,
        }
    }
}

impl fmt::Debug for ReminderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ReminderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ReminderId {
    fn from(s: &str) -> Self {
        ReminderId::new(s)
    }
}

impl From<String> for ReminderId {
    fn from(s: String) -> Self {
        ReminderId(Arc::from(s))
    }
}

impl Serialize for ReminderId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ReminderId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(ReminderId::new(s))
    }
}

/// What a reminder is about.
///
/// ```
/// use salespipe::ReminderKind;
/// assert_eq!(serde_json::to_string(&ReminderKind::TaskOverdue).unwrap(), "\"task_overdue\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReminderKind {
    /// An activity's next follow-up time has come.
    FollowUp,
    /// A task is due within the lead time.
    TaskDueSoon,
    /// A task is past its due time.
    TaskOverdue,
    /// An open opportunity is rotting in its stage.
    Stale,
    /// An open opportunity's expected close date has passed.
    CloseDatePassed,
    /// A key customer was not contacted within its cadence.
    KeyCustomerCadence,
    /// An approval step waits on an approver beyond the process SLA.
    ApprovalWaiting,
}

impl ReminderKind {
    /// The id prefix of this kind (`follow_up`, `cadence`, ...).
    pub fn prefix(self) -> &'static str {
        match self {
            ReminderKind::FollowUp => "follow_up",
            ReminderKind::TaskDueSoon => "task_due_soon",
            ReminderKind::TaskOverdue => "task_overdue",
            ReminderKind::Stale => "stale",
            ReminderKind::CloseDatePassed => "close_date_passed",
            ReminderKind::KeyCustomerCadence => "cadence",
            ReminderKind::ApprovalWaiting => "approval",
        }
    }
}

/// One reminder: what, for whom, about which subject, due when.
///
/// ```
/// use salespipe::*;
/// let clock = ManualClock::new("2026-03-02T08:00:00Z".parse()?);
/// let mut engine = Engine::builder().clock(clock.clone()).build()?;
/// engine.register_user("wang", User::new("wang", "王芳", Role::Admin))?;
/// engine.create_task("wang", Task::new("task-1", "Call back", "wang", "2026-03-03T09:00:00Z".parse()?))?;
/// let due = engine.view().due("2026-03-02T10:00:00Z".parse()?);
/// assert_eq!(due[0].id.as_str(), "task_due_soon/task-1");
/// assert_eq!(due[0].recipient.as_str(), "wang");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Stable id (kind, subject, cause).
    pub id: ReminderId,
    /// What it is about.
    pub kind: ReminderKind,
    /// Who should act.
    pub recipient: ActorId,
    /// When escalated: the original recipient, whose manager `recipient` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_from: Option<ActorId>,
    /// When it is due (UTC); after a snooze, the snooze's end if later.
    pub due: Timestamp,
    /// When it stops applying by itself (a due-soon reminder gives way to the overdue one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// The opportunity concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity: Option<OpportunityId>,
    /// The customer concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// The task concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    /// The activity that set the follow-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<ActivityId>,
    /// The approval request concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
}

impl Reminder {
    /// True when the reminder is due at `now`: its due time has come and it has not given way
    /// to another.
    pub fn is_due_at(&self, now: Timestamp) -> bool {
        self.due <= now && self.until.is_none_or(|u| now < u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record read out of every kind of id, escalations and ids holding `/` and `@`
    /// included; approvals and foreign text have none.
    #[test]
    fn the_record_of_an_id_is_read_out_of_it() {
        let record = |id: &str| ReminderId::new(id).record().map(str::to_owned);
        assert_eq!(record("follow_up/act/7@x").as_deref(), Some("act/7@x"));
        assert_eq!(record("task_overdue/t-1").as_deref(), Some("t-1"));
        assert_eq!(record("task_due_soon/t/1").as_deref(), Some("t/1"));
        assert_eq!(
            record("stale/o@1/2@2026-03-01T00:00:00Z").as_deref(),
            Some("o@1/2")
        );
        assert_eq!(
            record("escalated/close_date_passed/o-9@2026-03-01").as_deref(),
            Some("o-9")
        );
        assert_eq!(
            record("cadence/c-1@2026-03-01T00:00:00Z").as_deref(),
            Some("c-1")
        );
        assert_eq!(record("approval/o/r/li@2026-03-01T00:00:00Z"), None);
        assert_eq!(record("nonsense"), None);
        assert_eq!(record("other/x"), None);
    }
}
