//! Commands and their validation: `decide` turns a command into events or an error, and
//! never changes anything itself.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use smallvec::{smallvec, SmallVec};

use super::policy::{Action, Directory, Policy};
use crate::activity::{Activity, Task};
use crate::approval::{ApprovalProcess, ApprovalStatus, Decision};
use crate::customer::{Contact, Customer};
use crate::error::{Error, Problem, Result};
use crate::event::{Event, MoveKind};
use crate::gate::{self, Requirement};
use crate::id::{ActorId, CustomerId, OpportunityId, ProcessId, RequestId, StageId, TaskId};
use crate::money::Money;
use crate::opportunity::{FieldValue, NewOpportunity, Opportunity, OpportunityPatch, ProductLine};
use crate::pipeline::{Pipeline, Position, LOST, WON};
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

pub(crate) struct Ctx<'a> {
    pub state: &'a State,
    pub policy: &'a dyn Policy,
    pub actor: &'a ActorId,
    pub now: crate::clock::Timestamp,
    /// The last opportunity record the decision looked up, with the id it was looked up by:
    /// where the decided events go, without looking it up again.
    pub looked_up: std::cell::Cell<Option<(OpportunityId, &'a OpportunityRecord)>>,
}

impl<'a> Ctx<'a> {
    fn allow(&self, action: Action<'_>) -> Result<()> {
        if self
            .policy
            .allows(Directory::new(self.state), self.actor, action)
        {
            Ok(())
        } else {
            Err(Error::denied(self.actor, action.describe()))
        }
    }

    fn opp(&self, id: &OpportunityId) -> Result<&'a Opportunity> {
        let r = self
            .state
            .record(id)
            .ok_or_else(|| Error::not_found("opportunity", id))?;
        self.looked_up.set(Some((id.clone(), r)));
        Ok(&r.opportunity)
    }

    fn pipeline_of(&self, o: &Opportunity) -> Result<&Pipeline> {
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

    fn open_deal(&self, id: &OpportunityId) -> Result<&'a Opportunity> {
        let o = self.opp(id)?;
        self.allow(Action::WorkDeal { owner: &o.owner })?;
        if !o.is_open() {
            return Err(Error::transition(format!(
                "opportunity {id} is closed; reopen it first"
            )));
        }
        Ok(o)
    }
}

