//! Read views: every typed read of the engine, now ([`Engine::view`]) or as of an instant
//! ([`Engine::at`]), one convention for every query and report.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{rows, Engine, ReminderIndex};
use crate::activity::{Activity, Task};
use crate::analytics::{
    Calibration, Forecast, ForecastParams, FunnelParams, FunnelReport, FunnelTable, GroupBy, Mode,
    Probabilities, Window,
};
use crate::approval::ApprovalProcess;
use crate::clock::Timestamp;
use crate::customer::Customer;
use crate::error::{Error, Result};
use crate::event::{Event, RecordedEvent};
use crate::gate::GateReport;
use crate::id::{
    ActivityId, ActorId, CustomerId, ExpenseId, OpportunityId, PipelineId, ProcessId, SnapshotId,
    StageId, TaskId,
};
use crate::management::competitor::{competitor_report, CompetitorParams, CompetitorReport};
use crate::management::daily::{DailyReport, RangeReport, TeamDailyReport};
use crate::management::expense::{
    expense_report, ExpenseQuery, ExpenseRecord, ExpenseReport, ExpenseSettings,
};
use crate::management::snapshot::{
    forecast_accuracy, AccuracyInput, ForecastAccuracy, ForecastSnapshot,
};
use crate::management::source::{source_report_from, Source, SourceReport};
use crate::management::target::{
    attainment, AttainmentInput, AttainmentQuery, AttainmentReport, Target,
};
use crate::money::Currency;
use crate::opportunity::Opportunity;
use crate::pipeline::Pipeline;
use crate::reminder::{Reminder, ReminderId, ReminderRules};
use crate::state::{State, TimelineEntry};
use crate::user::User;

use super::policy::Directory;

/// A report of one currency: the engine's funnel, forecast and calibration give one section
/// per currency of the pipeline's deals, sorted by currency code, so that a pipeline with deals
/// in two currencies is never an error (`currency` is absent only for a pipeline without
/// deals, which gives one empty section).
///
/// ```
/// use salespipe::*;
/// let mut e = Engine::new();
/// e.register_user("root", User::new("root", "Admin", Role::Admin))?;
/// e.define_pipeline("root", Pipeline::builder("sales", "Sales")
///     .stage(Stage::new("qualify", "Qualify", 0.2)).build()?)?;
/// let sections = e.view().funnel(&"sales".into(), &FunnelOptions::default())?;
/// assert_eq!(sections.len(), 1);
/// assert_eq!(sections[0].currency, None);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrencySection<T> {
    /// The currency of the section's deals.
    pub currency: Option<Currency>,
    /// The report over them.
    pub report: T,
    /// Deals of this currency left out of the report because their amount is beyond
    /// [`Money::MAX_MINOR`](crate::Money::MAX_MINOR) (stored before the engine checked that
    /// limit). Absent from the JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How the engine's funnel counts: the cohort window, the mode and the grouping.
///
/// ```
/// use salespipe::FunnelOptions;
/// let o: FunnelOptions = serde_json::from_str(r#"{"mode": "cumulative", "by": "source"}"#).unwrap();
/// assert_eq!(o.by, salespipe::analytics::GroupBy::Source);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelOptions {
    /// The cohort window (default: the whole history).
    #[serde(default)]
    pub window: Window,
    /// The counting mode (default: recorded).
    #[serde(default)]
    pub mode: Mode,
    /// The grouping (default: owner).
    #[serde(default)]
    pub by: GroupBy,
}

/// What the engine's forecast covers: the close period and how probabilities and the
/// distribution are computed.
///
/// ```
/// use salespipe::ForecastOptions;
/// let o: ForecastOptions = serde_json::from_str(r#"{"period": {"from": "2026-01-01T00:00:00Z", "to": null}}"#).unwrap();
/// assert!(o.period.from.is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastOptions {
    /// Deals expected to close in this window count.
    #[serde(default)]
    pub period: Window,
    /// Stage or empirical probabilities (default: stage).
    #[serde(default)]
    pub probabilities: Probabilities,
    /// Exact, Monte Carlo or automatic (default: automatic).
    #[serde(default)]
    pub method: crate::analytics::ForecastMethod,
}

