//! Queries as data: one serde-tagged [`Query`] enum answered by [`Engine::query`] with a
//! JSON-serialisable [`QueryResult`], so that every binding exposes every query through one
//! function and the conformance scenarios ask them the same way in every language.

use serde::{Deserialize, Serialize};

use super::policy::{Directory, Visibility};
use super::view::{CurrencySection, ForecastOptions, FunnelOptions, View};
use super::Engine;
use crate::activity::{Activity, Task};
use crate::analytics::{Calibration, Forecast, FunnelReport, Window};
use crate::approval::ApprovalProcess;
use crate::clock::Timestamp;
use crate::customer::Customer;
use crate::error::{Error, Result};
use crate::event::RecordedEvent;
use crate::gate::GateReport;
use crate::id::{
    ActivityId, ActorId, CustomerId, ExpenseId, OpportunityId, PipelineId, ProcessId, SnapshotId,
    StageId, TaskId,
};
use crate::management::competitor::CompetitorReport;
use crate::management::daily::{DailyReport, RangeReport, TeamDailyReport};
use crate::management::expense::{ExpenseQuery, ExpenseRecord, ExpenseReport, ExpenseSettings};
use crate::management::snapshot::{ForecastAccuracy, ForecastSnapshot};
use crate::management::source::{Source, SourceReport};
use crate::management::target::{AttainmentQuery, AttainmentReport, Target};
use crate::opportunity::Opportunity;
use crate::pipeline::Pipeline;
use crate::reminder::{Reminder, ReminderId, ReminderRules};
use crate::state::TimelineEntry;
use crate::user::User;

