//! Events: the one source of truth. State, timelines, the audit trail and the funnel's input are
//! all folds over them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::activity::{Activity, Task};
use crate::approval::{ApprovalProcess, Decision};
use crate::clock::Timestamp;
use crate::customer::{Contact, Customer};
use crate::error::{Error, Result};
use crate::id::{ActorId, CustomerId, OpportunityId, ProcessId, RequestId, StageId, TaskId};
use crate::money::Money;
use crate::opportunity::{NewOpportunity, OpportunityPatch};
use crate::pipeline::Pipeline;
use crate::reminder::{ReminderId, ReminderRules};
use crate::user::User;

/// The schema version of the events this build writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// How an opportunity moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MoveKind {
    /// Forward, no requirements on the way.
    Simple,
    /// Forward, sub-goal requirements met.
    SubGoal,
    /// Forward, an approval process had approved.
    Approved,
    /// Forward by a privileged actor over unmet requirements, with a reason.
    Forced,
    /// Back to an earlier stage.
    Back,
    /// Closed as lost.
    Lost,
    /// Reopened after won or lost.
    Reopened,
    /// Moved by a pipeline edit that removed its stage.
    Remapped,
}

/// Something that happened. JSON: `{"type": "moved", "opportunity": "opp-1", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A pipeline was defined (version 1).
    PipelineDefined {
        /// The definition.
        pipeline: Box<Pipeline>,
    },
    /// A pipeline was edited into a new version; opportunities in removed stages move by `mapping`.
    PipelineEdited {
        /// The new version.
        pipeline: Box<Pipeline>,
        /// Removed stage → stage of the new version.
        #[serde(default)]
        mapping: BTreeMap<StageId, StageId>,
    },
    /// An approval process was defined or replaced.
    ProcessDefined {
        /// The definition.
        process: ApprovalProcess,
    },
    /// A user was registered or updated.
    UserRegistered {
        /// The user.
        user: User,
    },
    /// A customer was created.
    CustomerCreated {
        /// The customer.
        customer: Box<Customer>,
    },
    /// A customer's details changed (contacts are kept).
    CustomerUpdated {
        /// The new details.
        customer: Box<Customer>,
    },
    /// A contact was added to a customer.
    ContactAdded {
        /// The customer.
        customer: CustomerId,
        /// The contact.
        contact: Box<Contact>,
    },
    /// An opportunity was created.
    OpportunityCreated {
        /// The input, with `stage` resolved and `amount` derived if asked (boxed: it is much
        /// larger than every other event, and events are moved around a lot).
        opportunity: Box<NewOpportunity>,
    },
    /// An opportunity's data changed.
    OpportunityUpdated {
        /// Which.
        opportunity: OpportunityId,
        /// What changed (boxed, like the creation).
        patch: Box<OpportunityPatch>,
        /// The amount after the change.
        amount: Money,
    },
    /// A checklist item was ticked (`ticked`) or unticked.
    ChecklistChanged {
        /// Which opportunity.
        opportunity: OpportunityId,
        /// The item.
        item: String,
        /// Ticked or unticked.
        ticked: bool,
    },
    /// An opportunity changed stage: advanced, forced, moved back, won, lost, reopened, remapped.
    Moved {
        /// Which.
        opportunity: OpportunityId,
        /// From (an open stage, or `won`/`lost` for a reopen).
        from: StageId,
        /// To (an open stage, `won` or `lost`).
        to: StageId,
        /// How.
        how: MoveKind,
        /// Why (mandatory when forced, lost or reopened).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The competitor who won, when lost to one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        competitor: Option<String>,
    },
    /// An approval request was submitted (round 1) or resubmitted (later rounds).
    ApprovalSubmitted {
        /// The subject.
        opportunity: OpportunityId,
        /// The request.
        request: RequestId,
        /// Its process.
        process: ProcessId,
    },
    /// An approver decided the current step.
    ApprovalDecided {
        /// The subject.
        opportunity: OpportunityId,
        /// The request.
        request: RequestId,
        /// Approve or reject.
        decision: Decision,
        /// Comment.
        #[serde(default)]
        comment: String,
    },
    /// The submitter withdrew a pending request.
    ApprovalWithdrawn {
        /// The subject.
        opportunity: OpportunityId,
        /// The request.
        request: RequestId,
    },
    /// A granted or pending approval lapsed because the amount or the products changed.
    ApprovalInvalidated {
        /// The subject.
        opportunity: OpportunityId,
        /// The request.
        request: RequestId,
        /// What changed.
        cause: String,
    },
    /// An activity was logged.
    ActivityLogged {
        /// The activity.
        activity: Box<Activity>,
    },
    /// A task was created.
    TaskCreated {
        /// The task.
        task: Box<Task>,
    },
    /// A task was completed (`done`) or reopened.
    TaskDone {
        /// Which.
        task: TaskId,
        /// Done or reopened.
        done: bool,
    },
    /// The reminder rules were set (replacing the previous ones).
    ReminderRulesSet {
        /// The rules.
        rules: Box<ReminderRules>,
    },
    /// A reminder's recipient has seen it.
    ReminderAcknowledged {
        /// Which.
        reminder: ReminderId,
    },
    /// A reminder was snoozed until an instant.
    ReminderSnoozed {
        /// Which.
        reminder: ReminderId,
        /// When it comes back.
        until: Timestamp,
    },
    /// A reminder was dismissed, with its escalation.
    ReminderDismissed {
        /// Which.
        reminder: ReminderId,
    },
    /// A revenue target was set (or replaced: same id).
    TargetSet {
        /// The target.
        target: crate::management::target::Target,
    },
    /// A revenue target was removed.
    TargetRemoved {
        /// Which.
        target: crate::id::TargetId,
    },
    /// The expense categories and their approval process were set (replacing the previous).
    ExpensesConfigured {
        /// The settings.
        settings: crate::management::expense::ExpenseSettings,
    },
    /// An expense was submitted for approval (round 1).
    ExpenseSubmitted {
        /// The expense.
        expense: Box<crate::management::expense::Expense>,
        /// The approval process it goes through.
        process: ProcessId,
    },
    /// An approver decided the current step of an expense.
    ExpenseDecided {
        /// Which.
        expense: crate::id::ExpenseId,
        /// Approve or reject.
        decision: Decision,
        /// Comment.
        #[serde(default)]
        comment: String,
    },
    /// The submitter withdrew a pending expense.
    ExpenseWithdrawn {
        /// Which.
        expense: crate::id::ExpenseId,
    },
    /// A rejected or withdrawn expense was resubmitted (perhaps amended); it starts again at
    /// step one.
    ExpenseResubmitted {
        /// The expense as resubmitted.
        expense: Box<crate::management::expense::Expense>,
        /// The approval process it goes through.
        process: ProcessId,
    },
    /// The list of sources was set (replacing the previous).
    SourcesConfigured {
        /// The sources, in display order.
        sources: Vec<crate::management::source::Source>,
    },
    /// The forecast of a period was frozen, per rep.
    ForecastSnapshotTaken {
        /// The frozen figures.
        snapshot: crate::management::snapshot::ForecastSnapshot,
    },
}

