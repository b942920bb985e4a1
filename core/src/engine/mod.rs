//! The engine: commands in, events out, state as their fold.

mod command;
mod funnel;
mod policy;
mod reminders;
mod rows;

use std::sync::Arc;

use chrono::NaiveDate;

pub use command::Command;
pub use policy::{Action, DefaultPolicy, Directory, Policy};
pub use reminders::{scan, ReminderIndex};

use crate::state::{State, TimelineEntry};

use crate::activity::{Activity, Task};
use crate::approval::{ApprovalProcess, Decision};
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::customer::{Contact, Customer};
use crate::error::{Error, Result};
use crate::event::{NewEvent, RecordedEvent};
use crate::gate::GateReport;
use crate::id::{
    ActivityId, ActorId, CustomerId, OpportunityId, PipelineId, ProcessId, RequestId, StageId,
    TaskId,
};
use crate::opportunity::{NewOpportunity, Opportunity, OpportunityPatch};
use crate::pipeline::Pipeline;
use crate::store::{EventStore, InMemoryStore};
use crate::user::User;

/// The sales-pipeline engine.
///
/// Every command names its actor, is checked by the [`Policy`], validated against the current
/// state, turned into events and appended to the [`EventStore`] in one atomic step with the
/// stream's expected version. A refused command changes nothing. Before each command the
/// engine folds in what other engines sharing the store appended, so two engines on one store
/// stay consistent: when both change the same opportunity, one wins and the other gets
/// [`Error::Conflict`].
///
/// ```
/// use salespipe::*;
/// let clock = ManualClock::new("2026-03-02T01:00:00Z".parse()?);
/// let mut engine = Engine::builder().clock(clock.clone()).build()?;
/// engine.register_user("boss", User::new("boss", "Boss", Role::Admin))?;
/// engine.register_user("boss", User::new("wang", "王芳", Role::Rep).managed_by("boss"))?;
/// engine.define_pipeline("boss", Pipeline::builder("sales", "Sales")
///     .stage(Stage::new("qualify", "识别潜在客户", 0.1).requires(Requirement::checklist("budget confirmed")))
///     .stage(Stage::new("demo", "产品演示", 0.3))
///     .build()?)?;
/// engine.create_customer("wang", Customer::new("acme", "Acme"))?;
/// engine.create_opportunity("wang", NewOpportunity::new("opp-1", "sales", "acme", "wang",
///     "Acme ERP", Money::parse("120000", "CNY")?))?;
///
/// let err = engine.advance("wang", "opp-1", "demo").unwrap_err();
/// assert_eq!(err.code(), ErrorCode::GateNotMet);
/// engine.tick("wang", "opp-1", "budget confirmed")?;
/// engine.advance("wang", "opp-1", "demo")?;
/// assert_eq!(engine.opportunity(&"opp-1".into())?.stage.as_str(), "demo");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    store: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<dyn Policy>,
    state: State,
    indexes: Indexes,
}

/// The derived indexes, each built on its first query and then kept up to date on every
/// event: hosts that never ask for reminders or daily reports do not pay for them.
#[derive(Debug, Default)]
struct Indexes {
    reminders: std::sync::OnceLock<ReminderIndex>,
    daily: std::sync::OnceLock<crate::management::daily::DailyIndex>,
}

impl Indexes {
    /// Folds one event into the state and every built index: the one place where the
    /// engine's in-memory views learn of an event.
    fn fold(&mut self, state: &mut State, e: &RecordedEvent) {
        if let Some(daily) = self.daily.get_mut() {
            // The facts of an event are read against the state before it.
            for row in rows::daily(state, e) {
                daily.insert(row);
            }
        }
        state.apply(e);
        if let Some(index) = self.reminders.get_mut() {
            index.apply(state, e);
        }
    }
}

/// Configures an [`Engine`]: store, clock and policy.
#[derive(Debug)]
pub struct EngineBuilder {
    store: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<dyn Policy>,
}

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

