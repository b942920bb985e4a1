//! Activities (行动记录: calls, visits, demos ...) and tasks.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::id::{ActivityId, ActorId, ContactId, CustomerId, OpportunityId, TaskId};

/// Something that happened with a customer, perhaps setting the next follow-up.
///
/// ```
/// use salespipe::Activity;
/// let a = Activity::new("act-1", "call", "acme", "2026-03-02T03:00:00Z".parse().unwrap())
///     .on_opportunity("opp-1")
///     .follow_up_at("2026-03-05T01:00:00Z".parse().unwrap());
/// assert_eq!(a.kind, "call");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// Id.
    pub id: ActivityId,
    /// Kind (`call`, `visit`, `email`, `meeting`, `demo` ...).
    pub kind: String,
    /// The customer.
    pub customer: CustomerId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it; the engine sets it to the logging actor when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<ActorId>,
    /// The contact met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactId>,
    /// The opportunity it advances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity: Option<OpportunityId>,
    /// Notes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// When to follow up next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_follow_up: Option<Timestamp>,
}

impl Activity {
    /// How far after the engine's clock an activity may be dated: one day, for clocks and
    /// time zones that disagree. An activity is work done; work planned is a follow-up
    /// (`next_follow_up`) or a task. Within that day, a gate counts the activity only from
    /// its time.
    pub const MAX_AHEAD: std::time::Duration = std::time::Duration::from_secs(86_400);

    /// An activity with a kind, customer and time.
    pub fn new(
        id: impl Into<ActivityId>,
        kind: impl Into<String>,
        customer: impl Into<CustomerId>,
        at: Timestamp,
    ) -> Self {
        Activity {
            id: id.into(),
            kind: kind.into(),
            customer: customer.into(),
            at,
            actor: None,
            contact: None,
            opportunity: None,
            notes: String::new(),
            next_follow_up: None,
        }
    }

    /// Links it to an opportunity.
    pub fn on_opportunity(mut self, id: impl Into<OpportunityId>) -> Self {
        self.opportunity = Some(id.into());
        self
    }

    /// Sets the contact.
    pub fn with_contact(mut self, id: impl Into<ContactId>) -> Self {
        self.contact = Some(id.into());
        self
    }

    /// Sets notes.
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = notes.into();
        self
    }

    /// Sets the next follow-up time.
    pub fn follow_up_at(mut self, t: Timestamp) -> Self {
        self.next_follow_up = Some(t);
        self
    }
}

/// A task with an owner and a due time.
///
/// ```
/// let t = salespipe::Task::new("task-1", "Send the revised quote", "wang",
///     "2026-03-06T09:00:00Z".parse().unwrap());
/// assert!(!t.done);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Id.
    pub id: TaskId,
    /// Title.
    pub title: String,
    /// Owner.
    pub owner: ActorId,
    /// Due time.
    pub due: Timestamp,
    /// Related customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// Related opportunity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity: Option<OpportunityId>,
    /// Done.
    #[serde(default)]
    pub done: bool,
    /// When it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<Timestamp>,
}

impl Task {
    /// An open task.
    pub fn new(
        id: impl Into<TaskId>,
        title: impl Into<String>,
        owner: impl Into<ActorId>,
        due: Timestamp,
    ) -> Self {
        Task {
            id: id.into(),
            title: title.into(),
            owner: owner.into(),
            due,
            customer: None,
            opportunity: None,
            done: false,
            done_at: None,
        }
    }

    /// Links it to an opportunity.
    pub fn on_opportunity(mut self, id: impl Into<OpportunityId>) -> Self {
        self.opportunity = Some(id.into());
        self
    }
}