fn non_empty(field: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        Err(Error::validation(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// The move of `o` (found under `id`, the command's own copy of its id, which the event
/// takes: the record's copy stays untouched) to `to`.
fn moved(
    id: OpportunityId,
    o: &Opportunity,
    to: StageId,
    how: MoveKind,
    reason: Option<String>,
    competitor: Option<String>,
) -> Event {
    let from = match o.status {
        crate::opportunity::Status::Open => o.stage.clone(),
        crate::opportunity::Status::Won => StageId::new(WON),
        crate::opportunity::Status::Lost { .. } => StageId::new(LOST),
    };
    Event::Moved {
        opportunity: id,
        from,
        to,
        how,
        reason,
        competitor,
    }
}

/// Validates products against a currency and returns their total.
fn products_total(
    products: &[ProductLine],
    currency: crate::Currency,
    field: &str,
) -> Result<Money> {
    let mut total = Money::zero(currency);
    for (i, l) in products.iter().enumerate() {
        non_empty(&format!("{field}[{i}].product"), &l.product)?;
        if l.unit_price.currency() != currency {
            return Err(Error::money(format!(
                "{field}[{i}].unit_price is in {}, the opportunity in {currency}",
                l.unit_price.currency()
            )));
        }
        if l.unit_price.is_negative() {
            return Err(Error::validation(
                format!("{field}[{i}].unit_price"),
                "must not be negative",
            ));
        }
        let at = format!("{field}[{i}]");
        let line = l.total().map_err(|e| e.at(&at))?;
        total = total.checked_add(line).map_err(|e| e.at(field))?;
    }
    Ok(total)
}

fn check_contacts(
    state: &State,
    customer: &CustomerId,
    contacts: &[crate::ContactId],
) -> Result<()> {
    let c = state
        .customer(customer)
        .ok_or_else(|| Error::not_found("customer", customer))?;
    let mut seen = HashSet::new();
    for (i, id) in contacts.iter().enumerate() {
        if c.find_contact(id).is_none() {
            return Err(Error::validation(
                format!("contacts[{i}]"),
                format!("{id} is not a contact of {customer}"),
            ));
        }
        if !seen.insert(id) {
            return Err(Error::validation(
                format!("contacts[{i}]"),
                format!("duplicate contact {id}"),
            ));
        }
    }
    Ok(())
}

/// Custom-field numbers must be finite: NaN and infinities have no JSON form.
fn check_fields<'a>(
    fields: impl IntoIterator<Item = (&'a String, Option<&'a FieldValue>)>,
) -> Result<()> {
    for (name, value) in fields {
        non_empty("fields", name)?;
        if let Some(FieldValue::Number(n)) = value {
            if !n.is_finite() {
                return Err(Error::validation(
                    format!("fields.{name}"),
                    format!("{n} is not a finite number"),
                ));
            }
        }
    }
    Ok(())
}

fn check_customer(c: &Customer) -> Result<()> {
    non_empty("customer.id", c.id.as_str())?;
    non_empty("customer.name", &c.name)?;
    if c.cadence.is_some_and(|d| d.is_zero()) {
        return Err(Error::validation(
            "customer.cadence",
            "must be longer than zero",
        ));
    }
    let mut seen = HashSet::new();
    for (i, k) in c.contacts.iter().enumerate() {
        non_empty(&format!("customer.contacts[{i}].name"), &k.name)?;
        if !seen.insert(&k.id) {
            return Err(Error::validation(
                format!("customer.contacts[{i}].id"),
                format!("duplicate contact {}", k.id),
            ));
        }
    }
    Ok(())
}

/// Every problem of a pipeline definition: its own (as [`Pipeline::validate`] reports them)
/// and approval requirements naming processes the state does not define, all at once.
fn definition_problems(state: &State, p: &Pipeline) -> Vec<Problem> {
    let mut problems = p.problems();
    for (i, s) in p.stages.iter().enumerate() {
        for (r, req) in s.exit.iter().enumerate() {
            if let Requirement::Approval { process } = req {
                if state.process(process).is_none() {
                    problems.push(Problem::new(
                        format!("stages[{i}].exit[{r}].process"),
                        format!("approval process \"{process}\" is not defined"),
                    ));
                }
            }
        }
    }
    problems
}

/// The events a command decides: one inline (most commands decide exactly one, so the
/// command path allocates nothing for them), more on the heap.
pub(crate) type Events = SmallVec<[Event; 1]>;

/// Decides a command: the events it produces, or why it is refused.
pub(crate) fn decide(cx: &Ctx<'_>, cmd: Command) -> Result<Events> {
    let st = cx.state;
    match cmd {
        Command::DefinePipeline { mut pipeline } => {
            cx.allow(Action::Configure)?;
            pipeline.version = 1;
            let problems = definition_problems(st, &pipeline);
            if !problems.is_empty() {
                return Err(Error::InvalidDefinition { problems });
            }
            if st.pipeline(&pipeline.id).is_some() {
                return Err(Error::already_exists("pipeline", &pipeline.id));
            }
            Ok(smallvec![Event::PipelineDefined {
                pipeline: Box::new(pipeline),
            }])
        }
        Command::EditPipeline {
            mut pipeline,
            mapping,
        } => {
            cx.allow(Action::Configure)?;
            let current = st
                .pipeline(&pipeline.id)
                .ok_or_else(|| Error::not_found("pipeline", &pipeline.id))?;
            pipeline.version = current.version + 1;
            let mut problems = definition_problems(st, &pipeline);
            for (from, to) in &mapping {
                if pipeline.stage(from).is_some() {
                    problems.push(Problem::new(
                        format!("mapping.{from}"),
                        "the stage is kept; only removed stages are mapped",
                    ));
                } else if current.stage(from).is_none() {
                    problems.push(Problem::new(
                        format!("mapping.{from}"),
                        "no such stage in the current version",
                    ));
                }
                if pipeline.stage(to).is_none() {
                    problems.push(Problem::new(
                        format!("mapping.{from}"),
                        format!("target \"{to}\" is not a stage of the new version"),
                    ));
                }
            }
            let mut stranded: Vec<&StageId> = st
                .opportunities()
                .filter(|o| o.pipeline == pipeline.id && o.is_open())
                .map(|o| &o.stage)
                .filter(|s| pipeline.stage(s).is_none() && !mapping.contains_key(*s))
                .collect();
            stranded.sort();
            stranded.dedup();
            for s in stranded {
                problems.push(Problem::new(
                    format!("mapping.{s}"),
                    format!("stage \"{s}\" is removed but holds open opportunities: map it to a stage of the new version"),
                ));
            }
            if !problems.is_empty() {
                return Err(Error::InvalidDefinition { problems });
            }
            Ok(smallvec![Event::PipelineEdited {
                pipeline: Box::new(pipeline),
                mapping,
            }])
        }
        Command::DefineProcess { process } => {
            cx.allow(Action::Configure)?;
            process.validate()?;
            check_pending_steps(st, &process)?;
            Ok(smallvec![Event::ProcessDefined { process }])
        }
        Command::RegisterUser { user } => {
            cx.allow(Action::ManageUsers)?;
            non_empty("user.id", user.id.as_str())?;
            non_empty("user.name", &user.name)?;
            if let Some(tz) = &user.time_zone {
                non_empty("user.time_zone", tz)?;
            }
            if user.manager.as_ref() == Some(&user.id) {
                return Err(Error::validation(
                    "user.manager",
                    "a user cannot manage themselves",
                ));
            }
            Ok(smallvec![Event::UserRegistered { user }])
        }
        Command::CreateCustomer { customer } => {
            cx.allow(Action::RecordWork)?;
            check_customer(&customer)?;
            if st.customer(&customer.id).is_some() {
                return Err(Error::already_exists("customer", &customer.id));
            }
            Ok(smallvec![Event::CustomerCreated {
                customer: Box::new(customer),
            }])
        }
        Command::UpdateCustomer { customer } => {
            cx.allow(Action::RecordWork)?;
            check_customer(&customer)?;
            if st.customer(&customer.id).is_none() {
                return Err(Error::not_found("customer", &customer.id));
            }
            Ok(smallvec![Event::CustomerUpdated {
                customer: Box::new(customer),
            }])
        }
        Command::AddContact { customer, contact } => {
            cx.allow(Action::RecordWork)?;
            let c = st
                .customer(&customer)
                .ok_or_else(|| Error::not_found("customer", &customer))?;
            non_empty("contact.id", contact.id.as_str())?;
            non_empty("contact.name", &contact.name)?;
            if c.find_contact(&contact.id).is_some() {
                return Err(Error::already_exists("contact", &contact.id));
            }
            Ok(smallvec![Event::ContactAdded {
                customer,
                contact: Box::new(contact),
            }])
        }
        Command::CreateOpportunity { opportunity: mut n } => {
            cx.allow(Action::CreateOpportunity { owner: &n.owner })?;
            non_empty("id", n.id.as_str())?;
            non_empty("name", &n.name)?;
            if st.opportunity(&n.id).is_some() {
                return Err(Error::already_exists("opportunity", &n.id));
            }
            let p = st
                .pipeline(&n.pipeline)
                .ok_or_else(|| Error::not_found("pipeline", &n.pipeline))?;
            if st.customer(&n.customer).is_none() {
                return Err(Error::not_found("customer", &n.customer));
            }
            crate::management::source::check_known(st.sources(), "source", n.source.as_deref())?;
            cx.user(&n.owner, "owner")?;
            let stage = match n.stage.take() {
                None => p.stages.first().map(|s| s.id.clone()).ok_or_else(|| {
                    Error::validation("stage", format!("pipeline {} has no stage", p.id))
                })?,
                Some(s) if p.stage(&s).is_some() => s,
                Some(s) => {
                    return Err(Error::validation(
                        "stage",
                        format!("\"{s}\" is not an open stage of {}", p.id),
                    ))
                }
            };
            n.stage = Some(stage);
            let total = products_total(&n.products, n.amount.currency(), "products")?;
            if n.amount_from_products {
                n.amount = total;
            }
            if n.amount.is_negative() {
                return Err(Error::validation(
                    "amount",
                    format!("{} is negative", n.amount),
                ));
            }
            check_contacts(st, &n.customer, &n.contacts)?;
            check_fields(n.fields.iter().map(|(k, v)| (k, Some(v))))?;
            for (i, c) in n.competitors.iter().enumerate() {
                non_empty(&format!("competitors[{i}].name"), &c.name)?;
            }
            Ok(smallvec![Event::OpportunityCreated {
                opportunity: Box::new(n),
            }])
        }
        Command::UpdateOpportunity { opportunity, patch } => {
            let o = cx.open_deal(&opportunity)?;
            if patch.is_empty() {
                return Err(Error::validation("patch", "changes nothing"));
            }
            if let Some(name) = &patch.name {
                non_empty("name", name)?;
            }
            if let Some(owner) = &patch.owner {
                cx.user(owner, "owner")?;
            }
            if let Some(Some(source)) = &patch.source {
                crate::management::source::check_known(st.sources(), "source", Some(source))?;
            }
            let from_products = patch.amount_from_products.unwrap_or(o.amount_from_products);
            if from_products && patch.amount.is_some() {
                return Err(Error::validation(
                    "amount",
                    "is derived from the products; set amount_from_products to false first",
                ));
            }
            let currency = patch.amount.map_or(o.amount.currency(), Money::currency);
            let products = patch.products.as_deref().unwrap_or(&o.products);
            let total = products_total(products, currency, "products")?;
            let amount = if from_products {
                total
            } else {
                patch.amount.unwrap_or(o.amount)
            };
            if amount.is_negative() {
                return Err(Error::validation("amount", format!("{amount} is negative")));
            }
            if let Some(contacts) = &patch.contacts {
                check_contacts(st, &o.customer, contacts)?;
            }
            check_fields(patch.fields.iter().map(|(k, v)| (k, v.as_ref())))?;
            let mut events = Events::new();
            let amount_changed = amount != o.amount;
            let products_changed = patch.products.as_ref().is_some_and(|p| p != &o.products);
            if amount_changed || products_changed {
                let cause = match (amount_changed, products_changed) {
                    (true, true) => format!(
                        "amount changed from {} to {amount} and the quoted products changed",
                        o.amount
                    ),
                    (true, false) => format!("amount changed from {} to {amount}", o.amount),
                    _ => "the quoted products changed".to_owned(),
                };
                for r in &o.approvals {
                    let lapses = st
                        .process(&r.process)
                        .is_some_and(|p| p.invalidate_on_change);
                    if r.status == ApprovalStatus::Approved && lapses {
                        events.push(Event::ApprovalInvalidated {
                            opportunity: o.id.clone(),
                            request: r.id.clone(),
                            cause: cause.clone(),
                        });
                    }
                }
            }
            events.insert(
                0,
                Event::OpportunityUpdated {
                    opportunity,
                    patch: Box::new(patch),
                    amount,
                },
            );
            Ok(events)
        }
        Command::Tick { opportunity, item } => checklist(cx, opportunity, item, true),
        Command::Untick { opportunity, item } => checklist(cx, opportunity, item, false),
        Command::Advance { opportunity, to } => {
            let o = cx.open_deal(&opportunity)?;
            let p = cx.pipeline_of(o)?;
            // The current stage and the target are looked up once, for the gates and the skip.
            let route = gate::route(p, o, &to)?;
            let v = gate::verdict_on(&p.stages[route.clone()], cx.state.gate_context(o));
            refuse_skip(o, p, &to, route)?;
            if !v.met {
                return Err(gate_refusal(
                    gate::evaluate(p, cx.state.gate_context(o), &to)?,
                    o,
                    &to,
                ));
            }
            let how = match (v.any, v.approval) {
                (false, _) => MoveKind::Simple,
                (true, true) => MoveKind::Approved,
                (true, false) => MoveKind::SubGoal,
            };
            Ok(smallvec![moved(opportunity, o, to, how, None, None)])
        }
        Command::Win { opportunity } => decide(
            cx,
            Command::Advance {
                opportunity,
                to: StageId::new(WON),
            },
        ),
        Command::ForceAdvance {
            opportunity,
            to,
            reason,
        } => {
            let o = cx.opp(&opportunity)?;
            cx.allow(Action::Force { owner: &o.owner })?;
            let o = cx.open_deal(&opportunity)?;
            non_empty("reason", &reason)?;
            let p = cx.pipeline_of(o)?;
            gate::route(p, o, &to)?; // the target must be ahead
            Ok(smallvec![moved(
                opportunity,
                o,
                to,
                MoveKind::Forced,
                Some(reason),
                None
            )])
        }
        Command::MoveBack {
            opportunity,
            to,
            reason,
        } => {
            let o = cx.open_deal(&opportunity)?;
            let p = cx.pipeline_of(o)?;
            let here = p
                .stage_index(&o.stage)
                .ok_or_else(|| Error::not_found("stage", &o.stage))?;
            match p.position(&to) {
                Some(Position::Open(j)) if j < here => {}
                Some(_) => {
                    return Err(Error::transition(format!("{to} is not before {}", o.stage)))
                }
                None => return Err(Error::not_found("stage", &to)),
            }
            Ok(smallvec![moved(
                opportunity,
                o,
                to,
                MoveKind::Back,
                reason.filter(|r| !r.trim().is_empty()),
                None,
            )])
        }
        Command::Lose {
            opportunity,
            reason,
            competitor,
        } => {
            let o = cx.open_deal(&opportunity)?;
            let p = cx.pipeline_of(o)?;
            non_empty("reason", &reason)?;
            if !p.lost_reasons.is_empty() && !p.lost_reasons.contains(&reason) {
                return Err(Error::validation(
                    "reason",
                    format!(
                        "\"{reason}\" is not a configured lost reason ({})",
                        p.lost_reasons.join(", ")
                    ),
                ));
            }
            if let Some(c) = &competitor {
                non_empty("competitor", c)?;
            }
            Ok(smallvec![moved(
                opportunity,
                o,
                StageId::new(LOST),
                MoveKind::Lost,
                Some(reason),
                competitor,
            )])
        }
        Command::Reopen {
            opportunity,
            stage,
            reason,
        } => {
            let o = cx.opp(&opportunity)?;
            cx.allow(Action::WorkDeal { owner: &o.owner })?;
            if o.is_open() {
                return Err(Error::transition(format!(
                    "opportunity {opportunity} is open"
                )));
            }
            non_empty("reason", &reason)?;
            let p = cx.pipeline_of(o)?;
            let stage = stage.unwrap_or_else(|| o.stage.clone());
            if p.stage(&stage).is_none() {
                return Err(Error::validation(
                    "stage",
                    format!("\"{stage}\" is not an open stage of {}", p.id),
                ));
            }
            Ok(smallvec![moved(
                opportunity,
                o,
                stage,
                MoveKind::Reopened,
                Some(reason),
                None,
            )])
        }
        Command::SubmitApproval {
            opportunity,
            process,
            request,
        } => {
            let o = cx.open_deal(&opportunity)?;
            non_empty("request", request.as_str())?;
            decidable(st, &process, cx.actor, None)?;
            if o.approvals.iter().any(|r| r.id == request) {
                return Err(Error::already_exists("approval request", &request));
            }
            if let Some(r) = o.latest_request(&process) {
                match r.status {
                    ApprovalStatus::Pending => {
                        return Err(Error::ApprovalPending {
                            request: r.id.to_string(),
                            message: format!("a \"{process}\" request is already waiting"),
                        })
                    }
                    ApprovalStatus::Approved => {
                        return Err(Error::transition(format!(
                            "\"{process}\" is already approved ({})",
                            r.id
                        )))
                    }
                    _ => {}
                }
            }
            Ok(smallvec![Event::ApprovalSubmitted {
                opportunity,
                request,
                process,
            }])
        }
        Command::DecideApproval {
            opportunity,
            request,
            decision,
            comment,
        } => {
            let o = cx.opp(&opportunity)?;
            let r = request_of(o, &request)?;
            let p = st
                .process(&r.process)
                .ok_or_else(|| Error::not_found("approval process", &r.process))?;
            r.check_decider(p, cx.actor)?;
            cx.allow(Action::Decide)?;
            if decision == Decision::Reject && comment.trim().is_empty() {
                return Err(Error::validation("comment", "a rejection needs a comment"));
            }
            Ok(smallvec![Event::ApprovalDecided {
                opportunity,
                request,
                decision,
                comment,
            }])
        }
        Command::WithdrawApproval {
            opportunity,
            request,
        } => {
            let o = cx.open_deal(&opportunity)?;
            let r = request_of(o, &request)?;
            if r.status != ApprovalStatus::Pending {
                return Err(Error::transition(format!(
                    "approval {request} is not pending"
                )));
            }
            Ok(smallvec![Event::ApprovalWithdrawn {
                opportunity,
                request,
            }])
        }
        Command::ResubmitApproval {
            opportunity,
            request,
        } => {
            let o = cx.open_deal(&opportunity)?;
            let r = request_of(o, &request)?;
            match r.status {
                ApprovalStatus::Rejected
                | ApprovalStatus::Withdrawn
                | ApprovalStatus::Invalidated => {}
                ApprovalStatus::Pending => {
                    return Err(Error::ApprovalPending {
                        request: request.to_string(),
                        message: "is still waiting".to_owned(),
                    })
                }
                _ => {
                    return Err(Error::transition(format!(
                        "approval {request} is approved; nothing to resubmit"
                    )))
                }
            }
            if o.approvals.iter().any(|x| {
                x.process == r.process && x.id != r.id && x.status == ApprovalStatus::Pending
            }) {
                return Err(Error::ApprovalPending {
                    request: request.to_string(),
                    message: format!("another \"{}\" request is waiting", r.process),
                });
            }
            decidable(st, &r.process, cx.actor, None)?;
            let process = r.process.clone();
            Ok(smallvec![Event::ApprovalSubmitted {
                opportunity,
                request,
                process,
            }])
        }
        Command::LogActivity { mut activity } => {
            cx.allow(Action::RecordWork)?;
            non_empty("activity.id", activity.id.as_str())?;
            non_empty("activity.kind", &activity.kind)?;
            if st.activity(&activity.id).is_some() {
                return Err(Error::already_exists("activity", &activity.id));
            }
            let c = st
                .customer(&activity.customer)
                .ok_or_else(|| Error::not_found("customer", &activity.customer))?;
            if let Some(k) = &activity.contact {
                if c.find_contact(k).is_none() {
                    return Err(Error::validation(
                        "activity.contact",
                        format!("{k} is not a contact of {}", c.id),
                    ));
                }
            }
            if let Some(oid) = &activity.opportunity {
                let o = cx.opp(oid)?;
                if o.customer != activity.customer {
                    return Err(Error::validation(
                        "activity.opportunity",
                        format!("{oid} belongs to {}, not {}", o.customer, activity.customer),
                    ));
                }
            }
            activity.at.check("activity.at")?;
            if let Some(f) = activity.next_follow_up {
                f.check("activity.next_follow_up")?;
                if f < activity.at {
                    return Err(Error::validation(
                        "activity.next_follow_up",
                        format!("{f} is before the activity ({})", activity.at),
                    ));
                }
            }
            activity.actor.get_or_insert_with(|| cx.actor.clone());
            Ok(smallvec![Event::ActivityLogged {
                activity: Box::new(activity),
            }])
        }
        Command::CreateTask { task } => {
            cx.allow(Action::RecordWork)?;
            non_empty("task.id", task.id.as_str())?;
            non_empty("task.title", &task.title)?;
            if st.task(&task.id).is_some() {
                return Err(Error::already_exists("task", &task.id));
            }
            cx.user(&task.owner, "task.owner")?;
            task.due.check("task.due")?;
            if let Some(c) = &task.customer {
                if st.customer(c).is_none() {
                    return Err(Error::not_found("customer", c));
                }
            }
            if let Some(o) = &task.opportunity {
                cx.opp(o)?;
            }
            if task.done {
                return Err(Error::validation(
                    "task.done",
                    "a new task is open; complete it afterwards",
                ));
            }
            Ok(smallvec![Event::TaskCreated {
                task: Box::new(task),
            }])
        }
        Command::CompleteTask { task } => task_done(cx, task, true),
        Command::ReopenTask { task } => task_done(cx, task, false),
        cmd @ (Command::SetReminderRules { .. }
        | Command::AcknowledgeReminder { .. }
        | Command::SnoozeReminder { .. }
        | Command::DismissReminder { .. }) => {
            super::reminders::decide(st, cx.policy, cx.actor, cmd).map(Events::from_vec)
        }
        cmd @ (Command::SetTarget { .. }
        | Command::RemoveTarget { .. }
        | Command::ConfigureSources { .. }
        | Command::ConfigureExpenses { .. }
        | Command::SubmitExpense { .. }
        | Command::DecideExpense { .. }
        | Command::WithdrawExpense { .. }
        | Command::ResubmitExpense { .. }
        | Command::TakeForecastSnapshot { .. }) => decide_management(cx, cmd),
    }
}

/// The sales-management commands (targets, sources, expenses, forecast snapshots), apart from
/// the pipeline commands so that their larger bodies stay out of the hot path's frame.
#[inline(never)]
fn decide_management(cx: &Ctx<'_>, cmd: Command) -> Result<Events> {
    let st = cx.state;
    match cmd {
        Command::SetTarget { target } => {
            cx.allow(Action::SetTarget {
                scope: &target.scope,
            })?;
            if let Some(previous) = st.target(&target.id) {
                // replacing a target moves it: the actor must also hold its old scope
                cx.allow(Action::SetTarget {
                    scope: &previous.scope,
                })?;
            }
            super::checks::check_new_target(st, &target)?;
            Ok(smallvec![Event::TargetSet { target }])
        }
        Command::RemoveTarget { target } => {
            let t = st
                .target(&target)
                .ok_or_else(|| Error::not_found("target", &target))?;
            cx.allow(Action::SetTarget { scope: &t.scope })?;
            Ok(smallvec![Event::TargetRemoved { target }])
        }
        Command::ConfigureSources { sources } => {
            cx.allow(Action::Configure)?;
            crate::management::source::check_sources(&sources)?;
            Ok(smallvec![Event::SourcesConfigured { sources }])
        }
        Command::ConfigureExpenses { settings } => {
            cx.allow(Action::Configure)?;
            super::checks::check_expense_settings(st, &settings)?;
            Ok(smallvec![Event::ExpensesConfigured { settings }])
        }
        Command::SubmitExpense { expense } => {
            cx.user(&expense.rep, "expense.rep")?;
            cx.allow(Action::Expense { rep: &expense.rep })?;
            let process = super::checks::check_new_expense(st, &expense)?;
            decidable(st, &process, cx.actor, Some(&expense.rep))?;
            Ok(smallvec![Event::ExpenseSubmitted {
                expense: Box::new(expense),
                process,
            }])
        }
        Command::DecideExpense {
            expense,
            decision,
            comment,
        } => {
            let x = expense_of(st, &expense)?;
            let p = st
                .process(&x.request.process)
                .ok_or_else(|| Error::not_found("approval process", &x.request.process))?;
            x.request.check_decider(p, cx.actor)?;
            if cx.actor == &x.expense.rep {
                return Err(Error::denied(
                    cx.actor,
                    format!("decide their own expense {expense}"),
                ));
            }
            cx.allow(Action::Decide)?;
            if decision == Decision::Reject && comment.trim().is_empty() {
                return Err(Error::validation("comment", "a rejection needs a comment"));
            }
            Ok(smallvec![Event::ExpenseDecided {
                expense,
                decision,
                comment,
            }])
        }
        Command::WithdrawExpense { expense } => {
            let x = expense_of(st, &expense)?;
            cx.allow(Action::Expense {
                rep: &x.expense.rep,
            })?;
            if x.request.status != ApprovalStatus::Pending {
                return Err(Error::transition(format!(
                    "expense {expense} is {:?}, not pending",
                    x.status()
                )));
            }
            Ok(smallvec![Event::ExpenseWithdrawn { expense }])
        }
        Command::ResubmitExpense {
            expense,
            amount,
            note,
        } => {
            let x = expense_of(st, &expense)?;
            cx.allow(Action::Expense {
                rep: &x.expense.rep,
            })?;
            match x.status() {
                crate::management::expense::ExpenseStatus::Rejected
                | crate::management::expense::ExpenseStatus::Withdrawn => {}
                other => {
                    return Err(Error::transition(format!(
                        "expense {expense} is {other:?}; only a rejected or withdrawn expense is resubmitted"
                    )))
                }
            }
            let mut amended = x.expense.clone();
            if let Some(a) = amount {
                amended.amount = a;
            }
            if let Some(n) = note {
                amended.note = n;
            }
            let process = super::checks::check_expense_fields(st, &amended)?;
            decidable(st, &process, cx.actor, Some(&amended.rep))?;
            Ok(smallvec![Event::ExpenseResubmitted {
                expense: Box::new(amended),
                process,
            }])
        }
        Command::TakeForecastSnapshot {
            id,
            period,
            currency,
        } => {
            cx.allow(Action::TakeForecastSnapshot)?;
            if st.forecast_snapshot(&id).is_some() {
                return Err(Error::already_exists("forecast snapshot", &id));
            }
            let snapshot = super::checks::take_snapshot(st, id, period, currency, cx.now)?;
            Ok(smallvec![Event::ForecastSnapshotTaken { snapshot }])
        }
        other => Err(Error::validation(
            "command",
            format!("{other:?} is not a sales-management command"),
        )),
    }
}

fn expense_of<'a>(
    st: &'a State,
    id: &crate::id::ExpenseId,
) -> Result<&'a crate::management::expense::ExpenseRecord> {
    st.expense(id)
        .ok_or_else(|| Error::not_found("expense", id))
}

