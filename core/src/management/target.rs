//! Revenue targets (销售目标) and attainment, as of any instant, rolled up from reps to teams to
//! the company.
//!
//! # Targets
//!
//! A [`Target`] is a revenue amount (and optionally a number of deals) for one [`Scope`] — the
//! company, a manager's team, or one rep — over one [`Period`]: a calendar month, quarter or
//! year, or a custom range of dates (a fiscal year starting in April). Targets are events
//! (`Command::SetTarget`, `Command::RemoveTarget`), so attainment as of a past instant sees the
//! targets as they were then. Two targets of the same scope and the same kind of period must
//! not overlap (a rep may have a month target and a quarter target, not two for March).
//!
//! **Teams.** The team of a manager M is M and everyone below M in the reporting lines
//! (`User::manager`, followed up by [`crate::user::reporting_line`]: the links of a loop
//! such as a→b→a are ignored, its members are at the top of their lines). The parts of a team target are the targets of M's own deals
//! (`rep:M`, when set) and, for each direct report U, `team:U` when U has reports of their own,
//! else `rep:U`. The parts of the company target are, for each user at the top (no manager),
//! `team:U` or `rep:U` likewise (an admin without reports is a part only when given a
//! target). [`AttainmentReport::decomposition`] says where the parts of a whole do not sum to
//! it or some parts are
//! missing; setting the parts one at a time is allowed, so this is a report, not a refusal.
//!
//! # Attainment
//!
//! Each [`AttainmentRow`] of a period, as of an instant T, in the report's currency:
//!
//! - **closed won**: the amounts of the deals owned by the scope's members that are won as of T
//!   and whose closing instant falls in the period (its local date in the report's time zone —
//!   the engine's is the reminder rules' `time_zone`, the company's clock). A deal reopened
//!   after its period ended no longer counts as of an instant after the reopen, and still counts
//!   as of an instant before it. Amounts and owners are those as of T.
//! - **attainment** = closed won ÷ target; `None` without a target or for a zero target.
//! - **open pipeline**: the open deals (as of T) whose expected close date is in the period,
//!   except those in the `omitted` forecast category; **weighted pipeline** is Σ amount × the
//!   probability of the deal's stage over the same deals (minor units, a float: it is an
//!   expectation, not money; probabilities count to the millionth and the sum is exact, so
//!   it does not depend on the order of the deals and a team's is the sum of its parts'). Open deals with no expected close date are in no period; their
//!   number is `open_without_close_date`.
//! - **commit**, **best case**, **omitted**: the open-in-period amounts by forecast category
//!   ([`crate::ForecastCategory`]: the deal's own, else its stage's, else `pipeline`).
//!   **commit attainment** = (closed won + commit) ÷ target.
//! - **gap** = target − closed won (negative once the target is exceeded).
//! - **coverage** = open pipeline ÷ gap, `None` when there is no target or the gap is not
//!   positive. Peers disagree on the direction (some divide the gap by the pipeline, some divide
//!   by the whole target instead of what remains); here coverage above 1 means there is more
//!   open pipeline than revenue still missing, and the usual rule of thumb is 3.
//! - **deal attainment** = deals won ÷ the target's `deals`, when it has one.
//!
//! Rows are the company, every team (a user with reports, or with a team target), and every rep
//! (every user who is not an admin, and any user owning deals or holding a rep target). A team's
//! figures are the sum of its parts' (its manager's own deals and each direct report's team or
//! rep), so rep and team figures add up exactly.
//!
//! Money is never summed across currencies: deals in other currencies than the report's are
//! kept per currency in `other_currencies` (won and open), outside every ratio. The report's
//! currency is the one its query names, else the one all targets of the period share (targets
//! of a period in several currencies need an explicit currency; a target in another currency
//! than the report's is an error).
//!
//! ```
//! use salespipe::management::target::*;
//! use salespipe::{Money, Timestamp, User, Role, ForecastCategory};
//! let users = vec![
//!     User::new("li", "李娜", Role::Manager),
//!     User::new("wang", "王芳", Role::Rep).managed_by("li"),
//! ];
//! let q1 = Period::quarter(2026, 1)?;
//! let targets = vec![Target::new("t1", Scope::Rep("wang".into()), q1, Money::parse("100000", "CNY")?)];
//! let deals = vec![DealRow::won("wang", Money::parse("60000", "CNY")?, "2026-02-10T08:00:00Z".parse()?)];
//! let input = AttainmentInput { users: &users, targets: &targets, deals: &deals };
//! let report = attainment(&input, &AttainmentQuery::new(q1))?;
//! let wang = report.row(&Scope::Rep("wang".into())).unwrap();
//! assert_eq!(wang.attainment, Some(0.6));
//! assert_eq!(report.row(&Scope::Team("li".into())).unwrap().closed_won.minor(), 6_000_000);
//! # Ok::<(), salespipe::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{ActorId, TargetId};
use crate::money::{Currency, Money};
use crate::opportunity::ForecastCategory;
use crate::render::{self, money, opt_money, percent};
use crate::user::{reporting_line, Role, User};
use crate::zone::{day_start, parse_tz};

