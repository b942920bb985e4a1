//! Mirror records and enums of the core's types (bdk-ffi's `types.rs`): Kotlin data classes
//! and enums, Swift structs and enums. Each is built from the core value it mirrors; what a
//! record does not spell out is in its `json` (the core's own JSON of the value).
//!
//! The core's enums are `#[non_exhaustive]`, so a mirror enum is read through the value's
//! serde name: a name this binding does not know yet is an `Internal` error saying so, not
//! a silently wrong value.

use std::time::{Duration, SystemTime};

use crate::convert::{opt_timestamp, serde_name, system_time, timestamp, to_text};
use crate::error::{Result, SalespipeError};

/// Money: integer minor units of an ISO 4217 currency (`12000000` `CNY` is ¥120,000.00).
/// Never a float; [`money_parse`] and [`money_to_decimal`] convert decimal text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// Minor units (cents, fen ...).
    pub minor: i64,
    /// The ISO 4217 code.
    pub currency: String,
}

impl From<salespipe::Money> for Money {
    fn from(m: salespipe::Money) -> Self {
        Money {
            minor: m.minor(),
            currency: m.currency().code().to_owned(),
        }
    }
}

impl Money {
    /// The core's money (the currency checked).
    pub fn to_core(&self) -> Result<salespipe::Money> {
        let currency = salespipe::Currency::new(&self.currency).map_err(|e| e.at("currency"))?;
        Ok(salespipe::Money::from_minor(self.minor, currency))
    }
}

/// Money from decimal text in a currency: `moneyParse("1200.50", "CNY")` is 120050 minor
/// units; more decimals than the currency has are refused.
#[uniffi::export]
pub fn money_parse(amount: String, currency: String) -> Result<Money> {
    crate::error::guard(|| Ok(salespipe::Money::parse(&amount, &currency)?.into()))
}

/// Money as decimal text with the currency's exponent: `"1200.50"`.
#[uniffi::export]
pub fn money_to_decimal(money: Money) -> Result<String> {
    crate::error::guard(|| Ok(money.to_core()?.to_decimal_string()))
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    /// A sales rep.
    Rep,
    /// A manager (of the reps whose `manager` they are).
    Manager,
    /// An administrator.
    Admin,
}

impl Role {
    /// The core's role.
    pub fn to_core(self) -> salespipe::Role {
        match self {
            Role::Rep => salespipe::Role::Rep,
            Role::Manager => salespipe::Role::Manager,
            Role::Admin => salespipe::Role::Admin,
        }
    }

    /// The core's JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

/// A user to register.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct User {
    /// The id (the actor name of their commands).
    pub id: String,
    /// The display name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The manager above them.
    #[uniffi(default)]
    pub manager: Option<String>,
    /// Their IANA time zone (`Asia/Shanghai`).
    #[uniffi(default)]
    pub time_zone: Option<String>,
}

impl User {
    /// The core's user.
    pub fn into_core(self) -> salespipe::User {
        salespipe::User {
            id: self.id.into(),
            name: self.name,
            role: self.role.to_core(),
            manager: self.manager.map(Into::into),
            time_zone: self.time_zone,
        }
    }
}

/// A customer kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CustomerKind {
    /// A company.
    B2b,
    /// A person.
    B2c,
}

/// A contact person of a customer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Contact {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The job title.
    #[uniffi(default)]
    pub title: Option<String>,
    /// The e-mail address.
    #[uniffi(default)]
    pub email: Option<String>,
    /// The phone number.
    #[uniffi(default)]
    pub phone: Option<String>,
}

/// A customer to create.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewCustomer {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// B2B or B2C.
    pub kind: CustomerKind,
    /// The owner (a rep).
    #[uniffi(default)]
    pub owner: Option<String>,
    /// A key customer (gets a reminder past its contact cadence).
    #[uniffi(default)]
    pub key: bool,
    /// How long a key customer may go without contact.
    #[uniffi(default)]
    pub cadence: Option<Duration>,
    /// The contacts.
    #[uniffi(default)]
    pub contacts: Vec<Contact>,
}

