//! Commands and their validation: `decide` turns a command into events or an error, and
//! never changes anything itself. It routes each command to the aggregate it concerns, one
//! module each: [`pipeline`] (pipelines and approval processes), [`user`], [`customer`]
//! (customers, contacts, activities, tasks), [`opportunity`], [`approval`] (an opportunity's
//! approval requests), [`reminders`] and [`management`] (targets, expenses, sources,
//! forecast snapshots).

mod approval;
mod customer;
mod management;
mod opportunity;
mod pipeline;
mod reminders;
mod user;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::policy::{Action, Directory, Policy};
use super::reminders::ReminderIndex;
use crate::activity::{Activity, Task};
use crate::approval::{ApprovalProcess, Decision};
use crate::customer::{Contact, Customer};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::{ActorId, CustomerId, OpportunityId, ProcessId, RequestId, StageId, TaskId};
use crate::money::Money;
use crate::opportunity::{NewOpportunity, Opportunity, OpportunityPatch};
use crate::pipeline::Pipeline;
use crate::state::{OpportunityRecord, State};
use crate::user::User;

/// Everything one can ask the engine to do. JSON: `{"type": "advance", "opportunity": "opp-1",
/// "to": "demo"}`; the conformance scenarios and the bindings speak it.
///
/// ```
/// use salespipe::Command;
/// let c: Command = serde_json::from_str(r#"{"type":"advance","opportunity":"opp-1","to":"demo"}"#).unwrap();
/// assert!(matches!(c, Command::Advance { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// Define a new pipeline (version 1).
    DefinePipeline {
        /// The definition.
        pipeline: Pipeline,
    },
    /// Replace a pipeline by a new version; removed stages holding open opportunities need a
    /// mapping to a stage of the new version.
    EditPipeline {
        /// The new definition (its version is set by the engine).
        pipeline: Pipeline,
        /// Removed stage → new stage.
        #[serde(default)]
        mapping: BTreeMap<StageId, StageId>,
    },
    /// Define or replace an approval process.
    DefineProcess {
        /// The definition.
        process: ApprovalProcess,
    },
    /// Register or update a user.
    RegisterUser {
        /// The user.
        user: User,
    },
    /// Create a customer (with its contacts).
    CreateCustomer {
        /// The customer.
        customer: Customer,
    },
    /// Update a customer's details (its contacts are kept; add contacts with `add_contact`).
    UpdateCustomer {
        /// The new details.
        customer: Customer,
    },
    /// Add a contact to a customer.
    AddContact {
        /// The customer.
        customer: CustomerId,
        /// The contact.
        contact: Contact,
    },
    /// Create an opportunity.
    CreateOpportunity {
        /// The input.
        opportunity: NewOpportunity,
    },
    /// Change an opportunity's data.
    UpdateOpportunity {
        /// Which.
        opportunity: OpportunityId,
        /// What changes.
        patch: OpportunityPatch,
    },
    /// Tick a checklist item.
    Tick {
        /// Which opportunity.
        opportunity: OpportunityId,
        /// The item.
        item: String,
    },
    /// Untick a checklist item.
    Untick {
        /// Which opportunity.
        opportunity: OpportunityId,
        /// The item.
        item: String,
    },
    /// Advance through the gates to a later stage or to `won`.
    Advance {
        /// Which.
        opportunity: OpportunityId,
        /// The target stage.
        to: StageId,
    },
    /// Advance over unmet requirements (managers only), with a mandatory reason.
    ForceAdvance {
        /// Which.
        opportunity: OpportunityId,
        /// The target stage or `won`.
        to: StageId,
        /// Why.
        reason: String,
    },
    /// Move back to an earlier stage.
    MoveBack {
        /// Which.
        opportunity: OpportunityId,
        /// The earlier stage.
        to: StageId,
        /// Why.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Win: an advance to `won` through the gates of every remaining stage.
    Win {
        /// Which.
        opportunity: OpportunityId,
    },
    /// Lose, for a configured reason, perhaps to a competitor.
    Lose {
        /// Which.
        opportunity: OpportunityId,
        /// The reason (one of the pipeline's `lost_reasons` when it lists any).
        reason: String,
        /// The competitor who won.
        #[serde(default)]
        competitor: Option<String>,
    },
    /// Reopen a won or lost opportunity into an open stage (default: its last stage).
    Reopen {
        /// Which.
        opportunity: OpportunityId,
        /// The stage to reopen into.
        #[serde(default)]
        stage: Option<StageId>,
        /// Why.
        reason: String,
    },
    /// Submit an approval request.
    SubmitApproval {
        /// The subject.
        opportunity: OpportunityId,
        /// The process.
        process: ProcessId,
        /// The request's id, chosen by the host.
        request: RequestId,
    },
    /// Approve or reject the current step of a request.
    DecideApproval {
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
    /// Withdraw a pending request.
    WithdrawApproval {
        /// The subject.
        opportunity: OpportunityId,
        /// The request.
        request: RequestId,
    },
    /// Resubmit a rejected, withdrawn or lapsed request; it starts again at step one.
    ResubmitApproval {
        /// The subject.
        opportunity: OpportunityId,
        /// The request.
        request: RequestId,
    },
    /// Log an activity.
    LogActivity {
        /// The activity.
        activity: Activity,
    },
    /// Create a task.
    CreateTask {
        /// The task.
        task: Task,
    },
    /// Mark a task done.
    CompleteTask {
        /// Which.
        task: TaskId,
    },
    /// Reopen a done task.
    ReopenTask {
        /// Which.
        task: TaskId,
    },
    /// Replace the reminder rules.
    SetReminderRules {
        /// The rules.
        rules: crate::reminder::ReminderRules,
    },
    /// Acknowledge a reminder (seen; its escalation stays).
    AcknowledgeReminder {
        /// Which.
        reminder: crate::reminder::ReminderId,
    },
    /// Snooze a reminder until a later instant.
    SnoozeReminder {
        /// Which.
        reminder: crate::reminder::ReminderId,
        /// When it comes back (after now).
        until: crate::clock::Timestamp,
    },
    /// Dismiss a reminder and its escalation.
    DismissReminder {
        /// Which.
        reminder: crate::reminder::ReminderId,
    },
    /// Set a revenue target, or replace the one with the same id.
    SetTarget {
        /// The target.
        target: crate::management::target::Target,
    },
    /// Remove a revenue target.
    RemoveTarget {
        /// Which.
        target: crate::id::TargetId,
    },
    /// Set the expense categories and the approval process of expenses.
    ConfigureExpenses {
        /// The settings.
        settings: crate::management::expense::ExpenseSettings,
    },
    /// Submit an expense for approval.
    SubmitExpense {
        /// The expense.
        expense: crate::management::expense::Expense,
    },
    /// Approve or reject the current step of an expense (a rejection needs a comment).
    DecideExpense {
        /// Which.
        expense: crate::id::ExpenseId,
        /// Approve or reject.
        decision: Decision,
        /// Comment.
        #[serde(default)]
        comment: String,
    },
    /// Withdraw a pending expense.
    WithdrawExpense {
        /// Which.
        expense: crate::id::ExpenseId,
    },
    /// Resubmit a rejected or withdrawn expense, perhaps with a corrected amount or note.
    ResubmitExpense {
        /// Which.
        expense: crate::id::ExpenseId,
        /// The corrected amount.
        #[serde(default)]
        amount: Option<Money>,
        /// The corrected note.
        #[serde(default)]
        note: Option<String>,
    },
    /// Set the list of sources (来源) opportunities and expenses may carry.
    ConfigureSources {
        /// The sources, in display order.
        sources: Vec<crate::management::source::Source>,
    },
    /// Freeze the forecast of a period, per rep, now ([`crate::management::snapshot`]).
    TakeForecastSnapshot {
        /// Chosen by the host; must be new.
        id: crate::id::SnapshotId,
        /// The period forecast (must not have ended).
        period: crate::management::target::Period,
        /// The currency (absent: the one the period's targets share).
        #[serde(default)]
        currency: Option<crate::money::Currency>,
    },
}

/// What a command is decided against: the state, the policy, the actor and the time.
pub(crate) struct Ctx<'a> {
    pub state: &'a State,
    pub policy: &'a dyn Policy,
    pub actor: &'a ActorId,
    /// The actor's user, looked up once per command (`None`: not registered).
    pub user: Option<&'a User>,
    pub now: crate::clock::Timestamp,
    /// The engine's reminder index, built on first use: only the reminder commands read it.
    pub reminders: &'a OnceLock<ReminderIndex>,
}