// ----- types -------------------------------------------------------------------------

/// The kind of a [`Period`].
///
/// ```
/// use salespipe::management::target::{Period, PeriodKind};
/// assert_eq!(Period::quarter(2026, 2).unwrap().kind(), PeriodKind::Quarter);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PeriodKind {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// A calendar year.
    Year,
    /// Any range of dates.
    Custom,
}

/// A range of calendar dates, `start` inclusive, `end` exclusive. JSON and `Display`:
/// `"2026-03"` (month), `"2026-Q1"` (quarter), `"2026"` (year), `"2026-04-01..2027-04-01"`
/// (custom, end exclusive).
///
/// ```
/// use salespipe::management::target::Period;
/// let q1: Period = "2026-Q1".parse()?;
/// assert_eq!(q1, Period::quarter(2026, 1)?);
/// assert_eq!(q1.end().to_string(), "2026-04-01");
/// assert!(q1.contains("2026-03-31".parse().unwrap()));
/// assert_eq!(Period::month(2026, 3)?.to_string(), "2026-03");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
    kind: PeriodKind,
}

fn date(field: &str, y: i32, m: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| Error::validation(field, format!("{y:04}-{m:02}-{d:02} is not a date")))
}

impl Period {
    /// A calendar month (`month` 1–12).
    pub fn month(year: i32, month: u32) -> Result<Period> {
        if !(1..=12).contains(&month) {
            return Err(Error::validation(
                "period",
                format!("month {month} is not in 1..=12"),
            ));
        }
        let start = date("period", year, month, 1)?;
        let end = if month == 12 {
            date("period", year + 1, 1, 1)?
        } else {
            date("period", year, month + 1, 1)?
        };
        Ok(Period {
            start,
            end,
            kind: PeriodKind::Month,
        })
    }

    /// A calendar quarter (`quarter` 1–4).
    pub fn quarter(year: i32, quarter: u32) -> Result<Period> {
        if !(1..=4).contains(&quarter) {
            return Err(Error::validation(
                "period",
                format!("quarter {quarter} is not in 1..=4"),
            ));
        }
        let start = date("period", year, 3 * quarter - 2, 1)?;
        let end = if quarter == 4 {
            date("period", year + 1, 1, 1)?
        } else {
            date("period", year, 3 * quarter + 1, 1)?
        };
        Ok(Period {
            start,
            end,
            kind: PeriodKind::Quarter,
        })
    }

    /// A calendar year.
    pub fn year(year: i32) -> Result<Period> {
        Ok(Period {
            start: date("period", year, 1, 1)?,
            end: date("period", year + 1, 1, 1)?,
            kind: PeriodKind::Year,
        })
    }

    /// Any range of dates, `end` exclusive and after `start`.
    pub fn custom(start: NaiveDate, end: NaiveDate) -> Result<Period> {
        if end <= start {
            return Err(Error::validation(
                "period",
                format!("the end {end} is not after the start {start}"),
            ));
        }
        Ok(Period {
            start,
            end,
            kind: PeriodKind::Custom,
        })
    }