impl NewCustomer {
    /// The core's customer; the cadence is held to whole milliseconds, the core's precision.
    pub fn into_core(self) -> Result<salespipe::Customer> {
        let cadence = self
            .cadence
            .map(|d| {
                u64::try_from(d.as_millis())
                    .map(Duration::from_millis)
                    .map_err(|_| salespipe::Error::validation("customer.cadence", "too long"))
            })
            .transpose()?;
        Ok(salespipe::Customer {
            id: self.id.into(),
            name: self.name,
            kind: match self.kind {
                CustomerKind::B2b => salespipe::CustomerKind::B2b,
                CustomerKind::B2c => salespipe::CustomerKind::B2c,
            },
            owner: self.owner.map(Into::into),
            key: self.key,
            cadence,
            contacts: self
                .contacts
                .into_iter()
                .map(|c| salespipe::Contact {
                    id: c.id.into(),
                    name: c.name,
                    title: c.title,
                    email: c.email,
                    phone: c.phone,
                })
                .collect(),
        })
    }
}

/// An opportunity to create (the common fields; `Engine.execute` takes every field of
/// `create_opportunity`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewOpportunity {
    /// The id.
    pub id: String,
    /// The pipeline.
    pub pipeline: String,
    /// The customer.
    pub customer: String,
    /// The owner.
    pub owner: String,
    /// The name.
    pub name: String,
    /// The amount.
    pub amount: Money,
    /// The expected close date, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub expected_close: Option<String>,
    /// The source (来源).
    #[uniffi(default)]
    pub source: Option<String>,
    /// The stage to start in (default: the pipeline's first).
    #[uniffi(default)]
    pub stage: Option<String>,
    /// The contacts (ids of the customer's contacts).
    #[uniffi(default)]
    pub contacts: Vec<String>,
}

impl NewOpportunity {
    /// The core's input (the currency and the expected close date checked).
    pub fn into_core(self) -> Result<salespipe::NewOpportunity> {
        let mut o = salespipe::NewOpportunity::new(
            self.id,
            self.pipeline,
            self.customer,
            self.owner,
            self.name,
            self.amount.to_core()?,
        );
        o.expected_close = self
            .expected_close
            .map(|d| salespipe::parse_date("opportunity.expected_close", &d))
            .transpose()?;
        o.source = self.source;
        o.stage = self.stage.map(Into::into);
        o.contacts = self.contacts.into_iter().map(Into::into).collect();
        Ok(o)
    }
}

/// Where an opportunity stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OpportunityStatus {
    /// Open, in a stage.
    Open,
    /// Won.
    Won,
    /// Lost, for a reason, maybe to a competitor.
    Lost {
        /// Why.
        reason: String,
        /// The competitor who won.
        competitor: Option<String>,
    },
}

impl TryFrom<&salespipe::Status> for OpportunityStatus {
    type Error = SalespipeError;
    fn try_from(s: &salespipe::Status) -> Result<Self> {
        match s {
            salespipe::Status::Open => Ok(OpportunityStatus::Open),
            salespipe::Status::Won => Ok(OpportunityStatus::Won),
            salespipe::Status::Lost { reason, competitor } => Ok(OpportunityStatus::Lost {
                reason: reason.clone(),
                competitor: competitor.clone(),
            }),
            #[allow(unreachable_patterns)]
            other => Err(unknown("status", other)),
        }
    }
}

/// An opportunity as it stands.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Opportunity {
    /// The id.
    pub id: String,
    /// The pipeline.
    pub pipeline: String,
    /// The customer.
    pub customer: String,
    /// The owner.
    pub owner: String,
    /// The name.
    pub name: String,
    /// The amount.
    pub amount: Money,
    /// The expected close date, `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    /// The source.
    pub source: Option<String>,
    /// The current stage (an open stage, `won` or `lost`).
    pub stage: String,
    /// When it entered the stage.
    pub stage_entered_at: SystemTime,
    /// Open, won or lost.
    pub status: OpportunityStatus,
    /// When it was won or lost.
    pub closed_at: Option<SystemTime>,
    /// When it was created.
    pub created_at: SystemTime,
    /// The ticked checklist items.
    pub checklist: Vec<String>,
    /// The version of its stream.
    pub version: u64,
    /// Everything, as the core's JSON (products, competitors, fields, approvals ...).
    pub json: String,
}