fn request_of<'a>(o: &'a Opportunity, id: &RequestId) -> Result<&'a crate::ApprovalRequest> {
    o.approvals
        .iter()
        .find(|r| &r.id == id)
        .ok_or_else(|| Error::not_found("approval request", id))
}

fn checklist(
    cx: &Ctx<'_>,
    opportunity: OpportunityId,
    item: String,
    ticked: bool,
) -> Result<Events> {
    let o = cx.open_deal(&opportunity)?;
    non_empty("item", &item)?;
    if o.checklist.contains(&item) == ticked {
        let state = if ticked {
            "already ticked"
        } else {
            "not ticked"
        };
        return Err(Error::validation("item", format!("\"{item}\" is {state}")));
    }
    Ok(smallvec![Event::ChecklistChanged {
        opportunity,
        item,
        ticked,
    }])
}

/// Refuses a new definition of a process that would strand pending requests: one waiting at
/// a step the new definition no longer has could never be decided. The error lists them.
fn check_pending_steps(st: &State, process: &ApprovalProcess) -> Result<()> {
    let steps = process.steps.len();
    let stranded = |r: &&crate::approval::ApprovalRequest| {
        r.process == process.id && r.status == ApprovalStatus::Pending && r.step >= steps
    };
    let mut ids: Vec<String> = st
        .opportunities()
        .flat_map(|o| o.approvals.iter())
        .chain(st.expenses().map(|x| &x.request))
        .filter(stranded)
        .map(|r| format!("{} (step {})", r.id, r.step + 1))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort();
    Err(Error::validation(
        "process.steps",
        format!(
            "{} pending request(s) wait at a step this definition removes: {}; decide or withdraw them first",
            ids.len(),
            ids.join(", ")
        ),
    ))
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

fn task_done(cx: &Ctx<'_>, id: TaskId, done: bool) -> Result<Events> {
    let t = cx
        .state
        .task(&id)
        .ok_or_else(|| Error::not_found("task", &id))?;
    cx.allow(Action::WorkTask { owner: &t.owner })?;
    if t.done == done {
        let state = if done { "already done" } else { "not done" };
        return Err(Error::transition(format!("task {id} is {state}")));
    }
    Ok(smallvec![Event::TaskDone { task: id, done }])
}

/// The error for an unmet gate: `ApprovalPending` when all that is missing is a decision on
/// pending approvals, `GateNotMet` with the report otherwise.
fn gate_refusal(report: gate::GateReport, o: &Opportunity, to: &StageId) -> Error {
    let mut pending = None;
    let all_pending = report.missing().all(|i| match &i.requirement {
        Requirement::Approval { process } => match o.latest_request(process) {
            Some(r) if r.status == ApprovalStatus::Pending => {
                pending.get_or_insert((r.id.clone(), process.clone()));
                true
            }
            _ => false,
        },
        _ => false,
    });
    match pending {
        Some((request, process)) if all_pending => Error::ApprovalPending {
            request: request.to_string(),
            message: format!("cannot reach {to} before \"{process}\" is decided"),
        },
        _ => Error::GateNotMet {
            report: Box::new(report),
        },
    }
}

/// Refuses a forward move over more than one stage (`route`, from [`gate::route`]) when the
/// pipeline does not allow skipping.
fn refuse_skip(
    o: &Opportunity,
    p: &Pipeline,
    to: &StageId,
    route: std::ops::Range<usize>,
) -> Result<()> {
    if !p.allow_skip && route.end > route.start + 1 {
        return Err(Error::transition(format!(
            "moving from {} to {to} skips stages and pipeline {} does not allow skipping; advance one stage at a time or force",
            o.stage, p.id
        )));
    }
    Ok(())
}