    /// The kind.
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The first day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The day after the last day.
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// True when `day` is in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end
    }

    /// True when the periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let y = self.start.year();
        match self.kind {
            PeriodKind::Month => write!(f, "{y:04}-{:02}", self.start.month()),
            PeriodKind::Quarter => write!(f, "{y:04}-Q{}", self.start.month().div_ceil(3)),
            PeriodKind::Year => write!(f, "{y:04}"),
            PeriodKind::Custom => write!(f, "{}..{}", self.start, self.end),
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Period> {
        let bad = || {
            Error::validation(
                "period",
                format!(
                    "{s:?} is not a period (expected \"2026-03\", \"2026-Q1\", \"2026\" or \"2026-04-01..2027-04-01\")"
                ),
            )
        };
        let num = |t: &str| -> Result<u32> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse::<u32>().map_err(|_| bad())
        };
        let year = |t: &str| -> Result<i32> {
            if t.len() != 4 {
                return Err(bad());
            }
            i32::try_from(num(t)?).map_err(|_| bad())
        };
        if let Some((a, b)) = s.split_once("..") {
            let a: NaiveDate = a.parse().map_err(|_| bad())?;
            let b: NaiveDate = b.parse().map_err(|_| bad())?;
            return Period::custom(a, b);
        }
        match s.split_once('-') {
            None => Period::year(year(s)?),
            Some((y, q)) if q.starts_with('Q') => Period::quarter(year(y)?, num(&q[1..])?),
            Some((y, m)) if m.len() == 2 => Period::month(year(y)?, num(m)?),
            Some(_) => Err(bad()),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Whose target: the company, a manager's team (the manager and everyone below them), or one
/// rep's own deals. JSON and `Display`: `"company"`, `"team:li"`, `"rep:wang"`.
///
/// ```
/// use salespipe::management::target::Scope;
/// let s: Scope = "team:li".parse()?;
/// assert_eq!(s, Scope::Team("li".into()));
/// assert_eq!(Scope::Rep("wang".into()).to_string(), "rep:wang");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The whole company.
    Company,
    /// A manager's team.
    Team(ActorId),
    /// One rep.
    Rep(ActorId),
}

impl Scope {
    /// The user of a team or rep scope.
    pub fn user(&self) -> Option<&ActorId> {
        match self {
            Scope::Company => None,
            Scope::Team(u) | Scope::Rep(u) => Some(u),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Company => f.write_str("company"),
            Scope::Team(u) => write!(f, "team:{u}"),
            Scope::Rep(u) => write!(f, "rep:{u}"),
        }
    }
}

impl FromStr for Scope {
    type Err = Error;

    fn from_str(s: &str) -> Result<Scope> {
        let user = |id: &str| -> Result<ActorId> {
            if id.trim().is_empty() {
                Err(Error::validation("scope", "the user id must not be empty"))
            } else {
                Ok(ActorId::new(id))
            }
        };
        if s == "company" {
            return Ok(Scope::Company);
        }
        match s.split_once(':') {
            Some(("team", id)) => Ok(Scope::Team(user(id)?)),
            Some(("rep", id)) => Ok(Scope::Rep(user(id)?)),
            _ => Err(Error::validation(
                "scope",
                format!("{s:?} is not a scope (expected \"company\", \"team:<user>\" or \"rep:<user>\")"),
            )),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A revenue target (and optionally a deal-count target) for a scope over a period.
///
/// ```
/// use salespipe::management::target::{Period, Scope, Target};
/// use salespipe::Money;
/// let t = Target::new("t1", Scope::Company, Period::year(2026)?, Money::parse("1000000", "CNY")?)
///     .deals(40);
/// assert_eq!(serde_json::to_value(&t).unwrap()["period"], "2026");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Id chosen by the host; setting a target with the same id replaces it.
    pub id: TargetId,
    /// Whose.
    pub scope: Scope,
    /// When.
    pub period: Period,
    /// Revenue to close (won) in the period.
    pub revenue: Money,
    /// Deals to win in the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deals: Option<u32>,
}

impl Target {
    /// A revenue target.
    pub fn new(id: impl Into<TargetId>, scope: Scope, period: Period, revenue: Money) -> Self {
        Target {
            id: id.into(),
            scope,
            period,
            revenue,
            deals: None,
        }
    }

    /// Adds a deal-count target.
    pub fn deals(mut self, n: u32) -> Self {
        self.deals = Some(n);
        self
    }
}

/// What to compute: a period, as of an instant, in a currency and a time zone.
///
/// ```
/// use salespipe::management::target::{AttainmentQuery, Period};
/// let q = AttainmentQuery::new(Period::month(2026, 3)?).time_zone("Asia/Shanghai");
/// assert_eq!(q.time_zone.as_deref(), Some("Asia/Shanghai"));
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttainmentQuery {
    /// The period.
    pub period: Period,
    /// As of this instant (absent: the engine's now; for plain columns, no cut-off).
    #[serde(default)]
    pub as_of: Option<Timestamp>,
    /// The report's currency (absent: the one the period's targets share).
    #[serde(default)]
    pub currency: Option<Currency>,
    /// The time zone of period edges (absent: the engine's company time zone, the reminder
    /// rules' `time_zone`; for plain columns, UTC).
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl AttainmentQuery {
    /// A query for a period with every default.
    pub fn new(period: Period) -> Self {
        AttainmentQuery {
            period,
            as_of: None,
            currency: None,
            time_zone: None,
        }
    }

    /// As of an instant.
    pub fn as_of(mut self, at: Timestamp) -> Self {
        self.as_of = Some(at);
        self
    }

    /// In a currency.
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// In a time zone.
    pub fn time_zone(mut self, tz: impl Into<String>) -> Self {
        self.time_zone = Some(tz.into());
        self
    }
}

/// Won and open amounts of deals in a currency other than the report's, kept apart.
///
/// ```
/// let o = salespipe::management::target::OtherCurrency::default();
/// assert_eq!(o.closed_won, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OtherCurrency {
    /// Closed won in the period, minor units.
    pub closed_won: i64,
    /// Open pipeline in the period, minor units.
    pub open_pipeline: i64,
}

/// The attainment of one scope (see the module docs for every definition).
///
/// ```
/// # use salespipe::management::target::*;
/// # use salespipe::Money;
/// let report = attainment(
///     &AttainmentInput { users: &[], targets: &[], deals: &[] },
///     &AttainmentQuery::new(Period::year(2026)?).currency("CNY".parse()?),
/// )?;
/// let company = report.row(&Scope::Company).unwrap();
/// assert_eq!(company.attainment, None); // no target: no ratio
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttainmentRow {
    /// Whose.
    pub scope: Scope,
    /// The user's name (`company` for the company).
    pub name: String,
    /// The scope this one rolls up into (absent for the company).
    pub parent: Option<Scope>,
    /// The target's id, if the scope has a target for the period.
    pub target_id: Option<TargetId>,
    /// The revenue target.
    pub target: Option<Money>,
    /// The deal-count target.
    pub target_deals: Option<u32>,
    /// Won in the period.
    pub closed_won: Money,
    /// Deals won in the period.
    pub deals_won: u64,
    /// Closed won ÷ target.
    pub attainment: Option<f64>,
    /// Deals won ÷ deal target.
    pub deal_attainment: Option<f64>,
    /// Open deals expected to close in the period (not omitted).
    pub open_pipeline: Money,
    /// How many.
    pub open_deals: u64,
    /// Σ amount × stage probability over the open pipeline, minor units.
    pub weighted_pipeline: f64,
    /// Open in the period, category commit.
    pub commit: Money,
    /// Open in the period, category best case.
    pub best_case: Money,
    /// Open in the period, category omitted (outside the open pipeline).
    pub omitted: Money,
    /// (Closed won + commit) ÷ target.
    pub commit_attainment: Option<f64>,
    /// Target − closed won.
    pub gap: Option<Money>,
    /// Open pipeline ÷ gap, while the gap is positive.
    pub coverage: Option<f64>,
    /// Open deals with no expected close date (in no period).
    pub open_without_close_date: u64,
    /// Deals in other currencies, per ISO code.
    pub other_currencies: BTreeMap<String, OtherCurrency>,
}

/// A whole whose parts do not add up (see the module docs for what the parts are).
///
/// ```
/// let i = salespipe::management::target::DecompositionIssue {
///     target: "t".into(), scope: salespipe::management::target::Scope::Company,
///     whole: salespipe::Money::parse("10", "CNY")?, parts: salespipe::Money::parse("8", "CNY")?,
///     missing: vec![], message: "parts sum to 8.00, the whole is 10.00".into(),
/// };
/// assert_eq!(i.parts.minor(), 800);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecompositionIssue {
    /// The whole's target.
    pub target: TargetId,
    /// The whole's scope.
    pub scope: Scope,
    /// The whole's revenue.
    pub whole: Money,
    /// The sum of the parts that have targets.
    pub parts: Money,
    /// Parts without a target while others have one.
    pub missing: Vec<Scope>,
    /// What is wrong, readably.
    pub message: String,
}

/// Attainment of every scope for one period.
///
/// ```
/// # use salespipe::management::target::*;
/// let r = attainment(
///     &AttainmentInput { users: &[], targets: &[], deals: &[] },
///     &AttainmentQuery::new(Period::month(2026, 3)?).currency("USD".parse()?),
/// )?;
/// assert_eq!(r.rows.len(), 1);
/// assert!(r.to_string().contains("company"));
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttainmentReport {
    /// The period.
    pub period: Period,
    /// As of (absent: no cut-off).
    pub as_of: Option<Timestamp>,
    /// The time zone of the period's edges.
    pub time_zone: String,
    /// The currency of every amount.
    pub currency: Currency,
    /// The company, then teams, then reps, each by id.
    pub rows: Vec<AttainmentRow>,
    /// Wholes whose parts do not add up.
    pub decomposition: Vec<DecompositionIssue>,
    /// Deals the caller left out of the input and counts here (the engine: deals whose
    /// amount is beyond [`Money::MAX_MINOR`], stored before that limit was checked). Absent
    /// from the JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl AttainmentReport {
    /// The row of a scope.
    pub fn row(&self, scope: &Scope) -> Option<&AttainmentRow> {
        self.rows.iter().find(|r| &r.scope == scope)
    }
}

// ----- rows --------------------------------------------------------------------------

/// Open, won or lost, for a [`DealRow`].
///
/// ```
/// use salespipe::management::target::DealOutcome;
/// assert_eq!(serde_json::to_string(&DealOutcome::Won).unwrap(), "\"won\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DealOutcome {
    /// Open.
    Open,
    /// Won.
    Won,
    /// Lost.
    Lost,
}

/// One deal as attainment reads it (the plain-columns input; the engine builds these from its
/// state).
///
/// ```
/// use salespipe::management::target::DealRow;
/// use salespipe::{ForecastCategory, Money};
/// let d = DealRow::open("wang", Money::parse("500", "CNY")?, "2026-03-20".parse().unwrap(), 0.5)
///     .category(ForecastCategory::Commit);
/// assert_eq!(d.probability, 0.5);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealRow {
    /// The owner.
    pub owner: ActorId,
    /// The amount (not negative).
    pub amount: Money,
    /// Open, won or lost.
    pub outcome: DealOutcome,
    /// When it closed (required for won deals).
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    /// Expected close date (for open deals).
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
    /// The probability of its stage, in [0, 1] (for open deals).
    #[serde(default)]
    pub probability: f64,
    /// Its forecast category (for open deals).
    #[serde(default)]
    pub category: ForecastCategory,
}