impl TryFrom<&salespipe::Opportunity> for Opportunity {
    type Error = SalespipeError;
    fn try_from(o: &salespipe::Opportunity) -> Result<Self> {
        Ok(Opportunity {
            id: o.id.to_string(),
            pipeline: o.pipeline.to_string(),
            customer: o.customer.to_string(),
            owner: o.owner.to_string(),
            name: o.name.clone(),
            amount: o.amount.into(),
            expected_close: o.expected_close.map(|d| d.to_string()),
            source: o.source.clone(),
            stage: o.stage.to_string(),
            stage_entered_at: system_time(o.stage_entered_at),
            status: OpportunityStatus::try_from(&o.status)?,
            closed_at: o.closed_at.map(system_time),
            created_at: system_time(o.created_at),
            checklist: o.checklist.iter().map(str::to_owned).collect(),
            version: o.version,
            json: to_text(o)?,
        })
    }
}

/// One problem of an invalid definition.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Problem {
    /// Where (`stages[2].exit[0]`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl From<salespipe::Problem> for Problem {
    fn from(p: salespipe::Problem) -> Self {
        Problem {
            path: p.path,
            message: p.message,
        }
    }
}

/// One exit requirement on the way to a target stage, met or not.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GateItem {
    /// The stage whose exit requirement it is.
    pub stage: String,
    /// The stage's display name.
    pub stage_name: String,
    /// The requirement, as the core's JSON (`{"type": "checklist", "item": ...}`).
    pub requirement: String,
    /// Whether it holds.
    pub met: bool,
    /// Why it holds or not (`2 of 3 contacts`).
    pub reason: String,
}

/// What is met and what is missing to move an opportunity to a target stage.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GateReport {
    /// The opportunity.
    pub opportunity: String,
    /// Its current stage.
    pub from: String,
    /// The target (an open stage or `won`).
    pub target: String,
    /// True when every requirement on the way is met.
    pub met: bool,
    /// One line: what is missing, or `all requirements met`.
    pub summary: String,
    /// Every requirement on the way, in stage order.
    pub items: Vec<GateItem>,
}

impl From<salespipe::GateReport> for GateReport {
    fn from(r: salespipe::GateReport) -> Self {
        let met = r.is_met();
        let summary = r.summary();
        GateReport {
            opportunity: r.opportunity.to_string(),
            from: r.from.to_string(),
            target: r.target.to_string(),
            met,
            summary,
            items: r
                .items
                .into_iter()
                .map(|i| GateItem {
                    // a requirement is plain serde data; its JSON cannot fail
                    requirement: serde_json::to_string(&i.requirement).unwrap_or_default(),
                    stage: i.stage.to_string(),
                    stage_name: i.stage_name,
                    met: i.met,
                    reason: i.reason,
                })
                .collect(),
        }
    }
}

/// How an opportunity moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TimelineKind {
    /// Created into its first stage.
    Created,
    /// Forward, no requirements.
    Simple,
    /// Forward, sub-goals met.
    SubGoal,
    /// Forward, approval granted.
    Approved,
    /// Forced past unmet requirements.
    Forced,
    /// Moved back.
    Back,
    /// Lost.
    Lost,
    /// Reopened.
    Reopened,
    /// Moved by a pipeline edit.
    Remapped,
}

impl TryFrom<&salespipe::TimelineKind> for TimelineKind {
    type Error = SalespipeError;
    fn try_from(k: &salespipe::TimelineKind) -> Result<Self> {
        Ok(match serde_name(k)?.as_str() {
            "created" => TimelineKind::Created,
            "simple" => TimelineKind::Simple,
            "sub_goal" => TimelineKind::SubGoal,
            "approved" => TimelineKind::Approved,
            "forced" => TimelineKind::Forced,
            "back" => TimelineKind::Back,
            "lost" => TimelineKind::Lost,
            "reopened" => TimelineKind::Reopened,
            "remapped" => TimelineKind::Remapped,
            _ => return Err(unknown("timeline kind", k)),
        })
    }
}

/// One stage change of an opportunity (推进).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimelineEntry {
    /// When.
    pub at: SystemTime,
    /// Who.
    pub actor: String,
    /// From (absent for the creation).
    pub from: Option<String>,
    /// To (an open stage, `won` or `lost`).
    pub to: String,
    /// How.
    pub how: TimelineKind,
    /// Why.
    pub reason: Option<String>,
    /// The competitor who won, for a loss.
    pub competitor: Option<String>,
    /// The pipeline version in force then.
    pub pipeline_version: u32,
}