/// An event as stored: its place in the global log and in its stream, when, and who.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Position in the global log, from 1, gap-free.
    pub position: u64,
    /// The stream (`opportunity/opp-1`).
    pub stream: std::sync::Arc<str>,
    /// Version within the stream, from 1.
    pub version: u64,
    /// When it happened (the engine's clock).
    pub at: Timestamp,
    /// Who did it.
    pub actor: ActorId,
    /// Schema version of the event.
    #[serde(default = "schema_one")]
    pub schema: u32,
    /// The event.
    pub event: Event,
}

fn schema_one() -> u32 {
    1
}

/// An event about to be appended (the store assigns position and version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: ActorId,
    /// What.
    pub event: Event,
}

impl RecordedEvent {
    /// Serializes to one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored event; an event of a newer schema is [`Error::UnsupportedVersion`],
    /// anything unreadable is [`Error::Storage`].
    pub fn from_json(text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(default = "schema_one")]
            schema: u32,
        }
        let probe: Probe = serde_json::from_str(text)
            .map_err(|e| Error::storage(format!("unreadable event: {e}")))?;
        check_schema(probe.schema)?;
        serde_json::from_str(text).map_err(|e| Error::storage(format!("unreadable event: {e}")))
    }
}

/// Refuses events written by a newer schema.
pub fn check_schema(schema: u32) -> Result<()> {
    if schema > SCHEMA_VERSION {
        Err(Error::UnsupportedVersion {
            what: "event".to_owned(),
            found: u64::from(schema),
            supported: u64::from(SCHEMA_VERSION),
        })
    } else {
        Ok(())
    }
}

/// The prefix of opportunity streams.
pub const OPPORTUNITY_STREAM_PREFIX: &str = "opportunity/";
/// The prefix of a customer's stream (its creation, updates and contacts).
pub(crate) const CUSTOMER_STREAM_PREFIX: &str = "customer/";
/// The prefix of a task's stream.
pub(crate) const TASK_STREAM_PREFIX: &str = "task/";
/// The prefix of an activity's stream.
pub(crate) const ACTIVITY_STREAM_PREFIX: &str = "activity/";