impl DealRow {
    /// An open deal expected to close on `expected_close`.
    pub fn open(
        owner: impl Into<ActorId>,
        amount: Money,
        expected_close: NaiveDate,
        probability: f64,
    ) -> Self {
        DealRow {
            owner: owner.into(),
            amount,
            outcome: DealOutcome::Open,
            closed_at: None,
            expected_close: Some(expected_close),
            probability,
            category: ForecastCategory::Pipeline,
        }
    }

    /// A deal won at `closed_at`.
    pub fn won(owner: impl Into<ActorId>, amount: Money, closed_at: Timestamp) -> Self {
        DealRow {
            owner: owner.into(),
            amount,
            outcome: DealOutcome::Won,
            closed_at: Some(closed_at),
            expected_close: None,
            probability: 1.0,
            category: ForecastCategory::Pipeline,
        }
    }

    /// Sets the forecast category.
    pub fn category(mut self, category: ForecastCategory) -> Self {
        self.category = category;
        self
    }
}

/// The plain-columns input of [`attainment`]: the org chart, the targets, the deals.
///
/// ```
/// use salespipe::management::target::AttainmentInput;
/// let input = AttainmentInput { users: &[], targets: &[], deals: &[] };
/// assert!(input.deals.is_empty());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AttainmentInput<'a> {
    /// The users, with their managers.
    pub users: &'a [User],
    /// The targets (only those of the queried period are read).
    pub targets: &'a [Target],
    /// The deals.
    pub deals: &'a [DealRow],
}