impl<'a> Ctx<'a> {
    fn allow(&self, action: Action<'_>) -> Result<()> {
        let dir = match self.user {
            Some(u) => Directory::knowing(self.state, u),
            None => Directory::new(self.state),
        };
        if self.policy.allows(dir, self.actor, action) {
            Ok(())
        } else {
            Err(Error::denied(self.actor, action.describe()))
        }
    }

    /// The reminder index (the engine's own, built here if no query built it yet).
    fn reminder_index(&self) -> &'a ReminderIndex {
        self.reminders
            .get_or_init(|| ReminderIndex::build(self.state))
    }

    /// An opportunity with what the state keeps beside it.
    fn record(&self, id: &OpportunityId) -> Result<&'a OpportunityRecord> {
        self.state
            .record(id)
            .ok_or_else(|| Error::not_found("opportunity", id))
    }

    fn opp(&self, id: &OpportunityId) -> Result<&'a Opportunity> {
        self.record(id).map(|r| &r.opportunity)
    }

    fn pipeline_of(&self, o: &Opportunity) -> Result<&'a Pipeline> {
        self.state
            .pipeline(&o.pipeline)
            .ok_or_else(|| Error::not_found("pipeline", &o.pipeline))
    }

    fn user(&self, id: &ActorId, field: &str) -> Result<()> {
        if self.state.user(id).is_some() {
            Ok(())
        } else {
            Err(Error::not_found_at("user", id, field))
        }
    }

    /// The record of an open opportunity the actor may work on.
    fn open_deal(&self, id: &OpportunityId) -> Result<&'a OpportunityRecord> {
        let r = self.record(id)?;
        let o = &r.opportunity;
        self.allow(Action::WorkDeal { owner: &o.owner })?;
        if !o.is_open() {
            return Err(Error::transition(format!(
                "opportunity {id} is closed; reopen it first"
            )));
        }
        Ok(r)
    }
}