fn stream_name(prefix: &str, id: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + id.len());
    s.push_str(prefix);
    s.push_str(id);
    s
}

/// The stream an opportunity's events go to.
pub fn opportunity_stream(id: &OpportunityId) -> String {
    stream_name(OPPORTUNITY_STREAM_PREFIX, id.as_str())
}

impl Event {
    /// The opportunity this event is about, if it is about one.
    pub fn opportunity(&self) -> Option<&OpportunityId> {
        match self {
            Event::OpportunityCreated { opportunity } => Some(&opportunity.id),
            Event::OpportunityUpdated { opportunity, .. }
            | Event::ChecklistChanged { opportunity, .. }
            | Event::Moved { opportunity, .. }
            | Event::ApprovalSubmitted { opportunity, .. }
            | Event::ApprovalDecided { opportunity, .. }
            | Event::ApprovalWithdrawn { opportunity, .. }
            | Event::ApprovalInvalidated { opportunity, .. } => Some(opportunity),
            _ => None,
        }
    }

    /// The stream this event belongs to.
    pub fn stream(&self) -> String {
        match self {
            Event::PipelineDefined { pipeline } | Event::PipelineEdited { pipeline, .. } => {
                stream_name("pipeline/", pipeline.id.as_str())
            }
            Event::ProcessDefined { process } => stream_name("process/", process.id.as_str()),
            Event::UserRegistered { user } => stream_name("user/", user.id.as_str()),
            Event::CustomerCreated { customer } | Event::CustomerUpdated { customer } => {
                stream_name(CUSTOMER_STREAM_PREFIX, customer.id.as_str())
            }
            Event::ContactAdded { customer, .. } => {
                stream_name(CUSTOMER_STREAM_PREFIX, customer.as_str())
            }
            Event::OpportunityCreated { opportunity } => opportunity_stream(&opportunity.id),
            Event::OpportunityUpdated { opportunity, .. }
            | Event::ChecklistChanged { opportunity, .. }
            | Event::Moved { opportunity, .. }
            | Event::ApprovalSubmitted { opportunity, .. }
            | Event::ApprovalDecided { opportunity, .. }
            | Event::ApprovalWithdrawn { opportunity, .. }
            | Event::ApprovalInvalidated { opportunity, .. } => opportunity_stream(opportunity),
            Event::ActivityLogged { activity } => {
                stream_name(ACTIVITY_STREAM_PREFIX, activity.id.as_str())
            }
            Event::TaskCreated { task } => stream_name(TASK_STREAM_PREFIX, task.id.as_str()),
            Event::TaskDone { task, .. } => stream_name(TASK_STREAM_PREFIX, task.as_str()),
            Event::ReminderRulesSet { .. } => "reminders/rules".to_owned(),
            Event::ReminderAcknowledged { reminder }
            | Event::ReminderSnoozed { reminder, .. }
            | Event::ReminderDismissed { reminder } => stream_name("reminder/", reminder.as_str()),
            Event::TargetSet { target } => stream_name("target/", target.id.as_str()),
            Event::TargetRemoved { target } => stream_name("target/", target.as_str()),
            Event::ExpensesConfigured { .. } => "expenses/settings".to_owned(),
            Event::ExpenseSubmitted { expense, .. } | Event::ExpenseResubmitted { expense, .. } => {
                stream_name("expense/", expense.id.as_str())
            }
            Event::ExpenseDecided { expense, .. } | Event::ExpenseWithdrawn { expense } => {
                stream_name("expense/", expense.as_str())
            }
            Event::SourcesConfigured { .. } => "sources/settings".to_owned(),
            Event::ForecastSnapshotTaken { snapshot } => {
                stream_name("forecast-snapshot/", snapshot.id.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_schema_is_refused_and_garbage_is_storage() {
        let ev = RecordedEvent {
            position: 1,
            stream: "task/t".into(),
            version: 1,
            at: Timestamp::from_millis(0),
            actor: "a".into(),
            schema: SCHEMA_VERSION,
            event: Event::TaskDone {
                task: "t".into(),
                done: true,
            },
        };
        let json = ev.to_json();
        assert_eq!(RecordedEvent::from_json(&json).unwrap(), ev);
        let newer = json.replace("\"schema\":1", "\"schema\":99");
        assert_eq!(
            RecordedEvent::from_json(&newer).unwrap_err().code(),
            crate::ErrorCode::UnsupportedVersion
        );
        assert_eq!(
            RecordedEvent::from_json("{nope").unwrap_err().code(),
            crate::ErrorCode::Storage
        );
    }
}