/// Everything one can ask the engine. JSON: `{"type": "opportunity", "id": "opp-1"}`; every
/// query takes an optional `as_of` (RFC 3339): the answer as the engine knew it then (see
/// [`Engine::at`]), else now. Dates are `YYYY-MM-DD`, windows `{"from": instant or null, "to":
/// instant or null}`.
///
/// ```
/// use salespipe::*;
/// let mut e = Engine::new();
/// e.register_user("root", User::new("root", "Root", Role::Admin))?;
/// let q: Query = serde_json::from_str(r#"{"type": "user", "id": "root"}"#).unwrap();
/// let answer = e.query("root", q)?;
/// assert_eq!(serde_json::to_value(&answer).unwrap()["name"], "Root");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Query {
    /// A pipeline, its current version unless `version` is given.
    Pipeline {
        /// Which.
        id: PipelineId,
        /// A past version.
        #[serde(default)]
        version: Option<u32>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every pipeline, current versions, by id.
    Pipelines {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// An approval process.
    Process {
        /// Which.
        id: ProcessId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every approval process, by id.
    Processes {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A user.
    User {
        /// Which.
        id: ActorId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every user, by id.
    Users {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A customer.
    Customer {
        /// Which.
        id: CustomerId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every customer, by id.
    Customers {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// An opportunity.
    Opportunity {
        /// Which.
        id: OpportunityId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Opportunities by id: every one, or the open ones in one stage of one pipeline.
    Opportunities {
        /// With `stage`: the open ones in this pipeline's stage.
        #[serde(default)]
        pipeline: Option<PipelineId>,
        /// With `pipeline`.
        #[serde(default)]
        stage: Option<StageId>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The gate report: what is met and missing to move an opportunity to `target`.
    Gate {
        /// The opportunity.
        id: OpportunityId,
        /// A later stage or `won`.
        target: StageId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// An opportunity's timeline (推进), oldest first.
    Timeline {
        /// The opportunity.
        id: OpportunityId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The display name of a stage in a pipeline version.
    StageName {
        /// The pipeline.
        pipeline: PipelineId,
        /// Its version.
        version: u32,
        /// The stage.
        stage: StageId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// An activity.
    Activity {
        /// Which.
        id: ActivityId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The activities of an opportunity or a customer (one of the two), oldest first.
    Activities {
        /// Linked to this opportunity.
        #[serde(default)]
        opportunity: Option<OpportunityId>,
        /// With this customer.
        #[serde(default)]
        customer: Option<CustomerId>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A task.
    Task {
        /// Which.
        id: TaskId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Open tasks, of one owner or all, by due time.
    OpenTasks {
        /// Only this owner's.
        #[serde(default)]
        owner: Option<ActorId>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The reminders due at `at`: every one, or up to `limit` (default 100) of one recipient.
    Due {
        /// The instant asked about.
        at: Timestamp,
        /// Only this recipient's.
        #[serde(default)]
        recipient: Option<ActorId>,
        /// With `recipient`: at most this many.
        #[serde(default)]
        limit: Option<usize>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The reminders coming due after `at` and up to `until`.
    Upcoming {
        /// From (exclusive).
        at: Timestamp,
        /// To (inclusive).
        until: Timestamp,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The earliest instant after `at` at which a reminder comes due (null when none).
    NextDueAfter {
        /// The instant asked about.
        at: Timestamp,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A reminder by id.
    Reminder {
        /// Which.
        id: ReminderId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The reminder rules in force.
    ReminderRules {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A rep's daily report (销售日报) for a local day.
    DailyReport {
        /// The rep.
        rep: ActorId,
        /// The local day.
        day: chrono::NaiveDate,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A rep's daily reports for the local days `first..=last`.
    DailyRangeReport {
        /// The rep.
        rep: ActorId,
        /// The first day.
        first: chrono::NaiveDate,
        /// The last day.
        last: chrono::NaiveDate,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The daily report of a manager's team.
    DailyTeamReport {
        /// The manager.
        manager: ActorId,
        /// The local day.
        day: chrono::NaiveDate,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every revenue target, by id.
    Targets {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Attainment of every rep, team and the company for a period (its `as_of` is the
    /// query's).
    Attainment(AttainmentQuery),
    /// An expense.
    Expense {
        /// Which.
        id: ExpenseId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every expense, by id.
    Expenses {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The expense settings (null until configured).
    ExpenseSettings {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Expenses by customer, category and rep (its `as_of` is the query's).
    ExpenseReport(ExpenseQuery),
    /// The configured sources (null until configured).
    Sources {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The source report (来源统计) of a pipeline.
    SourceReport {
        /// The pipeline.
        pipeline: PipelineId,
        /// The cohort window's start.
        #[serde(default)]
        window_from: Option<Timestamp>,
        /// The cohort window's end (exclusive).
        #[serde(default)]
        window_to: Option<Timestamp>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The competitor report.
    CompetitorReport {
        /// Count closed deals that closed from this instant.
        #[serde(default)]
        closed_from: Option<Timestamp>,
        /// Count closed deals that closed before this instant.
        #[serde(default)]
        closed_to: Option<Timestamp>,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// A forecast snapshot.
    ForecastSnapshot {
        /// Which.
        id: SnapshotId,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Every forecast snapshot, by id.
    ForecastSnapshots {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Forecast accuracy.
    ForecastAccuracy {
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The funnel of a pipeline over the engine's history, one section per currency.
    Funnel {
        /// The pipeline.
        pipeline: PipelineId,
        /// Window, mode and grouping.
        #[serde(default, flatten)]
        options: FunnelOptions,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The forecast of a pipeline's open deals, one section per currency. Monte Carlo draws
    /// for the deals in the order they were created (see [`crate::analytics::forecast()`]),
    /// so the same seed over the same history gives the same numbers.
    Forecast {
        /// The pipeline.
        pipeline: PipelineId,
        /// Period, probabilities and method.
        #[serde(default, flatten)]
        options: ForecastOptions,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// The calibration of a pipeline's stage probabilities, one section per currency.
    Calibration {
        /// The pipeline.
        pipeline: PipelineId,
        /// The cohort window.
        #[serde(default)]
        window: Window,
        /// See [`Query`].
        #[serde(default)]
        as_of: Option<Timestamp>,
    },
    /// Up to `limit` (default 1000) stored events after position `after` (default 0).
    Events {
        /// Events after this position.
        #[serde(default)]
        after: u64,
        /// At most this many.
        #[serde(default)]
        limit: Option<usize>,
    },
}

impl Query {
    /// The instant the query asks about (`None`: now).
    pub fn as_of(&self) -> Option<Timestamp> {
        use Query as Q;
        match self {
            Q::Attainment(q) => q.as_of,
            Q::ExpenseReport(q) => q.as_of,
            Q::Events { .. } => None,
            Q::Pipeline { as_of, .. }
            | Q::Pipelines { as_of }
            | Q::Process { as_of, .. }
            | Q::Processes { as_of }
            | Q::User { as_of, .. }
            | Q::Users { as_of }
            | Q::Customer { as_of, .. }
            | Q::Customers { as_of }
            | Q::Opportunity { as_of, .. }
            | Q::Opportunities { as_of, .. }
            | Q::Gate { as_of, .. }
            | Q::Timeline { as_of, .. }
            | Q::StageName { as_of, .. }
            | Q::Activity { as_of, .. }
            | Q::Activities { as_of, .. }
            | Q::Task { as_of, .. }
            | Q::OpenTasks { as_of, .. }
            | Q::Due { as_of, .. }
            | Q::Upcoming { as_of, .. }
            | Q::NextDueAfter { as_of, .. }
            | Q::Reminder { as_of, .. }
            | Q::ReminderRules { as_of }
            | Q::DailyReport { as_of, .. }
            | Q::DailyRangeReport { as_of, .. }
            | Q::DailyTeamReport { as_of, .. }
            | Q::Targets { as_of }
            | Q::Expense { as_of, .. }
            | Q::Expenses { as_of }
            | Q::ExpenseSettings { as_of }
            | Q::Sources { as_of }
            | Q::SourceReport { as_of, .. }
            | Q::CompetitorReport { as_of, .. }
            | Q::ForecastSnapshot { as_of, .. }
            | Q::ForecastSnapshots { as_of }
            | Q::ForecastAccuracy { as_of }
            | Q::Funnel { as_of, .. }
            | Q::Forecast { as_of, .. }
            | Q::Calibration { as_of, .. } => *as_of,
        }
    }

    /// True for the queries whose answer is read from the event log or the daily index, not
    /// from the folded state: asked as of an instant, they need no replay of the state.
    /// The query's `type`, as in its JSON.
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str().map(str::to_owned)))
            .unwrap_or_default()
    }

    fn reads_the_log(&self) -> bool {
        matches!(
            self,
            Query::DailyReport { .. }
                | Query::DailyRangeReport { .. }
                | Query::Funnel { .. }
                | Query::Forecast { .. }
                | Query::Calibration { .. }
                | Query::Events { .. }
        )
    }
}

/// The answer to a [`Query`]: one variant per kind of answer. It serialises as the plain
/// value (an opportunity's JSON, a list, a report, `null`), the same JSON every binding
/// returns.
///
/// ```
/// use salespipe::*;
/// let e = Engine::new();
/// let answer = e.query(Reader::Host, Query::Users { as_of: None })?;
/// assert!(matches!(&answer, QueryResult::Users(users) if users.is_empty()));
/// assert_eq!(serde_json::to_string(&answer).unwrap(), "[]");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum QueryResult {
    /// A pipeline.
    Pipeline(Box<Pipeline>),
    /// Pipelines.
    Pipelines(Vec<Pipeline>),
    /// An approval process.
    Process(Box<ApprovalProcess>),
    /// Approval processes.
    Processes(Vec<ApprovalProcess>),
    /// A user.
    User(Box<User>),
    /// Users.
    Users(Vec<User>),
    /// A customer.
    Customer(Box<Customer>),
    /// Customers.
    Customers(Vec<Customer>),
    /// An opportunity.
    Opportunity(Box<Opportunity>),
    /// Opportunities.
    Opportunities(Vec<Opportunity>),
    /// A gate report.
    Gate(Box<GateReport>),
    /// A timeline.
    Timeline(Vec<TimelineEntry>),
    /// A name.
    Name(String),
    /// An activity.
    Activity(Box<Activity>),
    /// Activities.
    Activities(Vec<Activity>),
    /// A task.
    Task(Box<Task>),
    /// Tasks.
    Tasks(Vec<Task>),
    /// Reminders.
    Reminders(Vec<Reminder>),
    /// A reminder.
    Reminder(Box<Reminder>),
    /// An instant, or none.
    Instant(Option<Timestamp>),
    /// Reminder rules.
    ReminderRules(Box<ReminderRules>),
    /// A daily report.
    DailyReport(Box<DailyReport>),
    /// A range of daily reports.
    DailyRangeReport(Box<RangeReport>),
    /// A team's daily report.
    DailyTeamReport(Box<TeamDailyReport>),
    /// Targets.
    Targets(Vec<Target>),
    /// Attainment.
    Attainment(Box<AttainmentReport>),
    /// An expense.
    Expense(Box<ExpenseRecord>),
    /// Expenses.
    Expenses(Vec<ExpenseRecord>),
    /// Expense settings, once configured.
    ExpenseSettings(Option<Box<ExpenseSettings>>),
    /// An expense report.
    ExpenseReport(Box<ExpenseReport>),
    /// Sources, once configured.
    Sources(Option<Vec<Source>>),
    /// A source report.
    SourceReport(Box<SourceReport>),
    /// A competitor report.
    CompetitorReport(Box<CompetitorReport>),
    /// A forecast snapshot.
    ForecastSnapshot(Box<ForecastSnapshot>),
    /// Forecast snapshots.
    ForecastSnapshots(Vec<ForecastSnapshot>),
    /// Forecast accuracy.
    ForecastAccuracy(Box<ForecastAccuracy>),
    /// Funnel sections.
    Funnel(Vec<CurrencySection<FunnelReport>>),
    /// Forecast sections.
    Forecast(Vec<CurrencySection<Forecast>>),
    /// Calibration sections.
    Calibration(Vec<CurrencySection<Calibration>>),
    /// Stored events.
    Events(Vec<RecordedEvent>),
}

fn owned<T: Clone>(items: Vec<&T>) -> Vec<T> {
    items.into_iter().cloned().collect()
}

/// Who reads: a user, whose reads the [`Policy`](crate::Policy) limits
/// ([`Policy::visibility`](crate::Policy::visibility)), or the host itself, which reads
/// everything (a host that does its own read control, or its own jobs: schedulers,
/// exports). A string or an [`ActorId`] is a user.
///
/// ```
/// use salespipe::*;
/// let mut e = Engine::new();
/// e.register_user("root", User::new("root", "Root", Role::Admin))?;
/// e.register_user("root", User::new("wang", "王芳", Role::Rep))?;
/// e.create_customer("root", Customer::new("acme", "Acme").owned_by("root"))?;
/// let q = Query::Customer { id: "acme".into(), as_of: None };
/// assert_eq!(e.query("wang", q.clone()).unwrap_err().code(), ErrorCode::PermissionDenied);
/// assert!(e.query(Reader::Host, q).is_ok());
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// A user: must be registered; reads what the policy lets them see.
    User(ActorId),
    /// The host application: reads everything.
    Host,
}

impl From<ActorId> for Reader {
    fn from(a: ActorId) -> Self {
        Reader::User(a)
    }
}

impl From<&ActorId> for Reader {
    fn from(a: &ActorId) -> Self {
        Reader::User(a.clone())
    }
}

impl From<&str> for Reader {
    fn from(a: &str) -> Self {
        Reader::User(a.into())
    }
}

impl From<String> for Reader {
    fn from(a: String) -> Self {
        Reader::User(a.into())
    }
}

impl Engine {
    /// Answers a query as `reader`: a registered user (a string or an [`ActorId`]), who sees
    /// what the [`Policy`](crate::Policy) lets them see ([`Visibility`]: by default an admin
    /// everything, anyone else what they and the people below them own), or
    /// [`Reader::Host`], which sees everything. A record out of sight is refused with
    /// `permission_denied`; a list leaves out what is out of sight; the funnel, forecast and
    /// calibration count only the deals in sight.
    ///
    /// With `as_of`, the answer is the one [`Engine::at`] gives; the daily reports, the
    /// funnel, forecast and calibration read the event log up to that instant and replay
    /// nothing.
    pub fn query(&self, reader: impl Into<Reader>, query: Query) -> Result<QueryResult> {
        if let Reader::User(actor) = reader.into() {
            if actor.as_str().trim().is_empty() {
                return Err(Error::validation("actor", "must not be empty"));
            }
            let dir = Directory::new(&self.state);
            if dir.get(&actor).is_none() {
                return Err(Error::denied(&actor, "read: not a registered user"));
            }
            if let Visibility::OwnedBy(owners) = self.policy.visibility(dir, &actor) {
                return answer_restricted(self, &actor, owners, query);
            }
        }
        answer(&self.view_for(&query)?, query)
    }

    fn view_for(&self, query: &Query) -> Result<View<'_>> {
        Ok(match query.as_of() {
            Some(at) if query.reads_the_log() => View::instant_only(self, at),
            Some(at) => self.at(at)?,
            None => self.view(),
        })
    }
}

/// Answers `query` for `actor`, who sees what `owners` own ([`Visibility::OwnedBy`]).
fn answer_restricted(
    engine: &Engine,
    actor: &ActorId,
    owners: std::collections::BTreeSet<ActorId>,
    query: Query,
) -> Result<QueryResult> {
    use Query as Q;
    use QueryResult as R;
    let vis = Visibility::OwnedBy(owners);
    let refuse = |what: String| Error::denied(actor, format!("read {what}"));
    let person = |who: &ActorId, what: &str| -> Result<()> {
        if vis.sees(who) {
            Ok(())
        } else {
            Err(refuse(format!("the {what} of {who}")))
        }
    };
    let view = engine.view_for(&query)?;
    let v = &view;
    // First what the query names: it must be in sight.
    match &query {
        Q::Opportunity { id, .. } | Q::Gate { id, .. } | Q::Timeline { id, .. } => {
            let o = v.opportunity(id)?;
            person(&o.owner, &format!("opportunity {id}, a deal"))?;
        }
        Q::Customer { id, .. } => {
            let in_sight = vis.sees_opt(v.customer(id)?.owner.as_ref());
            if !in_sight {
                return Err(refuse(format!("customer {id}")));
            }
        }
        Q::Activity { id, .. } => {
            let in_sight = sees_activity(v, &vis, v.activity(id)?);
            if !in_sight {
                return Err(refuse(format!("activity {id}")));
            }
        }
        Q::Task { id, .. } => person(&v.task(id)?.owner, &format!("task {id}, a task"))?,
        Q::Reminder { id, .. } => person(&v.reminder(id)?.recipient, "reminder")?,
        Q::Expense { id, .. } => person(&v.expense(id)?.expense.rep, &format!("expense {id}"))?,
        Q::Due {
            recipient: Some(r), ..
        } => person(r, "reminders")?,
        Q::DailyReport { rep, .. } | Q::DailyRangeReport { rep, .. } => {
            person(rep, "daily report")?;
        }
        Q::DailyTeamReport { manager, .. } => person(manager, "team's daily report")?,
        Q::Attainment(_)
        | Q::ExpenseReport(_)
        | Q::SourceReport { .. }
        | Q::CompetitorReport { .. }
        | Q::ForecastSnapshot { .. }
        | Q::ForecastSnapshots { .. }
        | Q::ForecastAccuracy { .. }
        | Q::Events { .. } => {
            return Err(refuse(format!(
                "{}: a company-wide read, and the policy shows them part of the company",
                query.kind()
            )))
        }
        _ => {}
    }
    // Then lists leave out what is out of sight, and the funnel counts the deals in sight.
    Ok(match query {
        Q::NextDueAfter { at, .. } => {
            R::Instant(v.reminder_index().next_due_after_for(at, |r| vis.sees(r)))
        }
        q @ (Q::Funnel { .. } | Q::Forecast { .. } | Q::Calibration { .. }) => {
            let Visibility::OwnedBy(owners) = &vis else {
                return answer(v, q);
            };
            let view = engine.view_for(&q)?.owned_by(owners.clone());
            answer(&view, q)?
        }
        q => match answer(v, q)? {
            R::Customers(list) => R::Customers(
                list.into_iter()
                    .filter(|c| vis.sees_opt(c.owner.as_ref()))
                    .collect(),
            ),
            R::Opportunities(list) => {
                R::Opportunities(list.into_iter().filter(|o| vis.sees(&o.owner)).collect())
            }
            R::Activities(list) => R::Activities(
                list.into_iter()
                    .filter(|a| sees_activity(v, &vis, a))
                    .collect(),
            ),
            R::Tasks(list) => R::Tasks(list.into_iter().filter(|t| vis.sees(&t.owner)).collect()),
            R::Reminders(list) => R::Reminders(
                list.into_iter()
                    .filter(|r| vis.sees(&r.recipient))
                    .collect(),
            ),
            R::Expenses(list) => R::Expenses(
                list.into_iter()
                    .filter(|x| vis.sees(&x.expense.rep))
                    .collect(),
            ),
            other => other,
        },
    })
}

/// An activity is in sight when its logger is, or the deal it concerns, or (on no deal) its
/// customer.
fn sees_activity(v: &View<'_>, vis: &Visibility, a: &Activity) -> bool {
    a.actor.as_ref().is_some_and(|x| vis.sees(x))
        || match &a.opportunity {
            Some(o) => v.opportunity(o).is_ok_and(|o| vis.sees(&o.owner)),
            None => v
                .customer(&a.customer)
                .is_ok_and(|c| vis.sees_opt(c.owner.as_ref())),
        }
}

fn answer(v: &View<'_>, query: Query) -> Result<QueryResult> {
    use Query as Q;
    use QueryResult as R;
    Ok(match query {
        Q::Pipeline { id, version, .. } => R::Pipeline(Box::new(
            match version {
                Some(n) => v.pipeline_version(&id, n)?,
                None => v.pipeline(&id)?,
            }
            .clone(),
        )),
        Q::Pipelines { .. } => R::Pipelines(owned(v.pipelines())),
        Q::Process { id, .. } => R::Process(Box::new(v.process(&id)?.clone())),
        Q::Processes { .. } => R::Processes(owned(v.processes())),
        Q::User { id, .. } => R::User(Box::new(v.user(&id)?.clone())),
        Q::Users { .. } => R::Users(owned(v.users())),
        Q::Customer { id, .. } => R::Customer(Box::new(v.customer(&id)?.clone())),
        Q::Customers { .. } => R::Customers(owned(v.customers())),
        Q::Opportunity { id, .. } => R::Opportunity(Box::new(v.opportunity(&id)?.clone())),
        Q::Opportunities {
            pipeline, stage, ..
        } => R::Opportunities(owned(match (pipeline, stage) {
            (Some(p), Some(s)) => v.opportunities_in_stage(&p, &s),
            (None, None) => v.opportunities(),
            _ => {
                return Err(Error::validation(
                    "stage",
                    "give both pipeline and stage, or neither",
                ))
            }
        })),
        Q::Gate { id, target, .. } => R::Gate(Box::new(v.check(&id, &target)?)),
        Q::Timeline { id, .. } => R::Timeline(v.timeline(&id)?),
        Q::StageName {
            pipeline,
            version,
            stage,
            ..
        } => R::Name(v.stage_name(&pipeline, version, &stage)),
        Q::Activity { id, .. } => R::Activity(Box::new(v.activity(&id)?.clone())),
        Q::Activities {
            opportunity,
            customer,
            ..
        } => R::Activities(owned(match (opportunity, customer) {
            (Some(o), None) => v.activities_for_opportunity(&o),
            (None, Some(c)) => v.activities_for_customer(&c),
            _ => {
                return Err(Error::validation(
                    "opportunity",
                    "give an opportunity or a customer",
                ))
            }
        })),
        Q::Task { id, .. } => R::Task(Box::new(v.task(&id)?.clone())),
        Q::OpenTasks { owner, .. } => R::Tasks(owned(v.open_tasks(owner.as_ref()))),
        Q::Due {
            at,
            recipient,
            limit,
            ..
        } => R::Reminders(match recipient {
            Some(r) => v.due_for(&r, at, limit.unwrap_or(100)),
            None => v.due(at),
        }),
        Q::Upcoming { at, until, .. } => {
            let ms = u64::try_from(until.as_millis().saturating_sub(at.as_millis()))
                .map_err(|_| Error::validation("until", format!("{until} is before {at}")))?;
            R::Reminders(v.upcoming(at, std::time::Duration::from_millis(ms)))
        }
        Q::NextDueAfter { at, .. } => R::Instant(v.next_due_after(at)),
        Q::Reminder { id, .. } => R::Reminder(Box::new(v.reminder(&id)?)),
        Q::ReminderRules { .. } => R::ReminderRules(Box::new(v.reminder_rules().clone())),
        Q::DailyReport { rep, day, .. } => R::DailyReport(Box::new(v.daily_report(&rep, day)?)),
        Q::DailyRangeReport {
            rep, first, last, ..
        } => R::DailyRangeReport(Box::new(v.daily_range_report(&rep, first, last)?)),
        Q::DailyTeamReport { manager, day, .. } => {
            R::DailyTeamReport(Box::new(v.daily_team_report(&manager, day)?))
        }
        Q::Targets { .. } => R::Targets(owned(v.targets())),
        Q::Attainment(q) => R::Attainment(Box::new(v.attainment(&q)?)),
        Q::Expense { id, .. } => R::Expense(Box::new(v.expense(&id)?.clone())),
        Q::Expenses { .. } => R::Expenses(owned(v.expenses())),
        Q::ExpenseSettings { .. } => {
            R::ExpenseSettings(v.expense_settings().cloned().map(Box::new))
        }
        Q::ExpenseReport(q) => R::ExpenseReport(Box::new(v.expense_report(&q)?)),
        Q::Sources { .. } => R::Sources(v.sources().map(<[_]>::to_vec)),
        Q::SourceReport {
            pipeline,
            window_from,
            window_to,
            ..
        } => R::SourceReport(Box::new(
            v.source_report(&pipeline, Window::new(window_from, window_to))?,
        )),
        Q::CompetitorReport {
            closed_from,
            closed_to,
            ..
        } => R::CompetitorReport(Box::new(
            v.competitor_report(Window::new(closed_from, closed_to))?,
        )),
        Q::ForecastSnapshot { id, .. } => {
            R::ForecastSnapshot(Box::new(v.forecast_snapshot(&id)?.clone()))
        }
        Q::ForecastSnapshots { .. } => R::ForecastSnapshots(owned(v.forecast_snapshots())),
        Q::ForecastAccuracy { .. } => R::ForecastAccuracy(Box::new(v.forecast_accuracy()?)),
        Q::Funnel {
            pipeline, options, ..
        } => R::Funnel(v.funnel(&pipeline, &options)?),
        Q::Forecast {
            pipeline, options, ..
        } => R::Forecast(v.forecast(&pipeline, &options)?),
        Q::Calibration {
            pipeline, window, ..
        } => R::Calibration(v.calibration(&pipeline, window)?),
        Q::Events { after, limit } => R::Events(v.events(after, limit.unwrap_or(1000))?),
    })
}