impl EngineBuilder {
    /// Uses `store` (default: a new [`InMemoryStore`]).
    pub fn store(mut self, store: impl EventStore + 'static) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Uses a shared store.
    pub fn shared_store(mut self, store: Arc<dyn EventStore>) -> Self {
        self.store = store;
        self
    }

    /// Uses `clock` (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Uses `policy` (default: [`DefaultPolicy`]).
    pub fn policy(mut self, policy: impl Policy + 'static) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// Builds the engine, replaying whatever the store holds.
    pub fn build(self) -> Result<Engine> {
        let mut engine = Engine {
            store: self.store,
            clock: self.clock,
            policy: self.policy,
            state: State::default(),
            indexes: Indexes::default(),
        };
        engine.catch_up()?;
        Ok(engine)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An engine on a fresh in-memory store with the system clock and the default policy.
    pub fn new() -> Self {
        Engine {
            store: Arc::new(InMemoryStore::new()),
            clock: Arc::new(SystemClock),
            policy: Arc::new(DefaultPolicy),
            state: State::default(),
            indexes: Indexes::default(),
        }
    }

    /// Starts configuring an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            store: Arc::new(InMemoryStore::new()),
            clock: Arc::new(SystemClock),
            policy: Arc::new(DefaultPolicy),
        }
    }

    /// An in-memory engine with the given clock.
    pub fn with_clock(clock: impl Clock + 'static) -> Self {
        Engine {
            clock: Arc::new(clock),
            ..Engine::new()
        }
    }

    /// The reminder index, built from the state on first use.
    pub(crate) fn reminders(&self) -> &ReminderIndex {
        self.indexes
            .reminders
            .get_or_init(|| ReminderIndex::build(&self.state))
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// The clock's current time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Folds in events other engines appended to the shared store since the last command.
    pub fn catch_up(&mut self) -> Result<()> {
        let head = self.store.head()?;
        if self.state.position() < head {
            let store = Arc::clone(&self.store);
            let (state, indexes) = (&mut self.state, &mut self.indexes);
            store.scan(state.position(), &mut |e| indexes.fold(state, e))?;
        }
        Ok(())
    }

    /// Runs a command as `actor`: validates it, appends its events atomically and folds them
    /// in. Returns the recorded events. On any error nothing is written.
    pub fn execute(
        &mut self,
        actor: impl Into<ActorId>,
        command: Command,
    ) -> Result<Vec<RecordedEvent>> {
        let mut recorded = Vec::new();
        self.run(actor.into(), command, &mut |e| recorded.push(e.clone()))?;
        Ok(recorded)
    }

    /// [`Engine::execute`] without copying the recorded events: each is folded in straight
    /// from the store's copy and shown to `seen`. The typed commands use this path.
    fn run(
        &mut self,
        actor: ActorId,
        command: Command,
        seen: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<()> {
        if actor.as_str().trim().is_empty() {
            return Err(Error::validation("actor", "must not be empty"));
        }
        self.catch_up()?;
        let now = self.clock.now().check("clock")?;
        let cx = command::Ctx {
            state: &self.state,
            policy: &*self.policy,
            actor: &actor,
            now,
            reminders: &self.indexes.reminders,
        };
        let command::Decided { events, target } = command::decide(&cx, command)?;
        let Some(first) = events.first() else {
            return Ok(());
        };
        let (stream, expected) = self.state.stream_of(first, target);
        let mut batch = events.into_iter().map(|event| NewEvent {
            at: now,
            actor: actor.clone(),
            event,
        });
        let (state, indexes) = (&mut self.state, &mut self.indexes);
        let mut gap = false;
        self.store
            .append_iter(&stream, expected, &mut batch, &mut |e| {
                seen(e);
                // Another engine appended elsewhere in between: its events are folded in first,
                // by the catch-up below, and these after them.
                gap = gap || e.position != state.position() + 1;
                if !gap {
                    indexes.fold(state, e);
                }
            })?;
        if gap {
            self.catch_up()?;
        }
        Ok(())
    }

    /// Runs a typed command, keeping nothing of its events but what the state folds in.
    pub(crate) fn command(&mut self, actor: impl Into<ActorId>, command: Command) -> Result<()> {
        self.run(actor.into(), command, &mut |_| {})
    }

    // ----- typed commands -------------------------------------------------------------

    /// Defines a pipeline.
    pub fn define_pipeline(&mut self, actor: impl Into<ActorId>, pipeline: Pipeline) -> Result<()> {
        self.command(actor, Command::DefinePipeline { pipeline })
    }

    /// Edits a pipeline into a new version; `mapping` moves opportunities out of removed stages.
    pub fn edit_pipeline<I>(
        &mut self,
        actor: impl Into<ActorId>,
        pipeline: Pipeline,
        mapping: I,
    ) -> Result<()>
    where
        I: IntoIterator<Item = (StageId, StageId)>,
    {
        self.command(
            actor,
            Command::EditPipeline {
                pipeline,
                mapping: mapping.into_iter().collect(),
            },
        )
    }

    /// Defines or replaces an approval process.
    pub fn define_process(
        &mut self,
        actor: impl Into<ActorId>,
        process: ApprovalProcess,
    ) -> Result<()> {
        self.command(actor, Command::DefineProcess { process })
    }

    /// Registers or updates a user.
    pub fn register_user(&mut self, actor: impl Into<ActorId>, user: User) -> Result<()> {
        self.command(actor, Command::RegisterUser { user })
    }

    /// Creates a customer.
    pub fn create_customer(&mut self, actor: impl Into<ActorId>, customer: Customer) -> Result<()> {
        self.command(actor, Command::CreateCustomer { customer })
    }

    /// Adds a contact to a customer.
    pub fn add_contact(
        &mut self,
        actor: impl Into<ActorId>,
        customer: impl Into<CustomerId>,
        contact: Contact,
    ) -> Result<()> {
        self.command(
            actor,
            Command::AddContact {
                customer: customer.into(),
                contact,
            },
        )
    }

    /// Creates an opportunity.
    pub fn create_opportunity(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: NewOpportunity,
    ) -> Result<()> {
        self.command(actor, Command::CreateOpportunity { opportunity })
    }

    /// Changes an opportunity's data.
    pub fn update_opportunity(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        patch: OpportunityPatch,
    ) -> Result<()> {
        self.command(
            actor,
            Command::UpdateOpportunity {
                opportunity: opportunity.into(),
                patch,
            },
        )
    }

    /// Ticks a checklist item.
    pub fn tick(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        item: impl Into<String>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::Tick {
                opportunity: opportunity.into(),
                item: item.into(),
            },
        )
    }

    /// Advances through the gates to `to` (a later stage or `won`).
    pub fn advance(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        to: impl Into<StageId>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::Advance {
                opportunity: opportunity.into(),
                to: to.into(),
            },
        )
    }

    /// Forces an advance over unmet requirements, with a reason.
    pub fn force_advance(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        to: impl Into<StageId>,
        reason: impl Into<String>,
    ) -> Result<()> {
        let cmd = Command::ForceAdvance {
            opportunity: opportunity.into(),
            to: to.into(),
            reason: reason.into(),
        };
        self.command(actor, cmd)
    }

    /// Moves back to an earlier stage.
    pub fn move_back(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        to: impl Into<StageId>,
        reason: Option<String>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::MoveBack {
                opportunity: opportunity.into(),
                to: to.into(),
                reason,
            },
        )
    }