/// A read view of the engine: the state now ([`Engine::view`]) or as it was at an instant
/// ([`Engine::at`]). Every typed read and report lives here; [`Engine::query`] answers the
/// same questions as data. Reports that take an observation instant take the view's.
///
/// ```
/// use salespipe::*;
/// let clock = ManualClock::new("2026-03-02T01:00:00Z".parse()?);
/// let mut e = Engine::with_clock(clock.clone());
/// e.register_user("root", User::new("root", "Admin", Role::Admin))?;
/// e.define_pipeline("root", Pipeline::builder("sales", "Sales")
///     .stage(Stage::new("qualify", "Qualify", 0.2))
///     .stage(Stage::new("demo", "Demo", 0.5)).build()?)?;
/// e.register_user("root", User::new("wang", "王芳", Role::Rep))?;
/// e.create_customer("wang", Customer::new("acme", "Acme"))?;
/// e.create_opportunity("wang", NewOpportunity::new("o1", "sales", "acme", "wang", "ERP", Money::parse("100", "CNY")?))?;
/// let before = e.now();
/// clock.advance(std::time::Duration::from_secs(60));
/// e.advance("wang", "o1", "demo")?;
///
/// let view = e.view();
/// assert_eq!(view.opportunity(&"o1".into())?.stage.as_str(), "demo");
/// let past = e.at(before)?;
/// assert_eq!(past.opportunity(&"o1".into())?.stage.as_str(), "qualify");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug)]
pub struct View<'e> {
    engine: &'e Engine,
    state: Cow<'e, State>,
    at: Option<Timestamp>,
    reminders: OnceLock<ReminderIndex>,
    /// When set, the funnel, forecast and calibration count only the deals these users own
    /// (a reader's [`crate::Visibility::OwnedBy`]).
    owners: Option<std::collections::BTreeSet<ActorId>>,
}

impl<'e> View<'e> {
    pub(super) fn now(engine: &'e Engine) -> Self {
        View {
            engine,
            state: Cow::Borrowed(&engine.state),
            at: None,
            reminders: OnceLock::new(),
            owners: None,
        }
    }

    /// The same view, its funnel, forecast and calibration over the deals of `owners` only.
    pub(super) fn owned_by(self, owners: std::collections::BTreeSet<ActorId>) -> Self {
        View {
            owners: Some(owners),
            ..self
        }
    }

    /// The current state observed at `at`: for the reads of the event log and the daily
    /// index, which take the instant and need no replayed state.
    pub(super) fn instant_only(engine: &'e Engine, at: Timestamp) -> Self {
        View {
            at: Some(at),
            ..View::now(engine)
        }
    }

    pub(super) fn at(engine: &'e Engine, at: Timestamp) -> Result<Self> {
        Ok(View {
            engine,
            state: Cow::Owned(engine.replay_until(at)?),
            at: Some(at),
            reminders: OnceLock::new(),
            owners: None,
        })
    }

    /// The view's instant: the one given to [`Engine::at`], else the clock's now, but no
    /// earlier than the latest event in the state (a clock set back does not hide events).
    pub fn instant(&self) -> Timestamp {
        self.at
            .unwrap_or_else(|| self.engine.now().max(self.engine.latest()))
    }