// ----- report ------------------------------------------------------------------------

/// Running sums of one node (rep or team), in minor units of the report currency.
#[derive(Debug, Clone, Default)]
struct Sums {
    won: i64,
    deals_won: u64,
    open: i64,
    open_deals: u64,
    /// Σ minor × probability in millionths: exact, so sums do not depend on the order.
    weighted_ppm: i128,
    commit: i64,
    best_case: i64,
    omitted: i64,
    undated: u64,
    other: BTreeMap<String, OtherCurrency>,
}

fn add(acc: &mut i64, v: i64, currency: Currency) -> Result<()> {
    *acc = acc
        .checked_add(v)
        .ok_or_else(|| Error::money(format!("a total in {currency} overflows")))?;
    Ok(())
}

impl Sums {
    fn merge(&mut self, o: &Sums, c: Currency) -> Result<()> {
        add(&mut self.won, o.won, c)?;
        self.deals_won += o.deals_won;
        add(&mut self.open, o.open, c)?;
        self.open_deals += o.open_deals;
        self.weighted_ppm += o.weighted_ppm;
        add(&mut self.commit, o.commit, c)?;
        add(&mut self.best_case, o.best_case, c)?;
        add(&mut self.omitted, o.omitted, c)?;
        self.undated += o.undated;
        for (code, v) in &o.other {
            let e = self.other.entry(code.clone()).or_default();
            add(&mut e.closed_won, v.closed_won, c)?;
            add(&mut e.open_pipeline, v.open_pipeline, c)?;
        }
        Ok(())
    }
}

/// The reporting lines as attainment walks them ([`reporting_line`]): parents, children, roots,
/// in id order.
struct Org<'a> {
    users: BTreeMap<&'a ActorId, &'a User>,
    parent: BTreeMap<&'a ActorId, &'a ActorId>,
    children: BTreeMap<&'a ActorId, Vec<&'a ActorId>>,
    roots: Vec<&'a ActorId>,
}