    /// Wins the deal (through the gates of every remaining stage).
    pub fn win(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::Win {
                opportunity: opportunity.into(),
            },
        )
    }

    /// Loses the deal for a configured reason, perhaps to a competitor.
    pub fn lose(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        reason: impl Into<String>,
        competitor: Option<String>,
    ) -> Result<()> {
        let cmd = Command::Lose {
            opportunity: opportunity.into(),
            reason: reason.into(),
            competitor,
        };
        self.command(actor, cmd)
    }

    /// Reopens a closed deal into `stage` (default: its last stage).
    pub fn reopen(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        stage: Option<StageId>,
        reason: impl Into<String>,
    ) -> Result<()> {
        let cmd = Command::Reopen {
            opportunity: opportunity.into(),
            stage,
            reason: reason.into(),
        };
        self.command(actor, cmd)
    }

    /// Submits an approval request.
    pub fn submit_approval(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        process: impl Into<ProcessId>,
        request: impl Into<RequestId>,
    ) -> Result<()> {
        let cmd = Command::SubmitApproval {
            opportunity: opportunity.into(),
            process: process.into(),
            request: request.into(),
        };
        self.command(actor, cmd)
    }

    /// Approves or rejects the current step of a request.
    pub fn decide_approval(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        request: impl Into<RequestId>,
        decision: Decision,
        comment: impl Into<String>,
    ) -> Result<()> {
        let cmd = Command::DecideApproval {
            opportunity: opportunity.into(),
            request: request.into(),
            decision,
            comment: comment.into(),
        };
        self.command(actor, cmd)
    }

    /// Withdraws a pending request.
    pub fn withdraw_approval(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        request: impl Into<RequestId>,
    ) -> Result<()> {
        let cmd = Command::WithdrawApproval {
            opportunity: opportunity.into(),
            request: request.into(),
        };
        self.command(actor, cmd)
    }

    /// Resubmits a rejected, withdrawn or lapsed request.
    pub fn resubmit_approval(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        request: impl Into<RequestId>,
    ) -> Result<()> {
        let cmd = Command::ResubmitApproval {
            opportunity: opportunity.into(),
            request: request.into(),
        };
        self.command(actor, cmd)
    }

    /// Logs an activity.
    pub fn log_activity(&mut self, actor: impl Into<ActorId>, activity: Activity) -> Result<()> {
        self.command(actor, Command::LogActivity { activity })
    }

    /// Creates a task.
    pub fn create_task(&mut self, actor: impl Into<ActorId>, task: Task) -> Result<()> {
        self.command(actor, Command::CreateTask { task })
    }

    /// Completes a task.
    pub fn complete_task(
        &mut self,
        actor: impl Into<ActorId>,
        task: impl Into<TaskId>,
    ) -> Result<()> {
        self.command(actor, Command::CompleteTask { task: task.into() })
    }

    // ----- queries --------------------------------------------------------------------

    /// The folded state (for comparisons and advanced queries).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The users, as policies see them.
    pub fn directory(&self) -> Directory<'_> {
        Directory::new(&self.state)
    }

    /// The current version of a pipeline.
    pub fn pipeline(&self, id: &PipelineId) -> Result<&Pipeline> {
        self.state
            .pipeline(id)
            .ok_or_else(|| Error::not_found("pipeline", id))
    }

    /// A given version of a pipeline (old timelines name stages of old versions).
    pub fn pipeline_version(&self, id: &PipelineId, version: u32) -> Result<&Pipeline> {
        self.state
            .pipeline_version(id, version)
            .ok_or_else(|| Error::not_found("pipeline version", format!("{id}@{version}")))
    }

    /// Every pipeline, current versions, sorted by id.
    pub fn pipelines(&self) -> Vec<&Pipeline> {
        sorted_by_id(self.state.pipelines(), |p| &p.id)
    }

    /// An approval process.
    pub fn process(&self, id: &ProcessId) -> Result<&ApprovalProcess> {
        self.state
            .process(id)
            .ok_or_else(|| Error::not_found("approval process", id))
    }

    /// Every approval process, sorted by id.
    pub fn processes(&self) -> Vec<&ApprovalProcess> {
        sorted_by_id(self.state.processes(), |p| &p.id)
    }

    /// Every user, sorted by id.
    pub fn users(&self) -> Vec<&User> {
        sorted_by_id(self.state.users(), |u| &u.id)
    }

    /// Every customer, sorted by id.
    pub fn customers(&self) -> Vec<&Customer> {
        sorted_by_id(self.state.customers(), |c| &c.id)
    }

    /// A user.
    pub fn user(&self, id: &ActorId) -> Result<&User> {
        self.state
            .user(id)
            .ok_or_else(|| Error::not_found("user", id))
    }

    /// A customer.
    pub fn customer(&self, id: &CustomerId) -> Result<&Customer> {
        self.state
            .customer(id)
            .ok_or_else(|| Error::not_found("customer", id))
    }

    /// An opportunity.
    pub fn opportunity(&self, id: &OpportunityId) -> Result<&Opportunity> {
        self.state
            .opportunity(id)
            .ok_or_else(|| Error::not_found("opportunity", id))
    }

    /// Every opportunity, sorted by id.
    pub fn opportunities(&self) -> Vec<&Opportunity> {
        sorted_by_id(self.state.opportunities(), |o| &o.id)
    }

    /// Open opportunities in a stage of a pipeline, sorted by id.
    pub fn opportunities_in_stage(
        &self,
        pipeline: &PipelineId,
        stage: &StageId,
    ) -> Vec<&Opportunity> {
        let in_stage = self
            .state
            .opportunities()
            .filter(|o| &o.pipeline == pipeline && &o.stage == stage && o.is_open());
        sorted_by_id(in_stage, |o| &o.id)
    }

    /// What is met and missing to move an opportunity to `target` (a later stage or `won`).
    pub fn check(&self, opportunity: &OpportunityId, target: &StageId) -> Result<GateReport> {
        let o = self.opportunity(opportunity)?;
        let p = self.pipeline(&o.pipeline)?;
        crate::gate::evaluate(p, self.state.gate_context(o), target)
    }

    /// The stage changes of an opportunity, oldest first, with stage names resolved in the
    /// pipeline version in force at the time.
    pub fn timeline(&self, opportunity: &OpportunityId) -> Result<Vec<TimelineEntry>> {
        self.state
            .record(opportunity)
            .map(crate::state::OpportunityRecord::timeline)
            .ok_or_else(|| Error::not_found("opportunity", opportunity))
    }

    /// The display name of a stage id in a pipeline version (`won`/`lost` stay as they are).
    pub fn stage_name(&self, pipeline: &PipelineId, version: u32, stage: &StageId) -> String {
        self.pipeline_version(pipeline, version)
            .ok()
            .and_then(|p| p.stage(stage))
            .map_or_else(|| stage.to_string(), |s| s.name.clone())
    }

    /// An activity.
    pub fn activity(&self, id: &ActivityId) -> Result<&Activity> {
        self.state
            .activity(id)
            .ok_or_else(|| Error::not_found("activity", id))
    }

    /// The activities with a customer, oldest first.
    pub fn activities_for_customer(&self, customer: &CustomerId) -> Vec<&Activity> {
        let mut v: Vec<_> = self
            .state
            .activities()
            .filter(|a| &a.customer == customer)
            .collect();
        v.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        v
    }

    /// The activities linked to an opportunity, oldest first.
    pub fn activities_for_opportunity(&self, opportunity: &OpportunityId) -> Vec<&Activity> {
        let mut v: Vec<_> = self.state.activities_of(opportunity).iter().collect();
        v.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        v
    }

    /// A task.
    pub fn task(&self, id: &TaskId) -> Result<&Task> {
        self.state
            .task(id)
            .ok_or_else(|| Error::not_found("task", id))
    }

    /// Open tasks, optionally of one owner, by due time.
    pub fn open_tasks(&self, owner: Option<&ActorId>) -> Vec<&Task> {
        let mut v: Vec<_> = self
            .state
            .tasks()
            .filter(|t| !t.done && owner.is_none_or(|o| &t.owner == o))
            .collect();
        v.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
        v
    }

    /// The state of an opportunity as it was at instant `at`, by replaying the events stamped
    /// at or before it.
    pub fn opportunity_as_of(
        &self,
        opportunity: &OpportunityId,
        at: Timestamp,
    ) -> Result<Opportunity> {
        let state = self.state_as_of(at)?;
        state
            .opportunity(opportunity)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "opportunity",
                id: format!("{opportunity} (as of {at})"),
            })
    }

    /// The whole state as it was at instant `at` (events stamped at or before it).
    pub fn state_as_of(&self, at: Timestamp) -> Result<State> {
        let mut state = State::default();
        self.store.scan(0, &mut |e| {
            if e.at <= at {
                state.apply(e);
            }
        })?;
        Ok(state)
    }

    /// The time zone of a rep's days: the user's `time_zone`, else the reminder rules'
    /// `time_zone`, else UTC. An unknown rep is [`Error::NotFound`].
    pub fn rep_time_zone(&self, rep: &ActorId) -> Result<String> {
        let user = self.user(rep)?;
        Ok(user
            .time_zone
            .clone()
            .unwrap_or_else(|| self.state.reminders().rules().time_zone.clone()))
    }

    /// The daily-report index, built on first use by replaying the store up to this engine's
    /// position (the facts of an event are read against the state before it).
    fn daily(&self) -> Result<&crate::management::daily::DailyIndex> {
        if let Some(index) = self.indexes.daily.get() {
            return Ok(index);
        }
        let upto = self.state.position();
        let mut scratch = State::default();
        let mut index = crate::management::daily::DailyIndex::default();
        self.store.scan(0, &mut |e| {
            if e.position <= upto {
                for row in rows::daily(&scratch, e) {
                    index.insert(row);
                }
                scratch.apply(e);
            }
        })?;
        Ok(self.indexes.daily.get_or_init(|| index))
    }

    /// The daily report (销售日报) of `rep` for local `day`, as of `as_of` ([`crate::management::daily`]).
    ///
    /// ```
    /// use salespipe::*;
    /// let clock = ManualClock::new("2026-03-02T01:00:00Z".parse()?);
    /// let mut engine = Engine::with_clock(clock.clone());
    /// engine.register_user("boss", User::new("wang", "王芳", Role::Rep).time_zone("Asia/Shanghai"))?;
    /// engine.create_customer("wang", Customer::new("acme", "Acme"))?;
    /// let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    /// let r = engine.daily_report(&"wang".into(), day, engine.now())?;
    /// assert_eq!(r.figures.new_customers, 1);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn daily_report(
        &self,
        rep: &ActorId,
        day: NaiveDate,
        as_of: Timestamp,
    ) -> Result<crate::management::daily::DailyReport> {
        let tz = self.rep_time_zone(rep)?;
        self.daily()?.report(rep, day, &tz, as_of)
    }

    /// The daily reports of `rep` for the local days `first..=last`, and the range's figures.
    pub fn daily_range_report(
        &self,
        rep: &ActorId,
        first: NaiveDate,
        last: NaiveDate,
        as_of: Timestamp,
    ) -> Result<crate::management::daily::RangeReport> {
        let tz = self.rep_time_zone(rep)?;
        self.daily()?.range(rep, first, last, &tz, as_of)
    }

    /// The daily report of a manager's team (everyone below them in the reporting line,
    /// sorted by id), each rep in their own time zone, with the totals.
    pub fn daily_team_report(
        &self,
        manager: &ActorId,
        day: NaiveDate,
        as_of: Timestamp,
    ) -> Result<crate::management::daily::TeamDailyReport> {
        self.user(manager)?;
        let dir = self.directory();
        let mut reps = Vec::new();
        for u in self.users() {
            if dir.manages(manager, &u.id) {
                reps.push((u.id.clone(), self.rep_time_zone(&u.id)?));
            }
        }
        self.daily()?.team(Some(manager.clone()), &reps, day, as_of)
    }

    /// Sets a revenue target, or replaces the one with the same id ([`crate::management::target`]).
    ///
    /// Refused, with nothing written: a scope naming an unknown user ([`Error::NotFound`]
    /// naming `target.scope`), a negative revenue (`target.revenue`), a target overlapping
    /// another of the same scope and kind of period (`target.period`), an actor the policy
    /// does not let set targets of the scope.
    ///
    /// ```
    /// use salespipe::*;
    /// use salespipe::management::target::{Period, Scope, Target};
    /// let mut engine = Engine::new();
    /// engine.register_user("root", User::new("root", "Root", Role::Admin))?;
    /// engine.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// let q1 = Period::quarter(2026, 1)?;
    /// engine.set_target("root", Target::new("t1", Scope::Rep("wang".into()), q1, Money::parse("100000", "CNY")?))?;
    /// let again = Target::new("t2", Scope::Rep("wang".into()), q1, Money::parse("5", "CNY")?);
    /// assert_eq!(engine.set_target("root", again).unwrap_err().code(), ErrorCode::Validation);
    /// assert_eq!(engine.targets().len(), 1);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn set_target(
        &mut self,
        actor: impl Into<ActorId>,
        target: crate::management::target::Target,
    ) -> Result<()> {
        self.command(actor, Command::SetTarget { target })
    }

    /// Removes a revenue target.
    pub fn remove_target(
        &mut self,
        actor: impl Into<ActorId>,
        target: impl Into<crate::id::TargetId>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::RemoveTarget {
                target: target.into(),
            },
        )
    }

    /// Every target, by id.
    pub fn targets(&self) -> Vec<&crate::management::target::Target> {
        self.state.targets().collect()
    }

    /// Attainment of every rep, team and the company for a period ([`crate::management::target`]): as of
    /// `query.as_of` (by replay; absent: now, from the current state), in the time zone of the
    /// reminder rules unless the query names one.
    ///
    /// ```
    /// use salespipe::*;
    /// use salespipe::management::target::{AttainmentQuery, Period, Scope, Target};
    /// let mut engine = Engine::new();
    /// engine.register_user("root", User::new("root", "Root", Role::Admin))?;
    /// engine.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// let q1 = Period::quarter(2026, 1)?;
    /// engine.set_target("root", Target::new("t1", Scope::Rep("wang".into()), q1, Money::parse("100000", "CNY")?))?;
    /// let report = engine.attainment(&AttainmentQuery::new(q1))?;
    /// let wang = report.row(&Scope::Rep("wang".into())).unwrap();
    /// assert_eq!(wang.attainment, Some(0.0));
    /// assert_eq!(wang.gap.unwrap().minor(), 10_000_000);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn attainment(
        &self,
        query: &crate::management::target::AttainmentQuery,
    ) -> Result<crate::management::target::AttainmentReport> {
        let replayed;
        let (state, as_of) = match query.as_of {
            Some(t) => {
                replayed = self.state_as_of(t)?;
                (&replayed, t)
            }
            None => (&self.state, self.now()),
        };
        let (users, targets, deals) = rows::attainment(state);
        let mut q = query.clone();
        q.as_of = Some(as_of);
        if q.time_zone.is_none() {
            q.time_zone = Some(state.reminders().rules().time_zone.clone());
        }
        crate::management::target::attainment(
            &crate::management::target::AttainmentInput {
                users: &users,
                targets: &targets,
                deals: &deals,
            },
            &q,
        )
    }

    /// Sets the expense categories and the approval process of expenses ([`crate::management::expense`]).
    pub fn configure_expenses(
        &mut self,
        actor: impl Into<ActorId>,
        settings: crate::management::expense::ExpenseSettings,
    ) -> Result<()> {
        self.command(actor, Command::ConfigureExpenses { settings })
    }

    /// Submits an expense for approval. Refused, with nothing written: an unknown category
    /// (`expense.category`), an amount not above zero (`expense.amount`), an unknown rep,
    /// customer or opportunity, an opportunity of another customer, a duplicate id.
    pub fn submit_expense(
        &mut self,
        actor: impl Into<ActorId>,
        expense: crate::management::expense::Expense,
    ) -> Result<()> {
        self.command(actor, Command::SubmitExpense { expense })
    }

    /// Approves or rejects the current step of an expense; nobody decides their own.
    pub fn decide_expense(
        &mut self,
        actor: impl Into<ActorId>,
        expense: impl Into<crate::id::ExpenseId>,
        decision: Decision,
        comment: impl Into<String>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::DecideExpense {
                expense: expense.into(),
                decision,
                comment: comment.into(),
            },
        )
    }

    /// Withdraws a pending expense.
    pub fn withdraw_expense(
        &mut self,
        actor: impl Into<ActorId>,
        expense: impl Into<crate::id::ExpenseId>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::WithdrawExpense {
                expense: expense.into(),
            },
        )
    }

    /// Resubmits a rejected or withdrawn expense, perhaps with a corrected amount or note.
    pub fn resubmit_expense(
        &mut self,
        actor: impl Into<ActorId>,
        expense: impl Into<crate::id::ExpenseId>,
        amount: Option<crate::money::Money>,
        note: Option<String>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::ResubmitExpense {
                expense: expense.into(),
                amount,
                note,
            },
        )
    }

    /// An expense and its approval request.
    pub fn expense(
        &self,
        id: &crate::id::ExpenseId,
    ) -> Result<&crate::management::expense::ExpenseRecord> {
        self.state
            .expense(id)
            .ok_or_else(|| Error::not_found("expense", id))
    }

    /// Every expense, by id.
    pub fn expenses(&self) -> Vec<&crate::management::expense::ExpenseRecord> {
        self.state.expenses().collect()
    }

    /// The expense settings, once configured.
    pub fn expense_settings(&self) -> Option<&crate::management::expense::ExpenseSettings> {
        self.state.expense_settings()
    }

    /// Expenses by customer, category and rep ([`crate::management::expense`]), as of `query.as_of` (by
    /// replay; absent: now).
    pub fn expense_report(
        &self,
        query: &crate::management::expense::ExpenseQuery,
    ) -> Result<crate::management::expense::ExpenseReport> {
        let replayed;
        let state = match query.as_of {
            Some(t) => {
                replayed = self.state_as_of(t)?;
                &replayed
            }
            None => &self.state,
        };
        let (rows, won) = rows::expenses(state);
        crate::management::expense::expense_report(&rows, &won, query)
    }

    /// Sets the list of sources (来源) opportunities and expenses may carry ([`crate::management::source`]).
    pub fn configure_sources(
        &mut self,
        actor: impl Into<ActorId>,
        sources: Vec<crate::management::source::Source>,
    ) -> Result<()> {
        self.command(actor, Command::ConfigureSources { sources })
    }

    /// The configured sources, once configured.
    pub fn sources(&self) -> Option<&[crate::management::source::Source]> {
        self.state.sources()
    }

    /// The source report (来源统计) of a pipeline ([`crate::management::source`]): the funnel grouped by
    /// source as of `as_of` (absent: now) over the cohort `window`, with the approved
    /// expenses of each source.
    ///
    /// ```
    /// use salespipe::*;
    /// let mut e = Engine::new();
    /// e.define_pipeline("root", Pipeline::builder("sales", "Sales")
    ///     .stage(Stage::new("qualify", "Qualify", 0.2)).build()?)?;
    /// e.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// e.create_customer("wang", Customer::new("acme", "Acme"))?;
    /// let mut n = NewOpportunity::new("o1", "sales", "acme", "wang", "ERP", Money::parse("100", "CNY")?);
    /// n.source = Some("网络推广".into());
    /// e.create_opportunity("wang", n)?;
    /// e.win("wang", "o1")?;
    /// let r = e.source_report(&"sales".into(), None, analytics::Window::all())?;
    /// assert_eq!(r.row("网络推广").unwrap().won, 1);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn source_report(
        &self,
        pipeline: &PipelineId,
        as_of: Option<Timestamp>,
        window: crate::analytics::Window,
    ) -> Result<crate::management::source::SourceReport> {
        let as_of = as_of.unwrap_or_else(|| self.now());
        let p = self.pipeline(pipeline)?;
        let mut events = Vec::new();
        self.store.scan(0, &mut |e| {
            if e.at <= as_of {
                events.push(e.clone());
            }
        })?;
        let table = crate::analytics::FunnelTable::from_events(
            p,
            &events,
            crate::analytics::GroupBy::Source,
        )?;
        let funnel = crate::analytics::funnel(
            &table.input(),
            &crate::analytics::FunnelParams::new(as_of).window(window),
        )?;
        let mut state = State::default();
        for e in &events {
            state.apply(e);
        }
        let costs = rows::source_costs(&state, window)?;
        let configured = state.sources().map(<[_]>::to_vec).unwrap_or_default();
        Ok(crate::management::source::source_report_from(
            &funnel,
            &costs,
            &configured,
        ))
    }

    /// Freezes the forecast of `period`, per rep, now ([`crate::management::snapshot`]): the attainment
    /// figures and the distribution of each rep's open pipeline, in the company time zone (the
    /// reminder rules') and `currency` (absent: the one the period's targets share).
    ///
    /// Refused, with nothing written: an actor who is neither a manager nor an admin, an id
    /// already taken ([`Error::AlreadyExists`]) or empty (`id`), a period that has ended
    /// (`period`), no currency or a target in another one (`currency`).
    ///
    /// ```
    /// use salespipe::*;
    /// use salespipe::management::target::Period;
    /// let clock = ManualClock::new("2026-02-01T00:00:00Z".parse()?);
    /// let mut engine = Engine::with_clock(clock.clone());
    /// engine.register_user("root", User::new("root", "Root", Role::Admin))?;
    /// engine.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// let q1 = Period::quarter(2026, 1)?;
    /// engine.take_forecast_snapshot("root", "s1", q1, Some("CNY".parse()?))?;
    /// let again = engine.take_forecast_snapshot("root", "s1", q1, Some("CNY".parse()?));
    /// assert_eq!(again.unwrap_err().code(), ErrorCode::AlreadyExists);
    /// let denied = engine.take_forecast_snapshot("wang", "s2", q1, Some("CNY".parse()?));
    /// assert_eq!(denied.unwrap_err().code(), ErrorCode::PermissionDenied);
    /// assert_eq!(engine.forecast_snapshots().len(), 1);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn take_forecast_snapshot(
        &mut self,
        actor: impl Into<ActorId>,
        id: impl Into<crate::id::SnapshotId>,
        period: crate::management::target::Period,
        currency: Option<crate::money::Currency>,
    ) -> Result<()> {
        self.command(
            actor,
            Command::TakeForecastSnapshot {
                id: id.into(),
                period,
                currency,
            },
        )
    }

    /// Every forecast snapshot, by id.
    pub fn forecast_snapshots(&self) -> Vec<&crate::management::snapshot::ForecastSnapshot> {
        self.state.forecast_snapshots().collect()
    }

    /// A forecast snapshot by id.
    pub fn forecast_snapshot(
        &self,
        id: &crate::id::SnapshotId,
    ) -> Result<&crate::management::snapshot::ForecastSnapshot> {
        self.state
            .forecast_snapshot(id)
            .ok_or_else(|| Error::not_found("forecast snapshot", id))
    }

    /// Forecast accuracy now (`None`) or as of an instant ([`crate::management::snapshot`]): every
    /// snapshot taken by then of a period ended by then, against the rep's closed won of the
    /// period as of then; and every pushed deal.
    ///
    /// ```
    /// use salespipe::*;
    /// use salespipe::management::target::Period;
    /// let clock = ManualClock::new("2026-02-01T00:00:00Z".parse()?);
    /// let mut engine = Engine::with_clock(clock.clone());
    /// engine.register_user("root", User::new("root", "Root", Role::Admin))?;
    /// engine.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// engine.take_forecast_snapshot("root", "s1", Period::month(2026, 2)?, Some("CNY".parse()?))?;
    /// assert_eq!(engine.forecast_accuracy(None)?.pending.len(), 1);
    /// clock.set("2026-03-01T00:00:00Z".parse()?);
    /// let r = engine.forecast_accuracy(None)?;
    /// assert_eq!(r.comparisons.len(), 1);
    /// assert_eq!(r.reps[0].weighted.mape, None); // nothing won: no ratio
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn forecast_accuracy(
        &self,
        as_of: Option<Timestamp>,
    ) -> Result<crate::management::snapshot::ForecastAccuracy> {
        let replayed;
        let (state, at) = match as_of {
            Some(t) => {
                replayed = self.state_as_of(t)?;
                (&replayed, t)
            }
            None => (&self.state, self.now()),
        };
        let snapshots: Vec<crate::management::snapshot::ForecastSnapshot> =
            state.forecast_snapshots().cloned().collect();
        let actuals = rows::actuals(state, at)?;
        let pushes = rows::pushes(state);
        crate::management::snapshot::forecast_accuracy(
            &crate::management::snapshot::AccuracyInput {
                snapshots: &snapshots,
                actuals: &actuals,
                pushes: &pushes,
            },
            at,
        )
    }

    /// Events after a global position (for projections and analytics), up to `limit`.
    pub fn events_after(&self, position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        self.store.read_all(position, limit)
    }

    /// The competitor report (竞争对手报告) of every deal, now (`None`) or as of an instant
    /// (the state replayed from the events stamped at or before it); definitions in
    /// [`crate::management::competitor`].
    ///
    /// ```
    /// use salespipe::*;
    /// let clock = ManualClock::new("2026-03-02T01:00:00Z".parse()?);
    /// let mut engine = Engine::with_clock(clock.clone());
    /// engine.register_user("admin", User::new("admin", "Admin", Role::Admin))?;
    /// engine.define_pipeline("admin", Pipeline::builder("sales", "Sales")
    ///     .stage(Stage::new("qualify", "Qualify", 0.1)).build()?)?;
    /// engine.create_customer("admin", Customer::new("acme", "Acme"))?;
    /// let mut new = NewOpportunity::new("o1", "sales", "acme", "admin", "ERP", Money::parse("900", "CNY")?);
    /// new.competitors = vec![Competitor::new("Globex")];
    /// engine.create_opportunity("admin", new)?;
    /// engine.lose("admin", "o1", "price", Some("Globex".into()))?;
    /// let r = engine.competitor_report(None)?;
    /// let g = r.get("Globex").unwrap();
    /// assert_eq!((g.met, g.lost_to, g.win_rate), (1, 1, Some(0.0)));
    /// assert_eq!(g.lost_at_stage[&StageId::new("qualify")].amount["CNY"], 90_000);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn competitor_report(
        &self,
        as_of: Option<Timestamp>,
    ) -> Result<crate::management::competitor::CompetitorReport> {
        let params = crate::management::competitor::CompetitorParams {
            as_of,
            ..Default::default()
        };
        self.competitor_report_with(&params)
    }

    /// The competitor report as of `params.as_of`, counting won and lost deals only when they
    /// closed in `params.closed` (open deals always count).
    pub fn competitor_report_with(
        &self,
        params: &crate::management::competitor::CompetitorParams,
    ) -> Result<crate::management::competitor::CompetitorReport> {
        let rows = match params.as_of {
            Some(at) => rows::competitors(&self.state_as_of(at)?),
            None => rows::competitors(&self.state),
        };
        crate::management::competitor::competitor_report(&rows, params)
    }
}

fn sorted_by_id<'a, T, K: Ord + 'a>(
    items: impl Iterator<Item = &'a T>,
    id: impl Fn(&T) -> &K,
) -> Vec<&'a T> {
    let mut v: Vec<&T> = items.collect();
    v.sort_by(|a, b| id(a).cmp(id(b)));
    v
}