impl TryFrom<&salespipe::TimelineEntry> for TimelineEntry {
    type Error = SalespipeError;
    fn try_from(e: &salespipe::TimelineEntry) -> Result<Self> {
        Ok(TimelineEntry {
            at: system_time(e.at),
            actor: e.actor.to_string(),
            from: e.from.as_ref().map(ToString::to_string),
            to: e.to.to_string(),
            how: TimelineKind::try_from(&e.how)?,
            reason: e.reason.clone(),
            competitor: e.competitor.clone(),
            pipeline_version: e.pipeline_version,
        })
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReminderKind {
    /// A follow-up an activity planned.
    FollowUp,
    /// A task due soon.
    TaskDueSoon,
    /// A task overdue.
    TaskOverdue,
    /// An opportunity rotting in its stage.
    Stale,
    /// An open opportunity past its expected close date.
    CloseDatePassed,
    /// A key customer not contacted within its cadence.
    KeyCustomerCadence,
    /// An approval waiting past its SLA.
    ApprovalWaiting,
}

impl TryFrom<&salespipe::ReminderKind> for ReminderKind {
    type Error = SalespipeError;
    fn try_from(k: &salespipe::ReminderKind) -> Result<Self> {
        Ok(match serde_name(k)?.as_str() {
            "follow_up" => ReminderKind::FollowUp,
            "task_due_soon" => ReminderKind::TaskDueSoon,
            "task_overdue" => ReminderKind::TaskOverdue,
            "stale" => ReminderKind::Stale,
            "close_date_passed" => ReminderKind::CloseDatePassed,
            "key_customer_cadence" => ReminderKind::KeyCustomerCadence,
            "approval_waiting" => ReminderKind::ApprovalWaiting,
            _ => return Err(unknown("reminder kind", k)),
        })
    }
}

/// A reminder (derived from the engine's state, never stored as truth).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reminder {
    /// The stable id (`task_overdue/task-1`), for acknowledge, snooze and dismiss.
    pub id: String,
    /// What it is about.
    pub kind: ReminderKind,
    /// Who should act.
    pub recipient: String,
    /// When escalated: the original recipient.
    pub escalated_from: Option<String>,
    /// When it is due.
    pub due: SystemTime,
    /// When it stops applying by itself.
    pub until: Option<SystemTime>,
    /// The opportunity concerned.
    pub opportunity: Option<String>,
    /// The customer concerned.
    pub customer: Option<String>,
    /// The task concerned.
    pub task: Option<String>,
    /// The activity that planned the follow-up.
    pub activity: Option<String>,
    /// The approval request concerned.
    pub request: Option<String>,
}

impl TryFrom<&salespipe::Reminder> for Reminder {
    type Error = SalespipeError;
    fn try_from(r: &salespipe::Reminder) -> Result<Self> {
        Ok(Reminder {
            id: r.id.to_string(),
            kind: ReminderKind::try_from(&r.kind)?,
            recipient: r.recipient.to_string(),
            escalated_from: r.escalated_from.as_ref().map(ToString::to_string),
            due: system_time(r.due),
            until: r.until.map(system_time),
            opportunity: r.opportunity.as_ref().map(ToString::to_string),
            customer: r.customer.as_ref().map(ToString::to_string),
            task: r.task.as_ref().map(ToString::to_string),
            activity: r.activity.as_ref().map(ToString::to_string),
            request: r.request.as_ref().map(ToString::to_string),
        })
    }
}

/// An event as recorded in the store.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordedEvent {
    /// Position in the global log, from 1, gap-free.
    pub position: u64,
    /// The stream (`opportunity/opp-1`).
    pub stream: String,
    /// Version within the stream, from 1.
    pub version: u64,
    /// When it happened (the engine's clock).
    pub at: SystemTime,
    /// Who did it.
    pub actor: String,
    /// The event's type (`moved`, `opportunity_created` ...).
    pub kind: String,
    /// The whole recorded event, as the core's JSON.
    pub json: String,
}

impl TryFrom<&salespipe::RecordedEvent> for RecordedEvent {
    type Error = SalespipeError;
    fn try_from(e: &salespipe::RecordedEvent) -> Result<Self> {
        Ok(RecordedEvent {
            position: e.position,
            stream: e.stream.to_string(),
            version: e.version,
            at: system_time(e.at),
            actor: e.actor.to_string(),
            kind: serde_name(&e.event)?,
            json: to_text(e)?,
        })
    }
}

/// The error for a core value this binding does not mirror yet.
fn unknown<T: std::fmt::Debug>(what: &str, v: &T) -> SalespipeError {
    SalespipeError::internal(format!(
        "this binding does not know the {what} {v:?} yet: update salespipe-mobile"
    ))
}

