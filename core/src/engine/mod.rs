//! The engine: commands in, events out, state as their fold.

mod command;
mod funnel;
mod policy;
mod query;
mod reminders;
mod rows;
mod view;

use std::sync::Arc;

pub use command::Command;
pub use policy::{Action, DefaultPolicy, Directory, Policy, Visibility};
pub use query::{Query, QueryResult, Reader};
pub use reminders::{scan, ReminderIndex};
pub use view::{CurrencySection, ForecastOptions, FunnelOptions, View};

use crate::management::daily::DailyIndex;
use crate::state::State;

use crate::activity::{Activity, Task};
use crate::approval::Decision;
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::customer::Customer;
use crate::error::{Error, Result};
use crate::event::{NewEvent, RecordedEvent};
use crate::id::{ActorId, OpportunityId, ProcessId, RequestId, StageId, TaskId};
use crate::opportunity::{NewOpportunity, OpportunityPatch};
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
/// # Time order
///
/// Time never goes backwards in the log. Each command's events are stamped with the clock's
/// now, but never earlier than the latest event this engine has folded in (after catching up
/// with the store): a clock that is behind, or set back, stamps the new events at the instant
/// of that latest event instead, and the command is not refused. Within a stream this holds
/// across engines sharing a store too, because an append names the stream's expected version.
/// So a move is never recorded before its opportunity's creation, and `as_of` reads see
/// every event together with the ones before it. A clock far ahead drags the stamps of later
/// events with it; the instant must still lie in the years 0000 to 9999 (a `validation`
/// error on field `clock` otherwise).
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
/// assert_eq!(engine.view().opportunity(&"opp-1".into())?.stage.as_str(), "demo");
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
    daily: std::sync::OnceLock<DailyIndex>,
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
    indexes_on_open: bool,
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

    /// Builds the reminder and daily-report indexes while opening, instead of on their first
    /// query (the default, so that a host that never asks does not pay for them). The daily
    /// index is folded in the same pass over the store as the state, where on first query
    /// it takes a second pass; the reminder index is built by one scan of the state after
    /// it. For a server that answers reminders and daily reports: one read of the store, and
    /// the first answers come without a wait.
    ///
    /// ```
    /// use salespipe::*;
    /// let store = std::sync::Arc::new(InMemoryStore::new());
    /// let mut first = Engine::builder().shared_store(store.clone()).build()?;
    /// first.register_user("wang", User::new("wang", "王芳", Role::Admin))?;
    /// let engine = Engine::builder().shared_store(store).indexes_on_open(true).build()?;
    /// assert!(engine.view().due(Timestamp::from_millis(0)).is_empty());
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn indexes_on_open(mut self, yes: bool) -> Self {
        self.indexes_on_open = yes;
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
        if self.indexes_on_open {
            // Set before the replay, the daily index takes every event of it.
            let _ = engine.indexes.daily.set(DailyIndex::default());
        }
        engine.catch_up()?;
        if self.indexes_on_open {
            let _ = engine
                .indexes
                .reminders
                .set(ReminderIndex::build(&engine.state));
        }
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
            indexes_on_open: false,
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

    /// The instant of the latest event folded in (the earliest instant otherwise): nothing
    /// this engine stamps or observes "now" lies before it.
    fn latest(&self) -> Timestamp {
        self.state.latest().unwrap_or(Timestamp::MIN_RFC3339)
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

    /// Waits up to `timeout` for events that other engines append to the shared store, folds
    /// them in and returns how many there were (0 when the time ran out). A host that keeps
    /// projections current calls it in a loop on a thread of its own; the engine itself
    /// starts no thread. With a `PostgresStore` an append on any server wakes it within a
    /// round trip (`LISTEN`/`NOTIFY`, with polling as the fallback); other stores are polled.
    pub fn wait_for_events(&mut self, timeout: std::time::Duration) -> Result<u64> {
        let before = self.state.position();
        let head = self.store.wait_for_events(before, timeout)?;
        if head > before {
            self.catch_up()?;
        }
        Ok(self.state.position().saturating_sub(before))
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
        // Time never goes backwards in the log: a clock behind the latest event stamps the
        // new events at that event's instant instead (see "Time order" on `Engine`).
        let now = self.clock.now().check_input("clock")?.max(self.latest());
        let cx = command::Ctx {
            state: &self.state,
            policy: &*self.policy,
            actor: &actor,
            user: self.state.user(&actor),
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

    /// Registers or updates a user.
    pub fn register_user(&mut self, actor: impl Into<ActorId>, user: User) -> Result<()> {
        self.command(actor, Command::RegisterUser { user })
    }

    /// Creates a customer.
    pub fn create_customer(&mut self, actor: impl Into<ActorId>, customer: Customer) -> Result<()> {
        self.command(actor, Command::CreateCustomer { customer })
    }

    /// Updates a customer's details (its contacts are kept).
    pub fn update_customer(&mut self, actor: impl Into<ActorId>, customer: Customer) -> Result<()> {
        self.command(actor, Command::UpdateCustomer { customer })
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

    /// Unticks a checklist item.
    pub fn untick(
        &mut self,
        actor: impl Into<ActorId>,
        opportunity: impl Into<OpportunityId>,
        item: impl Into<String>,
    ) -> Result<()> {
        let cmd = Command::Untick {
            opportunity: opportunity.into(),
            item: item.into(),
        };
        self.command(actor, cmd)
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

    /// Reopens a completed task.
    pub fn reopen_task(
        &mut self,
        actor: impl Into<ActorId>,
        task: impl Into<TaskId>,
    ) -> Result<()> {
        self.command(actor, Command::ReopenTask { task: task.into() })
    }

    // ----- reads ----------------------------------------------------------------------

    /// A read view of the state now: every typed read and report ([`View`]).
    pub fn view(&self) -> View<'_> {
        View::now(self)
    }

    /// A read view of the state as it was at instant `at` (the events stamped at or before
    /// it, replayed): the same reads as [`Engine::view`], answered as of then.
    pub fn at(&self, at: Timestamp) -> Result<View<'_>> {
        View::at(self, at)
    }

    /// The state folded from the events stamped at or before `at`.
    fn replay_until(&self, at: Timestamp) -> Result<State> {
        let mut state = State::default();
        self.store.scan(0, &mut |e| {
            if e.at <= at {
                state.apply(e);
            }
        })?;
        Ok(state)
    }

    /// The daily-report index, built on first use by replaying the store up to this engine's
    /// position (the facts of an event are read against the state before it).
    fn daily(&self) -> Result<&DailyIndex> {
        if let Some(index) = self.indexes.daily.get() {
            return Ok(index);
        }
        let upto = self.state.position();
        let mut scratch = State::default();
        let mut index = DailyIndex::default();
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
}
