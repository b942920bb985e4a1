//! `Engine` and `ManualClock`: the core engine behind a read-write lock, spoken to in the
//! core's JSON (`execute`, `query`), with typed commands that build the core's `Command`
//! (or call its typed method) directly and return nothing, and typed reads.
//!
//! Commands take the lock alone, queries share it, so one `Engine` may be called from any
//! thread (Android's main thread and a worker, Swift tasks); the calls are synchronous:
//! run heavy reports off the UI thread. Every exported call runs inside
//! [`guard`](crate::error::guard): a panic becomes `SalespipeError.Internal`.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime};

use salespipe::{
    ApprovalProcess, Clock, Command, Engine as CoreEngine, ManualClock as CoreClock,
    OpportunityPatch, Pipeline, Query, QueryResult, Reader, ReminderId, StageId,
};
use serde_json::{json, Value};

use crate::convert::{
    compact, from_text, from_value, opt_timestamp, system_time, tagged, timestamp, to_text,
};
use crate::error::{guard, Result, SalespipeError};
use crate::ids::{ActorRef, OpportunityRef, StageRef};
use crate::reports;
use crate::types::{
    AttainmentReport, DailyRangeReport, DailyReport, Decision, GateReport, NewActivity,
    NewCustomer, NewOpportunity, NewTask, Opportunity, RecordedEvent, Reminder, TeamDailyReport,
    TimelineEntry, User,
};

/// A clock that moves only when told to; give it to an `Engine` to control time (tests,
/// simulations, replays).
#[derive(Debug, uniffi::Object)]
pub struct ManualClock {
    inner: CoreClock,
}

#[uniffi::export]
impl ManualClock {
    /// A clock standing at `at`.
    #[uniffi::constructor]
    pub fn new(at: SystemTime) -> Result<Arc<Self>> {
        guard(|| {
            Ok(Arc::new(ManualClock {
                inner: CoreClock::new(timestamp(at, "at")?),
            }))
        })
    }

    /// The clock's time.
    pub fn now(&self) -> SystemTime {
        system_time(self.inner.now())
    }

    /// Sets the time.
    pub fn set(&self, at: SystemTime) -> Result<()> {
        guard(|| {
            self.inner.set(timestamp(at, "at")?);
            Ok(())
        })
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) -> Result<()> {
        guard(|| {
            let to = self.inner.now().plus(by).check("by")?;
            self.inner.set(to);
            Ok(())
        })
    }
}

/// The sales-pipeline engine: in memory, or on a SQLite file (created if missing, replayed
/// if it exists).
#[derive(Debug, uniffi::Object)]
pub struct Engine {
    inner: RwLock<CoreEngine>,
}

fn poisoned<T>(_: T) -> SalespipeError {
    salespipe::Error::storage("the engine's lock is poisoned").into()
}

impl Engine {
    fn read(&self) -> Result<RwLockReadGuard<'_, CoreEngine>> {
        self.inner.read().map_err(poisoned)
    }

    pub(crate) fn write(&self) -> Result<RwLockWriteGuard<'_, CoreEngine>> {
        self.inner.write().map_err(poisoned)
    }

    fn build(path: Option<String>, clock: Option<Arc<ManualClock>>) -> Result<Arc<Self>> {
        let builder = CoreEngine::builder();
        let builder = match clock {
            Some(c) => builder.clock(c.inner.clone()),
            None => builder,
        };
        let builder = match path {
            Some(path) => builder.store(salespipe::store::SqliteStore::open(path)?),
            None => builder,
        };
        Ok(Arc::new(Engine {
            inner: RwLock::new(builder.build()?),
        }))
    }

    /// Runs a core command that has no typed method in the core as `actor`; its recorded
    /// events are dropped (the typed verbs return nothing, like the core's).
    fn command(&self, actor: String, command: Command) -> Result<()> {
        self.write()?.execute(actor, command)?;
        Ok(())
    }

    /// Answers a core query as `reader` (`None`: the host).
    fn ask(&self, reader: Option<String>, query: Value) -> Result<QueryResult> {
        let query: Query = from_value(query, "query")?;
        let reader = reader.map_or(Reader::Host, Reader::from);
        Ok(self.read()?.query(reader, query)?)
    }
}