/// A decision on the current step of an approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Decision {
    /// Approve the current step.
    Approve,
    /// Reject the request.
    Reject,
}

impl Decision {
    /// The core's decision.
    pub fn to_core(self) -> salespipe::Decision {
        match self {
            Decision::Approve => salespipe::Decision::Approve,
            Decision::Reject => salespipe::Decision::Reject,
        }
    }

    /// The core's JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }
}

/// An activity to log (a call, a visit, a demo … any kind).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewActivity {
    /// The id.
    pub id: String,
    /// The kind (`call`, `visit`, `demo` …).
    pub kind: String,
    /// The customer.
    pub customer: String,
    /// When it happened (at most a day after the engine's clock).
    pub at: SystemTime,
    /// Who did it (default: the command's actor).
    #[uniffi(default)]
    pub actor: Option<String>,
    /// The contact met.
    #[uniffi(default)]
    pub contact: Option<String>,
    /// The opportunity it was about.
    #[uniffi(default)]
    pub opportunity: Option<String>,
    /// Notes.
    #[uniffi(default)]
    pub notes: Option<String>,
    /// The next follow-up it plans (a reminder comes due then).
    #[uniffi(default)]
    pub next_follow_up: Option<SystemTime>,
}

impl NewActivity {
    /// The core's activity (the instants checked, named `activity.at`,
    /// `activity.next_follow_up`).
    pub fn into_core(self) -> Result<salespipe::Activity> {
        Ok(salespipe::Activity {
            id: self.id.into(),
            kind: self.kind,
            customer: self.customer.into(),
            at: timestamp(self.at, "activity.at")?,
            actor: self.actor.map(Into::into),
            contact: self.contact.map(Into::into),
            opportunity: self.opportunity.map(Into::into),
            notes: self.notes.unwrap_or_default(),
            next_follow_up: opt_timestamp(self.next_follow_up, "activity.next_follow_up")?,
        })
    }
}

/// A task to create.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewTask {
    /// The id.
    pub id: String,
    /// What to do.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// When it is due.
    pub due: SystemTime,
    /// The customer it is about.
    #[uniffi(default)]
    pub customer: Option<String>,
    /// The opportunity it is about.
    #[uniffi(default)]
    pub opportunity: Option<String>,
}

impl NewTask {
    /// The core's task, open (the due instant checked, named `task.due`).
    pub fn into_core(self) -> Result<salespipe::Task> {
        let mut t = salespipe::Task::new(
            self.id,
            self.title,
            self.owner,
            timestamp(self.due, "task.due")?,
        );
        t.customer = self.customer.map(Into::into);
        t.opportunity = self.opportunity.map(Into::into);
        Ok(t)
    }
}

/// Money per currency, from the core's `{currency: minor}` maps, by currency code.
fn money_list(map: &std::collections::BTreeMap<String, i64>) -> Vec<Money> {
    map.iter()
        .map(|(currency, minor)| Money {
            minor: *minor,
            currency: currency.clone(),
        })
        .collect()
}

/// A weighted amount per currency: minor units × probability, an expectation (so a
/// fraction), never a price to book.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Weighted {
    /// The ISO 4217 code.
    pub currency: String,
    /// Minor units, weighted by the stage's probability.
    pub minor: f64,
}

fn weighted_list(map: &std::collections::BTreeMap<String, f64>) -> Vec<Weighted> {
    map.iter()
        .map(|(currency, minor)| Weighted {
            currency: currency.clone(),
            minor: *minor,
        })
        .collect()
}

/// The figures of a rep's day (销售日报).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DailyFigures {
    /// Customers created.
    pub new_customers: u64,
    /// Contacts added.
    pub new_contacts: u64,
    /// Opportunities created.
    pub new_opportunities: u64,
    /// Their amounts, per currency.
    pub new_opportunity_amount: Vec<Money>,
    /// Forward moves to a later open stage or to `won`.
    pub advances: u64,
    /// Moves back.
    pub moves_back: u64,
    /// Σ amount × probability of the stage left, over the advances, per currency.
    pub weighted_before: Vec<Weighted>,
    /// Σ amount × probability of the stage entered, over the advances, per currency.
    pub weighted_after: Vec<Weighted>,
    /// `weighted_after − weighted_before`, per currency.
    pub weighted_change: Vec<Weighted>,
    /// Deals won.
    pub won: u64,
    /// Their amounts, per currency.
    pub won_amount: Vec<Money>,
    /// Deals lost.
    pub lost: u64,
    /// Their amounts, per currency.
    pub lost_amount: Vec<Money>,
    /// Activities logged, per kind.
    pub activities: std::collections::HashMap<String, u64>,
    /// Tasks completed.
    pub tasks_completed: u64,
    /// Tasks overdue at the observation instant.
    pub tasks_overdue: u64,
    /// Follow-ups due in the local day after.
    pub follow_ups_next_day: u64,
}