    /// The folded state the view reads.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The users, as policies see them.
    pub fn directory(&self) -> Directory<'_> {
        Directory::new(&self.state)
    }

    // ----- definitions and people ------------------------------------------------------

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
            .ok_or_else(|| match self.state.pipeline(id) {
                None => Error::not_found("pipeline", id),
                Some(_) => Error::not_found_at("pipeline version", version, "version"),
            })
    }

    /// Every pipeline, current versions, sorted by id.
    pub fn pipelines(&self) -> Vec<&Pipeline> {
        sorted_by_id(self.state.pipelines(), |p| &p.id)
    }

    /// The display name of a stage id in a pipeline version (`won`/`lost` stay as they are).
    pub fn stage_name(&self, pipeline: &PipelineId, version: u32, stage: &StageId) -> String {
        self.state
            .pipeline_version(pipeline, version)
            .and_then(|p| p.stage(stage))
            .map_or_else(|| stage.to_string(), |s| s.name.clone())
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

    /// A user.
    pub fn user(&self, id: &ActorId) -> Result<&User> {
        self.state
            .user(id)
            .ok_or_else(|| Error::not_found("user", id))
    }

    /// Every user, sorted by id.
    pub fn users(&self) -> Vec<&User> {
        sorted_by_id(self.state.users(), |u| &u.id)
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

    /// A customer.
    pub fn customer(&self, id: &CustomerId) -> Result<&Customer> {
        self.state
            .customer(id)
            .ok_or_else(|| Error::not_found("customer", id))
    }

    /// Every customer, sorted by id.
    pub fn customers(&self) -> Vec<&Customer> {
        sorted_by_id(self.state.customers(), |c| &c.id)
    }

    // ----- deals ---------------------------------------------------------------------------

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
        crate::gate::evaluate(p, self.state.gate_context(o, self.instant()), target)
    }

    /// The stage changes of an opportunity, oldest first, each with the pipeline version in
    /// force at the time.
    pub fn timeline(&self, opportunity: &OpportunityId) -> Result<Vec<TimelineEntry>> {
        self.state
            .timeline(opportunity)
            .ok_or_else(|| Error::not_found("opportunity", opportunity))
    }

    // ----- activities and tasks --------------------------------------------------------

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

    // ----- reminders -------------------------------------------------------------------

    /// The reminder index of the view's state (the engine's own for a view of now; built on
    /// first use for a view of the past).
    pub fn reminder_index(&self) -> &ReminderIndex {
        match &self.state {
            Cow::Borrowed(_) => self.engine.reminders(),
            Cow::Owned(state) => self.reminders.get_or_init(|| ReminderIndex::build(state)),
        }
    }

    /// Every reminder due at `at`, sorted by due time, then id. Asking again returns the same
    /// reminders until an event or the passage of time changes them.
    pub fn due(&self, at: Timestamp) -> Vec<Reminder> {
        self.reminder_index().due(&self.state, at)
    }

    /// Up to `limit` reminders due at `at` for one recipient, sorted by due time, then id.
    pub fn due_for(&self, recipient: &ActorId, at: Timestamp, limit: usize) -> Vec<Reminder> {
        self.reminder_index()
            .due_for(&self.state, recipient, at, limit)
    }

    /// The reminders coming due after `at` and up to `at + horizon`.
    pub fn upcoming(&self, at: Timestamp, horizon: Duration) -> Vec<Reminder> {
        self.reminder_index().upcoming(&self.state, at, horizon)
    }

    /// The earliest instant after `at` at which a reminder comes due: when the host should
    /// ask again, unless an event happens first.
    pub fn next_due_after(&self, at: Timestamp) -> Option<Timestamp> {
        self.reminder_index().next_due_after(at)
    }

    /// A reminder by id, hidden ones included; [`Error::NotFound`] once its cause is resolved.
    pub fn reminder(&self, id: &ReminderId) -> Result<Reminder> {
        self.reminder_index()
            .reminder(&self.state, id)
            .ok_or_else(|| Error::not_found("reminder", id))
    }

    /// The reminder rules in force.
    pub fn reminder_rules(&self) -> &ReminderRules {
        self.state.reminders().rules()
    }

    // ----- sales management --------------------------------------------------------------

    /// The daily report (销售日报) of `rep` for local `day`, observed at the view's instant
    /// ([`crate::management::daily`]). The daily reports read the engine's daily index, not
    /// the view's state: each rep's day is in the time zone the rep has now, and a team is
    /// the people below its manager now, whatever the view's instant.
    ///
    /// ```
    /// use salespipe::*;
    /// let clock = ManualClock::new("2026-03-02T01:00:00Z".parse()?);
    /// let mut engine = Engine::with_clock(clock.clone());
    /// engine.register_user("boss", User::new("boss", "Admin", Role::Admin))?;
    /// engine.register_user("boss", User::new("wang", "王芳", Role::Rep).time_zone("Asia/Shanghai"))?;
    /// engine.create_customer("wang", Customer::new("acme", "Acme"))?;
    /// let day = parse_date("day", "2026-03-02")?;
    /// let r = engine.view().daily_report(&"wang".into(), day)?;
    /// assert_eq!(r.figures.new_customers, 1);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn daily_report(&self, rep: &ActorId, day: NaiveDate) -> Result<DailyReport> {
        let tz = View::now(self.engine).rep_time_zone(rep)?;
        self.engine.daily()?.report(rep, day, &tz, self.instant())
    }

    /// The daily reports of `rep` for the local days `first..=last`, and the range's figures.
    pub fn daily_range_report(
        &self,
        rep: &ActorId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<RangeReport> {
        let tz = View::now(self.engine).rep_time_zone(rep)?;
        self.engine
            .daily()?
            .range(rep, first, last, &tz, self.instant())
    }

    /// The daily report of a manager's team (everyone below them in the reporting line,
    /// sorted by id), each rep in their own time zone, with the totals.
    pub fn daily_team_report(&self, manager: &ActorId, day: NaiveDate) -> Result<TeamDailyReport> {
        let now = View::now(self.engine);
        now.user(manager)?;
        let dir = now.directory();
        let mut reps = Vec::new();
        for u in now.users() {
            if dir.manages(manager, &u.id) {
                reps.push((u.id.clone(), now.rep_time_zone(&u.id)?));
            }
        }
        self.engine
            .daily()?
            .team(Some(manager.clone()), &reps, day, self.instant())
    }

    /// Every revenue target, by id.
    pub fn targets(&self) -> Vec<&Target> {
        self.state.targets().collect()
    }

    /// Attainment of every rep, team and the company for a period
    /// ([`crate::management::target`]), at the view's instant, in the time zone of the
    /// reminder rules unless the query names one. A query that names its own `as_of` is
    /// answered as of that instant, whatever the view's.
    ///
    /// ```
    /// use salespipe::*;
    /// use salespipe::management::target::{AttainmentQuery, Period, Scope, Target};
    /// let mut engine = Engine::new();
    /// engine.register_user("root", User::new("root", "Admin", Role::Admin))?;
    /// engine.register_user("root", User::new("root", "Root", Role::Admin))?;
    /// engine.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// let q1 = Period::quarter(2026, 1)?;
    /// let target = Target::new("t1", Scope::Rep("wang".into()), q1, Money::parse("100000", "CNY")?);
    /// engine.execute("root", Command::SetTarget { target })?;
    /// let report = engine.view().attainment(&AttainmentQuery::new(q1))?;
    /// let wang = report.row(&Scope::Rep("wang".into())).unwrap();
    /// assert_eq!(wang.attainment, Some(0.0));
    /// assert_eq!(wang.gap.unwrap().minor(), 10_000_000);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn attainment(&self, query: &AttainmentQuery) -> Result<AttainmentReport> {
        if let Some(at) = query.as_of.filter(|t| Some(*t) != self.at) {
            return self.engine.at(at)?.attainment(query);
        }
        let (users, targets, mut deals) = rows::attainment_input(&self.state);
        // a deal whose amount is beyond the limit (stored before it was checked) is left out
        // and counted, so that the sums of everyone else's still fit
        let before = deals.len();
        deals.retain(|d| d.amount.check("amount").is_ok());
        let left_out = (before - deals.len()) as u64;
        let mut q = query.clone();
        q.as_of = Some(self.instant());
        if q.time_zone.is_none() {
            q.time_zone = Some(self.state.reminders().rules().time_zone.clone());
        }
        let mut report = attainment(
            &AttainmentInput {
                users: &users,
                targets: &targets,
                deals: &deals,
            },
            &q,
        )?;
        report.left_out = left_out;
        Ok(report)
    }

    /// An expense and its approval request.
    pub fn expense(&self, id: &ExpenseId) -> Result<&ExpenseRecord> {
        self.state
            .expense(id)
            .ok_or_else(|| Error::not_found("expense", id))
    }

    /// Every expense, by id.
    pub fn expenses(&self) -> Vec<&ExpenseRecord> {
        self.state.expenses().collect()
    }

    /// The expense settings, once configured.
    pub fn expense_settings(&self) -> Option<&ExpenseSettings> {
        self.state.expense_settings()
    }

    /// Expenses by customer, category and rep ([`crate::management::expense`]). A query that
    /// names its own `as_of` is answered as of that instant, whatever the view's.
    pub fn expense_report(&self, query: &ExpenseQuery) -> Result<ExpenseReport> {
        if let Some(at) = query.as_of.filter(|t| Some(*t) != self.at) {
            return self.engine.at(at)?.expense_report(query);
        }
        let (rows, won) = rows::expenses(&self.state);
        let mut q = query.clone();
        q.as_of = self.at;
        expense_report(&rows, &won, &q)
    }

    /// The configured sources, once configured.
    pub fn sources(&self) -> Option<&[Source]> {
        self.state.sources()
    }

    /// The source report (来源统计) of a pipeline ([`crate::management::source`]): the funnel
    /// grouped by source over the cohort `window`, with the approved expenses of each source.
    ///
    /// ```
    /// use salespipe::*;
    /// let mut e = Engine::new();
    /// e.register_user("root", User::new("root", "Admin", Role::Admin))?;
    /// e.define_pipeline("root", Pipeline::builder("sales", "Sales")
    ///     .stage(Stage::new("qualify", "Qualify", 0.2)).build()?)?;
    /// e.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// e.create_customer("wang", Customer::new("acme", "Acme"))?;
    /// let mut n = NewOpportunity::new("o1", "sales", "acme", "wang", "ERP", Money::parse("100", "CNY")?);
    /// n.source = Some("网络推广".into());
    /// e.create_opportunity("wang", n)?;
    /// e.win("wang", "o1")?;
    /// let r = e.view().source_report(&"sales".into(), analytics::Window::all())?;
    /// assert_eq!(r.row("网络推广").unwrap().won, 1);
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn source_report(&self, pipeline: &PipelineId, window: Window) -> Result<SourceReport> {
        let as_of = self.instant();
        let p = self.pipeline(pipeline)?;
        let events = self.events_until(as_of)?;
        // Revenue is in one currency: the one most of the pipeline's deals carry (the first
        // by code on a tie); deals in other currencies are counted in `left_out`, instead of
        // the report failing for everyone.
        // Deals beyond the amount limit (stored before it was checked) are counted there too.
        let mut tables = super::funnel::by_currency(p, &events, GroupBy::Source, true)?;
        let main = (0..tables.len())
            .rev()
            .max_by_key(|&i| tables.get(i).map_or(0, |(t, _)| t.opp.len()))
            .unwrap_or(0);
        let left_out: u64 = tables
            .iter()
            .enumerate()
            .map(|(i, (t, over))| {
                if i == main {
                    *over
                } else {
                    t.opp.len() as u64 + over
                }
            })
            .sum();
        let table = if main < tables.len() {
            tables.swap_remove(main).0
        } else {
            FunnelTable::from_events(p, &[], GroupBy::Source)?
        };
        let funnel =
            crate::analytics::funnel(&table.input(), &FunnelParams::new(as_of).window(window))?;
        let costs = rows::source_costs(&self.state, window)?;
        let configured = self.state.sources().map(<[_]>::to_vec).unwrap_or_default();
        let mut report = source_report_from(&funnel, &costs, &configured);
        report.left_out = left_out;
        Ok(report)
    }

    /// Every forecast snapshot, by id.
    pub fn forecast_snapshots(&self) -> Vec<&ForecastSnapshot> {
        self.state.forecast_snapshots().collect()
    }

    /// A forecast snapshot by id.
    pub fn forecast_snapshot(&self, id: &SnapshotId) -> Result<&ForecastSnapshot> {
        self.state
            .forecast_snapshot(id)
            .ok_or_else(|| Error::not_found("forecast snapshot", id))
    }

    /// Forecast accuracy at the view's instant ([`crate::management::snapshot`]): every
    /// snapshot taken by then of a period ended by then, against the rep's closed won of the
    /// period as of then; and every pushed deal.
    pub fn forecast_accuracy(&self) -> Result<ForecastAccuracy> {
        let at = self.instant();
        let snapshots: Vec<ForecastSnapshot> = self.state.forecast_snapshots().cloned().collect();
        let actuals = rows::actuals(&self.state, at)?;
        let pushes = rows::pushes(&self.state);
        forecast_accuracy(
            &AccuracyInput {
                snapshots: &snapshots,
                actuals: &actuals,
                pushes: &pushes,
            },
            at,
        )
    }

    /// The competitor report ([`crate::management::competitor`]) of the view's state, won and
    /// lost deals counted when they closed in `closed`.
    pub fn competitor_report(&self, closed: Window) -> Result<CompetitorReport> {
        let params = CompetitorParams {
            as_of: self.at,
            closed,
        };
        competitor_report(&rows::competitors(&self.state), &params)
    }

    // ----- funnel analytics over the engine's own history ----------------------------------

    /// The funnel ([`crate::analytics::funnel()`]) of a pipeline over the engine's own history
    /// up to the view's instant, one section per currency.
    pub fn funnel(
        &self,
        pipeline: &PipelineId,
        options: &FunnelOptions,
    ) -> Result<Vec<CurrencySection<FunnelReport>>> {
        let params = FunnelParams::new(self.instant())
            .window(options.window)
            .mode(options.mode);
        self.sections(pipeline, options.by, |t| {
            crate::analytics::funnel(&t.input(), &params)
        })
    }

    /// The forecast ([`crate::analytics::forecast()`]) of a pipeline's open deals at the view's
    /// instant, one section per currency.
    pub fn forecast(
        &self,
        pipeline: &PipelineId,
        options: &ForecastOptions,
    ) -> Result<Vec<CurrencySection<Forecast>>> {
        let mut params = ForecastParams::new(self.instant(), options.period);
        params.probabilities = options.probabilities;
        params.method = options.method;
        self.sections(pipeline, GroupBy::Owner, |t| {
            crate::analytics::forecast(&t.input(), &params)
        })
    }

    /// How well the stage probabilities of a pipeline predicted outcomes
    /// ([`crate::analytics::calibration()`]) for the deals that entered a stage in `window`,
    /// one section per currency.
    pub fn calibration(
        &self,
        pipeline: &PipelineId,
        window: Window,
    ) -> Result<Vec<CurrencySection<Calibration>>> {
        let at = self.instant();
        self.sections(pipeline, GroupBy::Owner, |t| {
            crate::analytics::calibration(&t.input(), at, window)
        })
    }

    /// Up to `limit` stored events after position `after`, in order (the event log is the
    /// same whatever the view's instant).
    pub fn events(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        self.engine.store.read_all(after, limit)
    }

    fn sections<T>(
        &self,
        pipeline: &PipelineId,
        by: GroupBy,
        report: impl Fn(&FunnelTable) -> Result<T>,
    ) -> Result<Vec<CurrencySection<T>>> {
        let events = self.events_until(self.instant())?;
        // The pipeline as its last definition or edit up to the instant gives it, so that a
        // stage removed later still resolves through the edits up to then.
        let p = events
            .iter()
            .rev()
            .find_map(|e| match &e.event {
                Event::PipelineDefined { pipeline: p }
                | Event::PipelineEdited { pipeline: p, .. }
                    if p.id == *pipeline =>
                {
                    Some(&**p)
                }
                _ => None,
            })
            .ok_or_else(|| Error::not_found("pipeline", pipeline))?;
        super::funnel::by_currency(p, &events, by, true)?
            .iter()
            .map(|(t, left_out)| {
                Ok(CurrencySection {
                    currency: t.currency,
                    report: report(t)?,
                    left_out: *left_out,
                })
            })
            .collect()
    }

    /// The stored events stamped at or before `at`.
    fn events_until(&self, at: Timestamp) -> Result<Vec<RecordedEvent>> {
        let mut events = Vec::new();
        // With owners, the events of the deals others own stay out (by the owner the deal
        // has in the view's state).
        let in_sight = |e: &RecordedEvent| match (&self.owners, e.event.opportunity()) {
            (Some(owners), Some(o)) => self
                .state
                .opportunity(o)
                .is_some_and(|o| owners.contains(&o.owner)),
            _ => true,
        };
        self.engine.store.scan(0, &mut |e| {
            if e.at <= at && in_sight(e) {
                events.push(e.clone());
            }
        })?;
        Ok(events)
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