impl<'a> Org<'a> {
    fn new(users: &'a [User]) -> Result<Org<'a>> {
        let mut map = BTreeMap::new();
        for (i, u) in users.iter().enumerate() {
            if map.insert(&u.id, u).is_some() {
                return Err(Error::validation(
                    format!("users[{i}].id"),
                    format!("duplicate user {}", u.id),
                ));
            }
        }
        // each user's manager as the reporting line has it (a loop's links ignored: its
        // members are at the top), when that manager is one of the users
        let mut parent = BTreeMap::new();
        let mut children: BTreeMap<&ActorId, Vec<&ActorId>> = BTreeMap::new();
        let mut roots = Vec::new();
        for u in map.values() {
            let manager = reporting_line(&u.id, |id| map.get(id).copied()).next();
            match manager.and_then(|m| map.get_key_value(m)) {
                Some((m, _)) => {
                    parent.insert(&u.id, *m);
                    children.entry(*m).or_default().push(&u.id);
                }
                None => roots.push(&u.id),
            }
        }
        Ok(Org {
            users: map,
            parent,
            children,
            roots,
        })
    }

    fn has_reports(&self, u: &ActorId) -> bool {
        self.children.get(u).is_some_and(|c| !c.is_empty())
    }

    /// The scope a user rolls up as: their team when they have reports, else themselves.
    fn node(&self, u: &ActorId) -> Scope {
        if self.has_reports(u) {
            Scope::Team(u.clone())
        } else {
            Scope::Rep(u.clone())
        }
    }

    /// The parts of a whole: see the module docs.
    fn parts(&self, whole: &Scope) -> Vec<Scope> {
        match whole {
            Scope::Company => self.roots.iter().map(|u| self.node(u)).collect(),
            Scope::Team(m) => {
                let mut v = vec![Scope::Rep(m.clone())];
                v.extend(
                    self.children
                        .get(m)
                        .into_iter()
                        .flatten()
                        .map(|u| self.node(u)),
                );
                v
            }
            Scope::Rep(_) => Vec::new(),
        }
    }

    fn name(&self, scope: &Scope) -> String {
        match scope.user() {
            None => "company".to_owned(),
            Some(u) => self
                .users
                .get(u)
                .map_or_else(|| u.to_string(), |x| x.name.clone()),
        }
    }
}

/// A probability in millionths (it is in [0, 1], checked before).
fn ppm(p: f64) -> i128 {
    (p * 1e6).round() as i128
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Computes the attainment of every scope for a period (see the module docs).
///
/// Errors: a deal with a negative amount, a probability outside [0, 1], a won deal without a
/// closing instant or an unknown owner; duplicate users; two
/// targets for the same scope and period; a target in another currency than the report's, or
/// targets in several currencies without an explicit currency; no currency at all; a bad time
/// zone. Each names its field.
pub fn attainment(
    input: &AttainmentInput<'_>,
    query: &AttainmentQuery,
) -> Result<AttainmentReport> {
    let period = query.period;
    let tz_name = query.time_zone.clone().unwrap_or_else(|| "UTC".to_owned());
    let tz = parse_tz("time_zone", &tz_name)?;
    let org = Org::new(input.users)?;

    // the period's targets, by scope
    let mut targets: HashMap<&Scope, &Target> = HashMap::new();
    for (i, t) in input.targets.iter().enumerate() {
        if t.period != period {
            continue;
        }
        if let Some(u) = t.scope.user() {
            if !org.users.contains_key(u) {
                return Err(Error::not_found_at(
                    "user",
                    u,
                    format!("targets[{i}].scope"),
                ));
            }
        }
        if let Some(prev) = targets.insert(&t.scope, t) {
            return Err(Error::validation(
                format!("targets[{i}].period"),
                format!(
                    "{} and {} are both targets of {} for {period}",
                    prev.id, t.id, t.scope
                ),
            ));
        }
    }
    let currency = match query.currency {
        Some(c) => c,
        None => {
            let cs: BTreeSet<&str> = targets
                .values()
                .map(|t| t.revenue.currency().code())
                .collect();
            match cs.len() {
                1 => targets
                    .values()
                    .next()
                    .map(|t| t.revenue.currency())
                    .ok_or_else(|| Error::validation("currency", "no targets"))?,
                0 => {
                    return Err(Error::validation(
                        "currency",
                        format!("there are no targets for {period}: name the report's currency"),
                    ))
                }
                _ => {
                    return Err(Error::money(format!(
                        "the targets for {period} are in {}: name the report's currency",
                        cs.into_iter().collect::<Vec<_>>().join(", ")
                    )))
                }
            }
        }
    };
    let mut by_scope: Vec<&Target> = targets.values().copied().collect();
    by_scope.sort_by(|a, b| a.scope.cmp(&b.scope));
    for t in &by_scope {
        if t.revenue.currency() != currency {
            return Err(Error::money(format!(
                "target {} is in {}, the report in {currency}",
                t.id,
                t.revenue.currency()
            )));
        }
    }

    // one pass over the deals, into each owner's own sums
    // the period's edges as instants, once: a won deal is in it when it closed in [start, end)
    let start = day_start("period", tz, period.start())?;
    let end = day_start("period", tz, period.end())?;
    // each user's own sums, found by one hash probe per deal
    let slot: HashMap<&ActorId, usize, foldhash::fast::RandomState> =
        org.users.keys().enumerate().map(|(i, u)| (*u, i)).collect();
    let mut sums: Vec<Option<Sums>> = vec![None; org.users.len()];
    for (i, d) in input.deals.iter().enumerate() {
        let field = |f: &str| format!("deals[{i}].{f}");
        if d.amount.is_negative() {
            return Err(Error::validation(field("amount"), "must not be negative"));
        }
        if !(0.0..=1.0).contains(&d.probability) {
            return Err(Error::validation(
                field("probability"),
                format!("{} is not in [0, 1]", d.probability),
            ));
        }
        let Some(&i) = slot.get(&d.owner) else {
            return Err(Error::not_found_at("user", &d.owner, field("owner")));
        };
        let Some(s) = sums.get_mut(i) else {
            continue;
        };
        let s = s.get_or_insert_with(Sums::default);
        let minor = d.amount.minor();
        let same = d.amount.currency() == currency;
        match d.outcome {
            DealOutcome::Won => {
                let at = d
                    .closed_at
                    .ok_or_else(|| Error::validation(field("closed_at"), "a won deal needs it"))?;
                if query.as_of.is_some_and(|t| at > t) || at < start || at >= end {
                    continue;
                }
                if same {
                    add(&mut s.won, minor, currency)?;
                    s.deals_won += 1;
                } else {
                    let e = s
                        .other
                        .entry(d.amount.currency().code().to_owned())
                        .or_default();
                    add(&mut e.closed_won, minor, currency)?;
                }
            }
            DealOutcome::Lost => {}
            DealOutcome::Open => {
                let Some(close) = d.expected_close else {
                    s.undated += 1;
                    continue;
                };
                if !period.contains(close) {
                    continue;
                }
                if !same {
                    if d.category != ForecastCategory::Omitted {
                        let e = s
                            .other
                            .entry(d.amount.currency().code().to_owned())
                            .or_default();
                        add(&mut e.open_pipeline, minor, currency)?;
                    }
                    continue;
                }
                match d.category {
                    ForecastCategory::Omitted => add(&mut s.omitted, minor, currency)?,
                    c => {
                        add(&mut s.open, minor, currency)?;
                        s.open_deals += 1;
                        s.weighted_ppm += i128::from(minor) * ppm(d.probability);
                        match c {
                            ForecastCategory::Commit => add(&mut s.commit, minor, currency)?,
                            ForecastCategory::BestCase => add(&mut s.best_case, minor, currency)?,
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    let own: HashMap<&ActorId, Sums> = org
        .users
        .keys()
        .zip(sums)
        .filter_map(|(u, s)| s.map(|s| (*u, s)))
        .collect();

    // roll up: post-order over the reporting lines
    let mut team: HashMap<&ActorId, Sums> = HashMap::new();
    let mut order: Vec<&ActorId> = Vec::new();
    let mut stack: Vec<(&ActorId, bool)> = org.roots.iter().rev().map(|u| (*u, false)).collect();
    while let Some((u, done)) = stack.pop() {
        if done {
            order.push(u);
        } else {
            stack.push((u, true));
            for c in org.children.get(u).into_iter().flatten().rev() {
                stack.push((c, false));
            }
        }
    }
    let empty = Sums::default();
    for u in &order {
        let mut s = own.get(u).cloned().unwrap_or_default();
        for c in org.children.get(u).into_iter().flatten() {
            s.merge(team.get(c).unwrap_or(&empty), currency)?;
        }
        team.insert(u, s);
    }
    let mut company = Sums::default();
    for u in &org.roots {
        company.merge(team.get(u).unwrap_or(&empty), currency)?;
    }

    let row = |scope: Scope, parent: Option<Scope>, s: &Sums| -> Result<AttainmentRow> {
        let t = targets.get(&scope).copied();
        let money = |m: i64| Money::from_minor(m, currency);
        let target = t.map(|t| t.revenue.minor());
        let gap = match target {
            Some(v) => Some(
                v.checked_sub(s.won)
                    .ok_or_else(|| Error::money(format!("the gap of {scope} overflows")))?,
            ),
            None => None,
        };
        let committed = s
            .won
            .checked_add(s.commit)
            .ok_or_else(|| Error::money(format!("the commit of {scope} overflows")))?;
        Ok(AttainmentRow {
            name: org.name(&scope),
            parent,
            target_id: t.map(|t| t.id.clone()),
            target: t.map(|t| t.revenue),
            target_deals: t.and_then(|t| t.deals),
            closed_won: money(s.won),
            deals_won: s.deals_won,
            attainment: target.and_then(|v| ratio(s.won, v)),
            deal_attainment: t
                .and_then(|t| t.deals)
                .filter(|n| *n > 0)
                .map(|n| s.deals_won as f64 / f64::from(n)),
            open_pipeline: money(s.open),
            open_deals: s.open_deals,
            weighted_pipeline: s.weighted_ppm as f64 / 1e6,
            commit: money(s.commit),
            best_case: money(s.best_case),
            omitted: money(s.omitted),
            commit_attainment: target.and_then(|v| ratio(committed, v)),
            gap: gap.map(money),
            coverage: gap.and_then(|g| ratio(s.open, g)),
            open_without_close_date: s.undated,
            other_currencies: s.other.clone(),
            scope,
        })
    };

    let mut rows = vec![row(Scope::Company, None, &company)?];
    let parent_of = |u: &ActorId| -> Option<Scope> {
        match org.parent.get(u) {
            Some(m) => Some(Scope::Team((*m).clone())),
            None => Some(Scope::Company),
        }
    };
    for u in org.users.keys() {
        let team_scope = Scope::Team((*u).clone());
        if org.has_reports(u) || targets.contains_key(&team_scope) {
            rows.push(row(
                team_scope,
                parent_of(u),
                team.get(u).unwrap_or(&empty),
            )?);
        }
    }
    for (u, user) in &org.users {
        let rep_scope = Scope::Rep((*u).clone());
        let owns = own.contains_key(u);
        if user.role != Role::Admin || owns || targets.contains_key(&rep_scope) {
            let parent = if org.has_reports(u) {
                Some(Scope::Team((*u).clone()))
            } else {
                parent_of(u)
            };
            rows.push(row(rep_scope, parent, own.get(u).unwrap_or(&empty))?);
        }
    }

    let decomposition = decomposition(&org, &targets, &by_scope)?;
    Ok(AttainmentReport {
        period,
        as_of: query.as_of,
        time_zone: tz_name,
        currency,
        rows,
        decomposition,
        left_out: 0,
    })
}

/// True when a deal is in the open pipeline of a period as [`attainment`] counts it for a
/// report in `currency`: open, expected to close in the period, in the report's currency, not
/// in the `omitted` category. Its `amount × probability` is its share of `weighted_pipeline`;
/// the forecast snapshot ([`crate::management::snapshot`]) draws its distribution over the same deals.
pub(crate) fn in_open_pipeline(d: &DealRow, period: &Period, currency: Currency) -> bool {
    d.outcome == DealOutcome::Open
        && d.expected_close.is_some_and(|c| period.contains(c))
        && d.amount.currency() == currency
        && d.category != ForecastCategory::Omitted
}

fn decomposition(
    org: &Org<'_>,
    targets: &HashMap<&Scope, &Target>,
    wholes: &[&Target],
) -> Result<Vec<DecompositionIssue>> {
    let mut issues = Vec::new();
    for whole in wholes {
        if matches!(whole.scope, Scope::Rep(_)) {
            continue;
        }
        let parts = org.parts(&whole.scope);
        let set: Vec<&Target> = parts
            .iter()
            .filter_map(|p| targets.get(p).copied())
            .collect();
        if set.is_empty() {
            continue;
        }
        let currency = whole.revenue.currency();
        let sum = Money::sum(currency, set.iter().map(|t| t.revenue))?;
        // the manager's own quota is optional: a team's missing parts are its members only
        let missing: Vec<Scope> = parts
            .iter()
            .filter(|p| !targets.contains_key(p))
            .filter(|p| !matches!((&whole.scope, p), (Scope::Team(m), Scope::Rep(r)) if m == r))
            // an admin at the top carries no quota unless given one
            .filter(|p| match p {
                Scope::Rep(u) => org.users.get(u).is_none_or(|x| x.role != Role::Admin),
                _ => true,
            })
            .cloned()
            .collect();
        if sum == whole.revenue && missing.is_empty() {
            continue;
        }
        let mut message = if sum == whole.revenue {
            format!("the parts of {} sum to its {}", whole.scope, whole.revenue)
        } else {
            format!(
                "the parts of {} sum to {}, the whole is {}",
                whole.scope, sum, whole.revenue
            )
        };
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(ToString::to_string).collect();
            message.push_str(&format!("; without a target: {}", names.join(", ")));
        }
        issues.push(DecompositionIssue {
            target: whole.id.clone(),
            scope: whole.scope.clone(),
            whole: whole.revenue,
            parts: sum,
            missing,
            message,
        });
    }
    Ok(issues)
}

// ----- rendering ---------------------------------------------------------------------

impl fmt::Display for AttainmentReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Attainment {} ({}, {}{})",
            self.period,
            self.currency,
            self.time_zone,
            self.as_of
                .map_or_else(String::new, |t| format!(", as of {t}"))
        )?;
        writeln!(
            f,
            "{:<24} {:>14} {:>14} {:>8} {:>14} {:>14} {:>14} {:>8}",
            "scope", "target", "won", "att.", "pipeline", "commit", "gap", "cover"
        )?;
        for r in &self.rows {
            let indent = match r.scope {
                Scope::Company => "",
                Scope::Team(_) => "  ",
                Scope::Rep(_) => "    ",
            };
            let label = format!("{indent}{} {}", r.scope, r.name);
            writeln!(
                f,
                "{:<24} {:>14} {:>14} {:>8} {:>14} {:>14} {:>14} {:>8}",
                label,
                opt_money(r.target),
                money(r.closed_won),
                percent(r.attainment),
                money(r.open_pipeline),
                money(r.commit),
                opt_money(r.gap),
                render::ratio(r.coverage),
            )?;
        }
        for i in &self.decomposition {
            writeln!(f, "! {}: {}", i.target, i.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_print_and_refuse_nonsense() {
        for s in ["2026-03", "2026-Q4", "2026", "2026-04-01..2027-04-01"] {
            let p: Period = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        }
        assert_eq!(
            Period::quarter(2026, 4).unwrap().end(),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            Period::month(2026, 2).unwrap().end(),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        for bad in [
            "2026-13",
            "2026-Q5",
            "26",
            "2026-3",
            "2026-04-01..2026-04-01",
            "x",
            "2026-Qx",
            "+026",
        ] {
            let e = bad.parse::<Period>().unwrap_err();
            assert!(e.to_string().contains("period"), "{bad}: {e}");
        }
        let q1 = Period::quarter(2026, 1).unwrap();
        assert!(q1.overlaps(&Period::month(2026, 3).unwrap()));
        assert!(!q1.overlaps(&Period::month(2026, 4).unwrap()));
    }

    #[test]
    fn scopes_round_trip() {
        for s in ["company", "team:li", "rep:wang", "rep:a:b"] {
            let sc: Scope = s.parse().unwrap();
            assert_eq!(sc.to_string(), s);
        }
        for bad in ["", "rep:", "boss:li", "Company"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }
}