impl From<&salespipe::DailyFigures> for DailyFigures {
    fn from(f: &salespipe::DailyFigures) -> Self {
        DailyFigures {
            new_customers: f.new_customers,
            new_contacts: f.new_contacts,
            new_opportunities: f.new_opportunities,
            new_opportunity_amount: money_list(&f.new_opportunity_amount),
            advances: f.advances,
            moves_back: f.moves_back,
            weighted_before: weighted_list(&f.weighted_before),
            weighted_after: weighted_list(&f.weighted_after),
            weighted_change: weighted_list(&f.weighted_change),
            won: f.won,
            won_amount: money_list(&f.won_amount),
            lost: f.lost,
            lost_amount: money_list(&f.lost_amount),
            activities: f.activities.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            tasks_completed: f.tasks_completed,
            tasks_overdue: f.tasks_overdue,
            follow_ups_next_day: f.follow_ups_next_day,
        }
    }
}

/// A rep's daily report (销售日报) for one local day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DailyReport {
    /// The rep.
    pub rep: String,
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// The time zone it is a day in.
    pub time_zone: String,
    /// Its first instant.
    pub from: SystemTime,
    /// The first instant of the next day.
    pub to: SystemTime,
    /// The report's observation time.
    pub as_of: SystemTime,
    /// The figures.
    pub figures: DailyFigures,
}

impl From<&salespipe::DailyReport> for DailyReport {
    fn from(r: &salespipe::DailyReport) -> Self {
        DailyReport {
            rep: r.rep.to_string(),
            day: r.day.to_string(),
            time_zone: r.time_zone.clone(),
            from: system_time(r.from),
            to: system_time(r.to),
            as_of: system_time(r.as_of),
            figures: DailyFigures::from(&r.figures),
        }
    }
}

/// One scope's attainment (the company, a team, a rep) for a period, in the report's
/// currency. Ratios are fractions (`0.75` is 75 %); money is minor units.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AttainmentRow {
    /// `company`, `team:<manager>` or `rep:<user>`.
    pub scope: String,
    /// The display name.
    pub name: String,
    /// The scope above (a rep's team, a team's company).
    pub parent: Option<String>,
    /// The target set for the scope, if any.
    pub target_id: Option<String>,
    /// Its revenue.
    pub target: Option<Money>,
    /// Its number of deals.
    pub target_deals: Option<u32>,
    /// Won in the period.
    pub closed_won: Money,
    /// Deals won in the period.
    pub deals_won: u64,
    /// `closed_won / target`.
    pub attainment: Option<f64>,
    /// `deals_won / target_deals`.
    pub deal_attainment: Option<f64>,
    /// Open deals expected to close in the period.
    pub open_pipeline: Money,
    /// Their number.
    pub open_deals: u64,
    /// Σ amount × probability over them (minor units, an expectation).
    pub weighted_pipeline: f64,
    /// Won plus the open deals in the commit category.
    pub commit: Money,
    /// Commit plus best case.
    pub best_case: Money,
    /// Open deals the forecast omits.
    pub omitted: Money,
    /// `commit / target`.
    pub commit_attainment: Option<f64>,
    /// What is left to the target.
    pub gap: Option<Money>,
    /// `open_pipeline / gap`.
    pub coverage: Option<f64>,
    /// Open deals without an expected close date (not counted).
    pub open_without_close_date: u64,
    /// The row as the core's JSON (with the deals kept apart in other currencies).
    pub json: String,
}

/// A target whose parts do not add up to it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DecompositionIssue {
    /// The target.
    pub target: String,
    /// Its scope.
    pub scope: String,
    /// The whole.
    pub whole: Money,
    /// The sum of the parts.
    pub parts: Money,
    /// The scopes below without a target.
    pub missing: Vec<String>,
    /// What is wrong.
    pub message: String,
}