/// A window `{from, to}` of optional instants (the edges checked and named `<field>.from`,
/// `<field>.to`).
fn window_json(from: Option<SystemTime>, to: Option<SystemTime>, field: &str) -> Result<Value> {
    let from = opt_timestamp(from, &format!("{field}.from"))?;
    let to = opt_timestamp(to, &format!("{field}.to"))?;
    Ok(compact(json!({ "from": from, "to": to })))
}

/// The error for a query answered with another shape than its kind promises (a bug).
fn shape(what: &str) -> SalespipeError {
    SalespipeError::internal(format!("the {what} query answered another shape"))
}

#[uniffi::export]
impl Engine {
    /// An engine: on the SQLite file `path` when given (created if missing, replayed if it
    /// exists), else in memory; on `clock` when given, else the system clock.
    #[uniffi::constructor(default(path = None, clock = None))]
    pub fn new(path: Option<String>, clock: Option<Arc<ManualClock>>) -> Result<Arc<Self>> {
        guard(|| Engine::build(path, clock))
    }

    /// An in-memory engine on the system clock.
    #[uniffi::constructor]
    pub fn in_memory() -> Result<Arc<Self>> {
        guard(|| Engine::build(None, None))
    }

    /// An engine on the SQLite file `path` (created if missing, replayed if it exists), on
    /// the system clock.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>> {
        guard(|| Engine::build(Some(path), None))
    }

    /// Runs a command (the JSON of `salespipe::Command`, `docs/json.md`) as `actor`;
    /// returns the recorded events as a JSON array. A refused command writes nothing.
    pub fn execute(&self, actor: String, command: String) -> Result<String> {
        guard(|| {
            let command: Command = from_text(&command, "command")?;
            let events = self.write()?.execute(actor.as_str(), command)?;
            to_text(&events)
        })
    }

    /// Answers a query (the JSON of `salespipe::Query`) as `reader`: the result's plain
    /// JSON. A user reads what the policy lets them see; `null` / `nil` is the host, who
    /// reads everything.
    pub fn query(&self, reader: Option<String>, query: String) -> Result<String> {
        guard(|| {
            let query: Query = from_text(&query, "query")?;
            let reader = reader.map_or(Reader::Host, Reader::from);
            let result = self.read()?.query(reader, query)?;
            to_text(&result)
        })
    }

    /// The position of the last stored event (0 when empty): a refused command leaves it.
    pub fn head(&self) -> Result<u64> {
        guard(|| Ok(self.read()?.store().head()?))
    }

    /// The engine clock's time.
    pub fn now(&self) -> Result<SystemTime> {
        guard(|| Ok(system_time(self.read()?.now())))
    }

    /// Folds in what other engines appended to a shared store.
    pub fn catch_up(&self) -> Result<()> {
        guard(|| Ok(self.write()?.catch_up()?))
    }

    // ----- typed commands: the core's typed methods, no JSON, nothing returned ------------

    /// Defines a pipeline from its JSON (the `pipeline` of `define_pipeline`).
    pub fn define_pipeline(&self, actor: String, pipeline_json: String) -> Result<()> {
        guard(|| {
            let pipeline: Pipeline = from_text(&pipeline_json, "pipeline")?;
            Ok(self.write()?.define_pipeline(actor, pipeline)?)
        })
    }

    /// Defines or replaces an approval process from its JSON (the `process` of
    /// `define_process`).
    pub fn define_process(&self, actor: String, process_json: String) -> Result<()> {
        guard(|| {
            let process: ApprovalProcess = from_text(&process_json, "process")?;
            self.command(actor, Command::DefineProcess { process })
        })
    }

    /// Registers or updates a user.
    pub fn register_user(&self, actor: String, user: User) -> Result<()> {
        guard(|| Ok(self.write()?.register_user(actor, user.into_core())?))
    }

    /// Creates a customer.
    pub fn create_customer(&self, actor: String, customer: NewCustomer) -> Result<()> {
        guard(|| {
            let customer = customer.into_core()?;
            Ok(self.write()?.create_customer(actor, customer)?)
        })
    }

    /// Creates an opportunity (in its pipeline's first stage unless `stage` says otherwise).
    pub fn create_opportunity(&self, actor: String, opportunity: NewOpportunity) -> Result<()> {
        guard(|| {
            let opportunity = opportunity.into_core()?;
            Ok(self.write()?.create_opportunity(actor, opportunity)?)
        })
    }

    /// Ticks a checklist item.
    pub fn tick(&self, actor: String, opportunity: String, item: String) -> Result<()> {
        guard(|| Ok(self.write()?.tick(actor, opportunity, item)?))
    }

    /// Advances through the gates to a later stage or `won`.
    pub fn advance(&self, actor: String, opportunity: String, to: String) -> Result<()> {
        guard(|| Ok(self.write()?.advance(actor, opportunity, to)?))
    }

    /// Wins: an advance to `won` through every remaining gate.
    pub fn win(&self, actor: String, opportunity: String) -> Result<()> {
        guard(|| Ok(self.write()?.win(actor, opportunity)?))
    }

    /// Loses, for one of the pipeline's lost reasons, maybe to a competitor.
    #[uniffi::method(default(competitor = None))]
    pub fn lose(
        &self,
        actor: String,
        opportunity: String,
        reason: String,
        competitor: Option<String>,
    ) -> Result<()> {
        guard(|| Ok(self.write()?.lose(actor, opportunity, reason, competitor)?))
    }

    /// Unticks a checklist item.
    pub fn untick(&self, actor: String, opportunity: String, item: String) -> Result<()> {
        guard(|| Ok(self.write()?.untick(actor, opportunity, item)?))
    }

    /// Changes some of an opportunity's data: `patchJson` is the `patch` of
    /// `update_opportunity` (an absent field stays, `null` clears).
    pub fn update_opportunity(
        &self,
        actor: String,
        opportunity: String,
        patch_json: String,
    ) -> Result<()> {
        guard(|| {
            let patch: OpportunityPatch = from_text(&patch_json, "patch")?;
            Ok(self
                .write()?
                .update_opportunity(actor, opportunity, patch)?)
        })
    }

    /// Forces a move past unmet requirements (a manager above the owner, with a reason).
    pub fn force_advance(
        &self,
        actor: String,
        opportunity: String,
        to: String,
        reason: String,
    ) -> Result<()> {
        guard(|| {
            Ok(self
                .write()?
                .force_advance(actor, opportunity, to, reason)?)
        })
    }

    /// Moves back to an earlier stage.
    #[uniffi::method(default(reason = None))]
    pub fn move_back(
        &self,
        actor: String,
        opportunity: String,
        to: String,
        reason: Option<String>,
    ) -> Result<()> {
        guard(|| Ok(self.write()?.move_back(actor, opportunity, to, reason)?))
    }

    /// Reopens a won or lost opportunity (into `stage`, default the last stage it was in).
    #[uniffi::method(default(stage = None))]
    pub fn reopen(
        &self,
        actor: String,
        opportunity: String,
        reason: String,
        stage: Option<String>,
    ) -> Result<()> {
        guard(|| {
            let stage = stage.map(StageId::from);
            Ok(self.write()?.reopen(actor, opportunity, stage, reason)?)
        })
    }

    /// Submits an approval request of `process`; the host chooses the request id.
    pub fn submit_approval(
        &self,
        actor: String,
        opportunity: String,
        process: String,
        request: String,
    ) -> Result<()> {
        guard(|| {
            Ok(self
                .write()?
                .submit_approval(actor, opportunity, process, request)?)
        })
    }

    /// Approves or rejects the current step of a request.
    #[uniffi::method(default(comment = None))]
    pub fn decide_approval(
        &self,
        actor: String,
        opportunity: String,
        request: String,
        decision: Decision,
        comment: Option<String>,
    ) -> Result<()> {
        guard(|| {
            let comment = comment.unwrap_or_default();
            Ok(self.write()?.decide_approval(
                actor,
                opportunity,
                request,
                decision.to_core(),
                comment,
            )?)
        })
    }

    /// Withdraws a pending request.
    pub fn withdraw_approval(
        &self,
        actor: String,
        opportunity: String,
        request: String,
    ) -> Result<()> {
        guard(|| {
            let command = Command::WithdrawApproval {
                opportunity: opportunity.into(),
                request: request.into(),
            };
            self.command(actor, command)
        })
    }

    /// Resubmits a rejected, withdrawn or lapsed request (from step one).
    pub fn resubmit_approval(
        &self,
        actor: String,
        opportunity: String,
        request: String,
    ) -> Result<()> {
        guard(|| {
            let command = Command::ResubmitApproval {
                opportunity: opportunity.into(),
                request: request.into(),
            };
            self.command(actor, command)
        })
    }

    /// Logs an activity, perhaps planning the next follow-up.
    pub fn log_activity(&self, actor: String, activity: NewActivity) -> Result<()> {
        guard(|| {
            let activity = activity.into_core()?;
            Ok(self.write()?.log_activity(actor, activity)?)
        })
    }

    /// Creates a task.
    pub fn create_task(&self, actor: String, task: NewTask) -> Result<()> {
        guard(|| {
            let task = task.into_core()?;
            Ok(self.write()?.create_task(actor, task)?)
        })
    }

    /// Marks a task done.
    pub fn complete_task(&self, actor: String, task: String) -> Result<()> {
        guard(|| Ok(self.write()?.complete_task(actor, task)?))
    }

    /// Reopens a done task.
    pub fn reopen_task(&self, actor: String, task: String) -> Result<()> {
        guard(|| Ok(self.write()?.reopen_task(actor, task)?))
    }

    /// Acknowledges a reminder (seen; its escalation stays).
    pub fn acknowledge_reminder(&self, actor: String, reminder: String) -> Result<()> {
        guard(|| {
            let reminder = ReminderId::from(reminder);
            self.command(actor, Command::AcknowledgeReminder { reminder })
        })
    }

    /// Snoozes a reminder until a later instant.
    pub fn snooze_reminder(
        &self,
        actor: String,
        reminder: String,
        until: SystemTime,
    ) -> Result<()> {
        guard(|| {
            let command = Command::SnoozeReminder {
                reminder: ReminderId::from(reminder),
                until: timestamp(until, "until")?,
            };
            self.command(actor, command)
        })
    }

    /// Dismisses a reminder and its escalation.
    pub fn dismiss_reminder(&self, actor: String, reminder: String) -> Result<()> {
        guard(|| {
            let reminder = ReminderId::from(reminder);
            self.command(actor, Command::DismissReminder { reminder })
        })
    }

    // ----- the hot path: the typed verbs a host calls in loops, on id objects --------------
    // Each passes the ids as objects made once (`ActorRef`, `OpportunityRef`, `StageRef`,
    // `src/ids.rs`): no `String` crosses for them, and the core gets clones of its own ids (a
    // reference-count increment each). Otherwise the same as the verbs above: the guard, the
    // write lock, the core's typed method, nothing returned, the same errors.

    /// [`Engine::advance`] on id objects: advances through the gates to a later stage or
    /// `won`.
    pub fn advance_ref(
        &self,
        actor: &ActorRef,
        opportunity: &OpportunityRef,
        to: &StageRef,
    ) -> Result<()> {
        guard(|| {
            Ok(self.write()?.advance(
                actor.core().clone(),
                opportunity.core().clone(),
                to.core().clone(),
            )?)
        })
    }

    /// [`Engine::move_back`] on id objects: moves back to an earlier stage. A `reason`
    /// crosses as a string buffer, `null` / `nil` too (uniffi lowers every optional that
    /// way).
    #[uniffi::method(default(reason = None))]
    pub fn move_back_ref(
        &self,
        actor: &ActorRef,
        opportunity: &OpportunityRef,
        to: &StageRef,
        reason: Option<String>,
    ) -> Result<()> {
        guard(|| {
            Ok(self.write()?.move_back(
                actor.core().clone(),
                opportunity.core().clone(),
                to.core().clone(),
                reason,
            )?)
        })
    }

    /// [`Engine::win`] on id objects: an advance to `won` through every remaining gate.
    pub fn win_ref(&self, actor: &ActorRef, opportunity: &OpportunityRef) -> Result<()> {
        guard(|| {
            Ok(self
                .write()?
                .win(actor.core().clone(), opportunity.core().clone())?)
        })
    }

    /// [`Engine::tick`] on id objects: ticks a checklist item. The item is the core's plain
    /// text, not an id: it crosses as a `String`.
    pub fn tick_ref(
        &self,
        actor: &ActorRef,
        opportunity: &OpportunityRef,
        item: String,
    ) -> Result<()> {
        guard(|| {
            Ok(self
                .write()?
                .tick(actor.core().clone(), opportunity.core().clone(), item)?)
        })
    }

    // ----- typed reads: the query JSON, answered by the one query path -------------------

    /// An opportunity, as `reader` sees it (`None`: the host), now or as of an instant.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn opportunity(
        &self,
        id: String,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<Opportunity> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged("opportunity", json!({ "id": id, "as_of": as_of })),
            )? {
                QueryResult::Opportunity(o) => Opportunity::try_from(&*o),
                _ => Err(shape("opportunity")),
            }
        })
    }

    /// An opportunity's timeline (推进), oldest first.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn timeline(
        &self,
        id: String,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<Vec<TimelineEntry>> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged("timeline", json!({ "id": id, "as_of": as_of })),
            )? {
                QueryResult::Timeline(entries) => {
                    entries.iter().map(TimelineEntry::try_from).collect()
                }
                _ => Err(shape("timeline")),
            }
        })
    }

    /// The gate report: what is met and missing to move `id` to `target`.
    #[uniffi::method(default(reader = None))]
    pub fn check(&self, id: String, target: String, reader: Option<String>) -> Result<GateReport> {
        guard(|| {
            match self.ask(
                reader,
                tagged("gate", json!({ "id": id, "target": target })),
            )? {
                QueryResult::Gate(report) => Ok(GateReport::from(*report)),
                _ => Err(shape("gate")),
            }
        })
    }

    /// The reminders due at `at`, by due time then id: every one, or up to `limit`
    /// (default 100) of one recipient.
    #[uniffi::method(default(recipient = None, limit = None, reader = None))]
    pub fn due(
        &self,
        at: SystemTime,
        recipient: Option<String>,
        limit: Option<u32>,
        reader: Option<String>,
    ) -> Result<Vec<Reminder>> {
        guard(|| {
            let at = timestamp(at, "at")?;
            match self.ask(
                reader,
                tagged(
                    "due",
                    json!({ "at": at, "recipient": recipient, "limit": limit }),
                ),
            )? {
                QueryResult::Reminders(due) => due.iter().map(Reminder::try_from).collect(),
                _ => Err(shape("due")),
            }
        })
    }

    /// The reminders coming due after `at` and up to `until`.
    #[uniffi::method(default(reader = None))]
    pub fn upcoming(
        &self,
        at: SystemTime,
        until: SystemTime,
        reader: Option<String>,
    ) -> Result<Vec<Reminder>> {
        guard(|| {
            let at = timestamp(at, "at")?;
            let until = timestamp(until, "until")?;
            match self.ask(
                reader,
                tagged("upcoming", json!({ "at": at, "until": until })),
            )? {
                QueryResult::Reminders(soon) => soon.iter().map(Reminder::try_from).collect(),
                _ => Err(shape("upcoming")),
            }
        })
    }

    /// A rep's daily report (销售日报) for a local day (`YYYY-MM-DD`, the rep's time zone),
    /// now or as of an instant. The other management reports are answered by `query`.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn daily_report(
        &self,
        rep: String,
        day: String,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<DailyReport> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "daily_report",
                    json!({ "rep": rep, "day": day, "as_of": as_of }),
                ),
            )? {
                QueryResult::DailyReport(report) => Ok(DailyReport::from(&*report)),
                _ => Err(shape("daily_report")),
            }
        })
    }

    /// A rep's daily reports for the local days `first..=last` (`YYYY-MM-DD`), and their
    /// sum.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn daily_range_report(
        &self,
        rep: String,
        first: String,
        last: String,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<DailyRangeReport> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "daily_range_report",
                    json!({ "rep": rep, "first": first, "last": last, "as_of": as_of }),
                ),
            )? {
                QueryResult::DailyRangeReport(report) => Ok(DailyRangeReport::from(&*report)),
                _ => Err(shape("daily_range_report")),
            }
        })
    }

    /// The daily report of everyone below `manager` for `day`, and the totals.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn daily_team_report(
        &self,
        manager: String,
        day: String,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<TeamDailyReport> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "daily_team_report",
                    json!({ "manager": manager, "day": day, "as_of": as_of }),
                ),
            )? {
                QueryResult::DailyTeamReport(report) => Ok(TeamDailyReport::from(&*report)),
                _ => Err(shape("daily_team_report")),
            }
        })
    }

    /// Attainment of the company, every team and every rep for a period (`2026-Q1`,
    /// `2026-03`, `2026`, `2026-04-01..2027-04-01`): won against target, open pipeline,
    /// forecast; in one currency (default: the one the period's targets share) and time
    /// zone (default: the reminder rules'). Needs a reader who sees everything (the host).
    #[uniffi::method(default(currency = None, time_zone = None, reader = None, as_of = None))]
    pub fn attainment(
        &self,
        period: String,
        currency: Option<String>,
        time_zone: Option<String>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<AttainmentReport> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "attainment",
                    json!({ "period": period, "currency": currency, "time_zone": time_zone,
                            "as_of": as_of }),
                ),
            )? {
                QueryResult::Attainment(report) => AttainmentReport::try_from(&*report),
                _ => Err(shape("attainment")),
            }
        })
    }

    /// Expenses by customer, category and rep for the dates `from..to` (`YYYY-MM-DD`, `to`
    /// exclusive; absent: unbounded), now or as of an instant.
    #[uniffi::method(default(from = None, to = None, reader = None, as_of = None))]
    pub fn expense_report(
        &self,
        from: Option<String>,
        to: Option<String>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<reports::ExpenseReport> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "expense_report",
                    json!({ "from": from, "to": to, "as_of": as_of }),
                ),
            )? {
                QueryResult::ExpenseReport(r) => Ok(reports::ExpenseReport::from(&*r)),
                _ => Err(shape("expense_report")),
            }
        })
    }

    /// The source report (来源统计) of a pipeline over the cohort window
    /// `window_from..window_to` (absent: unbounded).
    #[uniffi::method(default(window_from = None, window_to = None, reader = None, as_of = None))]
    pub fn source_report(
        &self,
        pipeline: String,
        window_from: Option<SystemTime>,
        window_to: Option<SystemTime>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<reports::SourceReport> {
        guard(|| {
            let window_from = opt_timestamp(window_from, "window_from")?;
            let window_to = opt_timestamp(window_to, "window_to")?;
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "source_report",
                    json!({ "pipeline": pipeline, "window_from": window_from,
                            "window_to": window_to, "as_of": as_of }),
                ),
            )? {
                QueryResult::SourceReport(r) => Ok(reports::SourceReport::from(&*r)),
                _ => Err(shape("source_report")),
            }
        })
    }

    /// The competitor report, counting the closed deals that closed in
    /// `closed_from..closed_to` (absent: unbounded).
    #[uniffi::method(default(closed_from = None, closed_to = None, reader = None, as_of = None))]
    pub fn competitor_report(
        &self,
        closed_from: Option<SystemTime>,
        closed_to: Option<SystemTime>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<reports::CompetitorReport> {
        guard(|| {
            let closed_from = opt_timestamp(closed_from, "closed_from")?;
            let closed_to = opt_timestamp(closed_to, "closed_to")?;
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "competitor_report",
                    json!({ "closed_from": closed_from, "closed_to": closed_to, "as_of": as_of }),
                ),
            )? {
                QueryResult::CompetitorReport(r) => Ok(reports::CompetitorReport::from(&*r)),
                _ => Err(shape("competitor_report")),
            }
        })
    }

    /// A forecast snapshot, by id.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn forecast_snapshot(
        &self,
        id: String,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<reports::ForecastSnapshot> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged("forecast_snapshot", json!({ "id": id, "as_of": as_of })),
            )? {
                QueryResult::ForecastSnapshot(s) => Ok(reports::ForecastSnapshot::from(&*s)),
                _ => Err(shape("forecast_snapshot")),
            }
        })
    }

    /// Every forecast snapshot, by id.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn forecast_snapshots(
        &self,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<Vec<reports::ForecastSnapshot>> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged("forecast_snapshots", json!({ "as_of": as_of })),
            )? {
                QueryResult::ForecastSnapshots(all) => {
                    Ok(all.iter().map(reports::ForecastSnapshot::from).collect())
                }
                _ => Err(shape("forecast_snapshots")),
            }
        })
    }

    /// Forecast accuracy: the snapshots of ended periods against what the reps won, per
    /// rep and currency, and the pushed deals.
    #[uniffi::method(default(reader = None, as_of = None))]
    pub fn forecast_accuracy(
        &self,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<reports::ForecastAccuracy> {
        guard(|| {
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged("forecast_accuracy", json!({ "as_of": as_of })),
            )? {
                QueryResult::ForecastAccuracy(a) => Ok(reports::ForecastAccuracy::from(&*a)),
                _ => Err(shape("forecast_accuracy")),
            }
        })
    }

    /// The funnel of a pipeline over the engine's history, one section per currency: the
    /// cohort window `window_from..window_to` (absent: unbounded), the counting mode
    /// (default recorded) and the grouping (default owner).
    #[uniffi::method(default(
        window_from = None,
        window_to = None,
        mode = None,
        by = None,
        reader = None,
        as_of = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn funnel(
        &self,
        pipeline: String,
        window_from: Option<SystemTime>,
        window_to: Option<SystemTime>,
        mode: Option<reports::FunnelMode>,
        by: Option<reports::FunnelGroupBy>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<Vec<reports::FunnelSection>> {
        guard(|| {
            let window = window_json(window_from, window_to, "window")?;
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "funnel",
                    json!({ "pipeline": pipeline, "window": window,
                            "mode": mode.map(reports::FunnelMode::json_name),
                            "by": by.map(reports::FunnelGroupBy::json_name), "as_of": as_of }),
                ),
            )? {
                QueryResult::Funnel(all) => Ok(reports::funnel_sections(&all)),
                _ => Err(shape("funnel")),
            }
        })
    }

    /// The forecast of a pipeline's open deals expected to close in
    /// `period_from..period_to` (absent: unbounded), one section per currency; stage
    /// probabilities and the automatic method unless told otherwise. The same seed over the
    /// same history gives the same numbers.
    #[uniffi::method(default(
        period_from = None,
        period_to = None,
        probabilities = None,
        method = None,
        reader = None,
        as_of = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn forecast(
        &self,
        pipeline: String,
        period_from: Option<SystemTime>,
        period_to: Option<SystemTime>,
        probabilities: Option<reports::ForecastProbabilities>,
        method: Option<reports::ForecastMethod>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<Vec<reports::ForecastSection>> {
        guard(|| {
            let period = window_json(period_from, period_to, "period")?;
            let probabilities = probabilities
                .map(|p| -> Result<Value> {
                    Ok(match p {
                        reports::ForecastProbabilities::Stage => json!({ "kind": "stage" }),
                        reports::ForecastProbabilities::Empirical {
                            training_from,
                            training_to,
                            mode,
                        } => json!({ "kind": "empirical",
                            "training": window_json(training_from, training_to, "training")?,
                            "mode": mode.json_name() }),
                    })
                })
                .transpose()?;
            let method = method.map(|m| match m {
                reports::ForecastMethod::Auto {
                    max_support,
                    samples,
                    seed,
                } => json!({ "kind": "auto", "max_support": max_support, "samples": samples,
                             "seed": seed }),
                reports::ForecastMethod::Exact => json!({ "kind": "exact" }),
                reports::ForecastMethod::MonteCarlo { samples, seed } => {
                    json!({ "kind": "monte_carlo", "samples": samples, "seed": seed })
                }
            });
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "forecast",
                    json!({ "pipeline": pipeline, "period": period,
                            "probabilities": probabilities, "method": method, "as_of": as_of }),
                ),
            )? {
                QueryResult::Forecast(all) => Ok(reports::forecast_sections(&all)),
                _ => Err(shape("forecast")),
            }
        })
    }

    /// The calibration of a pipeline's stage probabilities over the cohort window
    /// `window_from..window_to` (absent: unbounded), one section per currency.
    #[uniffi::method(default(window_from = None, window_to = None, reader = None, as_of = None))]
    pub fn calibration(
        &self,
        pipeline: String,
        window_from: Option<SystemTime>,
        window_to: Option<SystemTime>,
        reader: Option<String>,
        as_of: Option<SystemTime>,
    ) -> Result<Vec<reports::CalibrationSection>> {
        guard(|| {
            let window = window_json(window_from, window_to, "window")?;
            let as_of = opt_timestamp(as_of, "as_of")?;
            match self.ask(
                reader,
                tagged(
                    "calibration",
                    json!({ "pipeline": pipeline, "window": window, "as_of": as_of }),
                ),
            )? {
                QueryResult::Calibration(all) => Ok(reports::calibration_sections(&all)),
                _ => Err(shape("calibration")),
            }
        })
    }

    /// The stored events after position `after` (default 0), at most `limit` (default
    /// 1000), oldest first: what a sync to a server reads. The host reads them; a user
    /// needs the policy's `Everything` visibility.
    #[uniffi::method(default(after = 0, limit = 1000, reader = None))]
    pub fn events(
        &self,
        after: u64,
        limit: u32,
        reader: Option<String>,
    ) -> Result<Vec<RecordedEvent>> {
        guard(|| {
            match self.ask(
                reader,
                tagged("events", json!({ "after": after, "limit": limit })),
            )? {
                QueryResult::Events(events) => events.iter().map(RecordedEvent::try_from).collect(),
                _ => Err(shape("events")),
            }
        })
    }

    /// The next instant after `at` at which a reminder comes due, or `null` / `nil`: when
    /// to wake up next.
    #[uniffi::method(default(reader = None))]
    pub fn next_due_after(
        &self,
        at: SystemTime,
        reader: Option<String>,
    ) -> Result<Option<SystemTime>> {
        guard(|| {
            let at = timestamp(at, "at")?;
            match self.ask(reader, tagged("next_due_after", json!({ "at": at })))? {
                QueryResult::Instant(next) => Ok(next.map(system_time)),
                _ => Err(shape("next_due_after")),
            }
        })
    }
}