/// The events a command decides: one inline (most commands decide exactly one, so the
/// command path allocates nothing for them), more on the heap.
pub(crate) type Events = SmallVec<[Event; 1]>;

/// What a command decided: its events and, for a command on one opportunity, the record
/// the decision read with the id it read it by: where the events go, without looking it up
/// again (see [`State::stream_of`]).
pub(crate) struct Decided<'a> {
    pub events: Events,
    pub target: Option<(OpportunityId, &'a OpportunityRecord)>,
}

impl<'a> Decided<'a> {
    /// Events on the opportunity `target` names.
    fn on(target: (OpportunityId, &'a OpportunityRecord), events: Events) -> Self {
        Decided {
            events,
            target: Some(target),
        }
    }
}

impl From<Events> for Decided<'_> {
    fn from(events: Events) -> Self {
        Decided {
            events,
            target: None,
        }
    }
}

/// Refuses an actor who is not a registered user, but for the very first command of an
/// engine without users, which must register an admin (the bootstrap: it happens once, and
/// from then on there is always an admin, see [`user::register`]). This holds whatever the
/// [`Policy`]: a policy decides what a known user may do, not who is known.
fn check_actor(cx: &Ctx<'_>, cmd: &Command) -> Result<()> {
    if cx.user.is_some() {
        return Ok(());
    }
    if cx.state.users().next().is_some() {
        return Err(Error::denied(
            cx.actor,
            "act: not a registered user (register_user them first)",
        ));
    }
    match cmd {
        Command::RegisterUser { user } if user.role == crate::user::Role::Admin => Ok(()),
        _ => Err(Error::denied(
            cx.actor,
            "act on an engine without users: its first command registers an admin",
        )),
    }
}

/// Decides a command: the events it produces, or why it is refused.
pub(crate) fn decide<'a>(cx: &Ctx<'a>, cmd: Command) -> Result<Decided<'a>> {
    check_actor(cx, &cmd)?;
    match cmd {
        cmd @ (Command::DefinePipeline { .. }
        | Command::EditPipeline { .. }
        | Command::DefineProcess { .. }) => pipeline::decide(cx, cmd).map(Decided::from),
        Command::RegisterUser { user } => user::register(cx, user).map(Decided::from),
        cmd @ (Command::CreateCustomer { .. }
        | Command::UpdateCustomer { .. }
        | Command::AddContact { .. }
        | Command::LogActivity { .. }
        | Command::CreateTask { .. }
        | Command::CompleteTask { .. }
        | Command::ReopenTask { .. }) => customer::decide(cx, cmd).map(Decided::from),
        cmd @ (Command::CreateOpportunity { .. }
        | Command::UpdateOpportunity { .. }
        | Command::Tick { .. }
        | Command::Untick { .. }
        | Command::Advance { .. }
        | Command::Win { .. }
        | Command::ForceAdvance { .. }
        | Command::MoveBack { .. }
        | Command::Lose { .. }
        | Command::Reopen { .. }) => opportunity::decide(cx, cmd),
        cmd @ (Command::SubmitApproval { .. }
        | Command::DecideApproval { .. }
        | Command::WithdrawApproval { .. }
        | Command::ResubmitApproval { .. }) => approval::decide(cx, cmd),
        cmd @ (Command::SetReminderRules { .. }
        | Command::AcknowledgeReminder { .. }
        | Command::SnoozeReminder { .. }
        | Command::DismissReminder { .. }) => reminders::decide(cx, cmd).map(Decided::from),
        cmd @ (Command::SetTarget { .. }
        | Command::RemoveTarget { .. }
        | Command::ConfigureSources { .. }
        | Command::ConfigureExpenses { .. }
        | Command::SubmitExpense { .. }
        | Command::DecideExpense { .. }
        | Command::WithdrawExpense { .. }
        | Command::ResubmitExpense { .. }
        | Command::TakeForecastSnapshot { .. }) => management::decide(cx, cmd).map(Decided::from),
    }
}

/// The refusal of a command [`decide`] routed to another aggregate's `decide`.
fn misrouted(cmd: Command, aggregate: &str) -> Error {
    Error::validation("command", format!("{cmd:?} is not {aggregate} command"))
}

fn non_empty(field: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        Err(Error::validation(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Refuses a (re)submission to `process` by `submitter` that nobody could decide (see
/// [`ApprovalProcess::check_decidable`]; `also_barred` is an expense's rep).
fn decidable(
    st: &State,
    process: &ProcessId,
    submitter: &ActorId,
    also_barred: Option<&ActorId>,
) -> Result<()> {
    st.process(process)
        .ok_or_else(|| Error::not_found("approval process", process))?
        .check_decidable(submitter, also_barred)
}