/// Attainment of the company, every team and every rep for a period.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AttainmentReport {
    /// The period (`2026-Q1`, `2026-03`, `2026`, `2026-04-01..2027-04-01`).
    pub period: String,
    /// The observation time, when asked as of an instant.
    pub as_of: Option<SystemTime>,
    /// The time zone the period's days are in.
    pub time_zone: String,
    /// The currency of every figure.
    pub currency: String,
    /// Company, teams and reps.
    pub rows: Vec<AttainmentRow>,
    /// Targets whose parts do not add up.
    pub decomposition: Vec<DecompositionIssue>,
}

impl TryFrom<&salespipe::management::target::AttainmentReport> for AttainmentReport {
    type Error = SalespipeError;
    fn try_from(r: &salespipe::management::target::AttainmentReport) -> Result<Self> {
        let rows = r
            .rows
            .iter()
            .map(|row| {
                Ok(AttainmentRow {
                    scope: row.scope.to_string(),
                    name: row.name.clone(),
                    parent: row.parent.as_ref().map(ToString::to_string),
                    target_id: row.target_id.as_ref().map(ToString::to_string),
                    target: row.target.map(Money::from),
                    target_deals: row.target_deals,
                    closed_won: row.closed_won.into(),
                    deals_won: row.deals_won,
                    attainment: row.attainment,
                    deal_attainment: row.deal_attainment,
                    open_pipeline: row.open_pipeline.into(),
                    open_deals: row.open_deals,
                    weighted_pipeline: row.weighted_pipeline,
                    commit: row.commit.into(),
                    best_case: row.best_case.into(),
                    omitted: row.omitted.into(),
                    commit_attainment: row.commit_attainment,
                    gap: row.gap.map(Money::from),
                    coverage: row.coverage,
                    open_without_close_date: row.open_without_close_date,
                    json: to_text(row)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(AttainmentReport {
            period: r.period.to_string(),
            as_of: r.as_of.map(system_time),
            time_zone: r.time_zone.clone(),
            currency: r.currency.code().to_owned(),
            rows,
            decomposition: r
                .decomposition
                .iter()
                .map(|d| DecompositionIssue {
                    target: d.target.to_string(),
                    scope: d.scope.to_string(),
                    whole: d.whole.into(),
                    parts: d.parts.into(),
                    missing: d.missing.iter().map(ToString::to_string).collect(),
                    message: d.message.clone(),
                })
                .collect(),
        })
    }
}

/// A rep's daily reports for the local days `first..=last`, and their sum.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DailyRangeReport {
    /// The rep.
    pub rep: String,
    /// The first local day, `YYYY-MM-DD`.
    pub first: String,
    /// The last local day.
    pub last: String,
    /// The time zone the days are in.
    pub time_zone: String,
    /// The first instant of the first day.
    pub from: SystemTime,
    /// The first instant after the last day.
    pub to: SystemTime,
    /// The observation time.
    pub as_of: SystemTime,
    /// One report per day.
    pub days: Vec<DailyReport>,
    /// Their sum (the overdue tasks and next-day follow-ups are the last day's).
    pub total: DailyFigures,
}

impl From<&salespipe::RangeReport> for DailyRangeReport {
    fn from(r: &salespipe::RangeReport) -> Self {
        DailyRangeReport {
            rep: r.rep.to_string(),
            first: r.first.to_string(),
            last: r.last.to_string(),
            time_zone: r.time_zone.clone(),
            from: system_time(r.from),
            to: system_time(r.to),
            as_of: system_time(r.as_of),
            days: r.days.iter().map(DailyReport::from).collect(),
            total: DailyFigures::from(&r.total),
        }
    }
}

/// The daily reports of everyone below a manager, and their totals.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TeamDailyReport {
    /// The manager (absent: the whole company).
    pub team: Option<String>,
    /// The day, `YYYY-MM-DD` (each rep's own local day).
    pub day: String,
    /// The observation time.
    pub as_of: SystemTime,
    /// One report per rep.
    pub rows: Vec<DailyReport>,
    /// Their totals.
    pub totals: DailyFigures,
}

impl From<&salespipe::TeamDailyReport> for TeamDailyReport {
    fn from(r: &salespipe::TeamDailyReport) -> Self {
        TeamDailyReport {
            team: r.team.as_ref().map(ToString::to_string),
            day: r.day.to_string(),
            as_of: system_time(r.as_of),
            rows: r.rows.iter().map(DailyReport::from).collect(),
            totals: DailyFigures::from(&r.totals),
        }
    }
}
